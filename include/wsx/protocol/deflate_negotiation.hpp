// Copyright (c) 2026 wsx developers. Distributed under the Boost Software License, Version 1.0.
#ifndef WSX_PROTOCOL_DEFLATE_NEGOTIATION_HPP
#define WSX_PROTOCOL_DEFLATE_NEGOTIATION_HPP

// permessage-deflate negotiation (RFC 7692 section 7.1), both sides, as pure
// string logic: no zlib here, so a server can decide what to answer (and a
// test can check every parameter combination) without linking it.
//
// Server: negotiate_deflate() walks the client's offers in order and accepts
// the FIRST permessage-deflate offer that is valid (RFC 7692 7.1: a server
// declines an offer with an unknown, repeated or malformed parameter, and
// may then accept a later one), returning the agreed parameters and the
// Sec-WebSocket-Extensions value to answer with.
// Client: make_deflate_offer() builds the offer; verify_deflate_response()
// checks the server's answer against it, failing the handshake
// (error::handshake_bad_extension) on anything RFC 7692 7.1 forbids.
//
// Parameter syntax (RFC 6455 9.1, RFC 7692 5): `name [ "=" value ]`, where a
// value is a token or a quoted-string that must unescape to a token, with
// optional whitespace around ';' and '='. Window bits are a decimal integer
// 8..15 without leading zeros. Extension and parameter names are compared
// ASCII case-insensitively.

#include <wsx/error.hpp>
#include <wsx/protocol/http.hpp>
#include <wsx/protocol/reader.hpp>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

namespace wsx::protocol {

/// The extension token of RFC 7692.
inline constexpr std::string_view deflate_extension_name = "permessage-deflate";

struct deflate_options;
struct deflate_params;

/// What a session calls per message once permessage-deflate is agreed. The
/// zlib implementation (permessage_deflate, <wsx/protocol/deflate.hpp>) is
/// reached through this interface and deflate_options::make_codec, so that
/// the session layer compiles and links without zlib: one virtual call per
/// message, never per byte.
class deflate_codec {
public:
    virtual ~deflate_codec() = default;
    /// A data message of this many bytes is sent compressed (RSV1 set).
    virtual bool should_compress(std::size_t size) const noexcept = 0;
    /// out = the compressed payload of one whole message (capacity kept).
    virtual void compress(const std::uint8_t* data, std::size_t n, std::vector<std::uint8_t>& out) = 0;
    /// out = the inflated message (capacity kept); at most max_size bytes;
    /// text: validated as UTF-8 while inflating. message_too_big,
    /// invalid_utf8 or bad_compressed_data; after an error, the connection
    /// must be closed (the stream state is lost).
    virtual std::error_code decompress(const std::uint8_t* data, std::size_t n, std::vector<std::uint8_t>& out,
                                       std::uint64_t max_size, bool text) = 0;
    /// The same in pieces, for part handlers (on_message_part), which never
    /// hold a message whole: decompress_begin() when a compressed message
    /// starts, decompress_part() per piece of its payload (appending what
    /// it inflates to out, which the caller consumes and clears in
    /// between), decompress_end() after its last piece (which may add the
    /// last bytes). A codec that cannot inflate in pieces returns false from
    /// decompress_begin(), and such a message fails the connection (1011).
    virtual bool decompress_begin(std::uint64_t /*max_size*/, bool /*text*/) { return false; }
    /// The next piece of the message decompress_begin() started.
    virtual std::error_code decompress_part(const std::uint8_t*, std::size_t, std::vector<std::uint8_t>&) {
        return make_error_code(error::invalid_state);
    }
    /// Ends the message decompress_begin() started.
    virtual std::error_code decompress_end(std::vector<std::uint8_t>&) { return make_error_code(error::invalid_state); }
    /// Bytes held by the compression state now.
    virtual std::size_t memory_usage() const noexcept = 0;

