# Dataset readers (tests/test_data.c): Fashion-MNIST from Debian's package
# and broken IDX files. Included from tests/tests.cmake.
add_executable(test_data ${CMAKE_SOURCE_DIR}/tests/test_data.c)
target_link_libraries(test_data PRIVATE tinyforge)
target_include_directories(test_data PRIVATE ${CMAKE_SOURCE_DIR}/tests)
add_test(NAME data COMMAND test_data)
