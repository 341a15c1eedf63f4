# Graph-level tests: graphs built in memory and run through validation, the
# passes, lowering, planning and the executor (tests/test_graph.c).
# Included from tests/tests.cmake.
add_executable(test_graph ${CMAKE_SOURCE_DIR}/tests/test_graph.c ${CMAKE_SOURCE_DIR}/tests/naive_ref.c ${CMAKE_SOURCE_DIR}/tests/graph_builder.c)
target_link_libraries(test_graph PRIVATE tinyforge m)
target_include_directories(test_graph PRIVATE ${CMAKE_SOURCE_DIR}/tests)
add_test(NAME graph COMMAND test_graph)
