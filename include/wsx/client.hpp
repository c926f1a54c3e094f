// Copyright (c) 2026 wsx developers. Distributed under the Boost Software License, Version 1.0.
#ifndef WSX_CLIENT_HPP
#define WSX_CLIENT_HPP

// The client, shaped like the browser's WebSocket class: the same four
// handlers, send, close, ready_state(), buffered_amount(), protocol().
// connect() returns at once; the result arrives in on_open or on_error.

#include <wsx/endpoint.hpp>
#include <wsx/error.hpp>
#include <wsx/protocol/handshake.hpp>
#include <wsx/detail/session_maker.hpp>
#include <wsx/proxy.hpp>
#include <wsx/reconnect_options.hpp>
#include <wsx/session.hpp>
#include <wsx/tls_options.hpp>
#include <wsx/transport/socket.hpp>
#include <wsx/url.hpp>

#include <asio/io_context.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/steady_timer.hpp>

#include <atomic>
#include <chrono>
#include <functional>
#include <optional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

namespace wsx {

class client;

namespace detail {
// What a client's connections call back into: the client, while it lives.
// Their handlers hold this, never the client itself, and run in it with
// the mutex held, so a client destroyed on another thread waits for a
// handler that is running in it and none starts after. Recursive: a
// handler may destroy the client it runs in.
struct client_link {
    std::recursive_mutex mu;
    client* owner = nullptr;
};
} // namespace detail

/// The client, shaped like the browser's `WebSocket`: the same four handlers
/// (from basic_handlers), send(), close(), ready_state(), buffered_amount(),
/// protocol(). connect() returns at once; the result arrives in on_open or
/// on_error. The URL's scheme picks the transport: ws:// is TCP, wss:// is
/// TLS (with <wsx/tls.hpp> in the program). One connection at a time:
/// connect() again after on_close, or let reconnect() do it. Through an
/// HTTP proxy with proxy() or proxy_from_environment() (docs/client.md).
///
/// A client is used from the thread that runs its io_context (its handlers
/// run there); with reconnect() on, the client itself is also changed from
/// its connections' handlers, so run that io_context on one thread.
class client : public basic_handlers<client> {
public:
    /// The session type the handlers receive.
    using session_type = wsx::session;

    /// A client on `io`; wss:// URLs trust the system's CAs.
    explicit client(asio::io_context& io);
    /// A client whose wss:// connections use `o` (whom to trust, a client
    /// certificate); throws as tls() does.
    client(asio::io_context& io, const tls_client_options& o) : client(io) { tls(o); }

    // A client destroyed with its connection open closes it (1001, going
    // away) and calls none of its handlers after this point: they usually
    // capture objects that die with it. A reconnect it was waiting for is
    // cancelled.
    ~client();

    client(const client&) = delete;
    client& operator=(const client&) = delete;

    /// The TLS settings of the next wss:// connections (docs/tls.md). Needs
    /// <wsx/tls.hpp> and wsx::tls. Throws std::system_error naming the file
    /// or PEM text and OpenSSL's reason when a CA or the certificate cannot
    /// be loaded, and error::tls_unavailable when TLS is not in the program.
    client& tls(const tls_client_options& o) {
        tls_ = make_tls(o);
        return *this;
    }

    /// Subprotocols to offer, most preferred first (the browser's second
    /// constructor argument).
    client& subprotocols(std::vector<std::string> names) {
        subprotocols_ = std::move(names);
        return *this;
    }
    /// An extra request header (Authorization, Cookie, ...).
    client& header(std::string name, std::string value) {
        headers_.emplace_back(std::move(name), std::move(value));
        return *this;
    }
    /// The Origin header to send (a browser sends its page's origin).
    client& origin(std::string o) {
        origin_ = std::move(o);
        return *this;
    }
    /// Starts connecting to "ws://host:port/path?query" or "wss://...". A
    /// malformed URL, a scheme this client cannot speak, or wss:// in a
    /// program without TLS throws std::system_error; failures on the
    /// network (refused, unresolvable, a non-101 answer, timeouts, a
    /// rejected certificate, a proxy's refusal) go to on_error, then
    /// on_close with 1006, as in the browser. Cancels a reconnect that was
    /// waiting and starts counting attempts afresh.
    void connect(std::string_view address);

