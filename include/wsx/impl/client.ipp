// Copyright (c) 2026 wsx developers. Distributed under the Boost Software License, Version 1.0.
#ifndef WSX_IMPL_CLIENT_IPP
#define WSX_IMPL_CLIENT_IPP

// wsx::client: making the connection's session for the URL's transport,
// resolving, connecting and starting the opening handshake. Included by
// client.hpp, or compiled once by src.hpp with WSX_SEPARATE_COMPILATION.

#include <wsx/client.hpp>
#include <wsx/detail/session_access.hpp>
#include <wsx/detail/stream_session.hpp>
#include <wsx/transport/plain.hpp>

#include <asio/bind_executor.hpp>
#include <asio/connect.hpp>
#include <asio/ip/tcp.hpp>

namespace wsx {

WSX_DECL client::client(asio::io_context& io)
    : io_(io),
      plain_(std::make_shared<detail::transport_client_maker<transport::plain>>()),
      state_(std::make_shared<detail::endpoint_state>()) {
    // Its own: a client's sessions are no server's, and their ids are
    // only unique within this client.
    state_->registry = std::make_shared<detail::session_registry>();
}

WSX_DECL client::~client() {
    state_->detached.store(true, std::memory_order_release);
    if (session_) session_->close(close_code::going_away);
}

WSX_DECL void client::connect(std::string_view address) {
    url u = parse_url(address);
    if (u.secure && !tls_) tls_ = make_tls(tls_client_options{});
    if (session_ && session_->ready_state() != wsx::ready_state::closed)
        throw std::system_error(make_error_code(error::invalid_state),
                                "wsx: connect() called while a connection is open or opening; close() it first");

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
    std::string request = protocol::build_client_request(r); // throws on a bad header

    std::shared_ptr<session_type> s = (u.secure ? tls_ : plain_)->make(io_, next_id_++);
    session_ = s;
    detail::session_access::begin_connecting(*s, state_);
    auto resolver = std::make_shared<asio::ip::tcp::resolver>(io_);
    auto state = state_;
    auto verify = [key = r.key, offered = subprotocols_, ext = !r.extensions.empty()](
                      const protocol::http_response& res, std::string& chosen) -> std::error_code {
        std::error_code ec = protocol::verify_response(res, key, offered, ext, &chosen);
        if (ec == error::handshake_bad_status) return make_status_error(res.status());
        return ec;
    };
    resolver->async_resolve(
        u.host, std::to_string(u.port),
        asio::bind_executor(s->get_executor(), [s, resolver, state, host = u.host, request = std::move(request),
                                          verify = std::move(verify)](std::error_code ec, auto results) mutable {
            // close() or the connect timeout ended the session meanwhile:
            // async_connect would reopen the socket teardown closed.
            if (s->ready_state() == wsx::ready_state::closed) return;
            if (ec) return detail::session_access::fail_connect(*s, ec);
            auto connected = [s, state, request = std::move(request),
                              verify = std::move(verify)](std::error_code ec, auto) mutable {
                if (ec) return detail::session_access::fail_connect(*s, ec);
                detail::session_access::start_client(*s, state, std::move(request), std::move(verify));
            };
            asio::async_connect(detail::session_access::socket_to_connect(*s, host), results,
                                asio::bind_executor(s->get_executor(), std::move(connected)));
        }));
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
