// Copyright (c) 2026 wsx developers. Distributed under the Boost Software License, Version 1.0.
#ifndef WSX_OPTIONS_HPP
#define WSX_OPTIONS_HPP

// Every buffer, queue and wait has a limit with a default, so that no peer
// can make a connection hang or grow memory without bound. docs/limits.md
// explains each default.

#include <wsx/protocol/deflate_negotiation.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>

namespace wsx {

/// What happens to a send once the queued, unwritten bytes reach max_send_queue.
enum class send_queue_policy : std::uint8_t {
    reject, // the send fails with error::send_queue_full; the connection stays open
    close,  // the connection is closed with 1008 (policy violation)
};

/// Limits and timeouts of one connection: set per endpoint
/// (`server.endpoint(...).options(o)`, `server.default_options()`) or per
/// client (`client.options(o)`). docs/limits.md explains each default.
struct session_options {
    /// Largest message accepted (after reassembly and, with deflate, after
    /// inflating). A larger one closes the connection with 1009. An
    /// endpoint with on_message_part holds no message: there 0 means no
    /// limit (docs/streams.md); elsewhere 0 admits only empty messages.
    std::size_t max_message_size = 16 * 1024 * 1024;
    /// Largest single frame accepted; defaults to the message limit (0: no
    /// limit, with on_message_part only).
    std::size_t max_frame_size = 16 * 1024 * 1024;
    /// Bytes queued for sending, not yet written, before send_policy applies:
    /// once the queue holds this much, further sends are refused (or the
    /// connection closes). A send into a queue below the limit is taken
    /// whole, so one message of max_message_size always fits; the queue
    /// peaks at this limit plus one message. Automatic pongs are skipped
    /// while the queue is at the limit. A message shared with other
    /// connections (a publish, a prepared_message) also counts the 40 bytes
    /// that refer to it, so that many tiny ones cannot hold more memory than
    /// the limit says.
    std::size_t max_send_queue = 16 * 1024 * 1024;
    send_queue_policy send_policy = send_queue_policy::reject; ///< what a send into a full queue does
    /// Outgoing messages larger than this are split into frames of this size
    /// (0: never fragment).
    std::size_t fragment_size = 0;

    /// From accept (or connect) until the connection is open. Covers slow
    /// clients that trickle the request one byte at a time (slowloris).
    std::chrono::milliseconds handshake_timeout{10'000};
    /// After we send a close frame: how long to wait for the peer's close.
    std::chrono::milliseconds close_timeout{5'000};
    /// No frame received for this long: close with 1001 (0: off).
    std::chrono::milliseconds idle_timeout{0};
    /// Send a ping after this long without traffic (0: off) ...
    std::chrono::milliseconds ping_interval{0};
    /// ... and drop the connection if no pong came back within this.
    std::chrono::milliseconds ping_timeout{10'000};
    /// Answer pings with pongs automatically (RFC 6455 5.5.2 requires it).
    bool auto_pong = true;
    /// A message the endpoint's codec cannot decode (codec.hpp, a handler
    /// taking a decoded type): on_error gets error::undecodable_message and
    /// then, when true, the connection closes with 1007 (invalid payload,
    /// RFC 6455 7.4.1). false: the message is dropped and the connection
    /// stays open, for protocols where a stray message is not fatal.
    bool close_on_undecodable = true;
    /// Server: keep the opening request (target, query, headers) for the
    /// connection's life. false: it is released when on_open returns, and
    /// target(), query(), header() and request() then give empty results
    /// (path_param() still works; copy what you need in on_open). Saves the
    /// request's text, header index and parser: 427 bytes per connection
    /// measured with a 5-header request (bench scenario e); more with more headers.
    bool keep_request = true;
    /// permessage-deflate (RFC 7692): off unless set from wsx::enable_deflate()
    /// in <wsx/deflate.hpp>, which brings in zlib.
    protocol::deflate_options deflate;
};

} // namespace wsx

#endif
