// Copyright (c) 2026 wsx developers. Distributed under the Boost Software License, Version 1.0.
#ifndef WSX_PROTOCOL_PROXY_CONNECT_HPP
#define WSX_PROTOCOL_PROXY_CONNECT_HPP

// The HTTP CONNECT exchange that opens a tunnel through a proxy
// (RFC 9110 9.3.6), sans I/O: the request a client writes, and a parser for
// the proxy's answer that can be fed any split of the bytes.
//
// The parser stops exactly at the blank line that ends the answer's head
// and says how many of the bytes given were the head's: every byte after it
// belongs to the tunnel (the server's first bytes), never to the proxy. Its
// input comes from the network, so it is bounded: the head may be at most
// `limit` bytes (8 KiB by default), the status line must be HTTP/1.x with a
// three-digit status in 100-599, and header lines must be "name: value".
// A 2xx status opens the tunnel; any body a refusal carries is not read.

#include <wsx/error.hpp>
#include <wsx/protocol/base64.hpp>
#include <wsx/protocol/http.hpp>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <system_error>

namespace wsx::protocol {

/// The CONNECT request for a tunnel to `host`:`port` (an IPv6 address is
/// given without brackets and written with them). With `credentials`
/// ("user:password", already percent-decoded) non-empty, a
/// `Proxy-Authorization: Basic` header carries them (RFC 7617). Throws
/// std::system_error(error::bad_argument) for a host with bytes a request
/// line may not carry (spaces, controls, '/', '@').
inline std::string build_connect_request(std::string_view host, std::uint16_t port,
                                         std::string_view credentials = {}) {
    if (host.empty())
        throw std::system_error(make_error_code(error::bad_argument), "wsx: CONNECT needs a target host");
    bool ipv6 = false;
    for (char c : host) {
        auto uc = static_cast<unsigned char>(c);
        if (uc <= 0x20 || uc >= 0x7f || c == '/' || c == '@' || c == '[' || c == ']' || c == '?' || c == '#')
            throw std::system_error(make_error_code(error::bad_argument),
                                    "wsx: CONNECT target host \"" + std::string(host) + "\" has a byte a request line may not carry");
        if (c == ':') ipv6 = true;
    }
    std::string authority;
    if (ipv6) authority += '[';
    authority.append(host.data(), host.size());
    if (ipv6) authority += ']';
    authority += ':';
    authority += std::to_string(port);

    std::string r;
    r.reserve(96 + authority.size() * 2 + credentials.size() * 2);
    r += "CONNECT ";
    r += authority;
    r += " HTTP/1.1\r\nHost: ";
    r += authority;
    r += "\r\n";
    if (!credentials.empty()) {
        r += "Proxy-Authorization: Basic ";
        r += base64_encode(credentials.data(), credentials.size());
        r += "\r\n";
    }
    r += "\r\n";
    return r;
}

/// The proxy's answer to CONNECT, parsed as it arrives.
class connect_response {
public:
    /// The default cap on the answer's head (status line and headers).
    static constexpr std::size_t default_limit = 8 * 1024;

    /// A parser that refuses a head longer than `limit` bytes.
    explicit connect_response(std::size_t limit = default_limit) : limit_(limit) {}

    /// Takes bytes of the answer; returns how many of them belong to its
    /// head (all of them until the head is complete; the rest are the
    /// tunnel's). `ec` becomes error::proxy_bad_response when the answer is
    /// not HTTP/1.x, a line is malformed, or the head exceeds the limit;
    /// then nothing more should be fed.
    std::size_t parse(const char* data, std::size_t n, std::error_code& ec) {
        ec = {};
        if (failed_) {
            ec = make_error_code(error::proxy_bad_response);
            return 0;
        }
        std::size_t i = 0;
        while (i < n && !complete_) {
            if (head_.size() >= limit_) return fail(ec, i);
            const char c = data[i++];
            head_ += c;
            // The status line is checked as soon as it ends (or as soon as
            // its first bytes cannot be "HTTP/"), so a peer that is no
            // proxy is told apart without waiting for the limit.
            if (status_ == 0 && head_.size() <= 5 && std::string_view("HTTP/").substr(0, head_.size()) != head_)
                return fail(ec, i);
            if (c != '\n') continue;
            if (head_.size() < 2 || head_[head_.size() - 2] != '\r') return fail(ec, i); // a bare LF
            if (status_ == 0) {
                if (!parse_status_line(std::string_view(head_).substr(0, head_.size() - 2))) return fail(ec, i);
                line_start_ = head_.size();
                continue;
            }
            std::string_view line(head_.data() + line_start_, head_.size() - 2 - line_start_);
            if (line.empty()) {
                complete_ = true;
                break;
            }
            if (!valid_header_line(line)) return fail(ec, i);
            line_start_ = head_.size();
        }
        return i;
    }

