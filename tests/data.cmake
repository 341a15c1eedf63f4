# Dataset readers (tests/test_data.c): Fashion-MNIST from Debian's package
# and broken IDX files. Included from tests/tests.cmake.
add_executable(test_data ${CMAKE_SOURCE_DIR}/tests/test_data.c)
target_link_libraries(test_data PRIVATE tinyforge)
target_include_directories(test_data PRIVATE ${CMAKE_SOURCE_DIR}/tests)
add_test(NAME data COMMAND test_data)

# Image decoding, resizing, image-folder datasets, the dataset opener and the
# input convention (tests/test_images.c). It writes PNG and JPEG files with
# libpng and libjpeg itself, into a temporary folder it removes.
add_executable(test_images ${CMAKE_SOURCE_DIR}/tests/test_images.c)
target_link_libraries(test_images PRIVATE tinyforge)
target_include_directories(test_images PRIVATE ${CMAKE_SOURCE_DIR}/tests)
add_test(NAME data_images COMMAND test_images)

# tinyforge eval against an independent per-image run of the executor
# (tests/test_eval.c): Fashion-MNIST, an image folder, a 32x32x3 model, float
# I/O against --int8-io, patched schedules, usage errors.
add_executable(test_eval ${CMAKE_SOURCE_DIR}/tests/test_eval.c)
target_link_libraries(test_eval PRIVATE tinyforge)
target_include_directories(test_eval PRIVATE ${CMAKE_SOURCE_DIR}/tests ${CJSON_INCLUDE_DIR})
add_test(NAME eval COMMAND test_eval $<TARGET_FILE:tfg_cli> ${CMAKE_SOURCE_DIR})

# The resize against PyTorch itself (tests/resize_torch.py) needs python3-torch,
# a benchmark dependency: `make bench-train` runs it.
