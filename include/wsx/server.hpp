// Copyright (c) 2026 wsx developers. Distributed under the Boost Software License, Version 1.0.
#ifndef WSX_SERVER_HPP
#define WSX_SERVER_HPP

// The server: acceptors, the routes (@ServerEndpoint paths), the opening
// handshake's decisions, a plain-HTTP fallback on the same port, and a
// graceful shutdown. It runs on an io_context the user owns.

#include <wsx/endpoint.hpp>
#include <wsx/error.hpp>
#include <wsx/options.hpp>
#include <wsx/protocol/handshake.hpp>
#include <wsx/protocol/http.hpp>
#include <wsx/router.hpp>
#include <wsx/server_options.hpp>
#include <wsx/detail/stream_session.hpp>
#include <wsx/session.hpp>
#include <wsx/tls_options.hpp>
#include <wsx/transport/socket.hpp>
#include <wsx/transport/plain.hpp>

#include <asio/io_context.hpp>
#include <asio/ip/address.hpp>
#include <asio/ip/v6_only.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/steady_timer.hpp>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <algorithm>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <system_error>
#include <type_traits>
#include <unordered_map>
#include <utility>
#include <vector>

namespace wsx {

class server;

namespace detail {
// Starts a session made elsewhere (over a transport of its own: the
// in-memory one of tests/session) as if a listener had accepted it.
struct server_access {
    static void start(server& s, std::shared_ptr<session> made);
};
} // namespace detail

/// The answer to a plain HTTP request (no upgrade), e.g. the page that
/// opens the WebSocket. The connection closes after it.
struct http_reply {
    /// The HTTP status.
    int status = 200;
    /// The Content-Type header.
    std::string content_type = "text/plain; charset=utf-8";
    /// The response body (Content-Length is set from it).
    std::string body;
    /// More response headers.
    protocol::header_list headers;
};

/// The server: listens, routes each upgrade request to its endpoint (the
/// servlet's `\@ServerEndpoint` paths), answers plain HTTP on the same port,
/// and shuts down gracefully. It runs on an io_context the program owns.
/// One server serves ws:// (listen()) and wss:// (listen_tls(), with
/// <wsx/tls.hpp>) with the same endpoints: handlers take wsx::session&
/// either way. Set endpoints and options up before listening.
class server {
public:
    /// The session type the handlers receive.
    using session_type = session;
    /// What endpoint() returns.
    using endpoint_type = server_endpoint;
    /// The plain-HTTP handler: fills the reply for a request.
    using http_handler = std::function<void(const protocol::http_request&, http_reply&)>;

    /// A server on `io`.
    explicit server(asio::io_context& io) : io_(io), core_(std::make_shared<core>(io)) {}

    server(const server&) = delete;
    server& operator=(const server&) = delete;
    ~server() { core_->close_acceptors(); }

    /// Adds a path: "/chat/{room}" binds one path segment to "room"; a
    /// trailing "/*" matches the rest. Set endpoints up before listening.
    endpoint_type& endpoint(std::string_view pattern) {
        auto ep = std::make_shared<endpoint_type>(pattern);
        ep->options(core_->defaults);
        core_->routes.add(pattern, ep);
        return *ep;
    }
    /// The class form: T's on_open/on_message/on_close/on_error members are
    /// the handlers, and one T is made per connection.
    template <class T> endpoint_type& endpoint(std::string_view pattern) {
        endpoint_type& ep = endpoint(pattern);
        ep.template bind_class<T>();
        return ep;
    }
    /// The class form with dependencies: `factory()` makes the T of each
    /// connection, returned by value or as std::unique_ptr<T>, so what the
    /// instances share (a registry, a database handle) is captured by the
    /// factory instead of living in a global. It runs as each connection
    /// opens, possibly on several threads at once: what it captures must
    /// outlive the server and be safe to share.
    template <class T, class Factory> endpoint_type& endpoint(std::string_view pattern, Factory factory) {
        endpoint_type& ep = endpoint(pattern);
        ep.template bind_class<T>(std::move(factory));
        return ep;
    }

