# Provides hiredis::hiredis for wsx::redis. hiredis 1.x, vcpkg and Conan ship
# a CMake config with that target; Debian 12's libhiredis-dev (0.14) ships
# one that defines only variables, so fall back to finding the header and
# the library.
if(TARGET hiredis::hiredis)
  return()
endif()
find_package(hiredis CONFIG QUIET)
if(TARGET hiredis::hiredis)
  return()
endif()
find_path(WSX_HIREDIS_INCLUDE_DIR hiredis/async.h)
find_library(WSX_HIREDIS_LIBRARY NAMES hiredis)
if(NOT WSX_HIREDIS_INCLUDE_DIR OR NOT WSX_HIREDIS_LIBRARY)
  message(FATAL_ERROR "wsx::redis needs hiredis (hiredis/async.h and its library). On Debian: apt-get install libhiredis-dev")
endif()
add_library(hiredis::hiredis UNKNOWN IMPORTED)
set_target_properties(hiredis::hiredis PROPERTIES
  IMPORTED_LOCATION "${WSX_HIREDIS_LIBRARY}"
  INTERFACE_INCLUDE_DIRECTORIES "${WSX_HIREDIS_INCLUDE_DIR}")
