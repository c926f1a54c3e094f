// Copyright (c) 2026 wsx developers. Distributed under the Boost Software License, Version 1.0.
#ifndef WSX_ERROR_HPP
#define WSX_ERROR_HPP

// Every run-time failure in wsx is a std::error_code in this category. Each
// error also knows the RFC 6455 close code a connection is closed with when
// the error is the peer's fault, so the session layer never has to guess.

#include <cstdint>
#include <string>
#include <system_error>
#include <type_traits>

namespace wsx {

/// Every error wsx reports, in the `wsx` category (wsx::category()).
/// Each value knows its close code (close_code_for()) and, for a refused
/// upgrade, its HTTP status (http_status_for()). docs/errors.md has the table.
enum class error {
    // --- frames from the peer (close 1002 unless noted) ---
    bad_reserved_bits = 1,     // RSV1-3 set without an extension that defines them
    bad_opcode,                // opcode 3-7 or 11-15
    bad_control_frame_size,    // control frame payload over 125 bytes
    fragmented_control_frame,  // control frame with FIN clear
    unexpected_continuation,   // continuation frame with no message in progress
    expected_continuation,     // new data frame while a fragmented message is in progress
    unmasked_frame,            // client sent an unmasked frame (server role)
    masked_frame,              // server sent a masked frame (client role)
    bad_frame_length,          // 64-bit length with the top bit set, or a length not minimally encoded
    bad_close_code,            // close code outside the RFC 6455 7.4 ranges
    bad_close_payload,         // close payload of exactly one byte
    bad_close_reason,          // close reason not UTF-8 (close 1007)
    invalid_utf8,              // text message not UTF-8 (close 1007)
    frame_too_big,             // frame larger than the configured limit (close 1009)
    message_too_big,           // message larger than the configured limit (close 1009)
    unsupported_data,          // binary message with only a text handler (close 1003)
    policy_violation,          // generic 1008
    bad_compressed_data,       // permessage-deflate payload that does not inflate (close 1007)

    // --- HTTP upgrade request (server side) ---
    http_header_too_large = 100, // total header bytes over the limit (431)
    http_too_many_headers,       // header count over the limit (431)
    http_line_too_long,          // one line over the limit (431)
    http_bad_request_line,       // not "METHOD SP target SP HTTP/x.y" (400)
    http_bad_method,             // not GET (405)
    http_bad_version,            // not HTTP/1.1, or not HTTP/1.x at all (505)
    http_bad_header,             // a header line that is not "name: value" (400)
    http_bad_target,             // request target empty or not origin-form (400)
    handshake_missing_host,      // no Host header (400)
    handshake_missing_upgrade,   // no "Upgrade: websocket" (426)
    handshake_missing_connection,// Connection header without the "upgrade" token (426)
    handshake_missing_key,       // no Sec-WebSocket-Key (400)
    handshake_bad_key,           // key does not base64-decode to 16 bytes (400)
    handshake_bad_version,       // Sec-WebSocket-Version not 13 (426 + Sec-WebSocket-Version: 13)
    handshake_duplicate_header,  // a header that must appear once appeared twice (400)
    not_websocket_request,       // a plain HTTP request (no Upgrade): HTTP fallback
    http_bad_content_length,     // Content-Length repeated, a list, or not a decimal number (400)
    http_request_body,           // Transfer-Encoding, or Content-Length other than 0: wsx reads no bodies (400)

    // --- HTTP upgrade response (client side) ---
    handshake_bad_status = 200,  // status is not 101
    handshake_bad_response,      // status line or headers malformed
    handshake_bad_accept,        // Sec-WebSocket-Accept missing or wrong
    handshake_bad_subprotocol,   // server chose a subprotocol we did not offer
    handshake_bad_extension,     // server accepted an extension we did not offer
    handshake_missing_upgrade_response, // 101 without Upgrade/Connection headers
    handshake_bad_response_version,     // 101 in a version other than HTTP/1.1
    handshake_response_body,     // 101 with Transfer-Encoding or a Content-Length other than 0

    // --- run time, local ---
    closed = 300,                // the session is closed or gone; sending is a no-op
    connection_reset,            // the TCP connection dropped without a close frame (close 1006)
    close_timeout,               // the peer did not answer our close in time
    handshake_timeout,           // the opening handshake did not finish in time
    idle_timeout,                // no traffic for the idle timeout
    ping_timeout,                // a keep-alive ping got no pong in time
    send_queue_full,             // queued bytes over the limit (close 1008)
    origin_rejected,             // check_origin said no (403)
    handshake_rejected,          // a handshake handler rejected the request
    not_found,                   // no endpoint matches the path (404)
    going_away,                  // server shutdown (close 1001)
    handler_exception,           // a user handler threw (close 1011)
    memory_budget_exceeded,      // the server's memory budget ran out; this connection held the most (close 1013)
    too_many_connections,        // a connection cap is reached (503 + Retry-After)

