# TinyNAS (tests/test_search.c, tests/search.sh): the search space, its
# subnets, space optimisation and the search command.
# Included from tests/tests.cmake.
add_executable(test_search ${CMAKE_SOURCE_DIR}/tests/test_search.c)
target_link_libraries(test_search PRIVATE tinyforge)
target_include_directories(test_search PRIVATE ${CMAKE_SOURCE_DIR}/tests)
target_compile_definitions(test_search PRIVATE TFG_SOURCE_DIR="${CMAKE_SOURCE_DIR}")
add_test(NAME search COMMAND test_search)
add_test(NAME search_cli COMMAND ${CMAKE_SOURCE_DIR}/tests/search.sh $<TARGET_FILE:tfg_cli> ${CMAKE_SOURCE_DIR})
