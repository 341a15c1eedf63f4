# libFuzzer harness; included from the top-level CMakeLists.txt inside
# if(TFG_FUZZ), after the tinyforge and tinyforge_rt targets are defined.
# Needs clang (libclang-rt-14-dev provides the fuzzer runtime); configure
# with -DCMAKE_C_COMPILER=clang -DTFG_SANITIZE=ON -DTFG_FUZZ=ON so the
# library itself carries ASan/UBSan. scripts/fuzz.sh does all of this.
#
# The libraries get -fsanitize=fuzzer-no-link: coverage instrumentation
# without libFuzzer's main, so libFuzzer sees which branches of the reader,
# validator, planner and kernels an input reaches (without it the fuzzer is
# blind). The other executables still link: the ASan runtime provides the
# coverage callbacks.
if(NOT CMAKE_C_COMPILER_ID MATCHES "Clang")
  message(FATAL_ERROR "TFG_FUZZ needs clang (configure with -DCMAKE_C_COMPILER=clang)")
endif()
target_compile_options(tinyforge PRIVATE -fsanitize=fuzzer-no-link)
target_compile_options(tinyforge_rt PRIVATE -fsanitize=fuzzer-no-link)
# One libFuzzer executable per harness fuzz/NAME.c.
function(tfg_fuzz_target name)
  add_executable(${name} ${CMAKE_SOURCE_DIR}/fuzz/${name}.c)
  target_compile_options(${name} PRIVATE -fsanitize=fuzzer)
  target_link_options(${name} PRIVATE -fsanitize=fuzzer)
  target_link_libraries(${name} PRIVATE tinyforge)
endfunction()

# Models: the reader, validator, planner and executor.
tfg_fuzz_target(fuzz_model)
# Architecture JSON specs: cJSON parsing, the builder and the planner.
tfg_fuzz_target(fuzz_arch)
# TinyNAS search spaces (src/search/space.c): parsing, and subnets the builder must accept.
tfg_fuzz_target(fuzz_space)
# Bench data for the report (`report --bench`): cJSON and the layer checks.
tfg_fuzz_target(fuzz_bench)
# IDX datasets (src/data): gzip inflation and every header and count check.
tfg_fuzz_target(fuzz_idx)
# Images (src/data/image.c): libpng and libjpeg-turbo behind our error handlers, and the PNM parser.
# The conventional macro lets mutated PNG chunks past their CRC (image.c), so the fuzzer reaches the decoder.
target_compile_definitions(tinyforge PRIVATE FUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION)
tfg_fuzz_target(fuzz_image)
# Training checkpoints (src/train/checkpoint.c).
tfg_fuzz_target(fuzz_checkpoint)
