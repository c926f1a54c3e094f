// Copyright (c) 2026 wsx developers. Distributed under the Boost Software License, Version 1.0.
#ifndef WSX_DETAIL_PROXY_TUNNEL_HPP
#define WSX_DETAIL_PROXY_TUNNEL_HPP

// The client's CONNECT step (impl/client.ipp): on the freshly connected
// TCP socket, before TLS and the WebSocket handshake, write the CONNECT
// request and read the proxy's answer (protocol/proxy_connect.hpp).
//
// The answer is read by peeking and then taking only the bytes the parser
// says are its head, so nothing that belongs to the tunnel is ever taken
// from the socket: the TLS or WebSocket layer that follows finds the
// server's first bytes where it expects them. Each wake-up takes at least
// one byte (a partial head is all head), so it cannot spin.
//
// No timer of its own: the session's handshake deadline, armed before the
// TCP connect, closes the socket, which ends a pending wait; every
// completion first checks whether the session ended meanwhile.

#include <wsx/error.hpp>
#include <wsx/protocol/proxy_connect.hpp>
#include <wsx/session.hpp>
#include <wsx/transport/socket.hpp>

#include <asio/bind_executor.hpp>
#include <asio/error.hpp>
#include <asio/write.hpp>

#include <cstddef>
#include <memory>
#include <string>
#include <system_error>
#include <utility>

namespace wsx::detail {

template <class Done> class proxy_tunnel : public std::enable_shared_from_this<proxy_tunnel<Done>> {
public:
    // `done(ec)` runs once on the session's strand: no error when the
    // tunnel is open; not at all when the session ended meanwhile.
    proxy_tunnel(std::shared_ptr<session> s, transport::socket& sock, std::string request, Done done)
        : s_(std::move(s)), sock_(sock), request_(std::move(request)), done_(std::move(done)) {}

    void start() {
        auto self = this->shared_from_this();
        asio::async_write(sock_, asio::buffer(request_),
                          asio::bind_executor(s_->get_executor(), [self](std::error_code ec, std::size_t) {
                              if (self->ended()) return;
                              if (ec) return self->finish(ec);
                              self->wait();
                          }));
    }

private:
    bool ended() const { return s_->ready_state() == wsx::ready_state::closed; }

    void wait() {
        auto self = this->shared_from_this();
        sock_.async_wait(transport::socket::wait_read,
                         asio::bind_executor(s_->get_executor(), [self](std::error_code ec) {
                             if (self->ended()) return;
                             if (ec) return self->finish(ec);
                             self->take();
                         }));
    }

    void take() {
        char buf[1024];
        std::error_code ec;
        const bool was_non_blocking = sock_.non_blocking();
        sock_.non_blocking(true, ec);
        std::size_t n = ec ? 0 : sock_.receive(asio::buffer(buf), transport::socket::message_peek, ec);
        std::size_t used = 0;
        std::error_code perr;
        if (!ec) {
            used = parser_.parse(buf, n, perr);
            // Take exactly the head's bytes: they are in the socket already.
            std::size_t taken = 0;
            while (taken < used && !ec) taken += sock_.receive(asio::buffer(buf + taken, used - taken), 0, ec);
        }
        std::error_code restore;
        sock_.non_blocking(was_non_blocking, restore);
        if (ec == asio::error::would_block || ec == asio::error::try_again) return wait();
        // The proxy hung up before its answer was complete.
        if (ec == asio::error::eof) return finish(make_error_code(error::proxy_bad_response));
        if (ec) return finish(ec);
        if (perr) return finish(perr);
        if (!parser_.complete()) return wait();
        if (!parser_.tunnel_open()) return finish(make_proxy_status_error(parser_.status()));
        finish({});
    }

    void finish(std::error_code ec) {
        Done done = std::move(done_);
        done(ec);
    }

    std::shared_ptr<session> s_;
    transport::socket& sock_;
    std::string request_;
    protocol::connect_response parser_;
    Done done_;
};

// Starts the CONNECT step on `sock` (the session's TCP socket, connected).
template <class Done>
void open_proxy_tunnel(std::shared_ptr<session> s, transport::socket& sock, std::string request, Done done) {
    auto t = std::make_shared<proxy_tunnel<Done>>(std::move(s), sock, std::move(request), std::move(done));
    t->start();
}

} // namespace wsx::detail

#endif
