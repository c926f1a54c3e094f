// Copyright (c) 2026 wsx developers. Distributed under the Boost Software License, Version 1.0.
#ifndef WSX_IMPL_ROUTER_IPP
#define WSX_IMPL_ROUTER_IPP

// path_template's parsing and matching (see router.hpp): inline in a
// header-only build, compiled once by <wsx/src.hpp> with
// WSX_SEPARATE_COMPILATION.

#include <wsx/router.hpp>

#include <cstddef>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>

namespace wsx {

WSX_DECL void path_template::fail(std::string_view problem) const {
    std::string msg = "path template \"";
    msg += pattern_;
    msg += "\": ";
    msg += problem;
    throw std::system_error(make_error_code(error::bad_argument), msg);
}

WSX_DECL void path_template::parse() {
    if (pattern_.empty() || pattern_[0] != '/') fail("must start with '/'");
    std::string_view rest = std::string_view(pattern_).substr(1);
    for (;;) {
        std::size_t slash = rest.find('/');
        std::string_view seg = rest.substr(0, slash);
        bool last = slash == std::string_view::npos;
        parse_segment(seg, last);
        if (last) break;
        rest = rest.substr(slash + 1);
    }
    rank_.reserve(segments_.size() + 1);
    for (const auto& s : segments_) rank_.push_back(s.k);
    rank_.push_back(catch_all_ ? kind::catch_all : kind::end);
}

WSX_DECL void path_template::parse_segment(std::string_view seg, bool last) {
    if (seg == "*") {
        if (!last) fail("'*' (catch-all) must be the last segment");
        catch_all_ = true;
        return;
    }
    if (seg.empty()) {
        // Only a trailing slash may leave an empty segment ("/" and "/chat/").
        if (!last) fail("empty segment (\"//\")");
        segments_.push_back({kind::literal, {}});
        return;
    }
    if (seg.front() == '{') {
        std::size_t close = seg.find('}');
        if (close == std::string_view::npos) fail("unbalanced '{'");
        if (close != seg.size() - 1) fail("text after '}' in a segment; a parameter must be a whole segment");
        std::string_view name = seg.substr(1, close - 1);
        if (name.empty()) fail("empty parameter name \"{}\"");
        for (char c : name) {
            if (c == '{') fail("unbalanced '{'");
            if (!is_name_char(c))
                fail("parameter name \"" + std::string(name) + "\" may only contain letters, digits, '_', '-' and '.'");
        }
        for (const auto& s : segments_)
            if (s.k == kind::param && s.text == name) fail("duplicate parameter name \"" + std::string(name) + "\"");
        segments_.push_back({kind::param, std::string(name)});
        return;
    }
    std::string literal;
    literal.reserve(seg.size());
    for (std::size_t i = 0; i < seg.size(); ++i) {
        char c = seg[i];
        auto uc = static_cast<unsigned char>(c);
        if (c == '{') fail("'{' in the middle of a segment; a parameter must be a whole segment");
        if (c == '}') fail("unbalanced '}'");
        if (c == '*') fail("'*' (catch-all) must be a whole segment, and the last one");
        if (c == '?' || c == '#') fail("'?' or '#' in a path template; match the query separately");
        if (uc <= 0x20 || uc == 0x7f) fail("space or control character in a path template");
        if (c == '%') {
            int v = detail::decode_escape(seg, i);
            if (v < 0) fail("invalid percent-escape (write %25 for a literal '%')");
            literal.push_back(static_cast<char>(v));
            i += 2;
        } else {
            literal.push_back(c);
        }
    }
    segments_.push_back({kind::literal, std::move(literal)});
}

WSX_DECL bool path_template::match_impl(std::string_view path, path_params& params) const {
    if (path.empty() || path[0] != '/') return false;
    std::size_t pos = 1; // start of the next path segment; path.size() + 1 once all are used
    for (const auto& s : segments_) {
        if (pos > path.size()) return false;
        std::size_t slash = path.find('/', pos);
        std::size_t end = slash == std::string_view::npos ? path.size() : slash;
        std::string_view seg = path.substr(pos, end - pos);
        if (s.k == kind::literal) {
            if (!detail::decoded_equals(seg, s.text)) return false;
        } else {
            if (seg.empty()) return false;
            bool ok = false;
            std::string value = percent_decode(seg, false, ok);
            if (!ok) return false;
            params.add(s.text, std::move(value));
        }
        pos = end + 1;
    }
    if (catch_all_) {
        std::string_view rest = pos <= path.size() ? path.substr(pos) : std::string_view{};
        bool ok = false;
        std::string value = percent_decode(rest, false, ok);
        if (!ok) return false;
        params.add("*", std::move(value));
        return true;
    }
    return pos == path.size() + 1;
}

WSX_DECL bool path_template::same_route(const path_template& o) const noexcept {
    if (rank_ != o.rank_) return false;
    for (std::size_t i = 0; i < segments_.size(); ++i)
        if (segments_[i].k == kind::literal && segments_[i].text != o.segments_[i].text) return false;
    return true;
}

WSX_DECL void path_template::check_not_same_route(const path_template& o) const {
    if (!same_route(o)) return;
    std::string msg = "path template \"";
    msg += o.pattern();
    msg += "\": the same route as \"";
    msg += pattern_;
    msg += "\", which is already registered";
    throw std::system_error(make_error_code(error::bad_argument), msg);
}

} // namespace wsx

#endif
