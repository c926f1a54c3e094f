// Copyright (c) 2026 wsx developers. Distributed under the Boost Software License, Version 1.0.
#ifndef WSX_PROTOCOL_HTTP_HPP
#define WSX_PROTOCOL_HTTP_HPP

// The HTTP/1.1 header section of an opening handshake (RFC 9112), parsed
// incrementally and sans-I/O: bytes go in, in any split, and the parser stops
// right after the empty line that ends the header section, telling the caller
// how many bytes it took. Whatever follows belongs to the caller: after an
// upgrade it is already WebSocket frames. Bodies are not parsed: a handshake
// has none, so validate_upgrade and verify_response refuse any message whose
// headers announce one (Content-Length other than 0, Transfer-Encoding)
// rather than let body bytes be read as frames.
//
// Strictness, chosen so that the parser never guesses what a peer meant (the
// guessing is where request-smuggling bugs live):
// - Lines end in CRLF. A bare LF is an error, not a line end (RFC 9112 2.2
//   allows either; every browser and WebSocket client sends CRLF). A CR
//   anywhere but right before the LF is an error too.
// - No empty lines before the start line (RFC 9112 2.2 lets a server skip
//   them; a handshake is the first thing on a fresh connection, so an empty
//   line there means the peer is not speaking HTTP).
// - Header names are tokens directly followed by ':' (no space before the
//   colon); obs-fold (a line starting with SP or HTAB) is rejected; values
//   may hold SP, HTAB, visible ASCII and bytes >= 0x80, nothing else, and
//   lose their leading and trailing SP/HTAB.
// - The method may be any token: whether it must be GET is the handshake's
//   business (wsx::error::http_bad_method comes from validate_upgrade).
// - The version is exactly "HTTP/" DIGIT "." DIGIT, case-sensitive (RFC 9112
//   2.3): "HTTP/1.10", "HTTP/1" or "http/1.1" make a malformed start line
//   (http_bad_request_line, 400; handshake_bad_response for a status line).
//   A well-formed version is parsed whatever its value: which versions are
//   spoken is the handshake's business (505 comes from validate_upgrade).
//
// Limits (http_limits) bound the memory one connection can make us hold. Each
// limit is checked at the byte that breaks it, and every other check at the
// LF that ends its line, so an input gives the same result however it is
// split; when one byte breaks both size limits, http_line_too_long wins.

#include <wsx/detail/config.hpp>
#include <wsx/error.hpp>

#include <cstddef>
#include <cstring>
#include <iterator>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

namespace wsx::protocol {

/// Size limits of one header section; a request over any of them is refused
/// with 431 (error::http_header_too_large, http_too_many_headers, http_line_too_long).
struct http_limits {
    /// The whole header section: start line, header lines, the final empty
    /// line, with their CRLFs. Values above 4 GiB count as 4 GiB.
    std::size_t max_header_bytes = 8192;
    /// Header lines (the start line does not count).
    std::size_t max_headers = 64;
    /// One line (start line or header line), not counting its CRLF.
    std::size_t max_line = 4096;
};

/// A view into the message that owns the bytes.
struct http_header {
    std::string_view name;  ///< as received (compare with ASCII case-insensitivity)
    std::string_view value; ///< without surrounding whitespace
};

} // namespace wsx::protocol

