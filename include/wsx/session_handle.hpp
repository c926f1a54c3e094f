// Copyright (c) 2026 wsx developers. Distributed under the Boost Software License, Version 1.0.
#ifndef WSX_SESSION_HANDLE_HPP
#define WSX_SESSION_HANDLE_HPP

// wsx::session_handle: a weak reference to a session, what s.handle()
// returns. Included by session.hpp, which it needs whole.

#include <wsx/session.hpp>

#include <asio/associated_executor.hpp>
#include <asio/async_result.hpp>
#include <asio/dispatch.hpp>

#include <cstdint>
#include <memory>
#include <string_view>
#include <utility>
#include <vector>

namespace wsx {

namespace detail {
// A send through a handle whose session is gone completes with error::closed.
template <class Token> auto complete_closed(Token&& token) {
    return asio::async_initiate<Token, void(std::error_code)>(
        [](auto handler) {
            auto ex = asio::get_associated_executor(handler);
            asio::dispatch(ex, [h = std::move(handler)]() mutable { h(make_error_code(error::closed)); });
        },
        token);
}
} // namespace detail

/// A weak reference to a session, for keeping beyond a handler (a room's
/// member list, a timer that pushes later). Sending through a handle whose
/// connection is gone does nothing and reports error::closed.
class session_handle {
public:
    /// The session type this is a handle to.
    using session_type = session;

    /// A handle to no session: every send does nothing.
    session_handle() = default;
    /// A handle to `s` (what `s.handle()` returns).
    explicit session_handle(const std::shared_ptr<session_type>& s) : s_(s), id_(s ? s->id() : 0) {}

    /// The session, if it still exists (null otherwise). Use it on the session's strand only.
    std::shared_ptr<session_type> lock() const noexcept { return s_.lock(); }
    /// True once the session object is gone.
    bool expired() const noexcept { return s_.expired(); }
    /// The session's id(), kept after it is gone.
    std::uint64_t id() const noexcept { return id_; }
    /// True while the connection is open.
    bool is_open() const noexcept {
        auto s = s_.lock();
        return s && s->is_open();
    }

    /// Sends text as session::send() does, from any thread. The sends,
    /// ping() and close() of a handle do nothing on a session that is gone,
    /// and the forms with a completion token complete with error::closed.
    void send(std::string_view text) const {
        if (auto s = s_.lock()) s->send(text);
    }
    /// Sends a message (see session::send()).
    void send(const message& m) const {
        if (auto s = s_.lock()) s->send(m);
    }
    /// Sends a prepared message (its frame is shared, see prepared_message).
    void send(const prepared_message& m) const {
        if (auto s = s_.lock()) s->send(m);
    }
    /// Sends a binary message.
    void send_binary(byte_view bytes) const {
        if (auto s = s_.lock()) s->send_binary(bytes);
    }
    /// Sends `size` bytes at `data` as a binary message.
    void send_binary(const void* data, std::size_t size) const { send_binary(byte_view(static_cast<const std::uint8_t*>(data), size)); }
    /// Sends text; the token gets the outcome (error::closed when the session is gone).
    template <class Token> auto send(std::string_view text, Token&& token) const {
        if (auto s = s_.lock()) return s->send(text, std::forward<Token>(token));
        return detail::complete_closed(std::forward<Token>(token));
    }
    /// Sends a message; the token gets the outcome.
    template <class Token> auto send(const message& m, Token&& token) const {
        if (auto s = s_.lock()) return s->send(m, std::forward<Token>(token));
        return detail::complete_closed(std::forward<Token>(token));
    }
    /// Sends a prepared message; the token gets the outcome.
    template <class Token> auto send(const prepared_message& m, Token&& token) const {
        if (auto s = s_.lock()) return s->send(m, std::forward<Token>(token));
        return detail::complete_closed(std::forward<Token>(token));
    }
    /// Sends binary bytes; the token gets the outcome.
    template <class Token> auto send_binary(byte_view bytes, Token&& token) const {
        if (auto s = s_.lock()) return s->send_binary(bytes, std::forward<Token>(token));
        return detail::complete_closed(std::forward<Token>(token));
    }
    /// Sends `value` as JSON text (<wsx/json.hpp>); a no-op when the connection is gone.
    template <class T> void send_json(const T& value) const { send(encode_json(value)); }
    /// Sends `value` as the message `Codec` encodes it to (codec.hpp).
    template <class Codec, class T> void send_as(const T& value) const { send(encode<Codec>(value)); }
    /// Sends a ping (see session::ping()).
    void ping(std::string_view payload = {}) const {
        if (auto s = s_.lock()) s->ping(payload);
    }
    /// Starts the closing handshake (see session::close()).
    void close(std::uint16_t code = close_code::normal, std::string_view reason = {}) const {
        if (auto s = s_.lock()) s->close(code, reason);
    }

    /// True when both handles name the same connection.
    friend bool operator==(const session_handle& a, const session_handle& b) noexcept {
        return a.id_ == b.id_;
    }
    /// True when the handles name different connections.
    friend bool operator!=(const session_handle& a, const session_handle& b) noexcept {
        return a.id_ != b.id_;
    }

private:
    std::weak_ptr<session_type> s_;
    std::uint64_t id_ = 0;
};

inline session_handle session::handle() { return session_handle(this->shared_from_this()); }

} // namespace wsx

#endif
