// Copyright (c) 2026 wsx developers. Distributed under the Boost Software License, Version 1.0.
#ifndef WSX_TRANSPORT_ACCEPTED_SOCKET_HPP
#define WSX_TRANSPORT_ACCEPTED_SOCKET_HPP

// A connection a listener accepted with accept4() itself, outside Asio
// (detail/ready_listener.hpp): a non-blocking descriptor and the peer's
// address, which accept4 returned. A stream that can take it as it is
// (transport::epoll_tcp) saves the calls Asio's accept makes: registering
// the socket in Asio's reactor, which the readiness service would undo, and
// asking the kernel for the address again. Others get it as a
// transport::socket (detail/stream_session.hpp). Exists where the
// readiness service does.

#include <wsx/detail/readiness.hpp>

#if WSX_DETAIL_READINESS

#include <asio/ip/tcp.hpp>

#include <unistd.h>

namespace wsx::transport {

/// An accepted connection's descriptor, owned (closed unless released), and its peer's address.
class accepted_socket {
public:
    accepted_socket(int fd, const asio::ip::tcp::endpoint& peer) noexcept : fd_(fd), peer_(peer) {}
    accepted_socket(accepted_socket&& other) noexcept : fd_(other.fd_), peer_(other.peer_) { other.fd_ = -1; }
    accepted_socket& operator=(accepted_socket&&) = delete;
    ~accepted_socket() {
        if (fd_ >= 0) ::close(fd_);
    }

    /// The descriptor (-1 once released).
    int descriptor() const noexcept { return fd_; }
    /// Gives the descriptor to the caller, who closes it from then on.
    int release() noexcept {
        const int fd = fd_;
        fd_ = -1;
        return fd;
    }
    /// The peer's address, as accept4 returned it.
    const asio::ip::tcp::endpoint& peer() const noexcept { return peer_; }

private:
    int fd_;
    asio::ip::tcp::endpoint peer_;
};

} // namespace wsx::transport

#endif // WSX_DETAIL_READINESS

#endif
