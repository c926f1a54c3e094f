// Copyright (c) 2026 wsx developers. Distributed under the Boost Software License, Version 1.0.
#ifndef WSX_SERVER_HPP
#define WSX_SERVER_HPP

// The server: acceptors, the routes (@ServerEndpoint paths), the opening
// handshake's decisions, a plain-HTTP fallback on the same port, and a
// graceful shutdown. It runs on an io_context the user owns.

#include <wsx/backplane.hpp>
#include <wsx/detail/config.hpp>
#include <wsx/detail/session_maker.hpp>
#include <wsx/endpoint.hpp>
#include <wsx/error.hpp>
#include <wsx/message.hpp>
#include <wsx/options.hpp>
#include <wsx/prepared_message.hpp>
#include <wsx/protocol/http.hpp>
#include <wsx/server_options.hpp>
#include <wsx/session.hpp>
#include <wsx/tls_options.hpp>

#include <asio/io_context.hpp>

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <system_error>
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
    explicit server(asio::io_context& io);

    server(const server&) = delete;
    server& operator=(const server&) = delete;
    ~server();

    /// Adds a path: "/chat/{room}" binds one path segment to "room"; a
    /// trailing "/*" matches the rest. Set endpoints up before listening.
    endpoint_type& endpoint(std::string_view pattern);
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
    server& on_http(http_handler h);

    /// Options every endpoint added after this call starts from.
    session_options& default_options() noexcept;
    /// Size limits of the opening request (answered with 431 when exceeded).
    protocol::http_limits& http_limits() noexcept;
    /// Server-wide limits: the memory budget and the connection caps. Set
    /// them before listen().
    server_options& options() noexcept;
    /// What the server holds now and what its limits have refused (any thread).
    server_stats stats() const;
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
    std::uint16_t port() const;
    /// The port of every listener, in the order listen() and listen_tls() were called.
    std::vector<std::uint16_t> ports() const;
    /// Sends `m` to every session subscribed to `topic` (docs/topics.md) and
    /// returns how many here. Any thread, also outside handlers. Throws
    /// std::system_error(error::bad_argument) for a name longer than
    /// wsx::max_topic_size. With a backplane (use_backplane()) it also goes
    /// to the other nodes, and a message larger than the backplane carries
    /// throws std::system_error(error::message_too_big) before anyone gets
    /// it (docs/scaling.md).
    std::size_t publish(std::string_view topic, const prepared_message& m);
    /// Publishes a message (framed once, and only when someone listens).
    std::size_t publish(std::string_view topic, const message& m);
    /// Publishes the text message `text`.
    std::size_t publish(std::string_view topic, std::string_view text);
    /// Publishes `value` as JSON text (<wsx/json.hpp>), encoded once for every subscriber.
    template <class T> std::size_t publish_json(std::string_view topic, const T& value) {
        return publish(topic, encode_json(value));
    }
    /// Publishes `value` as the message `Codec` encodes it to (codec.hpp).
    template <class Codec, class T> std::size_t publish_as(std::string_view topic, const T& value) {
        return publish(topic, encode<Codec>(value));
    }
    /// Carries publish() to the other nodes that share `b`'s broker
    /// (docs/scaling.md): `server.use_backplane(wsx::redis_backplane{io, {...}})`.
    /// Set it up once, before listening, like the endpoints. `b` is a handle:
    /// a copy kept by the program shares its state (e.g. its connection state).
    template <class Backplane> server& use_backplane(const Backplane& b) {
        attach_backplane(b.link());
        return *this;
    }
    /// How many sessions are subscribed to `topic` now (any thread).
    std::size_t subscribers(std::string_view topic) const;
    /// How many sessions are subscribed to `topic` over every live node
    /// (docs/scaling.md): `handler(std::error_code, std::size_t count)` runs
    /// exactly once, never inside this call. With a backplane it runs on the
    /// backplane's strand, and the count is eventually consistent (other
    /// nodes' counts are as of their last presence rewrite, this node's is
    /// live); when the other nodes' counts cannot be had (not connected,
    /// no answer within the command timeout) the error says why and the
    /// count is this node's alone. Without a backplane it runs on the
    /// io_context with this node's count and no error. Any thread; throws
    /// std::system_error(error::bad_argument) for a name longer than
    /// wsx::max_topic_size.
    void cluster_subscribers(std::string_view topic, std::function<void(std::error_code, std::size_t)> handler);

    /// Connections accepted and not yet closed (handshakes in progress included).
    std::size_t session_count() const;

    /// Graceful shutdown: stop accepting, send 1001 to every open session,
    /// wait for the close handshakes up to the close timeout, then drop the
    /// rest. io_context::run() returns once they are gone.
    void stop();

private:
    friend struct detail::server_access;
    using maker_ptr = std::shared_ptr<detail::server_session_maker>;

    static maker_ptr plain_maker();
    static maker_ptr tls_maker(const tls_server_options& o);

    void listen_any(std::uint16_t port, const maker_ptr& maker);
    void attach_backplane(std::shared_ptr<backplane> b);
    void listen_at(std::string_view address, std::uint16_t port, const maker_ptr& maker);

    // Everything else the server holds: detail/server_core.hpp, which only
    // impl/server.ipp includes.
    struct core;

    asio::io_context& io_;
    std::shared_ptr<core> core_;
};


} // namespace wsx

#if !defined(WSX_SEPARATE_COMPILATION)
#include <wsx/impl/server.ipp>
#endif

#endif
