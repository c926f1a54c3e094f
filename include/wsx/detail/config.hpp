// Copyright (c) 2026 wsx developers. Distributed under the Boost Software License, Version 1.0.
#ifndef WSX_DETAIL_CONFIG_HPP
#define WSX_DETAIL_CONFIG_HPP

// Header-only (the default): the non-template code in include/wsx/impl/*.ipp
// is included by the headers and every function there is inline.
// WSX_SEPARATE_COMPILATION: the headers only declare it, and one source file
// of the program compiles it, by including <wsx/src.hpp> (the CMake target
// wsx::compiled does that), so a large program does not compile it again in
// every translation unit. Define it for the whole program, or not at all.
//
// Asio's own code is most of what a translation unit that includes wsx
// compiles, so WSX_SEPARATE_COMPILATION goes with Asio's equivalent,
// ASIO_SEPARATE_COMPILATION, and <wsx/src.hpp> compiles Asio once too. It
// must be defined on the command line, not here: Asio decides at its first
// header, which may come before any of wsx's, and a program where some
// translation units see Asio's functions inline and others not can hold two
// copies of a function's static (an error_category compared by address).
// A program that compiles or links Asio on its own terms (header-only, its
// own <asio/impl/src.hpp>, a shared Asio) defines WSX_NO_ASIO_SOURCE instead.

#if defined(WSX_SEPARATE_COMPILATION)
#define WSX_DECL
#if !defined(ASIO_SEPARATE_COMPILATION) && !defined(ASIO_DYN_LINK) && !defined(WSX_NO_ASIO_SOURCE)
#error "WSX_SEPARATE_COMPILATION needs ASIO_SEPARATE_COMPILATION defined for the whole program too (or WSX_NO_ASIO_SOURCE); see docs/compile-time.md"
#endif
#else
#define WSX_DECL inline
#endif

#endif