    /// Plain HTTP requests (no Upgrade header) on the same port. Without a
    /// handler they get 426 Upgrade Required.
    server& on_http(http_handler h) {
        core_->http = std::move(h);
        return *this;
    }

    /// Options every endpoint added after this call starts from.
    session_options& default_options() noexcept { return core_->defaults; }
    /// Size limits of the opening request (answered with 431 when exceeded).
    protocol::http_limits& http_limits() noexcept { return core_->limits; }
    /// Server-wide limits: the memory budget and the connection caps. Set
    /// them before listen().
    server_options& options() noexcept { return core_->opts; }
    /// What the server holds now and what its limits have refused (any thread).
    server_stats stats() const { return core_->stats(); }
    /// Listens for ws:// on every interface (IPv6 and IPv4 where the system
    /// allows). Throws std::system_error naming the address and port on failure.
    void listen(std::uint16_t port) { listen_any(port, plain_maker()); }
    /// Listens for ws:// on one address ("127.0.0.1", "::1"); port 0 picks
    /// a free port. Throws std::system_error naming the address and port on failure.
    void listen(std::string_view address, std::uint16_t port) { listen_at(address, port, plain_maker()); }

    /// Listens for wss:// on every interface, with the certificates of `o`
    /// (docs/tls.md). The same endpoints serve every port; a session tells
    /// which kind it came in on by `s.is_secure()`. Needs <wsx/tls.hpp>
    /// and wsx::tls. Throws std::system_error when a certificate cannot be
    /// loaded (naming the file and OpenSSL's reason), when TLS is not part
    /// of the program, or naming the address and port when it cannot listen.
    void listen_tls(std::uint16_t port, const tls_server_options& o) { listen_any(port, tls_maker(o)); }
    /// listen_tls() on one address ("127.0.0.1", "::1"); port 0 picks a free port.
    void listen_tls(std::string_view address, std::uint16_t port, const tls_server_options& o) {
        listen_at(address, port, tls_maker(o));
    }

    /// The port of the first listener (useful after listen(0)).
    std::uint16_t port() const { return core_->first_port(); }
    /// The port of every listener, in the order listen() and listen_tls() were called.
    std::vector<std::uint16_t> ports() const { return core_->all_ports(); }
    /// Connections accepted and not yet closed (handshakes in progress included).
    std::size_t session_count() const { return core_->count(); }

    /// Graceful shutdown: stop accepting, send 1001 to every open session,
    /// wait for the close handshakes up to the close timeout, then drop the
    /// rest. io_context::run() returns once they are gone.
    void stop() {
        core_->close_acceptors();
        for (auto& s : core_->all()) s->going_away();
    }

private:
    friend struct detail::server_access;
    using maker_ptr = std::shared_ptr<detail::server_session_maker>;

    static maker_ptr plain_maker() { return std::make_shared<detail::transport_server_maker<transport::plain>>(); }
    static maker_ptr tls_maker(const tls_server_options& o) {
        auto make = detail::tls_hooks().server;
        if (!make)
            throw std::system_error(make_error_code(error::tls_unavailable),
                                    "wsx: listen_tls() needs TLS: #include <wsx/tls.hpp> in the program and link wsx::tls");
        return make(o);
    }

