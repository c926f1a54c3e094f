// Copyright (c) 2026 wsx developers. Distributed under the Boost Software License, Version 1.0.
#ifndef WSX_TLS_SRC_HPP
#define WSX_TLS_SRC_HPP

// Asio's TLS code (asio::ssl), compiled once, for a program built with
// WSX_SEPARATE_COMPILATION that uses <wsx/tls.hpp>: include this header from
// exactly one source file, beside <wsx/src.hpp> (the CMake target
// wsx::compiled_tls is that source file). Separate from <wsx/src.hpp> so
// that a program without TLS needs no OpenSSL. wsx's own TLS code is all
// templates and inline functions; there is none of it to compile here.

#include <wsx/detail/config.hpp>

#if !defined(WSX_SEPARATE_COMPILATION)
#error "<wsx/tls_src.hpp> is for programs built with WSX_SEPARATE_COMPILATION; header-only programs need no source file"
#endif

#if defined(ASIO_SEPARATE_COMPILATION) && !defined(WSX_NO_ASIO_SOURCE)
#include <asio/ssl/impl/src.hpp>
#endif

#endif
