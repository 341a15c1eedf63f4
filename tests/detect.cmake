# YOLO post-processing (tests/test_yolo.c) against the independent numpy
# reference (tests/yolo_ref.py), through tests/yolo.sh. Included from
# tests/tests.cmake.
add_executable(test_yolo ${CMAKE_SOURCE_DIR}/tests/test_yolo.c ${CMAKE_SOURCE_DIR}/tests/golden.c)
target_link_libraries(test_yolo PRIVATE tinyforge)
target_include_directories(test_yolo PRIVATE ${CMAKE_SOURCE_DIR}/tests)
add_test(NAME detect_yolo COMMAND test_yolo unit)
add_test(NAME detect_yolo_ref COMMAND ${CMAKE_SOURCE_DIR}/tests/yolo.sh random $<TARGET_FILE:test_yolo> ${CMAKE_SOURCE_DIR})
add_test(NAME detect_yolo_model COMMAND ${CMAKE_SOURCE_DIR}/tests/yolo.sh model $<TARGET_FILE:test_yolo> ${CMAKE_SOURCE_DIR})
# tinyforge detect and classify on real photographs (tests/detect_cli.sh).
add_test(NAME detect_cli COMMAND ${CMAKE_SOURCE_DIR}/tests/detect_cli.sh $<TARGET_FILE:tfg_cli> ${CMAKE_SOURCE_DIR} $<TARGET_FILE:test_yolo>)
# compile --postprocess yolo: generated model_detect on the host and on QEMU M4
# against detect --frame-path, bit for bit (tests/codegen_detect.sh).
add_test(NAME codegen_detect COMMAND ${CMAKE_SOURCE_DIR}/tests/codegen_detect.sh $<TARGET_FILE:tfg_cli> ${CMAKE_SOURCE_DIR})
# make demo-detect end to end (tests/demo_detect.sh): photographs, drawings,
# three camera formats on QEMU M4 with the streamed schedule, VWW labels.
add_test(NAME demo_detect COMMAND ${CMAKE_SOURCE_DIR}/tests/demo_detect.sh $<TARGET_FILE:tfg_cli> ${CMAKE_SOURCE_DIR})
