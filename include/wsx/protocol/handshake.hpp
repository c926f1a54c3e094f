// Copyright (c) 2026 wsx developers. Distributed under the Boost Software License, Version 1.0.
#ifndef WSX_PROTOCOL_HANDSHAKE_HPP
#define WSX_PROTOCOL_HANDSHAKE_HPP

// The opening handshake of RFC 6455 section 4, both sides, sans-I/O: checks
// a parsed http_request / http_response and builds the bytes to send.
//
// Building functions take values from the program, not the peer: a value
// that would break the HTTP framing (a CR or LF smuggled into a header, a
// header name that is not a token) is a programmer error and throws
// std::system_error with wsx::error::bad_argument naming the offender.
// Checking functions take bytes from the peer and return a std::error_code.

#include <wsx/detail/os_random.hpp>
#include <wsx/error.hpp>
#include <wsx/protocol/base64.hpp>
#include <wsx/protocol/http.hpp>
#include <wsx/protocol/sha1.hpp>

#include <array>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>


namespace wsx::protocol {

/// RFC 6455 1.3: appended to the client's key before hashing.
inline constexpr std::string_view websocket_guid = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

/// The only version RFC 6455 defines.
inline constexpr std::string_view websocket_version = "13";

/// Extra header lines for a built request or response, in order.
using header_list = std::vector<std::pair<std::string, std::string>>;

/// Sec-WebSocket-Accept for a Sec-WebSocket-Key: base64(SHA-1(key + GUID)).
inline std::string accept_key(std::string_view client_key) {
    sha1 h;
    h.update(client_key.data(), client_key.size());
    h.update(websocket_guid.data(), websocket_guid.size());
    const auto digest = h.finish();
    return base64_encode(digest.data(), digest.size());
}

/// True when key is base64 for exactly 16 bytes (RFC 6455 4.1 item 7).
inline bool is_valid_client_key(std::string_view key) noexcept {
    // 16 bytes encode to 22 characters and "==": any other length is wrong,
    // which also keeps the stack buffer below big enough.
    if (key.size() != base64_encoded_size(16)) return false;
    std::array<std::uint8_t, base64_max_decoded_size(base64_encoded_size(16))> bytes{};
    return base64_decode(key, bytes.data()) == 16;
}

} // namespace wsx::protocol

namespace wsx::detail {

// What a message's headers say about a body after the header section
// (RFC 9112 6.3). Neither side of a handshake reads a body, so any body is
// an error; the only question is which one.
enum class http_body_framing : unsigned char {
    none,       // no Transfer-Encoding, and no Content-Length or a single 0
    body,       // Transfer-Encoding of any value, or a Content-Length above 0
    bad_length, // Content-Length repeated, a list, empty or not all digits
};

// Transfer-Encoding decides first because it overrides Content-Length (RFC
// 9112 6.3 item 3). A repeated Content-Length is refused even when the values
// agree (RFC 9110 8.6 allows that): peers that merge or pick among repeats
// in different ways are how request smuggling works, and no client has a
// reason to send one.
inline http_body_framing http_framing_of(const wsx::protocol::http_message& m) noexcept {
    if (m.count("Transfer-Encoding") != 0) return http_body_framing::body;
    const std::size_t lengths = m.count("Content-Length");
    if (lengths == 0) return http_body_framing::none;
    const std::string_view v = m.header("Content-Length");
    if (lengths > 1 || v.empty()) return http_body_framing::bad_length;
    bool nonzero = false;
    for (char c : v) {
        if (c < '0' || c > '9') return http_body_framing::bad_length;
        if (c != '0') nonzero = true;
    }
    return nonzero ? http_body_framing::body : http_body_framing::none;
}

} // namespace wsx::detail

