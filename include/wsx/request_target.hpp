// Copyright (c) 2026 wsx developers. Distributed under the Boost Software License, Version 1.0.
#ifndef WSX_REQUEST_TARGET_HPP
#define WSX_REQUEST_TARGET_HPP

// The request target of an opening handshake, taken apart: path and query
// split, percent-decoding, query parameters, and the values a path template
// captured. The router (router.hpp) fills path_params; the session reads
// them and the query, and knows nothing of routes.

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace wsx {

namespace detail {

inline int hex_digit_value(char c) noexcept {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

// Decodes the escape starting at s[i] == '%'; -1 if it is not "%XX".
inline int decode_escape(std::string_view s, std::size_t i) noexcept {
    if (s.size() - i < 3) return -1;
    int hi = hex_digit_value(s[i + 1]);
    int lo = hex_digit_value(s[i + 2]);
    if (hi < 0 || lo < 0) return -1;
    return hi * 16 + lo;
}

// Compares a raw path segment with an already decoded literal without
// building the decoded segment: routing tries many literals per request.
inline bool decoded_equals(std::string_view raw, std::string_view decoded) noexcept {
    std::size_t j = 0;
    for (std::size_t i = 0; i < raw.size(); ++i, ++j) {
        if (j == decoded.size()) return false;
        char c = raw[i];
        if (c == '%') {
            int v = decode_escape(raw, i);
            if (v < 0) return false;
            c = static_cast<char>(v);
            i += 2;
        }
        if (c != decoded[j]) return false;
    }
    return j == decoded.size();
}

} // namespace detail

/// The request target of a request line, split at the first '?'. Both parts
/// are views into the argument and still percent-encoded.
struct request_target {
    std::string_view path;  ///< before the '?' (the whole target if there is none)
    std::string_view query; ///< without the '?'; empty if there is none
};

/// Splits a request target at the first '?' into path and query.
inline request_target split_target(std::string_view target) noexcept {
    std::size_t q = target.find('?');
    if (q == std::string_view::npos) return {target, {}};
    return {target.substr(0, q), target.substr(q + 1)};
}

/// Decodes "%XX" escapes (either hex case) and, for query strings, '+' as a
/// space. `ok` becomes false, and the result is empty, if a '%' is not
/// followed by two hex digits: a half-decoded value is never handed out.
inline std::string percent_decode(std::string_view s, bool plus_as_space, bool& ok) {
    ok = true;
    std::string out;
    out.reserve(s.size());
    for (std::size_t i = 0; i < s.size(); ++i) {
        char c = s[i];
        if (c == '%') {
            int v = detail::decode_escape(s, i);
            if (v < 0) {
                ok = false;
                return {};
            }
            out.push_back(static_cast<char>(v));
            i += 2;
        } else if (c == '+' && plus_as_space) {
            out.push_back(' ');
        } else {
            out.push_back(c);
        }
    }
    return out;
}

namespace detail {
// Calls f(raw name, raw value) for each non-empty "name=value" piece of a
// query, in order, until f returns false. Nothing is decoded here.
template <class F> void for_each_query_piece(std::string_view query, F f) {
    while (!query.empty()) {
        const std::size_t amp = query.find('&');
        const std::string_view piece = query.substr(0, amp);
        query = amp == std::string_view::npos ? std::string_view{} : query.substr(amp + 1);
        if (piece.empty()) continue;
        const std::size_t eq = piece.find('=');
        if (!f(piece.substr(0, eq), eq == std::string_view::npos ? std::string_view{} : piece.substr(eq + 1))) return;
    }
}
} // namespace detail

/// Splits "a=1&b=x+y&c" into decoded (name, value) pairs in order, keeping
/// repeated names: [("a","1"), ("b","x y"), ("c","")]. Empty pieces ("a=1&&b")
/// are skipped, and so is a pair whose name or value has an invalid %-escape.
inline std::vector<std::pair<std::string, std::string>> parse_query(std::string_view query) {
    std::vector<std::pair<std::string, std::string>> out;
    detail::for_each_query_piece(query, [&](std::string_view raw_name, std::string_view raw_value) {
        bool name_ok = false;
        bool value_ok = false;
        std::string name = percent_decode(raw_name, true, name_ok);
        std::string value = percent_decode(raw_value, true, value_ok);
        if (name_ok && value_ok) out.emplace_back(std::move(name), std::move(value));
        return true;
    });
    return out;
}

/// The decoded value of the first query parameter called `name` (compared
/// after decoding), or nothing. Lets a handler read one parameter without
/// building the whole list.
inline std::optional<std::string> query_value(std::string_view query, std::string_view name) {
    std::optional<std::string> found;
    detail::for_each_query_piece(query, [&](std::string_view raw_name, std::string_view raw_value) {
        bool ok = false;
        if (percent_decode(raw_name, true, ok) != name || !ok) return true;
        std::string value = percent_decode(raw_value, true, ok);
        if (ok) found = std::move(value);
        return !ok;
    });
    return found;
}

/// The values captured by a path template, in template order. Views returned
/// by get() stay valid until the object is cleared, assigned or destroyed.
class path_params {
public:
    using value_type = std::pair<std::string, std::string>;             ///< (name, decoded value)
    using const_iterator = std::vector<value_type>::const_iterator;     ///< iterates in template order

    /// The value captured for `name` ("*" for the catch-all); empty if absent.
    std::string_view get(std::string_view name) const noexcept {
        for (const auto& p : items_)
            if (p.first == name) return p.second;
        return {};
    }
    /// True if the template has a parameter called `name` (its value may be empty for "*").
    bool has(std::string_view name) const noexcept {
        for (const auto& p : items_)
            if (p.first == name) return true;
        return false;
    }
    /// The number of captures.
    std::size_t size() const noexcept { return items_.size(); }
    /// True when nothing was captured.
    bool empty() const noexcept { return items_.empty(); }
    /// Forgets every capture.
    void clear() noexcept { items_.clear(); }
    /// The first capture.
    const_iterator begin() const noexcept { return items_.begin(); }
    /// Past the last capture.
    const_iterator end() const noexcept { return items_.end(); }

    /// Appends a capture; path_template::match() fills the object this way.
    void add(std::string name, std::string value) { items_.emplace_back(std::move(name), std::move(value)); }

private:
    std::vector<value_type> items_;
};

} // namespace wsx

#endif
