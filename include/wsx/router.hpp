// Copyright (c) 2026 wsx developers. Distributed under the Boost Software License, Version 1.0.
#ifndef WSX_ROUTER_HPP
#define WSX_ROUTER_HPP

// Path templates ("/chat/{room}", "/files/*") and the router that picks the
// endpoint for a request path. The request-target helpers it uses (split off
// the query, percent-decode, path_params) are in request_target.hpp.
//
// Matching rules, in one place so the server, the docs and the tests agree:
//
//  * A template starts with '/' and is split on '/' into segments. A segment
//    is a literal ("chat"), a parameter ("{room}": exactly one non-empty path
//    segment) or, as the whole last segment only, the catch-all "*" (the rest
//    of the path: zero or more segments, captured under the name "*").
//  * The path is split on the raw '/' only, so "%2F" never separates
//    segments. A literal segment matches a path segment when both are equal
//    after percent-decoding ("/caf%C3%A9" matches the template "/café"); a
//    captured value is percent-decoded before the handler sees it, and a
//    path segment with an invalid %-escape matches nothing. '+' is a plain
//    character in a path.
//  * A trailing slash is significant: "/chat" and "/chat/" are different
//    paths. "/files/*" matches "/files", "/files/" and "/files/a/b".
//  * The router tries the most specific template first: comparing two
//    templates segment by segment from the left, at the first position where
//    their kinds differ, literal beats parameter, parameter beats "the
//    template ends here", which beats catch-all. Templates with the same
//    kinds at every position cannot match the same path unless they are the
//    same route (same literals), and registering the same route twice is an
//    error, so the result never depends on registration order.
//
// Captured values are decoded bytes: they may contain '/', "..", or a NUL
// from "%00". Code that turns them into file names must check them.

#include <wsx/error.hpp>
#include <wsx/request_target.hpp>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

namespace wsx {

template <class T>
class router;

/// One parsed path template ("/chat/{room}", "/files/*"); the matching
/// rules are at the top of this header.
class path_template {
public:
    /// Throws std::system_error(error::bad_argument) naming the pattern and
    /// the problem if the pattern is malformed: these come from the program,
    /// never from the network, so failing loudly at startup is the kind thing.
    explicit path_template(std::string_view pattern) : pattern_(pattern) { parse(); }

    /// The template as written.
    const std::string& pattern() const noexcept { return pattern_; }

    /// Matches a request path (the query already split off). On success fills
    /// `params` with the decoded captures; on failure leaves it empty.
    bool match(std::string_view path, path_params& params) const {
        params.clear();
        if (!match_impl(path, params)) {
            params.clear();
            return false;
        }
        return true;
    }

private:
    template <class T>
    friend class router;

    enum class kind : std::uint8_t { literal = 0, param = 1, end = 2, catch_all = 3 };

    struct segment {
        kind k;
        std::string text; // decoded literal, or the parameter name
    };

    [[noreturn]] void fail(std::string_view problem) const {
        std::string msg = "path template \"";
        msg += pattern_;
        msg += "\": ";
        msg += problem;
        throw std::system_error(make_error_code(error::bad_argument), msg);
    }

    static bool is_name_char(char c) noexcept {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-' ||
               c == '.';
    }

    void parse() {
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

    void parse_segment(std::string_view seg, bool last) {
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

    bool match_impl(std::string_view path, path_params& params) const {
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

    // Same kinds and same literals: the two templates match exactly the same paths.
    bool same_route(const path_template& o) const noexcept {
        if (rank_ != o.rank_) return false;
        for (std::size_t i = 0; i < segments_.size(); ++i)
            if (segments_[i].k == kind::literal && segments_[i].text != o.segments_[i].text) return false;
        return true;
    }

    std::string pattern_;
    std::vector<segment> segments_;
    bool catch_all_ = false;
    std::vector<kind> rank_; // segment kinds then end/catch_all: the specificity key
};

/// Maps path templates to values (endpoints). add() keeps the templates
/// sorted most specific first (rule at the top of this file), so match() is
/// the first template that matches. Pointers returned by match() stay valid
/// across later add() calls.
template <class T>
class router {
public:
    /// Throws std::system_error(error::bad_argument) for a malformed pattern,
    /// or for a route already registered (possibly with other parameter
    /// names, "/chat/{room}" vs "/chat/{name}"): the second could never match.
    void add(std::string_view pattern, T value) {
        auto e = std::make_unique<entry>(entry{path_template(pattern), std::move(value)});
        for (const auto& other : entries_) {
            if (other->tmpl.same_route(e->tmpl)) {
                std::string msg = "path template \"";
                msg += e->tmpl.pattern();
                msg += "\": the same route as \"";
                msg += other->tmpl.pattern();
                msg += "\", which is already registered";
                throw std::system_error(make_error_code(error::bad_argument), msg);
            }
        }
        auto pos = std::upper_bound(entries_.begin(), entries_.end(), e, [](const auto& a, const auto& b) {
            return a->tmpl.rank_ < b->tmpl.rank_;
        });
        entries_.insert(pos, std::move(e));
    }

    /// The value of the most specific template matching `path`, with its
    /// captures in `out`; nullptr (and `out` empty) if none matches.
    const T* match(std::string_view path, path_params& out) const {
        for (const auto& e : entries_)
            if (e->tmpl.match(path, out)) return &e->value;
        out.clear();
        return nullptr;
    }
    /// The same, for a non-const router.
    T* match(std::string_view path, path_params& out) {
        return const_cast<T*>(static_cast<const router&>(*this).match(path, out));
    }

    /// The number of templates.
    std::size_t size() const noexcept { return entries_.size(); }
    /// True when no template is registered.
    bool empty() const noexcept { return entries_.empty(); }

private:
    struct entry {
        path_template tmpl;
        T value;
    };
    std::vector<std::unique_ptr<entry>> entries_;
};

} // namespace wsx

#endif