namespace wsx::detail {

// RFC 9110 5.6.2 tchar.
inline bool http_is_tchar(unsigned char c) noexcept {
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
    switch (c) {
    case '!': case '#': case '$': case '%': case '&': case '\'': case '*': case '+':
    case '-': case '.': case '^': case '_': case '`': case '|': case '~':
        return true;
    default:
        return false;
    }
}

inline bool http_is_token(std::string_view s) noexcept {
    if (s.empty()) return false;
    for (char c : s)
        if (!http_is_tchar(static_cast<unsigned char>(c))) return false;
    return true;
}

// field-vchar / SP / HTAB, i.e. anything but CTLs other than HTAB.
inline bool http_is_value_char(unsigned char c) noexcept {
    return c == '\t' || (c >= 0x20 && c != 0x7F);
}

inline bool http_is_ows(char c) noexcept { return c == ' ' || c == '\t'; }

inline std::string_view http_trim(std::string_view s) noexcept {
    while (!s.empty() && http_is_ows(s.front())) s.remove_prefix(1);
    while (!s.empty() && http_is_ows(s.back())) s.remove_suffix(1);
    return s;
}

inline char http_ascii_lower(char c) noexcept {
    return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

// ASCII case-insensitive equality: header names and most header tokens are
// case-insensitive, and locale-dependent tolower must not decide that.
inline bool http_iequals(std::string_view a, std::string_view b) noexcept {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i)
        if (http_ascii_lower(a[i]) != http_ascii_lower(b[i])) return false;
    return true;
}

// Calls f(item) for each element of a comma-separated list (RFC 9110 5.6.1),
// trimmed, skipping empty elements, and not splitting inside a quoted string
// (an extension parameter may be one). Stops early and returns true as soon
// as f returns true.
template <class F>
bool http_for_each_list_item(std::string_view list, F&& f) {
    std::size_t start = 0;
    bool quoted = false;
    for (std::size_t i = 0; i <= list.size(); ++i) {
        if (i < list.size()) {
            const char c = list[i];
            if (quoted) {
                if (c == '\\' && i + 1 < list.size()) ++i;
                else if (c == '"') quoted = false;
                continue;
            }
            if (c == '"') {
                quoted = true;
                continue;
            }
            if (c != ',') continue;
        }
        const std::string_view item = http_trim(list.substr(start, (i < list.size() ? i : list.size()) - start));
        if (!item.empty() && f(item)) return true;
        start = i + 1;
    }
    return false;
}

} // namespace wsx::detail

namespace wsx::protocol {

/// One parsed header section. http_request and http_response add the start
/// line; this holds the parser and the headers they share. The message owns
/// its bytes (one string holding the header section as received, plus
/// offsets), so it can be copied, moved and kept after the read buffer is gone.
/// The views it hands out point into it and live as long as it is unchanged.
class http_message {
public:
    /// Feeds bytes. Returns how many were consumed: all of them until the
    /// header section is complete, then only up to and including its final
    /// LF, so data[returned..n) is the first data after the headers. On error
    /// ec is set and the message stays failed (further calls consume nothing
    /// and report the same error) until reset(). Once complete, further calls
    /// consume nothing.
    std::size_t parse(const void* data, std::size_t n, std::error_code& ec);
    /// The same, for bytes in a string_view.
    std::size_t parse(std::string_view bytes, std::error_code& ec) {
        return parse(bytes.data(), bytes.size(), ec);
    }

    /// True once the empty line ending the header section has been consumed.
    bool complete() const noexcept { return complete_; }
    /// The error that stopped parsing, if any.
    std::error_code error() const noexcept { return error_; }
    /// Forgets the message, keeping the limits and the allocated capacity so
    /// that a keep-alive connection can parse the next one without allocating.
    void reset() noexcept;
    /// Gives back the capacity reserved for parsing: a message kept for the
    /// life of a connection should cost only its own bytes.
    void shrink_to_fit();

    /// The limits this message is parsed with.
    const http_limits& limits() const noexcept { return limits_; }

    /// HTTP-version of the start line ("HTTP/1.1" gives 1 and 1).
    int version_major() const noexcept { return version_major_; }
    /// The minor HTTP version (the 1 of "HTTP/1.1").
    int version_minor() const noexcept { return version_minor_; }

    class header_range;
    /// Every header line in order of arrival, repeated names included.
    header_range headers() const noexcept;
    /// How many header lines there are.
    std::size_t header_count() const noexcept { return headers_.size(); }
    /// Precondition: i < header_count().
    http_header header_at(std::size_t i) const noexcept {
        const field& f = headers_[i];
        return {view(f.name), view(f.value)};
    }

