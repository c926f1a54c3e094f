// Copyright (c) 2026 wsx developers. Distributed under the Boost Software License, Version 1.0.
#ifndef WSX_URL_HPP
#define WSX_URL_HPP

// The URL a client connects to (RFC 6455 3): ws://host[:port]/path?query or
// wss://. The URL comes from the program, not the network, so every
// rejection says what is wrong and quotes the URL.
//
// What is accepted, and why:
//  * schemes ws and wss in any case; http(s) is rejected with a hint, since
//    it is the most common slip;
//  * a host name (letters, digits, '-', '.', '_'), an IPv4 address, or an
//    IPv6 address in brackets; the host is lowercased. Non-ASCII host names
//    must be given in their IDNA "xn--" form;
//  * an optional port 1-65535 (an empty port after ':' is refused as a
//    likely mistake);
//  * the path and query, copied into `target`. Bytes a request line may not
//    carry (non-ASCII, '"', '<', '>', '\\', '^', '`', '{', '|', '}', '[',
//    ']') are percent-encoded so that the request is always valid; existing
//    %-escapes are kept as written and must be well-formed.
// Refused: a fragment ("#..."; RFC 6455 3 forbids it), user information
// ("user@host"), spaces and control characters anywhere, an empty host.

#include <wsx/error.hpp>

#include <cstddef>
#include <cstdint>
#include <new>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>