    /// Broadcast: non-zero when every message is compressed afresh (our
    /// side's no_context_takeover was agreed), so the compressed payload
    /// depends only on the message and on what this key identifies (window
    /// bits, level, memLevel). Sessions whose codecs return the same key
    /// can send one compressed frame. 0: the output depends on the
    /// messages sent before, nothing can be shared.
    virtual std::uint64_t shared_key() const noexcept { return 0; }
    /// out = what compress() would give for this message, without touching
    /// this codec's state; safe from any thread. Only called when
    /// shared_key() is non-zero.
    virtual void compress_detached(const std::uint8_t* data, std::size_t n, std::vector<std::uint8_t>& out) const = 0;
};

/// Makes a connection's codec from the agreed parameters (deflate_options::make_codec).
using deflate_codec_factory = std::unique_ptr<deflate_codec> (*)(const deflate_params& agreed, role local,
                                                                  const deflate_options& opts);

/// Policy for permessage-deflate, the same struct for both roles. Each
/// negotiated parameter is something one side decides alone and the other can
/// only ask for, so each field below says what it does in each role.
///
/// Memory per connection (zlib's own formulas; wsx allocates each stream
/// lazily, on the first message that needs it):
///   compressing:   (1 << (w + 2)) + (1 << (mem_level + 9)) bytes + ~6 KiB state
///   decompressing: (1 << w) bytes + ~7 KiB state
/// where w is the window bits agreed for that direction (8 counts as 9, see
/// below). Measured (deflater::memory_usage(), inflater::memory_usage()):
///   defaults, w = 15, mem_level 8:    262 KiB + 39 KiB = 301 KiB
///   w = 15, mem_level 5:              150 KiB + 39 KiB = 189 KiB
///   w = 12 both ways, mem_level 5:     38 KiB + 11 KiB =  49 KiB
///   w = 10, mem_level 4:               18 KiB +  8 KiB =  26 KiB
/// With server_no_context_takeover the server compresses with one
/// compressor per thread instead (nothing is kept between messages), so
/// only the decompressing part is per connection.
/// A server for many connections sets server_max_window_bits and
/// client_max_window_bits to 12 (or less) and mem_level to 5: every peer
/// accepts a server's smaller window, and every browser offers
/// client_max_window_bits.
struct deflate_options {
    /// Off by default: compression costs memory and CPU per connection, and
    /// compressing secrets next to attacker-chosen text leaks them by length
    /// (CRIME/BREACH), so it is a decision the program makes.
    bool enabled = false;

    /// Server: always reset the server's compressor after each message and
    ///   say so in the response (a client may also ask for it; it is then
    ///   granted whatever this says). Needed to share one compressed frame
    ///   between receivers (broadcast) and to keep no compression state
    ///   between messages.
    /// Client: ask the server for it (the server then MUST reset, or
    ///   the handshake fails).
    bool server_no_context_takeover = false;

    /// Server: require the client to reset its compressor after each message
    ///   (the response includes client_no_context_takeover).
    /// Client: announce that we reset our compressor after each message, and
    ///   do so.
    bool client_no_context_takeover = false;

    /// 8..15. The LZ77 window (2^bits bytes) the server compresses with.
    /// Server: the largest window we compress with; a client may ask for
    ///   less and gets it. Announced in the response when below 15.
    /// Client: below 15, asks the server for at most this (a server that
    ///   cannot comply declines, and the connection is uncompressed).
    ///
    /// 8 is accepted everywhere, but zlib cannot make a raw deflate stream
    /// with a 256-byte window, so wsx compresses with 9 then: zlib never
    /// emits a distance above (1 << bits) - 262 = 250 with a 512-byte window,
    /// so the output is still valid for a peer that keeps only 256 bytes.
    /// (Other zlib-based implementations do the same.)
    std::uint8_t server_max_window_bits = 15;

    /// 8..15. The window the client compresses with.
    /// Server: the largest window we let the client use. Effective only if
    ///   the client offered client_max_window_bits (every browser does); a
    ///   client that did not is still accepted, and we then decompress with
    ///   a full 32 KiB window.
    /// Client: we compress with at most this, and offer
    ///   "client_max_window_bits" (with this value when below 15) so that the
    ///   server knows it may ask for less.
    std::uint8_t client_max_window_bits = 15;

    /// zlib compression level 0..9 (0: stored blocks only, 1: fastest,
    /// 9: smallest). Local only, never negotiated. 6 is zlib's default.
    int compression_level = 6;

    /// zlib memLevel 1..9: the size of the compressor's hash table and
    /// symbol buffer, 1 << (mem_level + 9) bytes together. Lower saves memory
    /// per connection at some cost in ratio and speed. Local only.
    int mem_level = 8;