    // --- programmer input (thrown as std::system_error) ---
    bad_url = 400,               // URL cannot be parsed
    unsupported_scheme,          // not ws:// (or wss:// where TLS is built)
    bad_argument,                // an argument outside its documented range
    invalid_state,               // operation not allowed in the current state
    tls_unavailable,             // wss:// or listen_tls() in a program without <wsx/tls.hpp>
};

/// The `wsx` error category: every wsx::error value belongs to it.
const std::error_category& category() noexcept;

/// Makes a std::error_code from a wsx::error, so `ec == wsx::error::closed` works.
inline std::error_code make_error_code(error e) noexcept {
    return {static_cast<int>(e), category()};
}

/// A refused handshake carries the server's HTTP status in the error
/// itself, so the message says "server answered HTTP 404 ...".
/// A status outside 100-599 gives error::handshake_bad_status.
std::error_code make_status_error(int status) noexcept;
/// The HTTP status of an error made by make_status_error() (e.g. 404), or 0
/// for any other error.
int handshake_status(std::error_code ec) noexcept;

/// The close code a connection is closed with after this error (1000 for no
/// error). Errors that are not the peer's fault map to 1011 (internal error);
/// a dropped connection maps to 1006, which is never sent on the wire.
std::uint16_t close_code_for(std::error_code ec) noexcept;

/// The HTTP status a failed upgrade request is answered with (400 unless the
/// error says otherwise: 431, 405, 505, 426, 403, 404, 503).
int http_status_for(std::error_code ec) noexcept;

namespace detail {
class error_category_impl final : public std::error_category {
public:
    const char* name() const noexcept override { return "wsx"; }
    std::string message(int ev) const override;
};
} // namespace detail

inline const std::error_category& category() noexcept {
    static const detail::error_category_impl cat;
    return cat;
}

namespace detail {
constexpr int status_error_base = 1000; // values 1100..1599 are "bad status N"
}

inline std::error_code make_status_error(int status) noexcept {
    if (status < 100 || status > 599) return make_error_code(error::handshake_bad_status);
    return {detail::status_error_base + status, category()};
}

inline int handshake_status(std::error_code ec) noexcept {
    if (ec.category() != category()) return 0;
    int v = ec.value() - detail::status_error_base;
    return v >= 100 && v <= 599 ? v : 0;
}

inline std::string detail::error_category_impl::message(int ev) const {
    if (ev >= status_error_base + 100 && ev <= status_error_base + 599)
        return "server answered HTTP " + std::to_string(ev - status_error_base) +
               " instead of 101 Switching Protocols";
    switch (static_cast<error>(ev)) {
    case error::bad_reserved_bits: return "reserved bits set without a negotiated extension";
    case error::bad_opcode: return "reserved opcode";
    case error::bad_control_frame_size: return "control frame payload longer than 125 bytes";
    case error::fragmented_control_frame: return "fragmented control frame";
    case error::unexpected_continuation: return "continuation frame without a message in progress";
    case error::expected_continuation: return "new data frame inside a fragmented message";
    case error::unmasked_frame: return "client frame is not masked";
    case error::masked_frame: return "server frame is masked";
    case error::bad_frame_length: return "invalid frame length encoding";
    case error::bad_close_code: return "invalid close code";
    case error::bad_close_payload: return "close frame payload of one byte";
    case error::bad_close_reason: return "close reason is not valid UTF-8";
    case error::invalid_utf8: return "text message is not valid UTF-8";
    case error::frame_too_big: return "frame exceeds the maximum frame size";
    case error::message_too_big: return "message exceeds the maximum message size";
    case error::unsupported_data: return "message type not accepted by this endpoint";
    case error::policy_violation: return "policy violation";
    case error::bad_compressed_data: return "compressed payload cannot be inflated";
    case error::http_header_too_large: return "HTTP header section exceeds the size limit";
    case error::http_too_many_headers: return "HTTP request has too many headers";
    case error::http_line_too_long: return "HTTP line exceeds the length limit";
    case error::http_bad_request_line: return "malformed HTTP request line";
    case error::http_bad_method: return "WebSocket upgrade must use GET";
    case error::http_bad_version: return "HTTP version not supported: wsx speaks HTTP/1.1 only";
    case error::http_bad_header: return "malformed HTTP header line";
    case error::http_bad_target: return "malformed HTTP request target";
    case error::handshake_missing_host: return "upgrade request has no Host header";
    case error::handshake_missing_upgrade: return "upgrade request has no 'Upgrade: websocket' header";
    case error::handshake_missing_connection: return "upgrade request has no 'Connection: upgrade' header";
    case error::handshake_missing_key: return "upgrade request has no Sec-WebSocket-Key";
    case error::handshake_bad_key: return "Sec-WebSocket-Key is not 16 base64-encoded bytes";
    case error::handshake_bad_version: return "Sec-WebSocket-Version is not 13";
    case error::handshake_duplicate_header: return "a header that must appear once is repeated";
    case error::not_websocket_request: return "not a WebSocket upgrade request";
    case error::http_bad_content_length:
        return "Content-Length must appear once, as one decimal number (RFC 9112 6.3)";
    case error::http_request_body:
        return "request has a body (Transfer-Encoding, or Content-Length other than 0); wsx reads no request bodies";
    case error::handshake_bad_status: return "server did not answer 101 Switching Protocols";
    case error::handshake_bad_response: return "malformed HTTP response";
    case error::handshake_bad_accept: return "Sec-WebSocket-Accept is missing or wrong";
    case error::handshake_bad_subprotocol: return "server chose a subprotocol that was not offered";
    case error::handshake_bad_extension: return "server accepted an extension that was not offered";
    case error::handshake_missing_upgrade_response: return "101 response without Upgrade/Connection headers";
    case error::handshake_bad_response_version: return "101 response is not HTTP/1.1";
    case error::handshake_response_body:
        return "101 response declares a body (Transfer-Encoding, or Content-Length other than 0); a 101 has none";
    case error::closed: return "the session is closed";
    case error::connection_reset: return "connection dropped without a close frame";
    case error::close_timeout: return "the peer did not complete the close handshake in time";
    case error::handshake_timeout: return "the opening handshake timed out";
    case error::idle_timeout: return "the connection was idle too long";
    case error::ping_timeout: return "no pong arrived for a keep-alive ping";
    case error::send_queue_full: return "send queue limit exceeded";
    case error::origin_rejected: return "origin rejected";
    case error::handshake_rejected: return "handshake rejected by the handler";
    case error::not_found: return "no endpoint matches the request path";
    case error::going_away: return "server is shutting down";
    case error::handler_exception: return "a handler threw an exception";
    case error::memory_budget_exceeded:
        return "the server's memory budget is exhausted and this connection held the most; try again later";
    case error::too_many_connections: return "the server has reached its connection limit; try again later";
    case error::bad_url: return "malformed WebSocket URL";
    case error::unsupported_scheme: return "unsupported URL scheme";
    case error::bad_argument: return "argument out of range";
    case error::invalid_state: return "operation not allowed in the current state";
    case error::tls_unavailable: return "TLS is not part of this program (include <wsx/tls.hpp>, link wsx::tls)";
    }
    return "unknown wsx error";
}

inline std::uint16_t close_code_for(std::error_code ec) noexcept {
    if (!ec) return 1000;
    if (ec.category() != category()) return 1006;
    switch (static_cast<error>(ec.value())) {
    case error::bad_reserved_bits:
    case error::bad_opcode:
    case error::bad_control_frame_size:
    case error::fragmented_control_frame:
    case error::unexpected_continuation:
    case error::expected_continuation:
    case error::unmasked_frame:
    case error::masked_frame:
    case error::bad_frame_length:
    case error::bad_close_code:
    case error::bad_close_payload:
        return 1002;
    case error::bad_close_reason:
    case error::invalid_utf8:
    case error::bad_compressed_data:
        return 1007;
    case error::frame_too_big:
    case error::message_too_big:
        return 1009;
    case error::unsupported_data:
        return 1003;
    case error::policy_violation:
    case error::send_queue_full:
        return 1008;
    case error::going_away:
    case error::idle_timeout:
    case error::ping_timeout:
        return 1001;
    case error::memory_budget_exceeded:
        return 1013;
    case error::connection_reset:
    case error::close_timeout:
        return 1006;
    default:
        return 1011;
    }
}

inline int http_status_for(std::error_code ec) noexcept {
    if (ec.category() != category()) return 400;
    switch (static_cast<error>(ec.value())) {
    case error::http_header_too_large:
    case error::http_too_many_headers:
    case error::http_line_too_long:
        return 431;
    case error::http_bad_method: return 405;
    case error::http_bad_version: return 505;
    case error::handshake_missing_upgrade:
    case error::handshake_missing_connection:
    case error::handshake_bad_version:
    case error::not_websocket_request:
        return 426;
    case error::origin_rejected: return 403;
    case error::not_found: return 404;
    case error::going_away:
    case error::too_many_connections:
        return 503;
    default: return 400;
    }
}

} // namespace wsx

namespace std {
template <> struct is_error_code_enum<wsx::error> : true_type {};
} // namespace std

#endif
