// Copyright (c) 2026 wsx developers. Distributed under the Boost Software License, Version 1.0.
#ifndef WSX_DETAIL_SESSION_PARTS_HPP
#define WSX_DETAIL_SESSION_PARTS_HPP

// What a wsx::session works with besides its own members: the server side
// that routes its handshake, and the parts it makes only when used (a
// pointer each in the session, so an idle connection pays for none of
// them; tests/session/test_session_sizes pins what that leaves).

#include <wsx/detail/endpoint_state.hpp>
#include <wsx/detail/memory_budget.hpp>
#include <wsx/detail/send_queue.hpp>
#include <wsx/detail/shared_frame.hpp>
#include <wsx/detail/topic_registry.hpp>
#include <wsx/protocol/close.hpp>
#include <wsx/protocol/deflate_negotiation.hpp>
#include <wsx/protocol/http.hpp>
#include <wsx/protocol/writer.hpp>
#include <wsx/request_target.hpp>

#include <asio/io_context.hpp>
#include <asio/ip/address.hpp>
#include <asio/steady_timer.hpp>

#include <array>
#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <system_error>
#include <vector>

namespace wsx {

class session;

namespace detail {

// The server side of a session's opening handshake: decides, from the
// request, which endpoint (if any) takes the connection, and writes the
// response. Implemented by basic_server; one virtual call per connection.
struct session_owner {
    struct decision {
        std::shared_ptr<endpoint_state> endpoint; // null: refused
        std::string response;                                // 101, or the refusal
        path_params params;
        std::string subprotocol;
        std::string extensions;                          // the Sec-WebSocket-Extensions answered
        std::optional<protocol::deflate_params> deflate; // permessage-deflate agreed
    };
    virtual ~session_owner() = default;
    virtual decision route(session& s, const protocol::http_request& req) = 0;
    // The connection is gone; `from` is its peer's address (what the caps counted).
    virtual void forget(std::uint64_t id, const asio::ip::address& from) noexcept = 0;
    // A session's growth took the budget past its limit.
    virtual void over_budget() noexcept = 0;
    memory_budget budget;
    topic_registry topics;
    // Set when one thread runs the io_context: sends from other
    // connections' handlers skip the strand (detail/one_thread.hpp).
    one_thread_flush<session, direct_flush>* one_thread = nullptr;
};

// A client's check of the opening handshake's response: sets the chosen
// subprotocol, returns why the response is refused (or nothing).
using response_check = std::function<std::error_code(const protocol::http_response&, std::string&)>;

// Every deadline of one session, and the one timer that serves them. The
// timer is on the io_context's executor type, not any_io_executor, which
// is larger.
struct session_timing {
    using clock = std::chrono::steady_clock;
    using timer_type = asio::basic_waitable_timer<clock, asio::wait_traits<clock>, asio::io_context::executor_type>;
    explicit session_timing(asio::io_context::executor_type ex) : timer(std::move(ex)) {}
    timer_type timer;
    clock::time_point last_activity{};
    clock::time_point handshake_deadline = clock::time_point::max();
    clock::time_point close_deadline = clock::time_point::max();
    clock::time_point ping_deadline = clock::time_point::max();
    clock::time_point timer_at{};
};

// A client's opening handshake: the response being read and its check.
struct client_handshake {
    protocol::http_response response;
    response_check verify;
    std::string request;
};

// What only a client's session has: its handshake, until it is done, and
// its masking keys with the one in use. One pointer in every session,
// null in a server's.
struct client_parts {
    std::unique_ptr<client_handshake> handshake;
    protocol::mask_key_source keys;
    std::array<std::uint8_t, 4> current_key{};
};

// permessage-deflate, when agreed.
struct compression {
    std::unique_ptr<protocol::deflate_codec> codec;
    std::vector<std::uint8_t> inflated, deflated;
    std::string extensions; // the agreed Sec-WebSocket-Extensions
};

// The rest of a read that a turn's sends ran out before, fed on later
// turns. Each turn starts where the last one stopped (`pos`) instead of
// erasing what it fed from the front: every byte is copied once, when kept.
struct read_backlog {
    std::vector<std::uint8_t> bytes;
    std::size_t pos = 0; // bytes[0, pos) were fed
    std::uint8_t* rest() noexcept { return bytes.data() + pos; }
    std::size_t rest_size() const noexcept { return bytes.size() - pos; }
};

// Messages in parts (docs/streams.md): made by the first message an
// on_message_part endpoint receives or the first send_stream().
struct stream_parts {
    // ---- receiving (impl/session_parts.ipp) ----
    bool rx_text = false;       // the message being received is text
    bool rx_compressed = false; // ... and inflated as it arrives
    bool rx_skip = false;       // ... and is not delivered (closing, or refused)
    bool rx_last_told = false;  // the handler had its `last` call
    // The start of a code point a text chunk ended in, completed by the next.
    std::uint8_t carry_len = 0;
    std::array<std::uint8_t, 4> carry{};

    // ---- sending (impl/session_stream.ipp) ----
    std::uint64_t out_id = 0;   // the open message_stream; 0: none
    std::uint64_t last_id = 0;  // the last one opened
    protocol::opcode out_op = protocol::opcode::text;
    bool out_started = false;   // its first frame is queued: the next are continuations
    bool replaying = false;     // sends waiting for the stream are being queued
    // A send made while a stream is open waits here, in order, until the
    // stream's last frame is queued: a message's fragments may not be
    // interleaved with another message (RFC 6455 5.4). Exactly one of
    // bytes (a payload to frame, and compress, when its turn comes) or
    // frame (a prepared message's shared frame) is used.
    struct waiting_send {
        protocol::opcode op;
        std::vector<std::uint8_t> bytes;
        std::shared_ptr<const shared_frame> frame;
        send_queue::completion done;
    };
    std::deque<waiting_send> waiting;
    // What the waiting sends hold, counted with the send queue against
    // max_send_queue and the memory budget.
    std::size_t waiting_bytes = 0;
    static constexpr std::size_t waiting_entry_cost = sizeof(waiting_send);
};

// What on_close reports, known once the connection is closing.
struct closing_state {
    protocol::close_reason peer; // the peer's close frame
    std::error_code failure;     // why we failed the connection
};

} // namespace detail
} // namespace wsx

#endif