    /// Messages shorter than this many bytes are sent uncompressed (RSV1
    /// clear; RFC 7692 6 lets a sender choose per message). Measured with
    /// zlib level 6 on chat-like JSON: without context takeover a 40-64 byte
    /// message shrinks by only 5-7%; with it, repetitive small messages do
    /// shrink well, but the saving (< 60 bytes) is below the TCP/IP (+TLS)
    /// overhead of the packet carrying it, while each compression costs
    /// 1.5-3.5 us of CPU, several times the rest of the send path. From a
    /// few hundred bytes on, compression saves 25-75% and pays for itself.
    /// 0 compresses everything.
    std::size_t compress_threshold = 64;

    /// Makes the per-connection codec. Set by wsx::enable_deflate() from
    /// <wsx/deflate.hpp> (which needs zlib); a session negotiates
    /// permessage-deflate only when enabled is set AND this is not null.
    deflate_codec_factory make_codec = nullptr;
};

/// The agreed parameters (RFC 7692 7.1: "agreed parameters"). Window bits
/// are the values in force: 15 when the parameter was left out.
struct deflate_params {
    bool server_no_context_takeover = false; ///< the server resets its compressor after each message
    bool client_no_context_takeover = false; ///< the client resets its compressor after each message
    std::uint8_t server_max_window_bits = 15; ///< the window the server compresses with
    std::uint8_t client_max_window_bits = 15; ///< the window the client compresses with

    /// Our compressor resets after every message.
    bool local_no_context_takeover(role local) const noexcept {
        return local == role::server ? server_no_context_takeover : client_no_context_takeover;
    }
    /// The peer's compressor resets after every message, so our decompressor
    /// must too.
    bool peer_no_context_takeover(role local) const noexcept {
        return local == role::server ? client_no_context_takeover : server_no_context_takeover;
    }
    /// The window we compress with.
    std::uint8_t local_max_window_bits(role local) const noexcept {
        return local == role::server ? server_max_window_bits : client_max_window_bits;
    }
    /// The window we decompress with.
    std::uint8_t peer_max_window_bits(role local) const noexcept {
        return local == role::server ? client_max_window_bits : server_max_window_bits;
    }

    /// Broadcast: a payload compressed once, with no context, by a deflater
    /// of window_bits may go as-is to this peer when our side resets per
    /// message and the peer agreed to a window at least that large. (zlib
    /// never reaches back more than (1 << window_bits) - 262 bytes.)
    bool can_share_compressed(role local, int window_bits) const noexcept {
        return local_no_context_takeover(local) && local_max_window_bits(local) >= window_bits;
    }