    void listen_any(std::uint16_t port, const maker_ptr& maker) {
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
    void listen_at(std::string_view address, std::uint16_t port, const maker_ptr& maker) {
        std::error_code ec;
        auto addr = asio::ip::make_address(std::string(address), ec);
        if (ec)
            throw std::system_error(ec, "wsx: cannot listen on \"" + std::string(address) + "\" port " +
                                            std::to_string(port) + ": not an IP address");
        core_->listen(asio::ip::tcp::endpoint(addr, port), std::string(address), false, maker);
    }

    struct core final : detail::session_owner, std::enable_shared_from_this<core> {
        explicit core(asio::io_context& io) : io(io) {}

        asio::io_context& io;
        session_options defaults;
        protocol::http_limits limits;
        server_options opts;
        router<std::shared_ptr<endpoint_type>> routes;
        http_handler http;
        std::atomic<std::uint64_t> next_id{1};

        struct listener {
            transport::acceptor acceptor;
            asio::steady_timer retry;
            maker_ptr maker; // makes the session (TCP or TLS) of each connection
            listener(asio::io_context& io, maker_ptr m) : acceptor(io), retry(io), maker(std::move(m)) {}
        };
        std::vector<std::shared_ptr<listener>> listeners;

        // Every accepted connection; `admitted` once route() counted it
        // against the caps, which forget() then gives back. (The address
        // is the session's own, passed back to forget(): a copy here would
        // be 32 bytes more per connection.)
        struct entry {
            std::weak_ptr<session_type> session;
            bool admitted = false;
        };
        mutable std::mutex mu;
        std::unordered_map<std::uint64_t, entry> sessions;
        std::unordered_map<asio::ip::address, std::size_t> per_address; // admitted, by remote address
        std::size_t admitted = 0;
        std::atomic<std::uint64_t> refused_by_cap{0};
        std::atomic<std::uint64_t> closed_by_budget{0};

        void listen(const asio::ip::tcp::endpoint& ep, const std::string& shown, bool dual_stack, const maker_ptr& maker) {
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
            {
                std::lock_guard<std::mutex> lock(accept_mu); // ports() may read the list from another thread
                listeners.push_back(l);
            }
            accept(l);
        }

        // Fix: stop() and ~server may run on any thread while an
        // accept handler re-arms async_accept on an io thread; Asio objects
        // are not safe for concurrent use, so every touch of the acceptors
        // and retry timers after listen() happens under accept_mu.
        // (async_accept never calls its handler from inside the initiating
        // call, so holding the lock across it cannot deadlock.)
        mutable std::mutex accept_mu;

        void accept(const std::shared_ptr<listener>& l) {
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

        void start(transport::socket sock, detail::server_session_maker& maker) {
            std::uint64_t id = next_id.fetch_add(1, std::memory_order_relaxed);
            std::shared_ptr<session_type> s;
            try {
                s = maker.make(io, std::move(sock), id);
            } catch (const std::bad_alloc&) {
                return; // no memory for this connection (OpenSSL's state): drop it, keep serving
            }
            start(std::move(s));
        }
        void start(std::shared_ptr<session_type> s) {
            const std::uint64_t id = s->id();
            {
                std::lock_guard<std::mutex> lock(mu);
                sessions.emplace(id, entry{s});
            }
            this->budget.set_limit(opts.memory_budget);
            s->start_server(this->shared_from_this(), defaults, limits);
        }

        detail::session_owner::decision route(session_type& s, const protocol::http_request& req) override {
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

        // Counts the connection against max_connections and
        // max_connections_per_address; false when either is reached.
        // One client over IPv4 and over the dual-stack listener is one address.
        static asio::ip::address counted_as(const asio::ip::address& a) {
            if (a.is_v6() && a.to_v6().is_v4_mapped()) return asio::ip::make_address_v4(asio::ip::v4_mapped, a.to_v6());
            return a;
        }
        bool admit(const session_type& s) {
            const asio::ip::address address = counted_as(s.remote_endpoint().address());
            std::lock_guard<std::mutex> lock(mu);
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
        }
        void unadmit(const session_type& s) {
            std::lock_guard<std::mutex> lock(mu);
            auto it = sessions.find(s.id());
            if (it != sessions.end()) release(it->second, counted_as(s.remote_endpoint().address()));
        }
        // Under mu.
        void release(entry& e, const asio::ip::address& address) noexcept {
            if (!e.admitted) return;
            e.admitted = false;
            --admitted;
            auto at = per_address.find(address);
            if (at != per_address.end() && --at->second == 0) per_address.erase(at);
        }

        // Some connection took the memory budget past its limit: close the
        // ones holding the most until the total is back under it. Posted,
        // so that it never runs inside a session's handler, and one pass
        // at a time.
        void over_budget() noexcept override {
            if (!this->budget.begin_enforcing()) return;
            try {
                asio::post(io, [self = this->shared_from_this()] { self->enforce_budget(); });
            } catch (...) {
                this->budget.end_enforcing();
            }
        }
        void enforce_budget() {
            std::vector<std::pair<std::size_t, std::shared_ptr<session_type>>> held;
            {
                std::lock_guard<std::mutex> lock(mu);
                held.reserve(sessions.size());
                for (auto& kv : sessions)
                    if (auto s = kv.second.session.lock()) held.emplace_back(s->memory_held(), std::move(s));
            }
            std::sort(held.begin(), held.end(), [](const auto& a, const auto& b) { return a.first > b.first; });
            // The sessions already chosen give their bytes back on their own
            // strands, soon: count them as gone, or every pass until then
            // would close one more connection than needed.
            std::size_t used = this->budget.used();
            const std::size_t limit = this->budget.limit();
            for (auto& h : held) {
                if (limit == 0 || used <= limit || h.first == 0) break;
                used -= std::min(used, h.first);
                if (h.second->shed_memory()) closed_by_budget.fetch_add(1, std::memory_order_relaxed);
            }
            this->budget.end_enforcing();
        }

        server_stats stats() const {
            server_stats st;
            {
                std::lock_guard<std::mutex> lock(mu);
                st.connections = sessions.size();
                st.admitted_connections = admitted;
            }
            st.memory_in_use = this->budget.used();
            st.refused_by_cap = refused_by_cap.load(std::memory_order_relaxed);
            st.closed_by_budget = closed_by_budget.load(std::memory_order_relaxed);
            return st;
        }

        static std::string build_reply(const http_reply& r) {
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

        void forget(std::uint64_t id, const asio::ip::address& from) noexcept override {
            std::lock_guard<std::mutex> lock(mu);
            auto it = sessions.find(id);
            if (it == sessions.end()) return;
            release(it->second, counted_as(from));
            sessions.erase(it);
        }

        std::vector<std::shared_ptr<session_type>> all() const {
            std::vector<std::shared_ptr<session_type>> out;
            std::lock_guard<std::mutex> lock(mu);
            for (auto& kv : sessions)
                if (auto s = kv.second.session.lock()) out.push_back(std::move(s));
            return out;
        }
        std::size_t count() const {
            std::lock_guard<std::mutex> lock(mu);
            return sessions.size();
        }

        void close_acceptors() {
            std::lock_guard<std::mutex> lock(accept_mu);
            for (auto& l : listeners) {
                std::error_code ec;
                l->acceptor.close(ec);
                l->retry.cancel();
            }
        }
        std::uint16_t first_port() const {
            std::lock_guard<std::mutex> lock(accept_mu);
            if (listeners.empty()) return 0;
            std::error_code ec;
            return listeners.front()->acceptor.local_endpoint(ec).port();
        }
        std::vector<std::uint16_t> all_ports() const {
            std::vector<std::uint16_t> out;
            std::lock_guard<std::mutex> lock(accept_mu);
            for (auto& l : listeners) {
                std::error_code ec;
                out.push_back(l->acceptor.local_endpoint(ec).port());
            }
            return out;
        }
    };

    asio::io_context& io_;
    std::shared_ptr<core> core_;
};

inline void detail::server_access::start(server& s, std::shared_ptr<session> made) {
    std::lock_guard<std::mutex> lock(s.core_->accept_mu);
    s.core_->start(std::move(made));
}

} // namespace wsx

#endif
