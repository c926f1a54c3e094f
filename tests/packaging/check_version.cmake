# cmake -P script: the version lives in one place, project(VERSION) in
# CMakeLists.txt; every file that states it must agree.
#   SOURCE       the wsx source tree
#   VERSION_HPP  the generated wsx/version.hpp of this build
#   PYTHON       python3, to ask the Conan recipe (may be empty: skipped)
cmake_minimum_required(VERSION 3.19) # string(JSON)

file(READ "${SOURCE}/CMakeLists.txt" top)
if(NOT top MATCHES "project\\(wsx VERSION ([0-9]+)\\.([0-9]+)\\.([0-9]+)[ \n)]")
  message(FATAL_ERROR "CMakeLists.txt has no project(wsx VERSION x.y.z)")
endif()
set(version "${CMAKE_MATCH_1}.${CMAKE_MATCH_2}.${CMAKE_MATCH_3}")
set(major ${CMAKE_MATCH_1})
set(minor ${CMAKE_MATCH_2})
set(patch ${CMAKE_MATCH_3})
set(disagree "")

# wsx/version.hpp, generated from cmake/version.hpp.in.
file(READ "${VERSION_HPP}" hpp)
foreach(pair "MAJOR=${major}" "MINOR=${minor}" "PATCH=${patch}" "STRING=\"${version}\"")
  string(REPLACE "=" ";" pair "${pair}")
  list(GET pair 0 what)
  list(GET pair 1 want)
  if(NOT hpp MATCHES "#define WSX_VERSION_${what} ([^\n]*)\n" OR NOT CMAKE_MATCH_1 STREQUAL want)
    string(APPEND disagree "  ${VERSION_HPP}: WSX_VERSION_${what} is '${CMAKE_MATCH_1}', not ${want}\n")
  endif()
endforeach()

# The vcpkg manifest (vcpkg hands this to the portfile as VERSION, and the
# portfile downloads the tag v${VERSION}).
file(READ "${SOURCE}/ports/wsx/vcpkg.json" manifest)
string(JSON vcpkg_version GET "${manifest}" version)
if(NOT vcpkg_version STREQUAL version)
  string(APPEND disagree "  ports/wsx/vcpkg.json: \"version\" is ${vcpkg_version}\n")
endif()

# The Conan recipe reads CMakeLists.txt in set_version(); run it to be sure.
if(PYTHON)
  execute_process(COMMAND ${PYTHON} "${CMAKE_CURRENT_LIST_DIR}/check_conan_recipe.py" --source "${SOURCE}" --print-version
                  RESULT_VARIABLE rc OUTPUT_VARIABLE conan_version ERROR_VARIABLE err OUTPUT_STRIP_TRAILING_WHITESPACE)
  if(NOT rc EQUAL 0)
    string(APPEND disagree "  ports/conan/conanfile.py: set_version() failed: ${err}\n")
  elseif(NOT conan_version STREQUAL version)
    string(APPEND disagree "  ports/conan/conanfile.py: set_version() gives ${conan_version}\n")
  endif()
endif()

# The API reference is stamped with the version through CMake, never by hand.
if(EXISTS "${SOURCE}/docs/Doxyfile.in")
  file(READ "${SOURCE}/docs/Doxyfile.in" doxyfile)
  if(NOT doxyfile MATCHES "\nPROJECT_NUMBER[ ]*= @PROJECT_VERSION@\n")
    string(APPEND disagree "  docs/Doxyfile.in: PROJECT_NUMBER must be @PROJECT_VERSION@\n")
  endif()
endif()

if(disagree)
  message(FATAL_ERROR "CMakeLists.txt says wsx ${version}, but:\n${disagree}")
endif()
message(STATUS "every file says wsx ${version}")
