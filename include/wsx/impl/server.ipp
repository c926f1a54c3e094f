// Copyright (c) 2026 wsx developers. Distributed under the Boost Software License, Version 1.0.
#ifndef WSX_IMPL_SERVER_IPP
#define WSX_IMPL_SERVER_IPP

// wsx::server: listening, accepting, the opening handshake's decisions
// (routes, origin, caps, the handshake handler, deflate), the connection
// caps and the memory budget, and shutdown. Included by server.hpp, or
// compiled once by src.hpp with WSX_SEPARATE_COMPILATION.

#include <wsx/server.hpp>
#include <wsx/detail/server_core.hpp>
#include <wsx/detail/session_access.hpp>
#include <wsx/detail/stream_session.hpp>
#include <wsx/detail/topic_registry.hpp>
#include <wsx/protocol/handshake.hpp>
#include <wsx/transport/plain.hpp>

#include <asio/ip/v6_only.hpp>
#include <asio/post.hpp>

#include <algorithm>
#include <chrono>

namespace wsx {

WSX_DECL server::server(asio::io_context& io) : io_(io), core_(std::make_shared<core>(io)) {}

WSX_DECL server::~server() {
    core_->close_acceptors();
    if (core_->relay) core_->relay->detach();
}

WSX_DECL void server::attach_backplane(std::shared_ptr<backplane> b) {
    if (!b || core_->relay)
        throw std::system_error(make_error_code(error::invalid_state), "wsx: a server takes one backplane, once");
    // Weak: the backplane may outlive the server (the program keeps a handle).
    std::weak_ptr<core> c = core_;
    b->attach(
        [c](std::string_view topic, protocol::opcode op, const void* data, std::size_t size) {
            if (auto self = c.lock()) detail::deliver_locally(self->topics, topic, 0, nullptr, op, data, size);
        },
        [c](std::string_view topic) -> std::size_t {
            auto self = c.lock();
            return self ? self->topics.subscribers(topic) : 0;
        });
    core_->topics.relay_to(b.get());
    core_->relay = std::move(b);
}

WSX_DECL void server::cluster_subscribers(std::string_view topic,
                                          std::function<void(std::error_code, std::size_t)> handler) {
    detail::topic_registry::check_name(topic);
    if (core_->relay) return core_->relay->cluster_subscribers(topic, std::move(handler));
    // Posted even here, so that the handler never runs inside the caller's
    // code whether or not the program has a backplane; counted when it
    // runs, as the backplane's own count is.
    asio::post(core_->io, [c = core_, t = std::string(topic), h = std::move(handler)] { h({}, c->topics.subscribers(t)); });
}

WSX_DECL server& server::on_http(http_handler h) {
    core_->http = std::move(h);
    return *this;
}

WSX_DECL session_options& server::default_options() noexcept { return core_->defaults; }

WSX_DECL protocol::http_limits& server::http_limits() noexcept { return core_->limits; }

WSX_DECL server_options& server::options() noexcept { return core_->opts; }

WSX_DECL server_stats server::stats() const { return core_->stats(); }

WSX_DECL std::uint16_t server::port() const { return core_->first_port(); }

WSX_DECL std::vector<std::uint16_t> server::ports() const { return core_->all_ports(); }

WSX_DECL std::size_t server::publish(std::string_view topic, const prepared_message& m) {
    return detail::publish_to(core_->topics, topic, 0, &m, m.opcode(), nullptr, 0);
}

WSX_DECL std::size_t server::publish(std::string_view topic, const message& m) {
    return detail::publish_to(core_->topics, topic, 0, nullptr, m.opcode(), m.data(), m.size());
}

WSX_DECL std::size_t server::publish(std::string_view topic, std::string_view text) {
    return detail::publish_to(core_->topics, topic, 0, nullptr, protocol::opcode::text, text.data(), text.size());
}

WSX_DECL std::size_t server::subscribers(std::string_view topic) const { return core_->topics.subscribers(topic); }

WSX_DECL std::size_t server::session_count() const { return core_->count(); }

WSX_DECL server::endpoint_type& server::endpoint(std::string_view pattern) {
    auto ep = std::make_shared<endpoint_type>(pattern);
    ep->options(core_->defaults);
    ep->state_ptr()->registry = core_->registry;
    core_->routes.add(pattern, ep);
    return *ep;
}

WSX_DECL server::core::listener::listener(asio::io_context& io, maker_ptr m)
    : acceptor(io), retry(io), maker(std::move(m)) {}

WSX_DECL bool server::core::listener::is_open() const noexcept {
#if WSX_DETAIL_READINESS
    return ready.is_open();
#else
    return acceptor.is_open();
#endif
}

WSX_DECL server::maker_ptr server::plain_maker() {
    return std::make_shared<detail::transport_server_maker<transport::plain>>();
}

WSX_DECL void server::core::listen(const asio::ip::tcp::endpoint& ep, const std::string& shown, bool dual_stack, const maker_ptr& maker) {
    auto l = std::make_shared<listener>(io, maker);
    std::error_code ec;
    auto where = [&] { return "wsx: cannot listen on " + shown + ":" + std::to_string(ep.port()); };
    l->acceptor.open(ep.protocol(), ec);
    if (ec) throw std::system_error(ec, where());
    l->acceptor.set_option(asio::ip::tcp::acceptor::reuse_address(true), ec);
    if (dual_stack) l->acceptor.set_option(asio::ip::v6_only(false), ec);
    l->acceptor.bind(ep, ec);
    if (ec) throw std::system_error(ec, where());
    l->acceptor.listen(asio::socket_base::max_listen_connections, ec);
    if (ec) throw std::system_error(ec, where());
    l->port = l->acceptor.local_endpoint(ec).port();
#if WSX_DETAIL_READINESS
    l->acceptor.non_blocking(true, ec);
    if (ec) throw std::system_error(ec, where());
    const int fd = l->acceptor.release(ec);
    if (ec) throw std::system_error(ec, where());
    ec = l->ready.open(io, fd);
    if (ec) throw std::system_error(ec, where());
#endif
    {
        std::lock_guard<std::mutex> lock(accept_mu); // ports() may read the list from another thread
        listeners.push_back(l);
    }
    accept(l);
}

#if WSX_DETAIL_READINESS
WSX_DECL void server::core::accept(const std::shared_ptr<listener>& l) {
    auto self = this->shared_from_this();
    std::lock_guard<std::mutex> lock(accept_mu);
    if (!l->is_open()) return;
    // Run by the readiness service when a connection arrives: inline on the
    // thread that saw it, or posted if it came while the listener parked.
    auto woken = [self, l](detail::wake w) {
        if (w == detail::wake::ready) self->accept(l);
        if (w == detail::wake::retry) asio::post(self->io, [self, l] { self->accept(l); });
    };
    std::error_code ec;
    // Registered under the lock: stop() closes the listeners and then lists
    // the sessions, so a connection accepted just before stop() is in that
    // list and hears 1001 too.
    switch (l->ready.accept_some(
        accept_batch, [&](transport::accepted_socket&& sock) { start(std::move(sock), *l->maker); },
        [&] { return woken; }, ec)) {
    case detail::ready_listener::outcome::parked:
        return;
    case detail::ready_listener::outcome::batch_full:
        asio::post(io, [self, l] { self->accept(l); });
        return;
    case detail::ready_listener::outcome::failed:
        // Out of descriptors or memory: try again shortly rather than spin,
        // and keep the server up.
        l->retry.expires_after(std::chrono::milliseconds(50));
        l->retry.async_wait([self, l](std::error_code e) {
            if (!e) self->accept(l);
        });
        return;
    }
}

WSX_DECL void server::core::start(transport::accepted_socket&& sock, detail::server_session_maker& maker) {
    std::uint64_t id = next_id.fetch_add(1, std::memory_order_relaxed);
    const asio::ip::tcp::endpoint peer = sock.peer();
    std::shared_ptr<session_type> s;
    try {
        s = maker.make(io, std::move(sock), id);
    } catch (const std::bad_alloc&) {
        return; // no memory for this connection: drop it (sock closes it), keep serving
    }
    if (!s) return;
    detail::session_access::set_remote(*s, peer);
    start(std::move(s));
}
#else
WSX_DECL void server::core::accept(const std::shared_ptr<listener>& l) {
    auto self = this->shared_from_this();
    std::lock_guard<std::mutex> lock(accept_mu);
    if (!l->acceptor.is_open()) return;
    l->acceptor.async_accept([self, l](std::error_code ec, transport::socket sock) {
        if (ec == asio::error::operation_aborted) return;
        {
            std::lock_guard<std::mutex> lock(self->accept_mu);
            if (!l->acceptor.is_open()) return;
            if (ec) {
                // Out of descriptors or memory: try again shortly rather
                // than spin, and keep the server up.
                l->retry.expires_after(std::chrono::milliseconds(50));
                l->retry.async_wait([self, l](std::error_code e) {
                    if (!e) self->accept(l);
                });
                return;
            }
            // Registered under the lock: stop() closes the acceptors
            // and then lists the sessions, so a connection accepted
            // just before stop() is in that list and hears 1001 too.
            self->start(std::move(sock), *l->maker);
        }
        self->accept(l);
    });
}

#endif

WSX_DECL void server::core::start(transport::socket sock, detail::server_session_maker& maker) {
    std::uint64_t id = next_id.fetch_add(1, std::memory_order_relaxed);
    std::shared_ptr<session_type> s;
    try {
        s = maker.make(io, std::move(sock), id);
    } catch (const std::bad_alloc&) {
        return; // no memory for this connection (OpenSSL's state): drop it, keep serving
    }
    start(std::move(s));
}

WSX_DECL void server::core::start(std::shared_ptr<session_type> s) {
    registry->add(s->id(), s);
    this->budget.set_limit(opts.memory_budget);
    detail::session_access::start_server(*s, this->shared_from_this(), defaults, limits);
}

WSX_DECL detail::session_owner::decision server::core::route(session_type& s, const protocol::http_request& req) {
    detail::session_owner::decision d;
    std::error_code ec = protocol::validate_upgrade(req);
    if (ec == error::not_websocket_request && http) {
        http_reply reply;
        try {
            http(req, reply);
        } catch (...) {
            reply = http_reply{};
            reply.status = 500;
            reply.body = "internal error\n";
        }
        d.response = build_reply(reply);
        return d;
    }
    if (ec) {
        d.response = protocol::build_error_response(ec);
        return d;
    }
    // An absolute http(s) URI is routed by its path (RFC 6455 4.2.1).
    auto target = split_target(protocol::resource_name(req.target()));
    const std::shared_ptr<endpoint_type>* ep = routes.match(target.path, d.params);
    if (!ep) {
        d.response = protocol::build_error_response(make_error_code(error::not_found));
        return d;
    }
    auto& st = (*ep)->state_ptr();
    if (st->check_origin && !st->check_origin(req.header("Origin"))) {
        d.response = protocol::build_error_response(make_error_code(error::origin_rejected));
        return d;
    }
    // Counted before the handshake handler runs, so that a refused
    // connection costs the program nothing; given back below if the
    // upgrade fails after all.
    if (!admit(s)) {
        const auto ec = make_error_code(error::too_many_connections);
        d.response = protocol::build_error_response(
            http_status_for(ec), ec.message() + "\n",
            {{"Retry-After", std::to_string(opts.retry_after.count())}});
        return d;
    }
    auto refuse = [&](std::string response) {
        unadmit(s);
        d.response = std::move(response);
        return d;
    };
    std::string sub(protocol::select_subprotocol(req, st->subprotocols));
    protocol::header_list extra;
    if (st->on_handshake) {
        upgrade_request u(req, d.params, std::move(sub), s.is_secure(), s.peer_certificate());
        try {
            st->on_handshake(u);
        } catch (...) {
            return refuse(protocol::build_error_response(500, "handshake handler failed\n"));
        }
        if (u.rejected()) return refuse(protocol::build_error_response(u.rejected(), u.reject_body()));
        sub = u.subprotocol();
        extra = u.response_headers();
    }
    // permessage-deflate: the first acceptable offer, if enabled here.
    const auto& dopts = st->options.deflate;
    if (dopts.enabled && dopts.make_codec) d.deflate = protocol::negotiate_deflate(req, dopts, d.extensions);
    try {
        d.response = protocol::build_accept_response(req, sub, d.extensions, extra);
    } catch (const std::system_error&) {
        return refuse(protocol::build_error_response(500, "bad response header from the handshake handler\n"));
    }
    d.subprotocol = std::move(sub);
    d.endpoint = st;
    return d;
}

WSX_DECL bool server::core::admit(const session_type& s) {
    const asio::ip::address address = counted_as(s.remote_endpoint().address());
    return registry->with_lock([&](session_map& sessions) {
        auto it = sessions.find(s.id());
        if (it == sessions.end()) return false; // already gone
        entry& e = it->second;
        if (e.admitted) return true;
        std::size_t& from_here = per_address[address];
        if ((opts.max_connections != 0 && admitted >= opts.max_connections) ||
            (opts.max_connections_per_address != 0 && from_here >= opts.max_connections_per_address)) {
            if (from_here == 0) per_address.erase(address);
            refused_by_cap.fetch_add(1, std::memory_order_relaxed);
            return false;
        }
        ++from_here;
        ++admitted;
        e.admitted = true;
        return true;
    });
}

WSX_DECL void server::core::unadmit(const session_type& s) {
    const asio::ip::address address = counted_as(s.remote_endpoint().address());
    registry->with_lock([&](session_map& sessions) {
        auto it = sessions.find(s.id());
        if (it != sessions.end()) release(it->second, address);
    });
}

WSX_DECL void server::core::release(entry& e, const asio::ip::address& address) noexcept {
    if (!e.admitted) return;
    e.admitted = false;
    --admitted;
    auto at = per_address.find(address);
    if (at != per_address.end() && --at->second == 0) per_address.erase(at);
}

WSX_DECL void server::core::over_budget() noexcept {
    if (!this->budget.begin_enforcing()) return;
    try {
        asio::post(io, [self = this->shared_from_this()] { self->enforce_budget(); });
    } catch (...) {
        this->budget.end_enforcing();
    }
}

WSX_DECL void server::core::enforce_budget() {
    std::vector<std::pair<std::size_t, std::shared_ptr<session_type>>> held;
    registry->with_lock([&](const session_map& sessions) {
        held.reserve(sessions.size());
        for (auto& kv : sessions)
            if (auto s = kv.second.session.lock()) held.emplace_back(detail::session_access::memory_held(*s), std::move(s));
    });
    std::sort(held.begin(), held.end(), [](const auto& a, const auto& b) { return a.first > b.first; });
    // The sessions already chosen give their bytes back on their own
    // strands, soon: count them as gone, or every pass until then
    // would close one more connection than needed.
    std::size_t used = this->budget.used();
    const std::size_t limit = this->budget.limit();
    for (auto& h : held) {
        if (limit == 0 || used <= limit || h.first == 0) break;
        used -= std::min(used, h.first);
        if (detail::session_access::shed_memory(*h.second)) closed_by_budget.fetch_add(1, std::memory_order_relaxed);
    }
    this->budget.end_enforcing();
}

WSX_DECL server_stats server::core::stats() const {
    server_stats st;
    registry->with_lock([&](const session_map& sessions) {
        st.connections = sessions.size();
        st.admitted_connections = admitted;
    });
    st.memory_in_use = this->budget.used();
    st.refused_by_cap = refused_by_cap.load(std::memory_order_relaxed);
    st.closed_by_budget = closed_by_budget.load(std::memory_order_relaxed);
    return st;
}

WSX_DECL std::string server::core::build_reply(const http_reply& r) {
    std::string out = "HTTP/1.1 " + std::to_string(r.status) + " ";
    out += protocol::http_reason(r.status);
    out += "\r\nConnection: close\r\nContent-Length: " + std::to_string(r.body.size()) + "\r\n";
    try {
        wsx::detail::http_append_field(out, "Content-Type", r.content_type);
        for (auto& h : r.headers) {
            wsx::detail::http_check_field(h.first, h.second);
            wsx::detail::http_append_field(out, h.first, h.second);
        }
    } catch (const std::system_error&) {
        return protocol::build_error_response(500, "bad response header from the HTTP handler\n");
    }
    out += "\r\n";
    out += r.body;
    return out;
}

WSX_DECL void server::core::forget(std::uint64_t id, const asio::ip::address& from) noexcept {
    const asio::ip::address address = counted_as(from);
    registry->with_lock([&](session_map& sessions) {
        auto it = sessions.find(id);
        if (it == sessions.end()) return;
        release(it->second, address);
        sessions.erase(it);
    });
}

WSX_DECL std::vector<std::shared_ptr<session>> server::core::all() const { return registry->all(); }

WSX_DECL std::size_t server::core::count() const { return registry->size(); }

WSX_DECL void server::core::close_acceptors() {
#if WSX_DETAIL_READINESS
    // A waiting accept holds this core: completed outside the lock.
    std::vector<std::pair<std::shared_ptr<listener>, detail::parked_op>> waiting;
#endif
    {
        std::lock_guard<std::mutex> lock(accept_mu);
        for (auto& l : listeners) {
#if WSX_DETAIL_READINESS
            waiting.emplace_back(l, detail::parked_op{});
            l->ready.close(waiting.back().second);
#endif
            std::error_code ec;
            l->acceptor.close(ec);
            l->retry.cancel();
        }
    }
#if WSX_DETAIL_READINESS
    for (auto& w : waiting) w.first->ready.finish(w.second);
#endif
}

WSX_DECL std::uint16_t server::core::first_port() const {
    std::lock_guard<std::mutex> lock(accept_mu);
    if (listeners.empty()) return 0;
    return listeners.front()->port;
}

WSX_DECL std::vector<std::uint16_t> server::core::all_ports() const {
    std::vector<std::uint16_t> out;
    std::lock_guard<std::mutex> lock(accept_mu);
    for (auto& l : listeners) out.push_back(l->port);
    return out;
}

WSX_DECL void server::stop() {
    core_->close_acceptors();
    if (core_->relay) core_->relay->detach();
    for (auto& s : core_->all()) detail::session_access::going_away(*s);
}

WSX_DECL server::maker_ptr server::tls_maker(const tls_server_options& o) {
    auto make = detail::tls_hooks().server;
    if (!make)
        throw std::system_error(make_error_code(error::tls_unavailable),
                                "wsx: listen_tls() needs TLS: #include <wsx/tls.hpp> in the program and link wsx::tls");
    return make(o);
}

WSX_DECL void server::listen_any(std::uint16_t port, const maker_ptr& maker) {
    std::error_code ec;
    asio::ip::tcp::acceptor probe(io_);
    probe.open(asio::ip::tcp::v6(), ec);
    if (!ec) {
        probe.close();
        core_->listen(asio::ip::tcp::endpoint(asio::ip::tcp::v6(), port), "[::]", true, maker);
    } else {
        core_->listen(asio::ip::tcp::endpoint(asio::ip::tcp::v4(), port), "0.0.0.0", false, maker);
    }
}

WSX_DECL void server::listen_at(std::string_view address, std::uint16_t port, const maker_ptr& maker) {
    std::error_code ec;
    auto addr = asio::ip::make_address(std::string(address), ec);
    if (ec)
        throw std::system_error(ec, "wsx: cannot listen on \"" + std::string(address) + "\" port " +
                                        std::to_string(port) + ": not an IP address");
    core_->listen(asio::ip::tcp::endpoint(addr, port), std::string(address), false, maker);
}

WSX_DECL void detail::server_access::start(server& s, std::shared_ptr<session> made) {
    std::lock_guard<std::mutex> lock(s.core_->accept_mu);
    s.core_->start(std::move(made));
}

} // namespace wsx

#endif