    /// True once the blank line ending the head has been read.
    bool complete() const noexcept { return complete_; }
    /// The status code (0 until the status line has been read).
    int status() const noexcept { return status_; }
    /// True for a complete answer with a 2xx status: the tunnel is open.
    bool tunnel_open() const noexcept { return complete_ && status_ >= 200 && status_ < 300; }
    /// The reason phrase of the status line ("" if none).
    std::string_view reason() const noexcept {
        return std::string_view(head_).substr(reason_at_, reason_len_);
    }
    /// The first header called `name` (case-insensitive), "" if absent or
    /// before the head is complete. Surrounding blanks are trimmed.
    std::string_view header(std::string_view name) const noexcept {
        if (!complete_) return {};
        std::string_view h(head_);
        std::size_t at = h.find("\r\n") + 2;
        while (at < h.size()) {
            std::size_t end = h.find("\r\n", at);
            std::string_view line = h.substr(at, end - at);
            if (line.empty()) break;
            std::size_t colon = line.find(':');
            if (wsx::detail::http_iequals(line.substr(0, colon), name)) {
                std::string_view v = line.substr(colon + 1);
                while (!v.empty() && (v.front() == ' ' || v.front() == '\t')) v.remove_prefix(1);
                while (!v.empty() && (v.back() == ' ' || v.back() == '\t')) v.remove_suffix(1);
                return v;
            }
            at = end + 2;
        }
        return {};
    }
    /// The head as read so far.
    std::string_view head() const noexcept { return head_; }

private:
    std::size_t fail(std::error_code& ec, std::size_t used) {
        failed_ = true;
        ec = make_error_code(error::proxy_bad_response);
        return used;
    }

    // "HTTP/1.x SP 3DIGIT [SP reason]": the reason may be empty, and some
    // proxies leave out the space before an empty one.
    bool parse_status_line(std::string_view line) noexcept {
        if (line.size() < 12 || line.substr(0, 7) != "HTTP/1." || line[7] < '0' || line[7] > '9' || line[8] != ' ')
            return false;
        int code = 0;
        for (std::size_t k = 9; k < 12; ++k) {
            if (line[k] < '0' || line[k] > '9') return false;
            code = code * 10 + (line[k] - '0');
        }
        if (code < 100 || code > 599) return false;
        if (line.size() > 12) {
            if (line[12] != ' ') return false;
            for (std::size_t k = 13; k < line.size(); ++k) {
                auto uc = static_cast<unsigned char>(line[k]);
                if ((uc < 0x20 && uc != '\t') || uc == 0x7f) return false;
            }
            reason_at_ = 13;
            reason_len_ = line.size() - 13;
        }
        status_ = code;
        return true;
    }

    // "name: value": a token, a colon, then visible text, blanks or
    // obs-text; no line folding (RFC 9112 5.2 lets a client refuse it).
    static bool valid_header_line(std::string_view line) noexcept {
        std::size_t colon = line.find(':');
        if (colon == 0 || colon == std::string_view::npos) return false;
        for (std::size_t k = 0; k < colon; ++k)
            if (!wsx::detail::http_is_tchar(static_cast<unsigned char>(line[k]))) return false;
        for (std::size_t k = colon + 1; k < line.size(); ++k) {
            auto uc = static_cast<unsigned char>(line[k]);
            if ((uc < 0x20 && uc != '\t') || uc == 0x7f) return false;
        }
        return true;
    }

    std::size_t limit_;
    std::string head_;
    std::size_t line_start_ = 0;
    std::size_t reason_at_ = 0;
    std::size_t reason_len_ = 0;
    int status_ = 0;
    bool complete_ = false;
    bool failed_ = false;
};

} // namespace wsx::protocol

#endif
