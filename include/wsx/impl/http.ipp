// Copyright (c) 2026 wsx developers. Distributed under the Boost Software License, Version 1.0.
#ifndef WSX_IMPL_HTTP_IPP
#define WSX_IMPL_HTTP_IPP

// The HTTP/1.1 parser's non-template code (see protocol/http.hpp): inline in
// a header-only build, compiled once by <wsx/src.hpp> with
// WSX_SEPARATE_COMPILATION.

#include <wsx/protocol/http.hpp>

#include <cstddef>
#include <cstring>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

namespace wsx::protocol {

WSX_DECL void http_message::reset() noexcept {
    raw_.clear();
    headers_.clear();
    line_start_ = 0;
    start_line_done_ = false;
    complete_ = false;
    version_major_ = 0;
    version_minor_ = 0;
    error_.clear();
    start_a_ = {};
    start_b_ = {};
    status_ = 0;
}

WSX_DECL void http_message::shrink_to_fit() {
    raw_.shrink_to_fit();
    headers_.shrink_to_fit();
}

WSX_DECL std::size_t http_message::parse(const void* data, std::size_t n, std::error_code& ec) {
    ec.clear();
    if (error_) {
        ec = error_;
        return 0;
    }
    if (complete_ || n == 0) return 0;
    if (raw_.capacity() < 1024) raw_.reserve(max_header_bytes() < 1024 ? max_header_bytes() : 1024);

    const char* p = static_cast<const char*>(data);
    // A line may take max_line bytes plus its CRLF (saturating: a caller may
    // ask for "no limit" with SIZE_MAX).
    const std::size_t line_cap =
        limits_.max_line > static_cast<std::size_t>(-1) - 2 ? static_cast<std::size_t>(-1) : limits_.max_line + 2;
    std::size_t pos = 0;
    while (pos < n) {
        const std::size_t line_len = raw_.size() - line_start_;
        const std::size_t line_room = line_cap - line_len;
        const std::size_t total_room = max_header_bytes() - raw_.size();
        std::size_t window = n - pos;
        if (window > line_room) window = line_room;
        if (window > total_room) window = total_room;

        const void* lf = window != 0 ? std::memchr(p + pos, '\n', window) : nullptr;
        if (lf == nullptr) {
            raw_.append(p + pos, window);
            pos += window;
            if (pos == n) break;
            // There is a next byte and no room for it.
            fail(line_room <= total_room ? wsx::error::http_line_too_long : wsx::error::http_header_too_large);
            ec = error_;
            return pos;
        }
        const std::size_t take = static_cast<std::size_t>(static_cast<const char*>(lf) - (p + pos)) + 1;
        raw_.append(p + pos, take);
        pos += take;
        if (!on_line()) {
            ec = error_;
            return pos;
        }
        if (complete_) break;
    }
    return pos;
}

WSX_DECL bool http_message::on_line() {
    const std::size_t b = line_start_;
    const std::size_t end = raw_.size(); // one past the LF
    line_start_ = end;
    const bool crlf = end - b >= 2 && raw_[end - 2] == '\r';
    // Only a line ending in a bare LF can get here with too much content: the
    // window in parse() stops a CRLF line at max_line + 2 bytes.
    if (end - b - (crlf ? 2 : 1) > limits_.max_line) return fail(wsx::error::http_line_too_long);
    if (!start_line_done_) {
        if (!crlf)
            return fail(kind_ == kind::request ? wsx::error::http_bad_request_line
                                               : wsx::error::handshake_bad_response);
        start_line_done_ = true;
        return kind_ == kind::request ? on_request_line(b, end - 2) : on_status_line(b, end - 2);
    }
    if (!crlf) return fail(wsx::error::http_bad_header);
    if (end - b == 2) {
        complete_ = true;
        return true;
    }
    if (headers_.size() >= limits_.max_headers) return fail(wsx::error::http_too_many_headers);
    return on_header_line(b, end - 2);
}

WSX_DECL bool http_message::parse_version(std::size_t b, std::size_t e) noexcept {
    const std::string_view v(raw_.data() + b, e - b);
    if (v.size() != 8 || v.compare(0, 5, "HTTP/") != 0 || v[6] != '.' || v[5] < '0' || v[5] > '9' ||
        v[7] < '0' || v[7] > '9')
        return false;
    version_major_ = v[5] - '0';
    version_minor_ = v[7] - '0';
    return true;
}

// method SP request-target SP HTTP-version (RFC 9112 3). The target is what
// lies between the first and the last SP, so a space inside it is reported
// as a bad target rather than as a malformed version.
WSX_DECL bool http_message::on_request_line(std::size_t b, std::size_t e) {
    const std::string_view line(raw_.data() + b, e - b);
    const std::size_t sp1 = line.find(' ');
    const std::size_t sp2 = line.rfind(' ');
    if (sp1 == std::string_view::npos || sp1 == sp2) return fail(wsx::error::http_bad_request_line);
    if (!wsx::detail::http_is_token(line.substr(0, sp1))) return fail(wsx::error::http_bad_request_line);
    if (!parse_version(b + sp2 + 1, e)) return fail(wsx::error::http_bad_request_line);
    const std::string_view target = line.substr(sp1 + 1, sp2 - sp1 - 1);
    if (target.empty()) return fail(wsx::error::http_bad_target);
    for (char c : target) {
        const auto u = static_cast<unsigned char>(c);
        if (u <= 0x20 || u >= 0x7F) return fail(wsx::error::http_bad_target);
    }
    start_a_ = make_span(b, sp1);
    start_b_ = make_span(b + sp1 + 1, target.size());
    return true;
}

// HTTP-version SP 3DIGIT SP [reason-phrase] (RFC 9112 4). Some servers leave
// out the SP after the code when the reason is empty; that is accepted.
WSX_DECL bool http_message::on_status_line(std::size_t b, std::size_t e) {
    const std::string_view line(raw_.data() + b, e - b);
    const std::size_t sp1 = line.find(' ');
    if (sp1 == std::string_view::npos) return fail(wsx::error::handshake_bad_response);
    if (!parse_version(b, b + sp1)) return fail(wsx::error::handshake_bad_response);
    const std::string_view rest = line.substr(sp1 + 1);
    if (rest.size() < 3 || (rest.size() > 3 && rest[3] != ' ')) return fail(wsx::error::handshake_bad_response);
    int code = 0;
    for (std::size_t i = 0; i < 3; ++i) {
        if (rest[i] < '0' || rest[i] > '9') return fail(wsx::error::handshake_bad_response);
        code = code * 10 + (rest[i] - '0');
    }
    if (code < 100) return fail(wsx::error::handshake_bad_response);
    const std::size_t reason_at = rest.size() > 3 ? sp1 + 5 : line.size();
    for (std::size_t i = reason_at; i < line.size(); ++i)
        if (!wsx::detail::http_is_value_char(static_cast<unsigned char>(line[i])))
            return fail(wsx::error::handshake_bad_response);
    status_ = code;
    start_a_ = make_span(b + sp1 + 1, 3);
    start_b_ = make_span(b + reason_at, line.size() - reason_at);
    return true;
}

// field-name ":" OWS field-value OWS (RFC 9112 5).
WSX_DECL bool http_message::on_header_line(std::size_t b, std::size_t e) {
    const std::string_view line(raw_.data() + b, e - b);
    const std::size_t colon = line.find(':');
    // Also rejects obs-fold and "name :" (RFC 9112 5.1 and 5.2 say reject),
    // since SP and HTAB are not tchars.
    if (colon == std::string_view::npos || !wsx::detail::http_is_token(line.substr(0, colon)))
        return fail(wsx::error::http_bad_header);
    std::size_t vb = colon + 1;
    std::size_t ve = line.size();
    for (std::size_t i = vb; i < ve; ++i)
        if (!wsx::detail::http_is_value_char(static_cast<unsigned char>(line[i])))
            return fail(wsx::error::http_bad_header);
    while (vb < ve && wsx::detail::http_is_ows(line[vb])) ++vb;
    while (ve > vb && wsx::detail::http_is_ows(line[ve - 1])) --ve;
    if (headers_.capacity() == 0) headers_.reserve(16);
    headers_.push_back({make_span(b, colon), make_span(b + vb, ve - vb)});
    return true;
}

WSX_DECL std::string_view http_message::header(std::string_view name) const noexcept {
    for (const field& h : headers_)
        if (wsx::detail::http_iequals(view(h.name), name)) return view(h.value);
    return {};
}

WSX_DECL std::size_t http_message::count(std::string_view name) const noexcept {
    std::size_t n = 0;
    for (const field& h : headers_)
        if (wsx::detail::http_iequals(view(h.name), name)) ++n;
    return n;
}

WSX_DECL bool http_message::has_token(std::string_view name, std::string_view token) const noexcept {
    return for_each_list_item(name, [token](std::string_view item) { return wsx::detail::http_iequals(item, token); });
}

WSX_DECL std::vector<std::string_view> http_message::list(std::string_view name) const {
    std::vector<std::string_view> out;
    for_each_list_item(name, [&out](std::string_view item) {
        out.push_back(item);
        return false;
    });
    return out;
}

} // namespace wsx::protocol

#endif
