// Includes Catch2 whether it is v2 (Debian 12) or v3.
#ifndef WSX_TEST_CATCH_HPP
#define WSX_TEST_CATCH_HPP
#ifdef WSX_CATCH3
#include <catch2/catch_test_macros.hpp>
#include <catch2/generators/catch_generators.hpp>
#include <catch2/generators/catch_generators_range.hpp>
#else
#include <catch2/catch.hpp>
#endif
#endif
