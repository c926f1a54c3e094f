// Copyright (c) 2026 wsx developers. Distributed under the Boost Software License, Version 1.0.
#ifndef WSX_PROXY_HPP
#define WSX_PROXY_HPP

// Which HTTP proxy a client's connection goes through (client::proxy(),
// client::proxy_from_environment(); docs/client.md): the proxy URL, the
// no_proxy list, and the environment variables the curl family reads.
// Pure functions of their input, so the rules are tested without a network.
//
// A proxy URL is "http://[user[:password]@]host[:port][/]"; without a
// scheme, http:// is assumed (as curl does for http_proxy), and without a
// port, 80. user and password are percent-decoded and sent with Basic
// authentication. Refused, with std::system_error: https:// (TLS to the
// proxy itself), socks and other schemes, a path, query or fragment, and
// anything parse_url() refuses in a host or port. Error messages never
// show the password.

#include <wsx/error.hpp>
#include <wsx/url.hpp>

#include <cstdint>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>

namespace wsx {

/// An HTTP proxy that tunnels with CONNECT (parse_proxy_url()).
struct proxy_config {
    std::string host;           ///< lowercase; an IPv6 address without brackets
    std::uint16_t port = 80;    ///< explicit, or 80
    bool has_credentials = false; ///< the URL had user information: send Basic auth
    std::string username;       ///< percent-decoded
    std::string password;       ///< percent-decoded

    /// "user:password", what Basic authentication encodes ("" without credentials).
    std::string credentials() const { return has_credentials ? username + ":" + password : std::string(); }
};

namespace detail {

// The URL as an error message may show it: quoted, user information masked.
inline std::string proxy_url_shown(std::string_view text) {
    std::size_t sep = text.find("://");
    std::size_t auth = sep == std::string_view::npos ? 0 : sep + 3;
    std::size_t end = text.find_first_of("/?#", auth);
    std::size_t at = text.substr(0, end).rfind('@');
    if (at == std::string_view::npos || at < auth) return url_quote(text);
    std::string masked(text.substr(0, auth));
    masked += "***";
    masked.append(text.substr(at));
    return url_quote(masked);
}

inline bool proxy_percent_decode(std::string_view in, std::string& out) {
    out.clear();
    auto hex = [](char c) -> int {
        if (c >= '0' && c <= '9') return c - '0';
        if (c >= 'a' && c <= 'f') return c - 'a' + 10;
        if (c >= 'A' && c <= 'F') return c - 'A' + 10;
        return -1;
    };
    for (std::size_t i = 0; i < in.size(); ++i) {
        if (in[i] != '%') {
            out += in[i];
            continue;
        }
        if (in.size() - i < 3 || hex(in[i + 1]) < 0 || hex(in[i + 2]) < 0) return false;
        out += static_cast<char>(hex(in[i + 1]) * 16 + hex(in[i + 2]));
        i += 2;
    }
    return true;
}

inline std::error_code parse_proxy_url_into(std::string_view text, proxy_config& out, std::string* why) {
    auto fail = [&](error e, const std::string& problem) {
        if (why) *why = "proxy URL " + proxy_url_shown(text) + ": " + problem;
        return make_error_code(e);
    };
    if (text.empty()) return fail(error::bad_url, "the URL is empty");
    for (char c : text) {
        auto uc = static_cast<unsigned char>(c);
        if (uc <= 0x20 || uc == 0x7f) return fail(error::bad_url, "space or control character in the URL");
    }
    std::string_view rest = text;
    std::size_t sep = text.find("://");
    if (sep != std::string_view::npos) {
        std::string scheme;
        for (char c : text.substr(0, sep)) scheme += url_lower(c);
        if (scheme == "https")
            return fail(error::unsupported_scheme, "https:// proxies (TLS to the proxy itself) are not supported; "
                                                   "use an http:// proxy, which tunnels wss:// too");
        if (scheme != "http")
            return fail(error::unsupported_scheme, "scheme \"" + scheme + "\" is not supported; use http://");
        rest = text.substr(sep + 3);
    }
    std::size_t end = rest.find_first_of("/?#");
    std::string_view authority = rest.substr(0, end);
    if (end != std::string_view::npos && rest.substr(end) != "/")
        return fail(error::bad_url, "a proxy URL has no path, query or fragment");

    proxy_config p;
    std::size_t at = authority.rfind('@');
    if (at != std::string_view::npos) {
        std::string_view info = authority.substr(0, at);
        std::size_t colon = info.find(':');
        if (!proxy_percent_decode(info.substr(0, colon), p.username) ||
            (colon != std::string_view::npos && !proxy_percent_decode(info.substr(colon + 1), p.password)))
            return fail(error::bad_url, "invalid percent-escape in the user information");
        if (p.username.find(':') != std::string::npos)
            return fail(error::bad_url, "the user name may not contain ':' (RFC 7617)");
        p.has_credentials = true;
        authority = authority.substr(at + 1);
    }
    if (authority.empty()) return fail(error::bad_url, "the host is empty");

    // The host and port follow parse_url()'s rules exactly.
    std::string as_ws = "ws://";
    as_ws.append(authority.data(), authority.size());
    as_ws += '/';
    url u;
    std::string inner;
    std::error_code ec = parse_url_into(as_ws, u, &inner);
    if (ec) {
        std::size_t skip = 4 + url_quote(as_ws).size() + 2; // "URL " + quoted + ": "
        return fail(error::bad_url, skip < inner.size() ? inner.substr(skip) : inner);
    }
    p.host = std::move(u.host);
    p.port = u.port; // 80 when none is given: http's, as ws's
    out = std::move(p);
    return {};
}

inline std::string_view proxy_trim(std::string_view s) noexcept {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    return s;
}

inline bool proxy_iequal_host(std::string_view a, std::string_view b) noexcept {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i)
        if (url_lower(a[i]) != url_lower(b[i])) return false;
    return true;
}

} // namespace detail

