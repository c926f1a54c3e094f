// Copyright (c) 2026 wsx developers. Distributed under the Boost Software License, Version 1.0.
#ifndef WSX_IMPL_CLIENT_IPP
#define WSX_IMPL_CLIENT_IPP

// wsx::client: making the connection's session for the URL's transport,
// resolving, connecting (through a proxy's CONNECT tunnel if one is set),
// starting the opening handshake, and reconnecting after a backoff. Included by
// client.hpp, or compiled once by src.hpp with WSX_SEPARATE_COMPILATION.

#include <wsx/client.hpp>
#include <wsx/detail/os_random.hpp>
#include <wsx/detail/proxy_tunnel.hpp>
#include <wsx/detail/session_access.hpp>
#include <wsx/detail/stream_session.hpp>
#include <wsx/protocol/proxy_connect.hpp>
#include <wsx/transport/plain.hpp>

#include <asio/bind_executor.hpp>
#include <asio/connect.hpp>
#include <asio/ip/tcp.hpp>

namespace wsx {

WSX_DECL client::client(asio::io_context& io)
    : io_(io),
      plain_(std::make_shared<detail::transport_client_maker<transport::plain>>()),
      state_(std::make_shared<detail::endpoint_state>()),
      link_(std::make_shared<detail::client_link>()),
      timer_(io) {
    link_->owner = this;
    // Its own: a client's sessions are no server's, and their ids are
    // only unique within this client.
    state_->registry = std::make_shared<detail::session_registry>();
}

WSX_DECL client::~client() {
    {
        // Waits for a handler running in this client on another thread.
        std::lock_guard<std::recursive_mutex> lock(link_->mu);
        link_->owner = nullptr;
    }
    state_->detached.store(true, std::memory_order_release);
    if (wire_) wire_->detached.store(true, std::memory_order_release);
    stop_reconnecting();
    if (session_) session_->close(close_code::going_away);
}

WSX_DECL void client::connect(std::string_view address) {
    url u = parse_url(address);
    if (u.secure && !tls_) tls_ = make_tls(tls_client_options{});
    if (session_ && session_->ready_state() != wsx::ready_state::closed)
        throw std::system_error(make_error_code(error::invalid_state),
                                "wsx: connect() called while a connection is open or opening; close() it first");
    target_ = std::move(u);
    stop_reconnecting();
    user_closed_ = false;
    open_connection();
}

// The handler set the session calls: each handler forwards to the user's
// current one (state_), and on_open/on_error/on_close also tell the client,
// which is how it learns that its connection opened or ended. A fresh set
// per connection, so that a session that is still closing never sees the
// next one's settings. Every handler endpoint_state holds must be
// forwarded here: one left out is never called on a client.
WSX_DECL std::shared_ptr<detail::endpoint_state> client::make_wire() {
    auto w = std::make_shared<detail::endpoint_state>();
    const std::shared_ptr<detail::endpoint_state> user = state_;
    w->options = user->options;
    w->text_only = user->text_only;
    w->registry = user->registry;
    if (user->make_instance) w->make_instance = [user] { return user->make_instance(); };
    const std::shared_ptr<detail::client_link> link = link_;
    w->on_open = [link, user](session_type& s) {
        {
            std::lock_guard<std::recursive_mutex> lock(link->mu);
            if (link->owner) link->owner->opened(s);
        }
        if (user->on_open) user->on_open(s);
    };
    if (user->on_message)
        w->on_message = [user](session_type& s, const message& m) {
            if (user->on_message) user->on_message(s, m);
        };
    if (user->on_text_part)
        w->on_text_part = [user](session_type& s, std::string_view c, bool last) {
            if (user->on_text_part) user->on_text_part(s, c, last);
        };
    if (user->on_binary_part)
        w->on_binary_part = [user](session_type& s, byte_view c, bool last) {
            if (user->on_binary_part) user->on_binary_part(s, c, last);
        };
    if (user->on_ping)
        w->on_ping = [user](session_type& s, byte_view b) {
            if (user->on_ping) user->on_ping(s, b);
        };
    if (user->on_pong)
        w->on_pong = [user](session_type& s, byte_view b) {
            if (user->on_pong) user->on_pong(s, b);
        };
    if (user->on_drain)
        w->on_drain = [user](session_type& s) {
            if (user->on_drain) user->on_drain(s);
        };
    w->on_error = [link, user](session_type& s, std::error_code ec) {
        {
            std::lock_guard<std::recursive_mutex> lock(link->mu);
            if (link->owner && &s == link->owner->session_.get()) link->owner->last_error_ = ec;
        }
        if (user->on_error) user->on_error(s, ec);
    };
    // Held through on_close and on_reconnect: ended() decides and schedules
    // with the client's members.
    w->on_close = [link](session_type& s, const close_reason& r) {
        std::lock_guard<std::recursive_mutex> lock(link->mu);
        if (link->owner) link->owner->ended(s, r);
    };
    return w;
}

WSX_DECL void client::open_connection() {
    const url& u = target_;
    protocol::client_request r;
    r.host = u.host;
    r.port = u.port;
    r.target = u.target;
    r.key = protocol::generate_client_key();
    r.subprotocols = subprotocols_;
    r.headers = headers_;
    r.origin = origin_;
    r.secure = u.secure;
    const auto& dopts = state_->options.deflate;
    if (dopts.enabled && dopts.make_codec) r.extensions = protocol::make_deflate_offer(dopts);
    std::string request = protocol::build_client_request(r);

    // The proxy, if any, is chosen per connection: settings changed
    // between attempts apply to the next one.
    const proxy_config* via = proxy_.select(u);
    std::string tunnel_request;
    if (via) tunnel_request = protocol::build_connect_request(u.host, u.port, via->credentials());

    std::shared_ptr<session_type> s = (u.secure ? tls_ : plain_)->make(io_, next_id_++);
    wire_ = make_wire();
    session_ = s;
    last_error_ = {};
    detail::session_access::begin_connecting(*s, wire_);
    auto resolver = std::make_shared<asio::ip::tcp::resolver>(io_);
    auto state = wire_;
    auto verify = [key = r.key, offered = subprotocols_, ext = !r.extensions.empty()](
                      const protocol::http_response& res, std::string& chosen) -> std::error_code {
        std::error_code ec = protocol::verify_response(res, key, offered, ext, &chosen);
        if (ec == error::handshake_bad_status) return make_status_error(res.status());
        return ec;
    };
    // Through a proxy, only the proxy's name is resolved here: the proxy
    // resolves the target's. TLS still checks the target's name (the host
    // given to socket_to_connect), never the proxy's.
    const std::string& dial_host = via ? via->host : u.host;
    const std::uint16_t dial_port = via ? via->port : u.port;
    resolver->async_resolve(
        dial_host, std::to_string(dial_port),
        asio::bind_executor(s->get_executor(), [s, resolver, state, host = u.host, request = std::move(request),
                                                tunnel = std::move(tunnel_request),
                                                verify = std::move(verify)](std::error_code ec, auto results) mutable {
            // close() or the connect timeout ended the session meanwhile:
            // async_connect would reopen the socket teardown closed.
            if (s->ready_state() == wsx::ready_state::closed) return;
            if (ec) return detail::session_access::fail_connect(*s, ec);
            transport::socket& sock = detail::session_access::socket_to_connect(*s, host);
            auto connected = [s, state, &sock, request = std::move(request), tunnel = std::move(tunnel),
                              verify = std::move(verify)](std::error_code ec, auto) mutable {
                if (s->ready_state() == wsx::ready_state::closed) return;
                if (ec) return detail::session_access::fail_connect(*s, ec);
                if (tunnel.empty())
                    return detail::session_access::start_client(*s, state, std::move(request), std::move(verify));
                detail::open_proxy_tunnel(s, sock, std::move(tunnel),
                                          [s, state, request = std::move(request),
                                           verify = std::move(verify)](std::error_code ec) mutable {
                                              if (ec) return detail::session_access::fail_connect(*s, ec);
                                              detail::session_access::start_client(*s, state, std::move(request),
                                                                                   std::move(verify));
                                          });
            };
            asio::async_connect(sock, results, asio::bind_executor(s->get_executor(), std::move(connected)));
        }));
}

WSX_DECL void client::opened(session_type& s) {
    if (&s != session_.get()) return;
    // A connection that opens resets the backoff.
    attempt_ = 0;
    reconnecting_ = false;
}

// The end of a connection. The decision comes first, so that on_close
// can already see reconnecting(); close() or connect() in on_close or
// on_reconnect bump the generation and so cancel it.
WSX_DECL void client::ended(session_type& s, const close_reason& r) {
    const bool current = &s == session_.get();
    std::optional<reconnect_event> next;
    if (current && reconnect_ && !user_closed_) {
        const reconnect_options& o = *reconnect_;
        const bool wanted = o.retry_if ? o.retry_if(r, last_error_) : r.code != close_code::normal;
        if (wanted && (o.max_attempts == 0 || attempt_ < o.max_attempts)) {
            ++attempt_;
            std::uint64_t bits = 0;
            detail::os_random(&bits, sizeof bits);
            const double unit = static_cast<double>(bits >> 11) * (1.0 / 9007199254740992.0); // [0, 1)
            next = reconnect_event{attempt_, reconnect_delay(o, attempt_, unit), last_error_, r};
            reconnecting_ = true;
        } else {
            reconnecting_ = false;
        }
    }
    const std::uint64_t generation = generation_;
    // The handlers may destroy this client (the link's mutex is recursive):
    // after each, `this` is used only if the link still names it.
    const std::shared_ptr<detail::client_link> link = link_;
    const std::shared_ptr<detail::endpoint_state> user = state_;
    // As the session does for every handler at the end: an exception from
    // on_close has nowhere to go, and must not cancel the reconnect.
    try {
        if (user->on_close) user->on_close(s, r);
    } catch (...) {
    }
    if (!link->owner || !next || generation != generation_ || !reconnecting_) return;
    if (on_reconnect_) {
        const auto on_reconnect = on_reconnect_;
        on_reconnect(*next);
    }
    if (!link->owner || generation != generation_ || !reconnecting_) return;
    wait_and_reconnect(next->delay);
}

WSX_DECL void client::wait_and_reconnect(std::chrono::milliseconds delay) {
    timer_.expires_after(delay);
    timer_.async_wait([link = link_, generation = generation_](std::error_code ec) {
        // Cancelled, or the client is gone (the wait may have completed
        // just before the destructor ran).
        if (ec) return;
        std::lock_guard<std::recursive_mutex> lock(link->mu);
        client* self = link->owner;
        if (!self || generation != self->generation_ || !self->reconnecting_) return;
        self->open_connection();
    });
}

WSX_DECL void client::stop_reconnecting() {
    ++generation_;
    reconnecting_ = false;
    attempt_ = 0;
    timer_.cancel();
}

WSX_DECL std::shared_ptr<detail::client_session_maker> client::make_tls(const tls_client_options& o) {
    auto make = detail::tls_hooks().client;
    if (!make)
        throw std::system_error(make_error_code(error::tls_unavailable),
                                "wsx: wss:// needs TLS: #include <wsx/tls.hpp> in the program and link wsx::tls");
    return make(o);
}

} // namespace wsx

#endif
