// Copyright (c) 2026 wsx developers. Distributed under the Boost Software License, Version 1.0.
#ifndef WSX_DETAIL_READY_LISTENER_HPP
#define WSX_DETAIL_READY_LISTENER_HPP

// A listening socket in the readiness service's epoll set, edge-triggered
// like the streams. Asio's async_accept takes one connection per operation,
// and so per trip through the scheduler and its epoll_wait; it registers
// each new socket in Asio's reactor, which the readiness service then takes
// it from (epoll_ctl ADD, DEL, ADD), and the session asks the kernel for
// the peer's address. Here one wake-up accepts the connections waiting, up
// to a batch, and accept4 returns a non-blocking, close-on-exec descriptor
// with the peer's address in one call (transport::accepted_socket).
//
// The owner (the server's listener) makes every call under one lock.

#include <wsx/detail/readiness.hpp>
#include <wsx/transport/accepted_socket.hpp>

#if WSX_DETAIL_READINESS

#include <asio/io_context.hpp>
#include <asio/ip/tcp.hpp>

#include <cerrno>
#include <cstddef>
#include <cstring>
#include <system_error>
#include <utility>

#include <sys/socket.h>
#include <unistd.h>

namespace wsx::detail {

class ready_listener {
public:
    ready_listener() = default;
    ready_listener(const ready_listener&) = delete;
    ready_listener& operator=(const ready_listener&) = delete;
    ~ready_listener() {
        parked_op op;
        close(op);
        if (svc_) svc_->finish(op, wake::aborted);
    }

    /// Takes a listening descriptor (non-blocking) into the io_context's
    /// readiness service. It is closed if the service cannot take it.
    std::error_code open(asio::io_context& io, int fd) {
        auto& svc = asio::use_service<readiness_service>(io);
        if (std::error_code ec = svc.add(ent_, fd)) {
            ent_.fd = -1;
            ::close(fd);
            return ec;
        }
        svc_ = &svc;
        return {};
    }

    bool is_open() const noexcept { return ent_.fd >= 0; }

    enum class outcome {
        parked,     ///< none waits: the operation waits for the next one
        batch_full, ///< `max` accepted: more may wait
        failed,     ///< accept4 failed (out of descriptors or memory): try again later
    };

    /// Accepts up to `max` connections, giving each to on_accepted(accepted_socket&&).
    /// When none waits, parks the operation make() returns (called with a
    /// detail::wake, as a stream's) until one arrives. `ec` says why it failed.
    template <class OnAccepted, class Make>
    outcome accept_some(std::size_t max, OnAccepted&& on_accepted, Make&& make, std::error_code& ec) {
        for (std::size_t tried = 0; tried < max;) {
            const std::uint32_t before = svc_->peek(ent_, direction::read).edges;
            ::sockaddr_storage addr;
            ::socklen_t len = sizeof addr;
            const int fd = ::accept4(ent_.fd, reinterpret_cast<::sockaddr*>(&addr), &len, SOCK_NONBLOCK | SOCK_CLOEXEC);
            if (fd >= 0) {
                ++tried;
                on_accepted(transport::accepted_socket(fd, endpoint_of(addr, len)));
                continue;
            }
            const int err = errno;
            if (err == EINTR) continue;
            if (err == EAGAIN || err == EWOULDBLOCK) {
                const drain_mark mark{before, true};
                if (svc_->park(ent_, direction::read, &mark, make)) return outcome::parked;
                continue; // one arrived while accept4 ran
            }
            if (gone_before_accepted(err)) {
                ++tried; // counted, so that a storm of them still ends the batch
                continue;
            }
            ec = std::error_code(err, std::system_category());
            return outcome::failed;
        }
        return outcome::batch_full;
    }

    /// Takes the socket out of the service and closes it. The parked
    /// operation, if any, moves to `op`, for the caller to complete with
    /// finish() once it has let go of its lock.
    void close(parked_op& op) noexcept {
        if (!is_open()) return;
        parked_write_op none;
        const int fd = ent_.fd;
        svc_->remove(ent_, op, none);
        ent_.fd = -1;
        ::close(fd);
    }

    /// Completes an operation close() returned (with wake::aborted).
    void finish(parked_op& op) {
        if (svc_) svc_->finish(op, wake::aborted);
    }

private:
    // accept(2): Linux passes a connection's own network errors on to
    // accept, and that connection is gone; the next one may be fine.
    static bool gone_before_accepted(int err) noexcept {
        switch (err) {
        case ECONNABORTED:
        case EPROTO:
        case ENETDOWN:
        case ENOPROTOOPT:
        case EHOSTDOWN:
        case ENONET:
        case EHOSTUNREACH:
        case EOPNOTSUPP:
        case ENETUNREACH:
        case EPERM: // a firewall rule refused it
            return true;
        default:
            return false;
        }
    }

    static asio::ip::tcp::endpoint endpoint_of(const ::sockaddr_storage& addr, ::socklen_t len) {
        asio::ip::tcp::endpoint ep;
        if (len > ep.capacity()) return ep; // not TCP over IP: cannot happen on a TCP listener
        std::memcpy(ep.data(), &addr, len);
        ep.resize(len);
        return ep;
    }

    readiness_service* svc_ = nullptr;
    readiness_entry ent_;
};

} // namespace wsx::detail

#endif // WSX_DETAIL_READINESS

#endif
