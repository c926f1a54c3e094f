// Copyright (c) 2026 wsx developers. Distributed under the Boost Software License, Version 1.0.
#ifndef WSX_TRANSPORT_PLAIN_HPP
#define WSX_TRANSPORT_PLAIN_HPP

// The transport of ws:// connections: the epoll one where wsx's readiness
// service exists (Linux, unless WSX_NO_READINESS_SERVICE is defined), Asio's
// own waits everywhere else. This alias is the one place the choice is made.

#include <wsx/detail/readiness.hpp>
#include <wsx/transport/epoll_tcp.hpp>
#include <wsx/transport/tcp.hpp>

namespace wsx::transport {

#if WSX_DETAIL_READINESS
/// What wsx::server::listen() and ws:// URLs use: transport::epoll_tcp here.
using plain = epoll_tcp;
#else
/// What wsx::server::listen() and ws:// URLs use: transport::tcp here.
using plain = tcp;
#endif

} // namespace wsx::transport

#endif
