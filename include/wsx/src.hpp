// Copyright (c) 2026 wsx developers. Distributed under the Boost Software License, Version 1.0.
#ifndef WSX_SRC_HPP
#define WSX_SRC_HPP

// wsx's non-template code, and Asio's, compiled once: include this header
// from exactly one source file of a program built with
// WSX_SEPARATE_COMPILATION and ASIO_SEPARATE_COMPILATION defined everywhere
// (the CMake target wsx::compiled is that source file). A program with TLS
// also includes <wsx/tls_src.hpp> once. See detail/config.hpp.

#include <wsx/detail/config.hpp>

#if !defined(WSX_SEPARATE_COMPILATION)
#error "<wsx/src.hpp> is for programs built with WSX_SEPARATE_COMPILATION; header-only programs need no source file"
#endif

#if defined(ASIO_SEPARATE_COMPILATION) && !defined(WSX_NO_ASIO_SOURCE)
#include <asio/impl/src.hpp>
#endif

#include <wsx/impl/client.ipp>
#include <wsx/impl/endpoint.ipp>
#include <wsx/impl/error.ipp>
#include <wsx/impl/http.ipp>
#include <wsx/impl/os_random.ipp>
#include <wsx/impl/router.ipp>
#include <wsx/impl/send_queue.ipp>
#include <wsx/impl/server.ipp>
#include <wsx/impl/session.ipp>
#include <wsx/impl/session_close.ipp>
#include <wsx/impl/session_handshake.ipp>
#include <wsx/impl/session_parts.ipp>
#include <wsx/impl/session_read.ipp>
#include <wsx/impl/session_stream.ipp>
#include <wsx/impl/session_timers.ipp>
#include <wsx/impl/session_topics.ipp>
#include <wsx/impl/session_write.ipp>
#include <wsx/impl/sync_client.ipp>

#endif
