# Test registration; included from the top-level CMakeLists.txt.
if(EXISTS ${CMAKE_SOURCE_DIR}/tests/kernels.cmake)
  include(${CMAKE_SOURCE_DIR}/tests/kernels.cmake)
endif()