/// Parses a proxy URL (the rules are at the top of this header). Throws
/// std::system_error with error::bad_url or error::unsupported_scheme and a
/// message that quotes the URL (password masked) and says what is wrong.
inline proxy_config parse_proxy_url(std::string_view text) {
    proxy_config p;
    std::string why;
    std::error_code ec = detail::parse_proxy_url_into(text, p, &why);
    if (ec) throw std::system_error(ec, "wsx: " + why);
    return p;
}

/// True when `no_proxy` says that `host`:`port` is reached directly. The
/// list is what curl reads from no_proxy: entries separated by commas
/// (blanks around them ignored), compared without regard to case:
///  * `*` alone matches every host;
///  * a name matches itself and every name below it: `example.com` and
///    `.example.com` (or `*.example.com`) both match `example.com` and
///    `ws.example.com`, not `badexample.com`;
///  * an IP address matches only itself (IPv6 written bare or in brackets);
///  * `:port` after an entry limits it to that port (`[::1]:8080` for IPv6).
/// CIDR ranges (10.0.0.0/8) are not understood and match nothing.
inline bool no_proxy_matches(std::string_view no_proxy, std::string_view host, std::uint16_t port) noexcept {
    if (!host.empty() && host.back() == '.') host.remove_suffix(1);
    const bool host_is_ip = detail::url_valid_ipv4(host) || host.find(':') != std::string_view::npos;
    while (!no_proxy.empty()) {
        std::size_t comma = no_proxy.find(',');
        std::string_view entry = detail::proxy_trim(no_proxy.substr(0, comma));
        no_proxy = comma == std::string_view::npos ? std::string_view() : no_proxy.substr(comma + 1);
        if (entry.empty()) continue;
        if (entry == "*") return true;

        std::string_view name = entry;
        std::string_view entry_port;
        if (name.front() == '[') {
            std::size_t close = name.find(']');
            if (close == std::string_view::npos) continue;
            std::string_view after = name.substr(close + 1);
            name = name.substr(1, close - 1);
            if (!after.empty()) {
                if (after.front() != ':') continue;
                entry_port = after.substr(1);
            }
        } else {
            std::size_t colon = name.find(':');
            if (colon != std::string_view::npos && name.find(':', colon + 1) == std::string_view::npos) {
                entry_port = name.substr(colon + 1);
                name = name.substr(0, colon);
            }
        }
        if (!entry_port.empty()) {
            unsigned long v = 0;
            bool digits = entry_port.size() <= 5;
            for (char c : entry_port) {
                if (c < '0' || c > '9') digits = false;
                else v = v * 10 + static_cast<unsigned long>(c - '0');
            }
            if (!digits || v != port) continue;
        }
        if (name.size() >= 2 && name[0] == '*' && name[1] == '.') name.remove_prefix(1);
        if (!name.empty() && name.front() == '.') name.remove_prefix(1);
        if (!name.empty() && name.back() == '.') name.remove_suffix(1);
        if (name.empty()) continue;
        if (detail::proxy_iequal_host(host, name)) return true;
        if (host_is_ip) continue;
        if (host.size() > name.size() && host[host.size() - name.size() - 1] == '.' &&
            detail::proxy_iequal_host(host.substr(host.size() - name.size()), name))
            return true;
    }
    return false;
}

