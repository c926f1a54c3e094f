// Copyright (c) 2026 wsx developers. Distributed under the Boost Software License, Version 1.0.
#ifndef WSX_DETAIL_CONFIG_HPP
#define WSX_DETAIL_CONFIG_HPP

// Header-only (the default): the non-template code in include/wsx/impl/*.ipp
// is included by the headers and every function there is inline.
// WSX_SEPARATE_COMPILATION: the headers only declare it, and one source file
// of the program compiles it, by including <wsx/src.hpp> (the CMake target
// wsx::compiled does that), so a large program does not compile it again in
// every translation unit. Define it for the whole program, or not at all.

#if defined(WSX_SEPARATE_COMPILATION)
#define WSX_DECL
#else
#define WSX_DECL inline
#endif

#endif