namespace wsx::protocol {

// --- server side ----------------------------------------------------------

/// \fn std::error_code validate_upgrade(const http_request& req) noexcept
/// Checks a complete request against RFC 6455 4.2.1. The first failing rule
/// decides, in this order. Rules 1 and 2 hold for every request, plain HTTP
/// too, so a server checks them before handing a request to its HTTP
/// handler:
///
/// 1. http_bad_version (505): the version is not HTTP/1.x. HTTP/2.0 or
///     HTTP/9.9 in an HTTP/1 start line is not a message wsx can frame.
/// 2. http_request_body / http_bad_content_length (400): the request
///     announces a body, with Transfer-Encoding (any value) or a
///     Content-Length other than 0, or its Content-Length is repeated, a
///     list ("0, 0") or not a decimal number (RFC 9112 6.3). wsx never reads
///     a request body: after an upgrade the bytes that follow the headers
///     are read as WebSocket frames, and a plain HTTP handler gets the
///     headers only. A single "Content-Length: 0" is no body and passes.
/// 3. not_websocket_request, when the request carries neither an Upgrade
///     header naming "websocket" nor any Sec-WebSocket-Key. Such a request is
///     plain HTTP (a page, a health check, or an Upgrade to some other
///     protocol such as h2c, which a server may ignore, RFC 9110 7.8), so the
///     server routes it to its HTTP handler instead of failing it. Anything
///     that shows either sign of a WebSocket attempt is judged by the rules
///     below and gets a precise error.
/// 4. http_bad_method: the method is not GET (case-sensitive, RFC 9110 9.1).
/// 5. http_bad_version (505): not exactly HTTP/1.1. RFC 6455 4.1 asks for
///     1.1 or later, but wsx speaks 1.1 only and answers in 1.1, so an
///     upgrade in HTTP/1.0 or HTTP/1.2 is refused rather than guessed at.
///     (A plain request in HTTP/1.0 or 1.2 still reaches the HTTP handler,
///     answered in 1.1 as RFC 9110 2.5 allows.)
/// 6. http_bad_target: the target is neither origin-form ("/path?query")
///     nor an absolute http/https URI, which RFC 6455 4.2.1 also allows
///     (see resource_name).
/// 7. handshake_missing_host: no Host, or an empty one (a WebSocket URI
///     always has a host); handshake_duplicate_header: more than one
///     (RFC 9112 3.2 says answer 400).
/// 8. handshake_missing_upgrade: no "websocket" token in Upgrade.
/// 9. handshake_missing_connection: no "upgrade" token in Connection.
/// 10. handshake_missing_key / handshake_duplicate_header /
///     handshake_bad_key: Sec-WebSocket-Key must appear once (RFC 6455
///     11.3.1) and be base64 for 16 bytes.
/// 11. handshake_bad_version: Sec-WebSocket-Version missing or not exactly
///     "13"; handshake_duplicate_header: more than one (RFC 6455 11.3.5).
///
/// Origin is not checked here: whether to trust it is the application's call.
//
/// The /resource name/ (RFC 6455 3) of a request target: the target itself
/// in origin-form, the path and query of an absolute http:// or https:// URI
/// ("/" when it has no path), or "" when the target is neither.
inline std::string_view resource_name(std::string_view target) noexcept {
    if (!target.empty() && target.front() == '/') return target;
    std::size_t scheme = 0;
    auto starts_with_ci = [&](std::string_view prefix) {
        return target.size() >= prefix.size() && wsx::detail::http_iequals(target.substr(0, prefix.size()), prefix);
    };
    if (starts_with_ci("http://"))
        scheme = 7;
    else if (starts_with_ci("https://"))
        scheme = 8;
    else
        return {};
    std::string_view rest = target.substr(scheme);
    std::size_t end = rest.find_first_of("/?#");
    if (end == 0) return {}; // no authority
    if (end == std::string_view::npos) return "/";
    if (rest[end] == '#') return {}; // fragments are not allowed (RFC 6455 3)
    if (rest[end] == '?') return {};  // "http://host?q" has no path: not a resource name we can route
    return rest.substr(end);
}

inline std::error_code validate_upgrade(const http_request& req) noexcept {
    if (req.version_major() != 1) return make_error_code(error::http_bad_version);
    switch (wsx::detail::http_framing_of(req)) {
    case wsx::detail::http_body_framing::none: break;
    case wsx::detail::http_body_framing::body: return make_error_code(error::http_request_body);
    case wsx::detail::http_body_framing::bad_length: return make_error_code(error::http_bad_content_length);
    }
    if (!req.has_token("Upgrade", "websocket") && req.count("Sec-WebSocket-Key") == 0)
        return make_error_code(error::not_websocket_request);
    if (req.method() != "GET") return make_error_code(error::http_bad_method);
    if (req.version_minor() != 1) return make_error_code(error::http_bad_version);
    if (resource_name(req.target()).empty()) return make_error_code(error::http_bad_target);

    const std::size_t hosts = req.count("Host");
    if (hosts > 1) return make_error_code(error::handshake_duplicate_header);
    if (hosts == 0 || req.header("Host").empty()) return make_error_code(error::handshake_missing_host);

    if (!req.has_token("Upgrade", "websocket")) return make_error_code(error::handshake_missing_upgrade);
    if (!req.has_token("Connection", "upgrade")) return make_error_code(error::handshake_missing_connection);

    const std::size_t keys = req.count("Sec-WebSocket-Key");
    if (keys == 0) return make_error_code(error::handshake_missing_key);
    if (keys > 1) return make_error_code(error::handshake_duplicate_header);
    if (!is_valid_client_key(req.header("Sec-WebSocket-Key"))) return make_error_code(error::handshake_bad_key);

    const std::size_t versions = req.count("Sec-WebSocket-Version");
    if (versions > 1) return make_error_code(error::handshake_duplicate_header);
    if (versions == 0 || req.header("Sec-WebSocket-Version") != websocket_version)
        return make_error_code(error::handshake_bad_version);
    return {};
}

/// The subprotocols the client offered, in its order of preference.
/// The views point into req.
inline std::vector<std::string_view> offered_subprotocols(const http_request& req) {
    return req.list("Sec-WebSocket-Protocol");
}

/// The subprotocol to answer with: the first one in the CLIENT's list that
/// the server supports, or an empty view for none. The client's order wins
/// because RFC 6455 4.1 (item 10) has the client list its subprotocols
/// "ordered by preference", while `supported` is just what the server can
/// speak; a server that wants its own order can walk `supported` itself.
/// Names compare case-sensitively, as the client will compare the answer
/// (RFC 6455 4.1, client item 6: the echoed value must be one it sent).
/// The view points into `supported`.
inline std::string_view select_subprotocol(const http_request& req,
                                           const std::vector<std::string>& supported) noexcept {
    std::string_view chosen;
    req.for_each_list_item("Sec-WebSocket-Protocol", [&](std::string_view offered) {
        for (const std::string& s : supported) {
            if (s == offered) {
                chosen = s;
                return true;
            }
        }
        return false;
    });
    return chosen;
}

} // namespace wsx::protocol

