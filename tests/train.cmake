# The training engine (tests/test_train.c): gradients, learning, threads.
# Included from tests/tests.cmake.
add_executable(test_train ${CMAKE_SOURCE_DIR}/tests/test_train.c)
target_link_libraries(test_train PRIVATE tinyforge)
target_include_directories(test_train PRIVATE ${CMAKE_SOURCE_DIR}/tests)
target_compile_definitions(test_train PRIVATE TFG_SOURCE_DIR="${CMAKE_SOURCE_DIR}")
add_test(NAME train COMMAND test_train)
# The train command end to end: outputs, eval agreement, threads, kill -9 and resume, bad input.
add_test(NAME train_cli COMMAND ${CMAKE_SOURCE_DIR}/tests/train.sh $<TARGET_FILE:tfg_cli> ${CMAKE_SOURCE_DIR})
