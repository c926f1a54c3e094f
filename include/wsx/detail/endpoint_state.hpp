// Copyright (c) 2026 wsx developers. Distributed under the Boost Software License, Version 1.0.
#ifndef WSX_DETAIL_ENDPOINT_STATE_HPP
#define WSX_DETAIL_ENDPOINT_STATE_HPP

// What every session of one endpoint shares: its handlers, its options and
// the registry its open sessions are listed in (for broadcast). Sessions
// hold it by shared_ptr, so handlers outlive every session that may call them.

#include <wsx/message.hpp>
#include <wsx/options.hpp>
#include <wsx/protocol/close.hpp>

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

namespace wsx {

class session;
class upgrade_request;

namespace detail {

class session_registry;

struct endpoint_state {
    using session_type = session;

    std::function<void(session_type&)> on_open;
    std::function<void(session_type&, const message&)> on_message;
    // on_message was given as (session&, std::string_view): binary gets 1003.
    bool text_only = false;
    std::function<void(session_type&, const protocol::close_reason&)> on_close;
    std::function<void(session_type&, std::error_code)> on_error;
    std::function<void(session_type&, byte_view)> on_ping;
    std::function<void(session_type&, byte_view)> on_pong;
    std::function<void(session_type&)> on_drain;
    // on_message_part (docs/streams.md): each message in chunks as they
    // arrive, text and binary apart. With either set, the session reads in
    // streaming mode and on_message is not called; a message of a type
    // without its part handler gets 1003.
    std::function<void(session_type&, std::string_view, bool)> on_text_part;
    std::function<void(session_type&, byte_view, bool)> on_binary_part;
    bool has_part_handler() const noexcept { return on_text_part || on_binary_part; }
    // The class form: makes the per-connection object.
    std::function<std::shared_ptr<void>()> make_instance;

    session_options options;
    // Set when the object that owns the handlers (a client) is destroyed:
    // its sessions finish closing without calling into it.
    std::atomic<bool> detached{false};
    std::vector<std::string> subprotocols;
    std::function<bool(std::string_view origin)> check_origin;
    std::function<void(upgrade_request&)> on_handshake;

    // Where its sessions are listed once open: the server's registry for
    // a server's endpoint (set as the endpoint is added), the client's own
    // for a client. Null for an endpoint no server took: it has no sessions.
    std::shared_ptr<session_registry> registry;
};

} // namespace detail
} // namespace wsx

#endif