    friend bool operator==(const deflate_params& a, const deflate_params& b) noexcept {
        return a.server_no_context_takeover == b.server_no_context_takeover &&
               a.client_no_context_takeover == b.client_no_context_takeover &&
               a.server_max_window_bits == b.server_max_window_bits &&
               a.client_max_window_bits == b.client_max_window_bits;
    }
    friend bool operator!=(const deflate_params& a, const deflate_params& b) noexcept { return !(a == b); }
};

/// Throws std::system_error(error::bad_argument) naming the field when opts
/// is out of range. The functions below call it.
inline void check_deflate_options(const deflate_options& opts);

// --- server ---

/// The client's offers are the items of every Sec-WebSocket-Extensions
/// header, in order. Returns the agreed parameters of the first acceptable
/// permessage-deflate offer and sets *response to the extension string to
/// answer with (for build_accept_response); nullopt when compression is
/// disabled or no offer is acceptable (*response is then cleared).
inline std::optional<deflate_params> negotiate_deflate(const http_request& req, const deflate_options& opts,
                                                       std::string& response);
/// Same, for one header value (a comma-separated list of offers).
inline std::optional<deflate_params> negotiate_deflate(std::string_view offers, const deflate_options& opts,
                                                       std::string& response);

/// The response extension string for agreed parameters, e.g.
/// "permessage-deflate; server_no_context_takeover; client_max_window_bits=12".
/// A window of 15 is left out, unless echo_server_window is set: a client
/// that asked for server_max_window_bits must see it answered (RFC 7692
/// 7.1.2.1), even with 15.
inline std::string deflate_response_string(const deflate_params& agreed, bool echo_server_window = false);

// --- client ---

/// The Sec-WebSocket-Extensions value to offer; empty when disabled.
inline std::string make_deflate_offer(const deflate_options& opts);

/// Checks the server's Sec-WebSocket-Extensions (every such header) against
/// the offer make_deflate_offer(opts) made. On success *agreed is the
/// agreement, or nullopt if the server did not accept compression. Fails with
/// error::handshake_bad_extension when the server names another extension or
/// permessage-deflate twice, repeats a parameter, uses an unknown one, gives a
/// value out of range, omits server_no_context_takeover we asked for, answers
/// a server_max_window_bits above ours (or none when we asked), or a
/// client_max_window_bits above our value.
inline std::error_code verify_deflate_response(const http_response& res, const deflate_options& opts,
                                               std::optional<deflate_params>& agreed);
/// Same, for one header value.
inline std::error_code verify_deflate_response(std::string_view extensions, const deflate_options& opts,
                                               std::optional<deflate_params>& agreed);

namespace detail {

// One permessage-deflate element, as parsed; 0 stands for "absent".
struct deflate_element {
    bool server_no_context_takeover = false;
    bool client_no_context_takeover = false;
    std::uint8_t server_max_window_bits = 0;
    bool has_client_max_window_bits = false;
    std::uint8_t client_max_window_bits = 0; // 0: present without a value
};

enum class deflate_parse : std::uint8_t { other_extension, ok, invalid };

inline void deflate_skip_ows(std::string_view s, std::size_t& i) noexcept {
    while (i < s.size() && wsx::detail::http_is_ows(s[i])) ++i;
}

inline std::string_view deflate_read_token(std::string_view s, std::size_t& i) noexcept {
    const std::size_t b = i;
    while (i < s.size() && wsx::detail::http_is_tchar(static_cast<unsigned char>(s[i]))) ++i;
    return s.substr(b, i - b);
}

// "8".."15" exactly (RFC 7692 7.1.2.1: no leading zeros); 0 otherwise.
inline std::uint8_t deflate_window_bits(std::string_view v) noexcept {
    if (v.size() == 1 && (v[0] == '8' || v[0] == '9')) return static_cast<std::uint8_t>(v[0] - '0');
    if (v.size() == 2 && v[0] == '1' && v[1] >= '0' && v[1] <= '5') return static_cast<std::uint8_t>(10 + (v[1] - '0'));
    return 0;
}

// Parses one list element `name *( ";" param )`. response: the element
// is the server's answer (client_max_window_bits then needs a value).
// Window values fit in a few characters, so a quoted value is unescaped
// into a small fixed buffer; a longer one cannot be valid.
inline deflate_parse parse_deflate_element(std::string_view item, bool response, deflate_element& out) noexcept {
    out = {};
    std::size_t i = 0;
    deflate_skip_ows(item, i);
    const std::string_view name = deflate_read_token(item, i);
    if (!wsx::detail::http_iequals(name, deflate_extension_name)) return deflate_parse::other_extension;
    deflate_skip_ows(item, i);
    while (i < item.size()) {
        if (item[i] != ';') return deflate_parse::invalid;
        ++i;
        deflate_skip_ows(item, i);
        const std::string_view pname = deflate_read_token(item, i);
        if (pname.empty()) return deflate_parse::invalid;
        deflate_skip_ows(item, i);
        bool has_value = false;
        char buf[8];
        std::size_t len = 0;
        std::string_view value;
        if (i < item.size() && item[i] == '=') {
            has_value = true;
            ++i;
            deflate_skip_ows(item, i);
            if (i < item.size() && item[i] == '"') {
                ++i;
                bool closed = false;
                while (i < item.size()) {
                    char c = item[i++];
                    if (c == '"') {
                        closed = true;
                        break;
                    }
                    if (c == '\\') {
                        if (i == item.size()) return deflate_parse::invalid;
                        c = item[i++];
                    }
                    // Unescaped, the value must be a token (RFC 6455 9.1).
                    if (!wsx::detail::http_is_tchar(static_cast<unsigned char>(c)) || len == sizeof buf)
                        return deflate_parse::invalid;
                    buf[len++] = c;
                }
                if (!closed) return deflate_parse::invalid;
                value = std::string_view(buf, len);
            } else {
                value = deflate_read_token(item, i);
            }
            if (value.empty()) return deflate_parse::invalid;
            deflate_skip_ows(item, i);
        }
        using wsx::detail::http_iequals;
        if (http_iequals(pname, "server_no_context_takeover")) {
            if (has_value || out.server_no_context_takeover) return deflate_parse::invalid;
            out.server_no_context_takeover = true;
        } else if (http_iequals(pname, "client_no_context_takeover")) {
            if (has_value || out.client_no_context_takeover) return deflate_parse::invalid;
            out.client_no_context_takeover = true;
        } else if (http_iequals(pname, "server_max_window_bits")) {
            if (!has_value || out.server_max_window_bits != 0) return deflate_parse::invalid;
            out.server_max_window_bits = deflate_window_bits(value);
            if (out.server_max_window_bits == 0) return deflate_parse::invalid;
        } else if (http_iequals(pname, "client_max_window_bits")) {
            if (out.has_client_max_window_bits) return deflate_parse::invalid;
            out.has_client_max_window_bits = true;
            if (has_value) {
                out.client_max_window_bits = deflate_window_bits(value);
                if (out.client_max_window_bits == 0) return deflate_parse::invalid;
            } else if (response) {
                return deflate_parse::invalid;
            }
        } else {
            return deflate_parse::invalid;
        }
    }
    return deflate_parse::ok;
}

// The server's decision on one valid offer. Every valid offer can be
// honoured (zlib supports every window, see deflate_options), so a valid
// offer is never declined for policy.
inline deflate_params deflate_agree(const deflate_element& offer, const deflate_options& opts) noexcept {
    deflate_params p;
    p.server_no_context_takeover = offer.server_no_context_takeover || opts.server_no_context_takeover;
    // The client's client_no_context_takeover is a promise; echoing it lets
    // our decompressor reset per message as well.
    p.client_no_context_takeover = offer.client_no_context_takeover || opts.client_no_context_takeover;
    p.server_max_window_bits = opts.server_max_window_bits;
    if (offer.server_max_window_bits != 0 && offer.server_max_window_bits < p.server_max_window_bits)
        p.server_max_window_bits = offer.server_max_window_bits;
    p.client_max_window_bits = 15;
    if (offer.has_client_max_window_bits) {
        const std::uint8_t hint = offer.client_max_window_bits != 0 ? offer.client_max_window_bits : 15;
        p.client_max_window_bits = hint < opts.client_max_window_bits ? hint : opts.client_max_window_bits;
    }
    return p;
}

inline void deflate_append_bits(std::string& out, std::string_view name, unsigned bits) {
    out += "; ";
    out += name;
    out += '=';
    if (bits >= 10) out += '1';
    out += static_cast<char>('0' + bits % 10);
}

[[noreturn]] inline void throw_deflate_argument(const char* what) {
    throw std::system_error(make_error_code(error::bad_argument), what);
}

} // namespace detail

inline void check_deflate_options(const deflate_options& opts) {
    if (opts.server_max_window_bits < 8 || opts.server_max_window_bits > 15)
        detail::throw_deflate_argument("wsx: deflate_options::server_max_window_bits must be 8..15");
    if (opts.client_max_window_bits < 8 || opts.client_max_window_bits > 15)
        detail::throw_deflate_argument("wsx: deflate_options::client_max_window_bits must be 8..15");
    if (opts.compression_level < 0 || opts.compression_level > 9)
        detail::throw_deflate_argument("wsx: deflate_options::compression_level must be 0..9");
    if (opts.mem_level < 1 || opts.mem_level > 9)
        detail::throw_deflate_argument("wsx: deflate_options::mem_level must be 1..9");
}

inline std::string deflate_response_string(const deflate_params& agreed, bool echo_server_window) {
    std::string out(deflate_extension_name);
    if (agreed.server_no_context_takeover) out += "; server_no_context_takeover";
    if (agreed.client_no_context_takeover) out += "; client_no_context_takeover";
    if (agreed.server_max_window_bits < 15 || echo_server_window)
        detail::deflate_append_bits(out, "server_max_window_bits", agreed.server_max_window_bits);
    if (agreed.client_max_window_bits < 15)
        detail::deflate_append_bits(out, "client_max_window_bits", agreed.client_max_window_bits);
    return out;
}

namespace detail {

template <class Walk>
std::optional<deflate_params> negotiate_deflate_walk(Walk&& walk, const deflate_options& opts, std::string& response) {
    response.clear();
    if (!opts.enabled) return std::nullopt;
    check_deflate_options(opts);
    std::optional<deflate_params> agreed;
    deflate_element e;
    walk([&](std::string_view item) {
        if (parse_deflate_element(item, false, e) != deflate_parse::ok) return false; // declined: try the next
        agreed = deflate_agree(e, opts);
        return true;
    });
    if (agreed) response = deflate_response_string(*agreed, e.server_max_window_bits != 0);
    return agreed;
}

template <class Walk>
std::error_code verify_deflate_walk(Walk&& walk, const deflate_options& opts, std::optional<deflate_params>& agreed) {
    agreed.reset();
    bool bad = false;
    bool seen = false;
    deflate_element e;
    walk([&](std::string_view item) {
        // We offered permessage-deflate alone, once: anything else, or a
        // second answer, was not offered.
        if (seen || !opts.enabled || parse_deflate_element(item, true, e) != deflate_parse::ok) {
            bad = true;
            return true;
        }
        seen = true;
        return false;
    });
    const auto fail = make_error_code(error::handshake_bad_extension);
    if (bad) return fail;
    if (!seen) return {};
    check_deflate_options(opts);
    deflate_params p;
    // RFC 7692 7.1.1.1: a server accepting server_no_context_takeover MUST
    // answer it; it may also add it unasked.
    if (opts.server_no_context_takeover && !e.server_no_context_takeover) return fail;
    p.server_no_context_takeover = e.server_no_context_takeover;
    // 7.1.1.2: we keep our own announcement even if not echoed.
    p.client_no_context_takeover = e.client_no_context_takeover || opts.client_no_context_takeover;
    // 7.1.2.1: asked for => answered with the same or less.
    if (opts.server_max_window_bits < 15) {
        if (e.server_max_window_bits == 0 || e.server_max_window_bits > opts.server_max_window_bits) return fail;
    }
    p.server_max_window_bits = e.server_max_window_bits != 0 ? e.server_max_window_bits : std::uint8_t{15};
    // 7.1.2.2: we always offer client_max_window_bits (with our value when
    // below 15); the answer may lower it, never raise it.
    if (e.has_client_max_window_bits && e.client_max_window_bits > opts.client_max_window_bits) return fail;
    p.client_max_window_bits = e.has_client_max_window_bits ? e.client_max_window_bits : opts.client_max_window_bits;
    agreed = p;
    return {};
}

} // namespace detail

inline std::optional<deflate_params> negotiate_deflate(std::string_view offers, const deflate_options& opts,
                                                       std::string& response) {
    return detail::negotiate_deflate_walk(
        [offers](auto&& f) { wsx::detail::http_for_each_list_item(offers, f); }, opts, response);
}

inline std::optional<deflate_params> negotiate_deflate(const http_request& req, const deflate_options& opts,
                                                       std::string& response) {
    return detail::negotiate_deflate_walk(
        [&req](auto&& f) { req.for_each_list_item("Sec-WebSocket-Extensions", f); }, opts, response);
}

inline std::string make_deflate_offer(const deflate_options& opts) {
    if (!opts.enabled) return {};
    check_deflate_options(opts);
    std::string out(deflate_extension_name);
    if (opts.server_no_context_takeover) out += "; server_no_context_takeover";
    if (opts.client_no_context_takeover) out += "; client_no_context_takeover";
    if (opts.server_max_window_bits < 15)
        detail::deflate_append_bits(out, "server_max_window_bits", opts.server_max_window_bits);
    if (opts.client_max_window_bits < 15)
        detail::deflate_append_bits(out, "client_max_window_bits", opts.client_max_window_bits);
    else
        out += "; client_max_window_bits";
    return out;
}

inline std::error_code verify_deflate_response(std::string_view extensions, const deflate_options& opts,
                                               std::optional<deflate_params>& agreed) {
    return detail::verify_deflate_walk(
        [extensions](auto&& f) { wsx::detail::http_for_each_list_item(extensions, f); }, opts, agreed);
}

inline std::error_code verify_deflate_response(const http_response& res, const deflate_options& opts,
                                               std::optional<deflate_params>& agreed) {
    return detail::verify_deflate_walk(
        [&res](auto&& f) { res.for_each_list_item("Sec-WebSocket-Extensions", f); }, opts, agreed);
}

} // namespace wsx::protocol

#endif
