// Copyright (c) 2026 wsx developers. Distributed under the Boost Software License, Version 1.0.
#ifndef WSX_DETAIL_SESSION_PARTS_HPP
#define WSX_DETAIL_SESSION_PARTS_HPP

// What a wsx::session works with besides its own members: the server side
// that routes its handshake, and the parts it makes only when used (a
// pointer each in the session, so an idle connection pays for none of
// them; tests/session/test_session_sizes pins what that leaves).

#include <wsx/detail/endpoint_state.hpp>
#include <wsx/detail/memory_budget.hpp>
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

// What on_close reports, known once the connection is closing.
struct closing_state {
    protocol::close_reason peer; // the peer's close frame
    std::error_code failure;     // why we failed the connection
};

} // namespace detail
} // namespace wsx

#endif
