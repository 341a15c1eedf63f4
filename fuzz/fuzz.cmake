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
add_executable(fuzz_model ${CMAKE_SOURCE_DIR}/fuzz/fuzz_model.c)
target_compile_options(fuzz_model PRIVATE -fsanitize=fuzzer)
target_link_options(fuzz_model PRIVATE -fsanitize=fuzzer)
target_link_libraries(fuzz_model PRIVATE tinyforge)

# Architecture JSON specs: cJSON parsing, the builder and the planner.
add_executable(fuzz_arch ${CMAKE_SOURCE_DIR}/fuzz/fuzz_arch.c)
target_compile_options(fuzz_arch PRIVATE -fsanitize=fuzzer)
target_link_options(fuzz_arch PRIVATE -fsanitize=fuzzer)
target_link_libraries(fuzz_arch PRIVATE tinyforge)

# Bench data for the report (`report --bench`): cJSON and the layer checks.
add_executable(fuzz_bench ${CMAKE_SOURCE_DIR}/fuzz/fuzz_bench.c)
target_compile_options(fuzz_bench PRIVATE -fsanitize=fuzzer)
target_link_options(fuzz_bench PRIVATE -fsanitize=fuzzer)
target_link_libraries(fuzz_bench PRIVATE tinyforge)

# IDX datasets (src/data): gzip inflation and every header and count check.
add_executable(fuzz_idx ${CMAKE_SOURCE_DIR}/fuzz/fuzz_idx.c)
target_compile_options(fuzz_idx PRIVATE -fsanitize=fuzzer)
target_link_options(fuzz_idx PRIVATE -fsanitize=fuzzer)
target_link_libraries(fuzz_idx PRIVATE tinyforge)

# Images (src/data/image.c): libpng and libjpeg-turbo behind our error handlers, and the PNM parser.
# The conventional macro lets mutated PNG chunks past their CRC (image.c), so the fuzzer reaches the decoder.
target_compile_definitions(tinyforge PRIVATE FUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION)
add_executable(fuzz_image ${CMAKE_SOURCE_DIR}/fuzz/fuzz_image.c)
target_compile_options(fuzz_image PRIVATE -fsanitize=fuzzer)
target_link_options(fuzz_image PRIVATE -fsanitize=fuzzer)
target_link_libraries(fuzz_image PRIVATE tinyforge)

# Training checkpoints (src/train/checkpoint.c).
add_executable(fuzz_checkpoint ${CMAKE_SOURCE_DIR}/fuzz/fuzz_checkpoint.c)
target_compile_options(fuzz_checkpoint PRIVATE -fsanitize=fuzzer)
target_link_options(fuzz_checkpoint PRIVATE -fsanitize=fuzzer)
target_link_libraries(fuzz_checkpoint PRIVATE tinyforge)
