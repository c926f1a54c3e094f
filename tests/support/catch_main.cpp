// The Catch2 main is compiled once and shared by every test executable.
#ifndef WSX_CATCH3
#define CATCH_CONFIG_MAIN
#include <catch2/catch.hpp>
#endif