namespace wsx {

/// A parsed ws:// or wss:// URL (parse_url()); the rules of what is accepted
/// are at the top of this header.
struct url {
    std::string scheme;        ///< "ws" or "wss", lowercase
    std::string host;          ///< lowercase; an IPv6 address without brackets
    std::uint16_t port = 0;    ///< explicit, or 80 (ws) / 443 (wss)
    std::string target = "/";  ///< path + "?query", never empty, always starts with '/'
    bool secure = false;       ///< wss
    bool ipv6_literal = false; ///< host was written as [v6 address]
};

namespace detail {

inline bool url_is_alpha(char c) noexcept { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
inline bool url_is_digit(char c) noexcept { return c >= '0' && c <= '9'; }
inline bool url_is_hex(char c) noexcept {
    return url_is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}
inline char url_lower(char c) noexcept { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

// The characters RFC 3986 allows unescaped in a path or query (pchar, '/', '?').
inline bool url_target_char(char c) noexcept {
    if (url_is_alpha(c) || url_is_digit(c)) return true;
    switch (c) {
    case '-': case '.': case '_': case '~':                                 // unreserved
    case '!': case '$': case '&': case '\'': case '(': case ')':           // sub-delims
    case '*': case '+': case ',': case ';': case '=':
    case ':': case '@': case '/': case '?':
        return true;
    default:
        return false;
    }
}

// dec-octet "." dec-octet "." dec-octet "." dec-octet (RFC 3986 3.2.2):
// no leading zeros, so "01.2.3.4" is refused rather than read as octal.
inline bool url_valid_ipv4(std::string_view s) noexcept {
    int parts = 0;
    std::size_t i = 0;
    for (;;) {
        std::size_t start = i;
        int value = 0;
        while (i < s.size() && url_is_digit(s[i]) && i - start < 3) value = value * 10 + (s[i++] - '0');
        std::size_t len = i - start;
        if (len == 0 || value > 255 || (len > 1 && s[start] == '0')) return false;
        ++parts;
        if (i == s.size()) break;
        if (s[i] != '.' || parts == 4) return false;
        ++i;
    }
    return parts == 4;
}

// RFC 4291 2.2 text forms: eight groups of 1-4 hex digits, at most one "::"
// standing for one or more zero groups, optionally ending in an IPv4 address.
inline bool url_valid_ipv6(std::string_view s) noexcept {
    int groups = 0;
    bool compressed = false;
    std::size_t i = 0;
    if (s.size() >= 2 && s[0] == ':' && s[1] == ':') {
        compressed = true;
        i = 2;
        if (i == s.size()) return true; // "::"
    } else if (!s.empty() && s[0] == ':') {
        return false;
    }
    for (;;) {
        std::size_t start = i;
        while (i < s.size() && url_is_hex(s[i])) ++i;
        if (i < s.size() && s[i] == '.') {
            if (!url_valid_ipv4(s.substr(start))) return false;
            groups += 2;
            break;
        }
        std::size_t len = i - start;
        if (len == 0 || len > 4) return false;
        ++groups;
        if (i == s.size()) break;
        if (s[i] != ':') return false;
        ++i;
        if (i < s.size() && s[i] == ':') {
            if (compressed) return false;
            compressed = true;
            ++i;
            if (i == s.size()) break;
        } else if (i == s.size()) {
            return false; // a single trailing ':'
        }
    }
    return compressed ? groups <= 7 : groups == 8;
}

// The URL as it appears in an error message: quoted, with unprintable bytes
// escaped, and cut short if it is very long.
inline std::string url_quote(std::string_view text) {
    constexpr std::size_t max_shown = 200;
    static const char hex[] = "0123456789abcdef";
    std::string out = "\"";
    for (std::size_t i = 0; i < text.size() && i < max_shown; ++i) {
        auto uc = static_cast<unsigned char>(text[i]);
        if (uc < 0x20 || uc == 0x7f || text[i] == '"' || text[i] == '\\') {
            out += "\\x";
            out += hex[uc >> 4];
            out += hex[uc & 15];
        } else {
            out += text[i];
        }
    }
    if (text.size() > max_shown) out += "...";
    out += '"';
    return out;
}

// Parses into `out`; on failure returns the error and, if `why` is given,
// the message. `out` may be half written on failure, so callers pass a
// scratch object.
inline std::error_code parse_url_into(std::string_view text, url& out, std::string* why) {
    auto fail = [&](error e, const std::string& problem) {
        if (why) {
            *why = "URL ";
            *why += url_quote(text);
            *why += ": ";
            *why += problem;
        }
        return make_error_code(e);
    };

    if (text.empty()) return fail(error::bad_url, "the URL is empty");
    for (std::size_t i = 0; i < text.size(); ++i) {
        auto uc = static_cast<unsigned char>(text[i]);
        if (uc <= 0x20 || uc == 0x7f)
            return fail(error::bad_url, "space or control character at offset " + std::to_string(i) +
                                            " (percent-encode it, e.g. %20 for a space)");
    }

    // Scheme: ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ) followed by "://".
    std::size_t sep = text.find("://");
    bool scheme_ok = sep != std::string_view::npos && sep > 0 && url_is_alpha(text[0]);
    for (std::size_t i = 1; scheme_ok && i < sep; ++i) {
        char c = text[i];
        scheme_ok = url_is_alpha(c) || url_is_digit(c) || c == '+' || c == '-' || c == '.';
    }
    if (!scheme_ok)
        return fail(error::bad_url, "no scheme; a WebSocket URL starts with ws:// or wss://");
    std::string scheme;
    for (char c : text.substr(0, sep)) scheme += url_lower(c);
    if (scheme == "ws") {
        out.secure = false;
        out.port = 80;
    } else if (scheme == "wss") {
        out.secure = true;
        out.port = 443;
    } else if (scheme == "http") {
        return fail(error::unsupported_scheme, "scheme \"http\" is not a WebSocket scheme; use ws:// (or wss://)");
    } else if (scheme == "https") {
        return fail(error::unsupported_scheme, "scheme \"https\" is not a WebSocket scheme; use wss:// (or ws://)");
    } else {
        return fail(error::unsupported_scheme, "scheme \"" + scheme + "\" is not supported; use ws:// or wss://");
    }

    std::size_t hash = text.find('#');
    if (hash != std::string_view::npos)
        return fail(error::bad_url, "a fragment (\"#...\" at offset " + std::to_string(hash) +
                                        ") is not allowed in a WebSocket URL (RFC 6455 section 3); "
                                        "write %23 for a literal '#'");

    std::size_t auth_begin = sep + 3;
    std::size_t auth_end = text.find_first_of("/?", auth_begin);
    if (auth_end == std::string_view::npos) auth_end = text.size();
    std::string_view authority = text.substr(auth_begin, auth_end - auth_begin);

    if (authority.find('@') != std::string_view::npos)
        return fail(error::bad_url, "user information (\"user@\") is not supported; "
                                    "send credentials in a header instead");
    if (authority.empty()) return fail(error::bad_url, "the host is empty");

    std::string_view host;
    std::string_view port_text;
    bool has_port = false;
    if (authority[0] == '[') {
        std::size_t close = authority.find(']');
        if (close == std::string_view::npos)
            return fail(error::bad_url, "unterminated IPv6 address (missing ']')");
        host = authority.substr(1, close - 1);
        if (host.empty()) return fail(error::bad_url, "the host is empty");
        if (host.find('%') != std::string_view::npos)
            return fail(error::bad_url, "IPv6 zone identifiers (\"%25...\") are not supported");
        if (!url_valid_ipv6(host))
            return fail(error::bad_url, "\"" + std::string(host) + "\" is not a valid IPv6 address");
        std::string_view after = authority.substr(close + 1);
        if (!after.empty()) {
            if (after[0] != ':')
                return fail(error::bad_url, "unexpected \"" + std::string(after) + "\" after the IPv6 address");
            port_text = after.substr(1);
            has_port = true;
        }
        out.ipv6_literal = true;
    } else {
        std::size_t colon = authority.find(':');
        if (colon != std::string_view::npos && authority.find(':', colon + 1) != std::string_view::npos)
            return fail(error::bad_url, "more than one ':' after the host; an IPv6 address must be written in "
                                        "brackets, e.g. ws://[::1]:9001/");
        host = authority.substr(0, colon);
        if (colon != std::string_view::npos) {
            port_text = authority.substr(colon + 1);
            has_port = true;
        }
        if (host.empty()) return fail(error::bad_url, "the host is empty");
        if (host.size() > 253) return fail(error::bad_url, "the host name is longer than 253 characters");
        for (char c : host) {
            if (url_is_alpha(c) || url_is_digit(c) || c == '-' || c == '.' || c == '_') continue;
            if (static_cast<unsigned char>(c) >= 0x80)
                return fail(error::bad_url, "non-ASCII host name; write it in its IDNA form (\"xn--...\")");
            return fail(error::bad_url, std::string("invalid character '") + c + "' in the host");
        }
        out.ipv6_literal = false;
    }
    out.host.clear();
    for (char c : host) out.host += url_lower(c);

    if (has_port) {
        if (port_text.empty()) return fail(error::bad_url, "empty port after ':'");
        unsigned long value = 0;
        for (char c : port_text) {
            if (!url_is_digit(c))
                return fail(error::bad_url, "port \"" + std::string(port_text) + "\" is not a number");
            value = value * 10 + static_cast<unsigned long>(c - '0');
            if (value > 65535) break; // stop before it can overflow
        }
        if (value == 0 || value > 65535)
            return fail(error::bad_url, "port \"" + std::string(port_text) + "\" is out of range (1-65535)");
        out.port = static_cast<std::uint16_t>(value);
    }

    std::string_view raw_target = text.substr(auth_end);
    out.target.clear();
    if (raw_target.empty() || raw_target[0] == '?') out.target = "/";
    static const char hex[] = "0123456789ABCDEF";
    for (std::size_t i = 0; i < raw_target.size(); ++i) {
        char c = raw_target[i];
        if (c == '%') {
            if (raw_target.size() - i < 3 || !url_is_hex(raw_target[i + 1]) || !url_is_hex(raw_target[i + 2]))
                return fail(error::bad_url, "invalid percent-escape at offset " + std::to_string(auth_end + i) +
                                                " (write %25 for a literal '%')");
            out.target.append(raw_target.data() + i, 3);
            i += 2;
        } else if (url_target_char(c)) {
            out.target += c;
        } else {
            auto uc = static_cast<unsigned char>(c);
            out.target += '%';
            out.target += hex[uc >> 4];
            out.target += hex[uc & 15];
        }
    }
    out.scheme = std::move(scheme);
    return {};
}

} // namespace detail

/// Parses a ws:// or wss:// URL. Throws std::system_error with error::bad_url
/// (malformed) or error::unsupported_scheme; what() quotes the URL and says
/// what is wrong.
inline url parse_url(std::string_view text) {
    url u;
    std::string why;
    std::error_code ec = detail::parse_url_into(text, u, &why);
    if (ec) throw std::system_error(ec, why);
    return u;
}

/// The same without exceptions: returns the error and leaves `out` untouched
/// on failure.
inline std::error_code try_parse_url(std::string_view text, url& out) noexcept {
    try {
        url u;
        std::error_code ec = detail::parse_url_into(text, u, nullptr);
        if (!ec) out = std::move(u);
        return ec;
    } catch (const std::bad_alloc&) {
        return std::make_error_code(std::errc::not_enough_memory);
    }
}

/// The Host header value for the opening handshake (RFC 6455 4.1): the host,
/// bracketed if IPv6, with ":port" only when the port is not the default.
inline std::string host_header_value(const url& u) {
    std::string out;
    if (u.ipv6_literal) {
        out += '[';
        out += u.host;
        out += ']';
    } else {
        out = u.host;
    }
    if (u.port != (u.secure ? 443 : 80)) {
        out += ':';
        out += std::to_string(u.port);
    }
    return out;
}

} // namespace wsx

#endif
