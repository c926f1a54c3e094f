// Copyright (c) 2026 wsx developers. Distributed under the Boost Software License, Version 1.0.
#ifndef WSX_TRANSPORT_SOCKET_HPP
#define WSX_TRANSPORT_SOCKET_HPP

// The TCP socket every transport holds. It is typed on the io_context's own
// executor rather than asio::ip::tcp::socket's any_io_executor: the socket
// is 48 bytes smaller, and so is every operation pending on it, which
// counts for each of many idle connections.

#include <asio/io_context.hpp>
#include <asio/ip/tcp.hpp>

namespace wsx::transport {

/// A TCP socket on an asio::io_context.
using socket = asio::basic_stream_socket<asio::ip::tcp, asio::io_context::executor_type>;
/// The acceptor whose async_accept yields a transport::socket.
using acceptor = asio::basic_socket_acceptor<asio::ip::tcp, asio::io_context::executor_type>;

} // namespace wsx::transport

#endif