    /// The value of the first header with this name (ASCII case-insensitive),
    /// or an empty view when there is none; count() tells a missing header
    /// from an empty one.
    std::string_view header(std::string_view name) const noexcept;
    /// How many header lines have this name.
    std::size_t count(std::string_view name) const noexcept;
    /// Whether token appears (ASCII case-insensitive) as an element of the
    /// comma-separated lists in all headers with this name, e.g.
    /// has_token("Connection", "upgrade") for "Connection: keep-alive, Upgrade".
    bool has_token(std::string_view name, std::string_view token) const noexcept;
    /// The elements of the comma-separated lists in all headers with this
    /// name, in order, trimmed, empty elements dropped, commas inside quoted
    /// strings kept. For Sec-WebSocket-Protocol, Sec-WebSocket-Extensions.
    std::vector<std::string_view> list(std::string_view name) const;
    /// The same, without building a vector: f(std::string_view) per element;
    /// returning true from f stops the walk (and for_each_list_item returns true).
    template <class F>
    bool for_each_list_item(std::string_view name, F&& f) const {
        for (const field& h : headers_)
            if (wsx::detail::http_iequals(view(h.name), name) && wsx::detail::http_for_each_list_item(view(h.value), f))
                return true;
        return false;
    }

    /// The bytes consumed so far: the header section as received.
    std::string_view raw() const noexcept { return raw_; }

protected:
    /// Which start line the parser expects.
    enum class kind : unsigned char { request, response };

    /// Where a piece of the start line sits in the raw bytes.
    // 32-bit offsets: a server keeps every connection's opening request
    // for its life, and this halves what each header costs; a header
    // section never exceeds max_header_bytes(), at most 4 GiB.
    struct span {
        std::uint32_t offset = 0; ///< from the first byte of raw()
        std::uint32_t size = 0;   ///< in bytes
    };
    /// A span from offsets known to be below max_header_bytes().
    static span make_span(std::size_t offset, std::size_t size) noexcept {
        return {static_cast<std::uint32_t>(offset), static_cast<std::uint32_t>(size)};
    }
    /// limits().max_header_bytes, capped at 4 GiB so that spans can hold every offset.
    std::size_t max_header_bytes() const noexcept {
        constexpr std::size_t cap = 0xffffffffu;
        return limits_.max_header_bytes < cap ? limits_.max_header_bytes : cap;
    }

    /// An empty message that will parse a request or a response.
    http_message(kind k, const http_limits& limits) noexcept : kind_(k), limits_(limits) {}
    /// Copies; the copy owns its own bytes.
    http_message(const http_message&) = default;
    /// Copy-assigns.
    http_message& operator=(const http_message&) = default;
    /// A moved-from message is left reset (empty), not holding offsets into
    /// a string that has gone: reading it must stay safe.
    http_message(http_message&& o) noexcept : kind_(o.kind_), limits_(o.limits_) { take(o); }
    /// Move-assigns, leaving `o` reset.
    http_message& operator=(http_message&& o) noexcept {
        if (this != &o) {
            kind_ = o.kind_;
            limits_ = o.limits_;
            take(o);
        }
        return *this;
    }
    ~http_message() = default;

    /// The bytes of a span.
    std::string_view view(span s) const noexcept { return {raw_.data() + s.offset, s.size}; }

    /// Request: method and target. Response: status code and reason phrase.
    span start_a_;
    span start_b_;   ///< see start_a_
    int status_ = 0; ///< response: the status code as a number

private:
    struct field {
        span name;
        span value;
    };

    void take(http_message& o) noexcept {
        start_a_ = o.start_a_;
        start_b_ = o.start_b_;
        status_ = o.status_;
        raw_ = std::move(o.raw_);
        headers_ = std::move(o.headers_);
        line_start_ = o.line_start_;
        start_line_done_ = o.start_line_done_;
        complete_ = o.complete_;
        version_major_ = o.version_major_;
        version_minor_ = o.version_minor_;
        error_ = o.error_;
        o.reset();
    }
    bool fail(wsx::error e) noexcept {
        error_ = make_error_code(e);
        return false;
    }
    bool on_line();
    bool on_request_line(std::size_t b, std::size_t e);
    bool on_status_line(std::size_t b, std::size_t e);
    bool on_header_line(std::size_t b, std::size_t e);
    bool parse_version(std::size_t b, std::size_t e) noexcept;

