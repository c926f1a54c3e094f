# Provides asio::asio. Package managers (vcpkg, Conan) ship an asio CMake
# config with that target; Debian's libasio-dev ships only headers, so fall
# back to finding asio.hpp.
if(TARGET asio::asio)
  return()
endif()
find_package(asio CONFIG QUIET)
if(TARGET asio::asio)
  return()
endif()
find_path(WSX_ASIO_INCLUDE_DIR asio.hpp)
if(NOT WSX_ASIO_INCLUDE_DIR)
  message(FATAL_ERROR "wsx needs standalone Asio (asio.hpp). On Debian: apt-get install libasio-dev")
endif()
add_library(asio::asio INTERFACE IMPORTED)
set_target_properties(asio::asio PROPERTIES
  INTERFACE_INCLUDE_DIRECTORIES "${WSX_ASIO_INCLUDE_DIR}"
  INTERFACE_COMPILE_DEFINITIONS "ASIO_STANDALONE;ASIO_NO_DEPRECATED")
