# The API reference, generated with Doxygen from the public headers:
#   cmake --build build --target docs   ->  build/docs/api/html/index.html
# Not part of `all`. Doxygen fails on any undocumented public name
# (docs/Doxyfile.in), and the ctest test docs/doxygen runs the target, so the
# test suite proves the reference is whole. Without Doxygen there is neither.
# Only for wsx itself: not under add_subdirectory, and not in a package
# build whose sources leave docs/ out (the Conan recipe exports no docs/).
if(NOT WSX_TOP_LEVEL OR NOT EXISTS "${PROJECT_SOURCE_DIR}/docs/Doxyfile.in")
  return()
endif()

# The Korean pages must stay in step with the English ones, and links must resolve.
find_package(Python3 COMPONENTS Interpreter QUIET)
if(Python3_Interpreter_FOUND AND WSX_BUILD_TESTS)
  add_test(NAME docs/translations
    COMMAND ${Python3_EXECUTABLE} ${PROJECT_SOURCE_DIR}/docs/check_translations.py ${PROJECT_SOURCE_DIR}/docs)
  add_test(NAME docs/links
    COMMAND ${Python3_EXECUTABLE} ${PROJECT_SOURCE_DIR}/docs/check_translations.py --links ${PROJECT_SOURCE_DIR}/docs)
  # The programs printed in getting-started are the examples that are built.
  add_test(NAME docs/examples
    COMMAND ${Python3_EXECUTABLE} ${PROJECT_SOURCE_DIR}/docs/check_examples.py ${PROJECT_SOURCE_DIR}/docs)
  set_tests_properties(docs/translations docs/links docs/examples PROPERTIES LABELS docs TIMEOUT 60)
endif()

# docs/lifecycle.svg is the rendering of docs/lifecycle.msc: check it when
# mscgen is there (Debian package mscgen).
find_program(WSX_MSCGEN mscgen)
if(WSX_MSCGEN AND WSX_BUILD_TESTS)
  add_test(NAME docs/lifecycle_svg
    COMMAND ${CMAKE_COMMAND} -DMSCGEN=${WSX_MSCGEN} -DSOURCE=${PROJECT_SOURCE_DIR}/docs/lifecycle.msc
            -DCOMMITTED=${PROJECT_SOURCE_DIR}/docs/lifecycle.svg -DWORK=${PROJECT_BINARY_DIR}/docs/lifecycle.svg
            -P ${PROJECT_SOURCE_DIR}/cmake/wsxCheckDiagram.cmake)
  set_tests_properties(docs/lifecycle_svg PROPERTIES LABELS docs TIMEOUT 60)
endif()
find_package(Doxygen QUIET)
if(NOT DOXYGEN_FOUND)
  message(STATUS "wsx: Doxygen not found, no docs target (Debian: apt-get install doxygen)")
  return()
endif()

set(WSX_DOCS_OUTPUT "${PROJECT_BINARY_DIR}/docs/api")
# Headers of optional parts that are not built here are left out of the reference.
set(WSX_DOCS_EXCLUDE "")
if(NOT WSX_WITH_TLS)
  file(GLOB _wsx_tls_headers "${PROJECT_SOURCE_DIR}/include/wsx/tls*.hpp" "${PROJECT_SOURCE_DIR}/include/wsx/transport/tls*.hpp")
  list(APPEND WSX_DOCS_EXCLUDE ${_wsx_tls_headers})
endif()
if(NOT WSX_WITH_DEFLATE)
  file(GLOB _wsx_deflate_headers "${PROJECT_SOURCE_DIR}/include/wsx/deflate*.hpp" "${PROJECT_SOURCE_DIR}/include/wsx/protocol/deflate*.hpp")
  list(APPEND WSX_DOCS_EXCLUDE ${_wsx_deflate_headers})
endif()
if(NOT WSX_WITH_JSON)
  list(APPEND WSX_DOCS_EXCLUDE "${PROJECT_SOURCE_DIR}/include/wsx/json.hpp")
endif()
if(NOT WSX_WITH_REDIS)
  file(GLOB _wsx_redis_headers "${PROJECT_SOURCE_DIR}/include/wsx/redis*.hpp")
  list(APPEND WSX_DOCS_EXCLUDE ${_wsx_redis_headers})
endif()
# Public headers whose doc comments are not complete yet: left out of the
# reference (and of the check) until they are. Shrink this list, never grow
# it; it is empty now that every public header is documented.
set(WSX_DOCS_PENDING)
foreach(_wsx_pending IN LISTS WSX_DOCS_PENDING)
  list(APPEND WSX_DOCS_EXCLUDE "${PROJECT_SOURCE_DIR}/${_wsx_pending}")
endforeach()
list(REMOVE_DUPLICATES WSX_DOCS_EXCLUDE)
list(JOIN WSX_DOCS_EXCLUDE " " WSX_DOCS_EXCLUDE)
configure_file("${PROJECT_SOURCE_DIR}/docs/Doxyfile.in" "${PROJECT_BINARY_DIR}/docs/Doxyfile" @ONLY)

# Always runs when asked for (a few seconds): a failed run must not leave an
# output behind that a later build would take as up to date.
add_custom_target(docs
  COMMAND ${CMAKE_COMMAND} -E make_directory "${WSX_DOCS_OUTPUT}"
  COMMAND Doxygen::doxygen "${PROJECT_BINARY_DIR}/docs/Doxyfile"
  WORKING_DIRECTORY "${PROJECT_SOURCE_DIR}"
  COMMENT "Doxygen: the API reference in ${WSX_DOCS_OUTPUT}/html (fails on undocumented public API)"
  VERBATIM)

if(WSX_BUILD_TESTS)
  add_test(NAME docs/doxygen COMMAND ${CMAKE_COMMAND} --build "${PROJECT_BINARY_DIR}" --target docs)
  set_tests_properties(docs/doxygen PROPERTIES LABELS docs TIMEOUT 600)
endif()