namespace wsx::detail {

[[noreturn]] inline void throw_handshake_argument(const std::string& what) {
    throw std::system_error(make_error_code(error::bad_argument), what);
}

inline bool http_is_field_value(std::string_view v) noexcept {
    for (char c : v)
        if (!wsx::detail::http_is_value_char(static_cast<unsigned char>(c))) return false;
    return true;
}

inline void http_check_field(std::string_view name, std::string_view value) {
    if (!wsx::detail::http_is_token(name))
        throw_handshake_argument("wsx: header name \"" + std::string(name) + "\" is not an HTTP token");
    if (!http_is_field_value(value))
        throw_handshake_argument("wsx: value of header \"" + std::string(name) +
                                 "\" contains CR, LF or another control character");
}

// Extra headers must not repeat what the builder writes itself: a second
// Connection or Sec-WebSocket-Accept would make the message ambiguous.
inline void http_check_extra_fields(const wsx::protocol::header_list& extra,
                                   std::initializer_list<std::string_view> reserved) {
    for (const auto& h : extra) {
        http_check_field(h.first, h.second);
        for (std::string_view r : reserved)
            if (wsx::detail::http_iequals(h.first, r))
                throw_handshake_argument("wsx: header \"" + h.first + "\" is set by wsx and cannot be an extra header");
    }
}

inline void http_append_field(std::string& out, std::string_view name, std::string_view value) {
    out.append(name.data(), name.size());
    out.append(": ", 2);
    out.append(value.data(), value.size());
    out.append("\r\n", 2);
}

inline void http_append_extra_fields(std::string& out, const wsx::protocol::header_list& extra) {
    for (const auto& h : extra) http_append_field(out, h.first, h.second);
}

} // namespace wsx::detail

