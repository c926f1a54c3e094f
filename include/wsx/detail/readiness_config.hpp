// Copyright (c) 2026 wsx developers. Distributed under the Boost Software License, Version 1.0.
#ifndef WSX_DETAIL_READINESS_CONFIG_HPP
#define WSX_DETAIL_READINESS_CONFIG_HPP

// Whether wsx's readiness service exists here (WSX_DETAIL_READINESS), apart
// from the service itself (detail/readiness.hpp), so that the interfaces
// that only need to know can tell without compiling it.
//
// Without epoll (non-Linux, or Asio's io_uring backend), with another Asio,
// or with WSX_NO_READINESS_SERVICE defined, the transport keeps waiting
// through Asio. The service also needs the Networking TS executor members
// (on_work_started/on_work_finished), which ASIO_NO_TS_EXECUTORS removes.

#include <asio/detail/config.hpp>
#include <asio/version.hpp>

#if defined(__linux__) && defined(ASIO_HAS_EPOLL) && !defined(ASIO_HAS_IO_URING_AS_DEFAULT) &&                     \
    !defined(WSX_NO_READINESS_SERVICE) && !defined(ASIO_NO_TS_EXECUTORS) && ASIO_VERSION >= 101200 &&              \
    ASIO_VERSION < 103600
#define WSX_DETAIL_READINESS 1
#else
#define WSX_DETAIL_READINESS 0
#endif

#endif
