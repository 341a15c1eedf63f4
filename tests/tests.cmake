# Test registration; included from the top-level CMakeLists.txt.
foreach(snippet kernels corpus graph writer data train search detect)
  if(EXISTS ${CMAKE_SOURCE_DIR}/tests/${snippet}.cmake)
    include(${CMAKE_SOURCE_DIR}/tests/${snippet}.cmake)
  endif()
endforeach()

add_executable(test_models ${CMAKE_SOURCE_DIR}/tests/test_models.c ${CMAKE_SOURCE_DIR}/tests/golden.c)
target_link_libraries(test_models PRIVATE tinyforge)
target_include_directories(test_models PRIVATE ${CMAKE_SOURCE_DIR}/tests)
target_compile_definitions(test_models PRIVATE TFG_SOURCE_DIR="${CMAKE_SOURCE_DIR}")
add_test(NAME models_golden COMMAND test_models golden)
add_test(NAME models_layers COMMAND test_models layers)
add_test(NAME models_arena COMMAND test_models arena)

add_test(NAME cli COMMAND ${CMAKE_SOURCE_DIR}/tests/cli.sh $<TARGET_FILE:tfg_cli> ${CMAKE_SOURCE_DIR} $<TARGET_FILE:test_graph>)
# The memory and schedule report: JSON against plan --json, xmllint, headless Chromium.
add_test(NAME report COMMAND ${CMAKE_SOURCE_DIR}/tests/report.sh $<TARGET_FILE:tfg_cli> ${CMAKE_SOURCE_DIR})

# Sanitizer builds link their runtimes into every object, so check only plain builds.
if(NOT TFG_SANITIZE)
  add_test(NAME runtime_symbols COMMAND ${CMAKE_SOURCE_DIR}/tests/runtime_symbols.sh $<TARGET_FILE:tinyforge_rt>)
endif()

add_executable(test_zoo ${CMAKE_SOURCE_DIR}/tests/test_zoo.c)
target_link_libraries(test_zoo PRIVATE tinyforge)
target_include_directories(test_zoo PRIVATE ${CMAKE_SOURCE_DIR}/tests ${CJSON_INCLUDE_DIR})
target_compile_definitions(test_zoo PRIVATE TFG_SOURCE_DIR="${CMAKE_SOURCE_DIR}")
add_test(NAME zoo COMMAND test_zoo)

# test_graph writes the issue-11 models (negative scales, uint8 input) for it.
add_test(NAME codegen_host COMMAND ${CMAKE_SOURCE_DIR}/tests/codegen.sh $<TARGET_FILE:tfg_cli> ${CMAKE_SOURCE_DIR}
         $<TARGET_FILE:test_graph>)
# Generated code in real firmware: C++ mains (g++, arm-none-eabi-g++ on QEMU),
# zero copy in the arena alone, opt-in pieces, reproducible output, numbering.
add_test(NAME codegen_firmware COMMAND ${CMAKE_SOURCE_DIR}/tests/firmware.sh $<TARGET_FILE:tfg_cli> ${CMAKE_SOURCE_DIR})

# Generated code on emulated MCUs (skips with a message when the cross
# toolchains are absent; .ci/run installs them with scripts/deps-targets.sh).
add_test(NAME mcu_qemu COMMAND ${CMAKE_SOURCE_DIR}/tests/mcu.sh $<TARGET_FILE:tfg_cli> ${CMAKE_SOURCE_DIR}
         $<TARGET_FILE:test_graph>)
# The kernel unit tests as firmware (the DSP paths on M4/M7/M33/M55, the
# portable one on M3). It builds nothing of the host's, so the sanitizer build, which
# would only repeat it, leaves it out.
if(NOT TFG_SANITIZE)
  add_test(NAME kernels_mcu COMMAND ${CMAKE_SOURCE_DIR}/tests/kernels_mcu.sh ${CMAKE_SOURCE_DIR})
endif()
add_test(NAME target_smoke COMMAND ${CMAKE_SOURCE_DIR}/scripts/target_smoke.sh)
# The flash and the instructions the search prices candidates by, against
# the M4 ELFs bench links and QEMU's counts (cross builds of host-made code:
# the sanitizer build would only repeat it).
if(NOT TFG_SANITIZE)
  add_test(NAME m4_models COMMAND ${CMAKE_SOURCE_DIR}/tests/m4_models.sh $<TARGET_FILE_DIR:tfg_cli> ${CMAKE_SOURCE_DIR})
endif()

# Patch-based inference: patched runs against layer by layer, MAC recount, targets.
add_executable(test_sched ${CMAKE_SOURCE_DIR}/tests/test_sched.c)
target_link_libraries(test_sched PRIVATE tinyforge)
target_include_directories(test_sched PRIVATE ${CMAKE_SOURCE_DIR}/tests ${CMAKE_SOURCE_DIR}/src)
target_compile_definitions(test_sched PRIVATE TFG_SOURCE_DIR="${CMAKE_SOURCE_DIR}")
add_test(NAME sched COMMAND test_sched)