    kind kind_;
    http_limits limits_;
    std::string raw_;
    std::vector<field> headers_;
    std::size_t line_start_ = 0;
    bool start_line_done_ = false;
    bool complete_ = false;
    int version_major_ = 0;
    int version_minor_ = 0;
    std::error_code error_;
};

/// The header lines of a message as a range, in order of arrival.
class http_message::header_range {
public:
    /// An input iterator over the header lines.
    class iterator {
    public:
        using iterator_category = std::input_iterator_tag; ///< an input iterator
        using value_type = http_header;                    ///< a (name, value) view
        using difference_type = std::ptrdiff_t;            ///< distance between iterators
        using pointer = void;                              ///< none: values are made on the fly
        using reference = http_header;                     ///< a value, not a reference

        /// A singular iterator.
        iterator() noexcept = default;
        /// The header line this iterator is at.
        http_header operator*() const noexcept { return m_->header_at(i_); }
        /// Steps to the next header line.
        iterator& operator++() noexcept {
            ++i_;
            return *this;
        }
        /// Steps to the next header line, returning the old position.
        iterator operator++(int) noexcept {
            iterator t = *this;
            ++i_;
            return t;
        }
        /// Equal when at the same position.
        friend bool operator==(const iterator& a, const iterator& b) noexcept { return a.i_ == b.i_; }
        /// Not at the same position.
        friend bool operator!=(const iterator& a, const iterator& b) noexcept { return a.i_ != b.i_; }

    private:
        friend class header_range;
        iterator(const http_message* m, std::size_t i) noexcept : m_(m), i_(i) {}
        const http_message* m_ = nullptr;
        std::size_t i_ = 0;
    };

    /// The first header line.
    iterator begin() const noexcept { return {m_, 0}; }
    /// Past the last header line.
    iterator end() const noexcept { return {m_, m_->header_count()}; }
    /// The number of header lines.
    std::size_t size() const noexcept { return m_->header_count(); }
    /// True when there are none.
    bool empty() const noexcept { return size() == 0; }
    /// The i-th header line (precondition: i < size()).
    http_header operator[](std::size_t i) const noexcept { return m_->header_at(i); }

private:
    friend class http_message;
    explicit header_range(const http_message* m) noexcept : m_(m) {}
    const http_message* m_;
};

inline http_message::header_range http_message::headers() const noexcept { return header_range(this); }

/// An HTTP request being parsed (the opening handshake on the server side).
class http_request : public http_message {
public:
    /// An empty request that parses with these limits.
    explicit http_request(const http_limits& limits = {}) noexcept : http_message(kind::request, limits) {}

    /// The method ("GET"), case as received.
    std::string_view method() const noexcept { return view(start_a_); }
    /// As received: origin-form ("/chat?x=1") from a browser, but the parser
    /// accepts any visible-ASCII target; validate_upgrade insists on origin-form.
    std::string_view target() const noexcept { return view(start_b_); }
};

/// An HTTP response being parsed (the opening handshake on the client side).
class http_response : public http_message {
public:
    /// An empty response that parses with these limits.
    explicit http_response(const http_limits& limits = {}) noexcept : http_message(kind::response, limits) {}

    /// The status code (101 for an accepted upgrade).
    int status() const noexcept { return status_; }
    /// The reason phrase ("Switching Protocols"); may be empty.
    std::string_view reason() const noexcept { return view(start_b_); }
};

} // namespace wsx::protocol

// The parser's non-template code: inline here in a header-only build,
// compiled once by <wsx/src.hpp> with WSX_SEPARATE_COMPILATION.
#if !defined(WSX_SEPARATE_COMPILATION)
#include <wsx/impl/http.ipp>
#endif

#endif
