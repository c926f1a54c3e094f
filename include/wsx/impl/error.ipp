// Copyright (c) 2026 wsx developers. Distributed under the Boost Software License, Version 1.0.
#ifndef WSX_IMPL_ERROR_IPP
#define WSX_IMPL_ERROR_IPP

// The error category and its tables (see error.hpp): inline in a header-only
// build, compiled once by <wsx/src.hpp> with WSX_SEPARATE_COMPILATION.

#include <wsx/error.hpp>

#include <cstdint>
#include <string>
#include <system_error>

namespace wsx {

WSX_DECL const std::error_category& category() noexcept {
    static const detail::error_category_impl cat;
    return cat;
}

namespace detail {
constexpr int status_error_base = 1000; // values 1100..1599 are "bad status N"
}

WSX_DECL std::error_code make_status_error(int status) noexcept {
    if (status < 100 || status > 599) return make_error_code(error::handshake_bad_status);
    return {detail::status_error_base + status, category()};
}

WSX_DECL int handshake_status(std::error_code ec) noexcept {
    if (ec.category() != category()) return 0;
    int v = ec.value() - detail::status_error_base;
    return v >= 100 && v <= 599 ? v : 0;
}

namespace detail {
constexpr int proxy_status_error_base = 2000; // values 2100..2599 are "proxy answered N"
}

WSX_DECL std::error_code make_proxy_status_error(int status) noexcept {
    if (status < 100 || status > 599) return make_error_code(error::proxy_refused);
    return {detail::proxy_status_error_base + status, category()};
}

WSX_DECL int proxy_status(std::error_code ec) noexcept {
    if (ec.category() != category()) return 0;
    int v = ec.value() - detail::proxy_status_error_base;
    return v >= 100 && v <= 599 ? v : 0;
}

WSX_DECL std::string detail::error_category_impl::message(int ev) const {
    if (ev >= proxy_status_error_base + 100 && ev <= proxy_status_error_base + 599)
        return "the HTTP proxy answered " + std::to_string(ev - proxy_status_error_base) +
               " to CONNECT instead of 2xx (proxy_refused)";
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
    case error::undecodable_message: return "message cannot be decoded by the endpoint's codec";
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
    case error::proxy_refused: return "the HTTP proxy refused the CONNECT request";
    case error::proxy_bad_response: return "the HTTP proxy's answer to CONNECT is malformed";
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

WSX_DECL std::uint16_t close_code_for(std::error_code ec) noexcept {
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
    case error::undecodable_message:
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

WSX_DECL int http_status_for(std::error_code ec) noexcept {
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

#endif
