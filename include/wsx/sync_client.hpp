// Copyright (c) 2026 wsx developers. Distributed under the Boost Software License, Version 1.0.
#ifndef WSX_SYNC_CLIENT_HPP
#define WSX_SYNC_CLIENT_HPP

// A blocking client for scripts and tests: each call waits for its result,
// like standing at the café counter until the coffee comes. It runs its
// own io_context inside the calls, so it needs no thread of its own; use
// one sync_client from one thread at a time.

#include <wsx/client.hpp>
#include <wsx/detail/config.hpp>
#include <wsx/error.hpp>
#include <wsx/message.hpp>

#include <asio/io_context.hpp>

#include <chrono>
#include <cstdint>
#include <deque>
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
    explicit sync_client(const session_options& o = {});

    /// The wsx::client underneath (for subprotocols, headers, origin before connect()).
    client& async_client() noexcept { return client_; }

    /// Connects and waits for the handshake. Throws std::system_error: what
    /// client::connect() throws (a malformed URL, an unsupported scheme), and
    /// also, with the error on_error saw, when the connection does not open
    /// (refused, unresolvable, a non-101 answer, which wsx::handshake_status()
    /// reads, or a timeout).
    void connect(std::string_view url, duration timeout = std::chrono::seconds(10));

    /// Sends and waits until the bytes are written. Throws std::system_error
    /// when the send fails or times out, or before connect().
    void send(std::string_view text, duration timeout = std::chrono::seconds(10));
    /// Sends a binary message and waits until it is written; throws like send().
    void send_binary(byte_view bytes, duration timeout = std::chrono::seconds(10));

    /// The next message, or nothing if none came within the timeout or the
    /// connection closed (then last_close() says why).
    std::optional<message> receive(duration timeout = std::chrono::seconds(10));

    /// Closes and waits for the closing handshake to finish.
    void close(std::uint16_t code = close_code::normal, std::string_view reason = {},
               duration timeout = std::chrono::seconds(10));

    /// True while the connection is open.
    bool is_open() const noexcept { return client_.ready_state() == wsx::ready_state::open; }
    /// How the connection closed (valid once it has).
    const close_reason& last_close() const noexcept { return close_; }
    /// The first error on_error reported on this connection, if any.
    std::error_code last_error() const noexcept { return error_; }

private:
    // Defined in impl/sync_client.ipp, the only place that calls them.
    template <class Pred> void run_until(Pred done, duration timeout);
    template <class Start> void wait_send(Start start, duration timeout);
    session& require_session();

    asio::io_context io_;
    client client_;
    std::deque<message> inbox_;
    close_reason close_;
    std::error_code error_;
    bool opened_ = false;
    bool closed_ = false;
};

} // namespace wsx

#if !defined(WSX_SEPARATE_COMPILATION)
#include <wsx/impl/sync_client.ipp>
#endif

#endif
