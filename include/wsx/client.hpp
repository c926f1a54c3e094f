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
#include <wsx/session.hpp>
#include <wsx/tls_options.hpp>
#include <wsx/transport/socket.hpp>
#include <wsx/url.hpp>

#include <asio/io_context.hpp>
#include <asio/ip/tcp.hpp>

#include <atomic>
#include <memory>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

namespace wsx {

/// The client, shaped like the browser's `WebSocket`: the same four handlers
/// (from basic_handlers), send(), close(), ready_state(), buffered_amount(),
/// protocol(). connect() returns at once; the result arrives in on_open or
/// on_error. The URL's scheme picks the transport: ws:// is TCP, wss:// is
/// TLS (with <wsx/tls.hpp> in the program). One connection at a time:
/// connect() again after on_close to reconnect.
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
    // capture objects that die with it.
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
    /// rejected certificate) go to on_error, then on_close with 1006, as in
    /// the browser.
    void connect(std::string_view address);

    // ---- the browser's WebSocket API -----------------------------------

    /// Sends a text message (see session::send()); throws
    /// std::system_error(error::invalid_state) before connect().
    void send(std::string_view text) { require_session().send(text); }
    /// Sends a wsx::message.
    void send(const message& m) { require_session().send(m); }
    /// Sends a prepared message (a client masks it, so it is copied like any other).
    void send(const prepared_message& m) { require_session().send(m); }
    /// Sends a binary message.
    void send_binary(byte_view bytes) { require_session().send_binary(bytes); }
    /// Sends text; the completion token gets the outcome.
    template <class Token> auto send(std::string_view text, Token&& token) {
        return require_session().send(text, std::forward<Token>(token));
    }
    /// Starts the closing handshake (or abandons a connect in progress); on_close follows.
    void close(std::uint16_t code = close_code::normal, std::string_view reason = {}) {
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

    session_type& require_session() {
        if (!session_)
            throw std::system_error(make_error_code(error::invalid_state), "wsx: send() before connect()");
        return *session_;
    }

    asio::io_context& io_;
    std::shared_ptr<detail::client_session_maker> plain_;
    std::shared_ptr<detail::client_session_maker> tls_; // made at the first wss:// URL, or by tls()
    std::shared_ptr<detail::endpoint_state> state_;
    std::shared_ptr<session_type> session_;
    std::vector<std::string> subprotocols_;
    protocol::header_list headers_;
    std::string origin_;
    std::uint64_t next_id_ = 1;
};

} // namespace wsx

#if !defined(WSX_SEPARATE_COMPILATION)
#include <wsx/impl/client.ipp>
#endif

#endif