    // ---- reconnecting ---------------------------------------------------

    /// Reconnects by itself, with exponential backoff and jitter, after a
    /// connection ends that this client's close() did not end (see
    /// reconnect_options::retry_if for which ends count). Every handler
    /// runs again for each new connection; on_close still runs once per
    /// connection, failed attempts included (with 1006, as any failed
    /// connect), before the reconnect is scheduled. Throws
    /// std::system_error(error::bad_argument) for options out of range.
    client& reconnect(const reconnect_options& o) {
        validate(o);
        reconnect_ = o;
        return *this;
    }
    /// reconnect(true): with the default reconnect_options; reconnect(false):
    /// never again (a reconnect that was waiting is cancelled).
    client& reconnect(bool on) {
        if (on) return reconnect(reconnect_options{});
        reconnect_.reset();
        stop_reconnecting();
        return *this;
    }
    /// Called when a reconnect is scheduled, before the wait: f(const
    /// wsx::reconnect_event&), or f(unsigned attempt, std::chrono::
    /// milliseconds delay, std::error_code error). Calling close() in it
    /// (or in on_close, which runs first) cancels this reconnect.
    template <class F> client& on_reconnect(F f) {
        if constexpr (std::is_invocable_v<F&, const reconnect_event&>) {
            on_reconnect_ = std::move(f);
        } else if constexpr (std::is_invocable_v<F&, unsigned, std::chrono::milliseconds, std::error_code>) {
            on_reconnect_ = [f = std::move(f)](const reconnect_event& e) mutable { f(e.attempt, e.delay, e.error); };
        } else {
            static_assert(detail::always_false<F>, "wsx: on_reconnect takes (const wsx::reconnect_event&) or "
                                                   "(unsigned attempt, std::chrono::milliseconds delay, std::error_code)");
        }
        return *this;
    }
    /// True from the moment a reconnect is decided (on_close already sees
    /// it) until a connection opens, the attempts run out, or close().
    bool reconnecting() const noexcept { return reconnecting_; }
    /// The number of the reconnect attempt waited for or under way (1, 2,
    /// ...); 0 once a connection opened, after close() and connect(). It
    /// keeps its last value when the client gives up (max_attempts).
    unsigned reconnect_attempt() const noexcept { return attempt_; }

    // ---- HTTP proxy -------------------------------------------------------

    /// Connects through the HTTP proxy at `proxy_url` ("http://host:port",
    /// with "user:password@" for Basic authentication) from the next
    /// connection on, ws:// and wss:// alike, by an HTTP CONNECT tunnel; ""
    /// connects directly again. Throws std::system_error(error::bad_url or
    /// error::unsupported_scheme) for a bad proxy URL. A proxy that refuses
    /// gives on_error an error whose wsx::proxy_status() is its status
    /// (407: the credentials), a malformed answer error::proxy_bad_response.
    client& proxy(std::string_view proxy_url) {
        proxy_ = proxy_url.empty() ? proxy_settings{} : proxy_settings::for_all(proxy_url);
        return *this;
    }
    /// Uses the proxies the environment names, as curl does: http_proxy for
    /// ws://, https_proxy for wss://, except the hosts in no_proxy (see
    /// proxy_settings::from_environment()). Read when called, not at each
    /// connect. Throws as proxy() does, naming the variable.
    client& proxy_from_environment() {
        proxy_ = proxy_settings::from_environment();
        return *this;
    }
    /// Proxy settings made by hand (several proxies, a no_proxy list).
    client& proxy(proxy_settings settings) {
        proxy_ = std::move(settings);
        return *this;
    }
    /// The proxy settings in use.
    const proxy_settings& proxies() const noexcept { return proxy_; }

    // ---- the browser's WebSocket API -----------------------------------