/// Which proxy each kind of connection uses: what client::proxy() and
/// client::proxy_from_environment() set.
struct proxy_settings {
    std::optional<proxy_config> ws;  ///< for ws:// URLs (http_proxy)
    std::optional<proxy_config> wss; ///< for wss:// URLs (https_proxy)
    std::string no_proxy;            ///< hosts reached directly (no_proxy_matches())

    /// The proxy for a connection to `target`, or null to connect directly.
    const proxy_config* select(const url& target) const noexcept {
        const std::optional<proxy_config>& p = target.secure ? wss : ws;
        if (!p || no_proxy_matches(no_proxy, target.host, target.port)) return nullptr;
        return &*p;
    }

    /// One proxy for every connection, no exceptions (client::proxy()).
    static proxy_settings for_all(std::string_view proxy_url) {
        proxy_settings s;
        s.ws = parse_proxy_url(proxy_url);
        s.wss = s.ws;
        return s;
    }

    /// The settings the environment describes, read through
    /// `get(name) -> const char*` (null or "" for unset):
    ///  * ws:// uses http_proxy, or HTTP_PROXY unless REQUEST_METHOD is set:
    ///    in a CGI program HTTP_PROXY comes from a request's "Proxy:"
    ///    header ("httpoxy"), so it is not trusted there;
    ///  * wss:// uses https_proxy, or HTTPS_PROXY;
    ///  * no_proxy, or NO_PROXY, lists the hosts reached directly.
    /// A variable that is set but not a valid proxy URL throws
    /// std::system_error naming the variable.
    template <class Getenv> static proxy_settings from_environment(Getenv get) {
        auto value = [&](const char* name) -> std::string_view {
            const char* v = get(name);
            return v ? std::string_view(v) : std::string_view();
        };
        auto first = [&](const char* a, const char* b) -> std::pair<const char*, std::string_view> {
            std::string_view v = value(a);
            if (!v.empty() || !b) return {a, v};
            return {b, value(b)};
        };
        auto parse = [](std::pair<const char*, std::string_view> var) -> std::optional<proxy_config> {
            if (var.second.empty()) return std::nullopt;
            proxy_config p;
            std::string why;
            std::error_code ec = detail::parse_proxy_url_into(var.second, p, &why);
            if (ec) throw std::system_error(ec, std::string("wsx: environment variable ") + var.first + ": " + why);
            return p;
        };
        proxy_settings s;
        s.ws = parse(first("http_proxy", value("REQUEST_METHOD").empty() ? "HTTP_PROXY" : nullptr));
        s.wss = parse(first("https_proxy", "HTTPS_PROXY"));
        s.no_proxy = std::string(first("no_proxy", "NO_PROXY").second);
        return s;
    }
    /// The same from this process's environment (std::getenv).
    static proxy_settings from_environment() {
        return from_environment([](const char* name) { return std::getenv(name); });
    }
};

} // namespace wsx

#endif
