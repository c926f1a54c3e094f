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

#include <wsx/detail/config.hpp>
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

    [[noreturn]] void fail(std::string_view problem) const;

    static bool is_name_char(char c) noexcept {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-' ||
               c == '.';
    }

    void parse();
    void parse_segment(std::string_view seg, bool last);
    bool match_impl(std::string_view path, path_params& params) const;
    // Same kinds and same literals: the two templates match exactly the same paths.
    bool same_route(const path_template& o) const noexcept;
    // Throws when `o` is the same route as this one, already registered.
    void check_not_same_route(const path_template& o) const;

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
        for (const auto& other : entries_) other->tmpl.check_not_same_route(e->tmpl);
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

#if !defined(WSX_SEPARATE_COMPILATION)
#include <wsx/impl/router.ipp>
#endif

#endif