    /// Sends a text message (see session::send()); throws
    /// std::system_error(error::invalid_state) before connect(). Between
    /// connections (while reconnecting) it goes to the last connection, so
    /// it is dropped as on any closed session (a completion token gets
    /// error::closed, or error::invalid_state while an attempt connects):
    /// send from on_open to send on each new connection.
    void send(std::string_view text) { require_session().send(text); }
    /// Sends a wsx::message.
    void send(const message& m) { require_session().send(m); }
    /// Sends a prepared message (a client masks it, so it is copied like any other).
    void send(const prepared_message& m) { require_session().send(m); }
    /// Sends a binary message.
    void send_binary(byte_view bytes) { require_session().send_binary(bytes); }
    /// Sends `value` as JSON text (<wsx/json.hpp>), the browser's
    /// `ws.send(JSON.stringify(value))`.
    template <class T> void send_json(const T& value) { require_session().send_json(value); }
    /// Sends `value` as the message `Codec` encodes it to (codec.hpp).
    template <class Codec, class T> void send_as(const T& value) { require_session().template send_as<Codec>(value); }
    /// Sends text; the completion token gets the outcome.
    template <class Token> auto send(std::string_view text, Token&& token) {
        return require_session().send(text, std::forward<Token>(token));
    }
    /// Starts the closing handshake (or abandons a connect in progress); on_close follows.
    /// It also ends reconnecting for good: a reconnect that was waiting is
    /// cancelled, and none follows this connection; only connect() starts again.
    void close(std::uint16_t code = close_code::normal, std::string_view reason = {}) {
        user_closed_ = true;
        stop_reconnecting();
        if (session_) session_->close(code, reason);
    }
    /// The browser's readyState (closed before connect()).
    wsx::ready_state ready_state() const noexcept {
        return session_ ? session_->ready_state() : wsx::ready_state::closed;
    }
    /// Bytes queued and not yet written (the browser's bufferedAmount).
    std::size_t buffered_amount() const noexcept { return session_ ? session_->buffered_amount() : 0; }
    /// The subprotocol the server chose ("" for none).
    std::string protocol() const { return session_ ? session_->subprotocol() : std::string(); }

    /// The current (or last) connection; null before connect().
    const std::shared_ptr<session_type>& session() const noexcept { return session_; }

    /// The handler set (internal: used by basic_handlers).
    const std::shared_ptr<detail::endpoint_state>& state_ptr() const noexcept { return state_; }

private:
    static std::shared_ptr<detail::client_session_maker> make_tls(const tls_client_options& o);

    // One connection to target_: a new session with its own forwarding
    // handler set (wire_), then resolve, connect, CONNECT, handshake.
    void open_connection();
    std::shared_ptr<detail::endpoint_state> make_wire();
    void opened(session_type& s);
    void ended(session_type& s, const close_reason& r);
    void stop_reconnecting();
    void wait_and_reconnect(std::chrono::milliseconds delay);

    session_type& require_session() {
        if (!session_)
            throw std::system_error(make_error_code(error::invalid_state), "wsx: send() before connect()");
        return *session_;
    }

    asio::io_context& io_;
    std::shared_ptr<detail::client_session_maker> plain_;
    std::shared_ptr<detail::client_session_maker> tls_; // made at the first wss:// URL, or by tls()
    std::shared_ptr<detail::endpoint_state> state_; // the user's handlers
    std::shared_ptr<detail::endpoint_state> wire_;  // what session_ calls
    std::shared_ptr<session_type> session_;
    std::vector<std::string> subprotocols_;
    protocol::header_list headers_;
    std::string origin_;
    std::uint64_t next_id_ = 1;

    url target_;
    proxy_settings proxy_;
    std::optional<reconnect_options> reconnect_;
    std::function<void(const reconnect_event&)> on_reconnect_;
    std::shared_ptr<detail::client_link> link_;
    asio::steady_timer timer_;
    std::error_code last_error_; // what on_error said of session_
    unsigned attempt_ = 0;
    std::uint64_t generation_ = 0; // bumped by close(), connect(), reconnect(false): stale waits end
    bool reconnecting_ = false;
    bool user_closed_ = false;
};

} // namespace wsx

#if !defined(WSX_SEPARATE_COMPILATION)
#include <wsx/impl/client.ipp>
#endif

#endif
