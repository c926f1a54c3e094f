// Copyright (c) 2026 wsx developers. Distributed under the Boost Software License, Version 1.0.
#ifndef WSX_SYNC_CLIENT_HPP
#define WSX_SYNC_CLIENT_HPP

// A blocking client for scripts and tests: each call waits for its result,
// like standing at the café counter until the coffee comes. It runs its
// own io_context inside the calls, so it needs no thread of its own; use
// one sync_client from one thread at a time.

#include <wsx/client.hpp>
#include <wsx/error.hpp>
#include <wsx/message.hpp>

#include <asio/io_context.hpp>

#include <chrono>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>

namespace wsx {

/// A blocking client for scripts and tests: each call waits for its result,
/// like standing at the café counter until the coffee comes. It runs its own
/// io_context inside the calls, so it needs no thread of its own; use one
/// sync_client from one thread at a time.
class sync_client {
public:
    /// The type of every timeout argument.
    using duration = std::chrono::milliseconds;

    /// A client with these limits and timeouts; connect() opens the connection.
    explicit sync_client(const session_options& o = {}) : client_(io_) {
        client_.options(o);
        client_.on_open([this](session&) { opened_ = true; })
            .on_message([this](session&, const message& m) { inbox_.push_back(m); })
            .on_error([this](session&, std::error_code ec) {
                if (!error_) error_ = ec;
            })
            .on_close([this](session&, const close_reason& r) {
                closed_ = true;
                close_ = r;
            });
    }

    /// The wsx::client underneath (for subprotocols, headers, origin before connect()).
    client& async_client() noexcept { return client_; }

    /// Connects and waits for the handshake. Throws std::system_error: what
    /// client::connect() throws (a malformed URL, an unsupported scheme), and
    /// also, with the error on_error saw, when the connection does not open
    /// (refused, unresolvable, a non-101 answer, which wsx::handshake_status()
    /// reads, or a timeout).
    void connect(std::string_view url, duration timeout = std::chrono::seconds(10)) {
        opened_ = closed_ = false;
        error_.clear();
        inbox_.clear();
        client_.options().handshake_timeout = timeout;
        client_.connect(url);
        run_until([&] { return opened_ || closed_; }, timeout + std::chrono::seconds(1));
        if (!opened_) {
            std::error_code ec = error_ ? error_ : make_error_code(error::handshake_timeout);
            throw std::system_error(ec, "wsx: cannot connect to " + std::string(url));
        }
    }

    /// Sends and waits until the bytes are written. Throws std::system_error
    /// when the send fails or times out, or before connect().
    void send(std::string_view text, duration timeout = std::chrono::seconds(10)) {
        wait_send([&](auto cb) { client_.send(text, cb); }, timeout);
    }
    /// Sends a binary message and waits until it is written; throws like send().
    void send_binary(byte_view bytes, duration timeout = std::chrono::seconds(10)) {
        wait_send([&](auto cb) { require_session().send_binary(bytes, cb); }, timeout);
    }

    /// The next message, or nothing if none came within the timeout or the
    /// connection closed (then last_close() says why).
    std::optional<message> receive(duration timeout = std::chrono::seconds(10)) {
        run_until([&] { return !inbox_.empty() || closed_; }, timeout);
        if (inbox_.empty()) return std::nullopt;
        message m = std::move(inbox_.front());
        inbox_.pop_front();
        return m;
    }

    /// Closes and waits for the closing handshake to finish.
    void close(std::uint16_t code = close_code::normal, std::string_view reason = {},
               duration timeout = std::chrono::seconds(10)) {
        if (client_.session() && !closed_) {
            client_.close(code, reason);
            run_until([&] { return closed_; }, timeout);
        }
    }

    /// True while the connection is open.
    bool is_open() const noexcept { return client_.ready_state() == wsx::ready_state::open; }
    /// How the connection closed (valid once it has).
    const close_reason& last_close() const noexcept { return close_; }
    /// The first error on_error reported on this connection, if any.
    std::error_code last_error() const noexcept { return error_; }

private:
    template <class Pred> void run_until(Pred done, duration timeout) {
        auto deadline = std::chrono::steady_clock::now() + timeout;
        if (io_.stopped()) io_.restart();
        while (!done()) {
            auto now = std::chrono::steady_clock::now();
            if (now >= deadline) return;
            if (io_.run_one_for(deadline - now) == 0 && io_.stopped()) {
                // No work left: no handler can make done() true any more.
                // (This used to restart and spin at full CPU until the
                // deadline, e.g. receive() before connect().)
                io_.restart();
                return;
            }
        }
    }

    template <class Start> void wait_send(Start start, duration timeout) {
        // Shared, not on this stack frame: after a timeout the completion
        // still runs later (inside a later call's run_until) and must not
        // write into a frame that is gone.
        struct outcome {
            bool done = false;
            std::error_code result;
        };
        auto o = std::make_shared<outcome>();
        start([o](std::error_code ec) {
            o->done = true;
            o->result = ec;
        });
        run_until([&] { return o->done; }, timeout);
        if (!o->done) throw std::system_error(make_error_code(error::closed), "wsx: send timed out");
        if (o->result) throw std::system_error(o->result, "wsx: send failed");
    }

    session& require_session() {
        if (!client_.session())
            throw std::system_error(make_error_code(error::invalid_state), "wsx: send() before connect()");
        return *client_.session();
    }

    asio::io_context io_;
    client client_;
    std::deque<message> inbox_;
    close_reason close_;
    std::error_code error_;
    bool opened_ = false;
    bool closed_ = false;
};

} // namespace wsx

#endif
