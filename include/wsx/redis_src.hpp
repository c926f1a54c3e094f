// Copyright (c) 2026 wsx developers. Distributed under the Boost Software License, Version 1.0.
#ifndef WSX_REDIS_SRC_HPP
#define WSX_REDIS_SRC_HPP

// The Redis backplane's non-template code, compiled once, for a program
// built with WSX_SEPARATE_COMPILATION that uses <wsx/redis.hpp>: include
// this header from exactly one source file, beside <wsx/src.hpp>. Separate
// from <wsx/src.hpp> so that a program without Redis needs no hiredis.

#include <wsx/detail/config.hpp>

#if !defined(WSX_SEPARATE_COMPILATION)
#error "<wsx/redis_src.hpp> is for programs built with WSX_SEPARATE_COMPILATION; header-only programs need no source file"
#endif

#include <wsx/impl/redis_link.ipp>
#include <wsx/impl/redis_node.ipp>

#endif
