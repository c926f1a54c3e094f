// Copyright (c) 2026 wsx developers. Distributed under the Boost Software License, Version 1.0.
#ifndef WSX_ERROR_HPP
#define WSX_ERROR_HPP

// Every run-time failure in wsx is a std::error_code in this category. Each
// error also knows the RFC 6455 close code a connection is closed with when
// the error is the peer's fault, so the session layer never has to guess.

#include <wsx/detail/config.hpp>

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
    undecodable_message,       // the endpoint's codec (JSON, ...) cannot decode a message (close 1007)

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
    proxy_refused,               // the HTTP proxy answered CONNECT with a status other than 2xx
    proxy_bad_response,          // the HTTP proxy's answer to CONNECT is not HTTP/1.x, or too long

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
/// A proxy that refuses CONNECT likewise: the error carries its status, so
/// the message reads "the HTTP proxy answered 407 to CONNECT". A status
/// outside 100-599 gives error::proxy_refused.
std::error_code make_proxy_status_error(int status) noexcept;
/// The status of an error made by make_proxy_status_error() (e.g. 407), or
/// 0 for any other error.
int proxy_status(std::error_code ec) noexcept;

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

} // namespace wsx

namespace std {
template <> struct is_error_code_enum<wsx::error> : true_type {};
} // namespace std

#if !defined(WSX_SEPARATE_COMPILATION)
#include <wsx/impl/error.ipp>
#endif

#endif