namespace wsx::protocol {

/// The 101 Switching Protocols answer to a valid upgrade request. subprotocol
/// (empty: none) must be a token, normally from select_subprotocol;
/// extensions (empty: none) is the negotiated Sec-WebSocket-Extensions value.
/// Throws std::system_error (bad_argument) for a malformed argument.
inline std::string build_accept_response(std::string_view client_key, std::string_view subprotocol = {},
                                         std::string_view extensions = {}, const header_list& extra = {}) {
    if (!subprotocol.empty() && !wsx::detail::http_is_token(subprotocol))
        wsx::detail::throw_handshake_argument("wsx: subprotocol \"" + std::string(subprotocol) +
                                              "\" is not an HTTP token");
    if (!wsx::detail::http_is_field_value(extensions))
        wsx::detail::throw_handshake_argument(
            "wsx: Sec-WebSocket-Extensions value contains CR, LF or another control character");
    wsx::detail::http_check_extra_fields(extra, {"Upgrade", "Connection", "Sec-WebSocket-Accept",
                                                 "Sec-WebSocket-Protocol", "Sec-WebSocket-Extensions",
                                                 "Content-Length", "Transfer-Encoding"});
    std::string out;
    out.reserve(160 + subprotocol.size() + extensions.size());
    out += "HTTP/1.1 101 Switching Protocols\r\n"
           "Upgrade: websocket\r\n"
           "Connection: Upgrade\r\n";
    wsx::detail::http_append_field(out, "Sec-WebSocket-Accept", accept_key(client_key));
    if (!subprotocol.empty()) wsx::detail::http_append_field(out, "Sec-WebSocket-Protocol", subprotocol);
    if (!extensions.empty()) wsx::detail::http_append_field(out, "Sec-WebSocket-Extensions", extensions);
    wsx::detail::http_append_extra_fields(out, extra);
    out += "\r\n";
    return out;
}

/// Same, taking the key from a request that passed validate_upgrade.
inline std::string build_accept_response(const http_request& req, std::string_view subprotocol = {},
                                         std::string_view extensions = {}, const header_list& extra = {}) {
    return build_accept_response(req.header("Sec-WebSocket-Key"), subprotocol, extensions, extra);
}

/// Reason phrase for the statuses a handshake or its fallback answers with.
inline std::string_view http_reason(int status) noexcept {
    switch (status) {
    case 101: return "Switching Protocols";
    case 200: return "OK";
    case 204: return "No Content";
    case 301: return "Moved Permanently";
    case 302: return "Found";
    case 303: return "See Other";
    case 304: return "Not Modified";
    case 307: return "Temporary Redirect";
    case 308: return "Permanent Redirect";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 408: return "Request Timeout";
    case 413: return "Content Too Large";
    case 426: return "Upgrade Required";
    case 429: return "Too Many Requests";
    case 431: return "Request Header Fields Too Large";
    case 500: return "Internal Server Error";
    case 501: return "Not Implemented";
    case 502: return "Bad Gateway";
    case 503: return "Service Unavailable";
    case 505: return "HTTP Version Not Supported";
    default: break;
    }
    if (status >= 300 && status < 400) return "Redirection";
    if (status >= 400 && status < 500) return "Client Error";
    if (status >= 500 && status < 600) return "Server Error";
    return "Unknown";
}

/// A response that refuses the upgrade and closes the connection: status in
/// 300-599 (a redirect is a way to refuse too), `Connection: close`,
/// Content-Length, and a text/plain body unless extra sets Content-Type.
/// The headers a status needs come with it: 426 carries
/// `Upgrade: websocket` and `Sec-WebSocket-Version: 13` (RFC 6455 4.4 and
/// RFC 9110 15.5.22; Connection then also lists "Upgrade", RFC 9110 7.8),
/// 405 carries `Allow: GET` (RFC 9110 15.5.6).
/// Throws std::system_error (bad_argument) for a status outside 300-599 or a
/// malformed extra header.
inline std::string build_error_response(int status, std::string_view body = {}, const header_list& extra = {}) {
    if (status < 300 || status > 599)
        wsx::detail::throw_handshake_argument("wsx: error response status " + std::to_string(status) +
                                              " is not in 300-599");
    wsx::detail::http_check_extra_fields(extra, {"Connection", "Content-Length", "Transfer-Encoding"});
    bool has_content_type = false;
    for (const auto& h : extra)
        if (wsx::detail::http_iequals(h.first, "Content-Type")) has_content_type = true;

    const std::string_view reason = http_reason(status);
    std::string out;
    out.reserve(160 + reason.size() + body.size());
    out += "HTTP/1.1 ";
    out += std::to_string(status);
    out += ' ';
    out.append(reason.data(), reason.size());
    out += "\r\n";
    if (status == 426) {
        out += "Upgrade: websocket\r\n"
               "Sec-WebSocket-Version: 13\r\n"
               "Connection: close, Upgrade\r\n";
    } else {
        out += "Connection: close\r\n";
    }
    if (status == 405) out += "Allow: GET\r\n";
    if (!body.empty() && !has_content_type) out += "Content-Type: text/plain; charset=utf-8\r\n";
    out += "Content-Length: ";
    out += std::to_string(body.size());
    out += "\r\n";
    wsx::detail::http_append_extra_fields(out, extra);
    out += "\r\n";
    out.append(body.data(), body.size());
    return out;
}

/// The refusal for a failed validate_upgrade (or any wsx error): status from
/// http_status_for, the error's message as the body.
inline std::string build_error_response(std::error_code ec) {
    return build_error_response(http_status_for(ec), ec.message() + "\n");
}

// --- client side ----------------------------------------------------------

} // namespace wsx::protocol

