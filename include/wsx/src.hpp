// Copyright (c) 2026 wsx developers. Distributed under the Boost Software License, Version 1.0.
#ifndef WSX_SRC_HPP
#define WSX_SRC_HPP

// wsx's non-template code, compiled once: include this header from exactly
// one source file of a program built with WSX_SEPARATE_COMPILATION defined
// everywhere (the CMake target wsx::compiled is that source file). See
// detail/config.hpp.

#if !defined(WSX_SEPARATE_COMPILATION)
#error "<wsx/src.hpp> is for programs built with WSX_SEPARATE_COMPILATION; header-only programs need no source file"
#endif

#include <wsx/impl/server.ipp>
#include <wsx/impl/session_close.ipp>
#include <wsx/impl/session_handshake.ipp>
#include <wsx/impl/session_read.ipp>
#include <wsx/impl/session_timers.ipp>
#include <wsx/impl/session_write.ipp>

#endif
