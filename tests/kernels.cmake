# Kernel unit tests: randomized bit-exactness checks of the runtime kernels
# against the naive TFLite-semantics reference in tests/naive_ref.c.
# Included from the top-level CMakeLists.txt; tinyforge_rt brings the include
# directories.
add_executable(test_kernels tests/test_kernels.c tests/naive_ref.c)
target_link_libraries(test_kernels PRIVATE tinyforge_rt m)
add_test(NAME kernels COMMAND test_kernels)
