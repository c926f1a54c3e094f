// Copyright (c) 2026 wsx developers. Distributed under the Boost Software License, Version 1.0.
#ifndef WSX_DETAIL_SESSION_ACCESS_HPP
#define WSX_DETAIL_SESSION_ACCESS_HPP

// What the server, the client and the endpoint layer do to a session that
// its users may not: start it, connect it, shed it, shut it down. One door
// instead of public members or a friend per caller, so that wsx::session's
// public interface is only what a handler needs.

#include <wsx/detail/endpoint_state.hpp>
#include <wsx/error.hpp>
#include <wsx/session.hpp>

#include <string>
#include <utility>

namespace wsx::detail {

struct session_access {
    // Server: starts reading the opening request (the server's listener).
    static void start_server(session& s, const session::owner_ptr& owner, const session_options& opts,
                             const protocol::http_limits& limits) {
        s.start_server(owner, opts, limits);
    }
    // Server: the peer's address, where the listener knows it (accept4
    // returned it); otherwise start_server asks the socket.
    static void set_remote(session& s, const asio::ip::tcp::endpoint& peer) { s.remote_ = peer; }
    // Client: timers start before the socket connects (the connect timeout).
    static void begin_connecting(session& s, const session::endpoint_ptr& ep) { s.begin_connecting(ep); }
    // Client: the socket to connect (impl/client.ipp); `host` is the URL's
    // host (TLS asks for it and checks the certificate against it).
    static transport::socket& socket_to_connect(session& s, const std::string& host) {
        s.set_host(host);
        return s.tcp_socket();
    }
    // Client: connected; sends the request and checks the response.
    static void start_client(session& s, const session::endpoint_ptr& ep, std::string request, response_check verify) {
        s.start_client(ep, std::move(request), std::move(verify));
    }
    // Client: the connect failed before the handshake.
    static void fail_connect(session& s, std::error_code ec) { s.fail_connect(ec); }

    // Bytes the connection holds for messages, as last counted against the
    // server's memory budget (any thread).
    static std::size_t memory_held(const session& s) noexcept { return s.held_.load(std::memory_order_relaxed); }
    // The memory budget chose this connection: close it with 1013.
    static bool shed_memory(session& s) { return s.shed_memory(); }
    // The server shuts down: 1001.
    static void going_away(session& s) { s.going_away(); }

    // A message the endpoint's codec could not decode: on_error, then 1007
    // unless the endpoint keeps the connection (close_on_undecodable). Not
    // through report_error(), which tells on_error once per connection.
    static void undecodable(session& s) {
        const std::error_code ec = make_error_code(error::undecodable_message);
        if (s.options_->close_on_undecodable) return s.fail(ec);
        if (s.endpoint_ && s.endpoint_->on_error) s.endpoint_->on_error(s, ec);
    }

    // The per-connection object of a class endpoint (endpoint<T>).
    template <class T> static T& instance(session& s) noexcept { return *static_cast<T*>(s.instance_.get()); }

    // Tests: the session's deadlines come from `c` (which must outlive it).
    static void set_clock(session& s, session_clock* c) noexcept { s.clock_ = c; }
};

} // namespace wsx::detail

#endif
