# .tflite writer tests: round trips of the shared models and of graphs built in
# memory, determinism, and a randomized writer -> reader check
# (tests/test_writer.c). Included from tests/tests.cmake.
add_executable(test_writer ${CMAKE_SOURCE_DIR}/tests/test_writer.c ${CMAKE_SOURCE_DIR}/tests/graph_builder.c ${CMAKE_SOURCE_DIR}/tests/golden.c)
target_link_libraries(test_writer PRIVATE tinyforge)
target_include_directories(test_writer PRIVATE ${CMAKE_SOURCE_DIR}/tests)
target_compile_definitions(test_writer PRIVATE TFG_SOURCE_DIR="${CMAKE_SOURCE_DIR}")
add_test(NAME writer COMMAND test_writer)