namespace wsx::protocol {

/// A fresh Sec-WebSocket-Key: 16 random bytes, base64-encoded. RFC 6455 4.1
/// wants a nonce "selected randomly for each connection": the accept key
/// proves the 101 was made for this very request only if the key cannot be
/// guessed or repeated.
inline std::string generate_client_key() {
    std::array<std::uint8_t, 16> bytes{};
    wsx::detail::os_random(bytes.data(), bytes.size());
    return base64_encode(bytes.data(), bytes.size());
}

/// What build_client_request() makes the opening request from.
struct client_request {
    std::string host;                       ///< name or IP literal, IPv6 with or without brackets
    std::uint16_t port = 80; ///< written in Host when not the scheme's default
    std::string target = "/";               ///< origin-form: path and query
    std::string key;                        ///< from generate_client_key(); keep it for verify_response
    std::vector<std::string> subprotocols;  ///< in order of preference
    std::string extensions;                 ///< Sec-WebSocket-Extensions offer, empty for none
    header_list headers;                    ///< extra headers, e.g. Authorization or Cookie
    std::string origin;                     ///< empty: no Origin header
    bool secure = false;                    ///< wss: the default port, left out of Host, is 443
};

/// The upgrade request for r (RFC 6455 4.1). Host omits the port when it is
/// the scheme's default, and puts IPv6 literals in brackets. Throws
/// std::system_error (bad_argument) when a field is malformed: empty host,
/// port 0, target not origin-form, key not base64 for 16 bytes, a
/// subprotocol that is not a token or is repeated, a CR/LF or other control
/// character in any value, an extra header wsx writes itself.
inline std::string build_client_request(const client_request& r) {
    if (r.host.empty() || !wsx::detail::http_is_field_value(r.host))
        wsx::detail::throw_handshake_argument("wsx: client request host \"" + r.host +
                                              "\" is empty or has invalid characters");
    for (char c : r.host)
        if (c == ' ' || c == '\t' || c == '/' || c == '@')
            wsx::detail::throw_handshake_argument("wsx: client request host \"" + r.host + "\" is not a host name");
    if (r.port == 0) wsx::detail::throw_handshake_argument("wsx: client request port is 0");
    const std::string_view target = r.target.empty() ? std::string_view("/") : std::string_view(r.target);
    bool target_ok = target.front() == '/';
    for (char c : target)
        if (static_cast<unsigned char>(c) <= 0x20 || static_cast<unsigned char>(c) >= 0x7F) target_ok = false;
    if (!target_ok)
        wsx::detail::throw_handshake_argument("wsx: client request target \"" + r.target +
                                   "\" is not a path starting with '/' in visible ASCII");
    if (!is_valid_client_key(r.key))
        wsx::detail::throw_handshake_argument("wsx: client request key \"" + r.key +
                                   "\" is not base64 for 16 bytes (use generate_client_key())");
    for (std::size_t i = 0; i < r.subprotocols.size(); ++i) {
        if (!wsx::detail::http_is_token(r.subprotocols[i]))
            wsx::detail::throw_handshake_argument("wsx: subprotocol \"" + r.subprotocols[i] +
                                                  "\" is not an HTTP token");
        for (std::size_t j = 0; j < i; ++j)
            if (r.subprotocols[j] == r.subprotocols[i])
                wsx::detail::throw_handshake_argument("wsx: subprotocol \"" + r.subprotocols[i] +
                                                      "\" is offered twice");
    }
    if (!wsx::detail::http_is_field_value(r.extensions))
        wsx::detail::throw_handshake_argument(
            "wsx: Sec-WebSocket-Extensions value contains CR, LF or another control character");
    if (!wsx::detail::http_is_field_value(r.origin))
        wsx::detail::throw_handshake_argument("wsx: Origin value contains CR, LF or another control character");
    wsx::detail::http_check_extra_fields(r.headers, {"Host", "Upgrade", "Connection", "Sec-WebSocket-Key",
                                            "Sec-WebSocket-Version", "Sec-WebSocket-Protocol",
                                            "Sec-WebSocket-Extensions", "Origin", "Content-Length",
                                            "Transfer-Encoding"});

    std::string out;
    out.reserve(256 + r.host.size() + target.size() + r.extensions.size() + r.origin.size());
    out += "GET ";
    out.append(target.data(), target.size());
    out += " HTTP/1.1\r\nHost: ";
    const bool ipv6 = r.host.find(':') != std::string::npos && r.host.front() != '[';
    if (ipv6) out += '[';
    out += r.host;
    if (ipv6) out += ']';
    if (r.port != (r.secure ? 443 : 80)) {
        out += ':';
        out += std::to_string(r.port);
    }
    out += "\r\n"
           "Upgrade: websocket\r\n"
           "Connection: Upgrade\r\n";
    wsx::detail::http_append_field(out, "Sec-WebSocket-Key", r.key);
    out += "Sec-WebSocket-Version: 13\r\n";
    if (!r.origin.empty()) wsx::detail::http_append_field(out, "Origin", r.origin);
    if (!r.subprotocols.empty()) {
        out += "Sec-WebSocket-Protocol: ";
        for (std::size_t i = 0; i < r.subprotocols.size(); ++i) {
            if (i != 0) out += ", ";
            out += r.subprotocols[i];
        }
        out += "\r\n";
    }
    if (!r.extensions.empty()) wsx::detail::http_append_field(out, "Sec-WebSocket-Extensions", r.extensions);
    wsx::detail::http_append_extra_fields(out, r.headers);
    out += "\r\n";
    return out;
}

/// Checks the server's answer (RFC 6455 4.1, the client's items 1-6). The
/// first failing rule decides, in this order:
///  1. handshake_bad_status: the status is not 101 (the response is then an
///     ordinary HTTP answer such as a 426 or a redirect, whose version and
///     body are not judged here);
///  2. handshake_bad_response_version: the 101 is not HTTP/1.1, the version
///     the request was sent in and the only one wsx speaks;
///  3. handshake_response_body: the 101 announces a body, with
///     Transfer-Encoding or a Content-Length other than 0 (a 1xx response
///     ends with its header section, RFC 9112 6.3, so such bytes could only
///     be misread as frames); handshake_bad_response: its Content-Length is
///     repeated, a list or not a decimal number;
///  4. handshake_missing_upgrade_response: no "websocket" token in Upgrade or
///     no "upgrade" token in Connection;
///  5. handshake_bad_accept: Sec-WebSocket-Accept missing, repeated, or not
///     accept_key(key);
///  6. handshake_bad_subprotocol: Sec-WebSocket-Protocol repeated, or naming
///     something other than exactly one of offered_subprotocols (so any
///     subprotocol at all when none was offered); an empty value means none;
///  7. handshake_bad_extension: Sec-WebSocket-Extensions names an extension
///     although none was offered. Whether an answer to an offer is acceptable
///     is for the extension's own negotiation to decide.
/// On success *chosen_subprotocol (if not null) is set to the server's choice,
/// empty for none.
inline std::error_code verify_response(const http_response& res, std::string_view key,
                                       const std::vector<std::string>& offered_subprotocols,
                                       bool extensions_offered, std::string* chosen_subprotocol) {
    if (res.status() != 101) return make_error_code(error::handshake_bad_status);
    if (res.version_major() != 1 || res.version_minor() != 1)
        return make_error_code(error::handshake_bad_response_version);
    switch (wsx::detail::http_framing_of(res)) {
    case wsx::detail::http_body_framing::none: break;
    case wsx::detail::http_body_framing::body: return make_error_code(error::handshake_response_body);
    case wsx::detail::http_body_framing::bad_length: return make_error_code(error::handshake_bad_response);
    }
    if (!res.has_token("Upgrade", "websocket") || !res.has_token("Connection", "upgrade"))
        return make_error_code(error::handshake_missing_upgrade_response);
    if (res.count("Sec-WebSocket-Accept") != 1 || res.header("Sec-WebSocket-Accept") != accept_key(key))
        return make_error_code(error::handshake_bad_accept);

    const std::size_t protocols = res.count("Sec-WebSocket-Protocol");
    if (protocols > 1) return make_error_code(error::handshake_bad_subprotocol);
    const std::string_view chosen = res.header("Sec-WebSocket-Protocol");
    if (!chosen.empty()) {
        bool offered = false;
        for (const std::string& s : offered_subprotocols)
            if (s == chosen) offered = true;
        if (!offered) return make_error_code(error::handshake_bad_subprotocol);
    }

    const bool names_extension =
        res.for_each_list_item("Sec-WebSocket-Extensions", [](std::string_view) { return true; });
    if (!extensions_offered && names_extension) return make_error_code(error::handshake_bad_extension);

    if (chosen_subprotocol != nullptr) chosen_subprotocol->assign(chosen.data(), chosen.size());
    return {};
}

} // namespace wsx::protocol

#endif
