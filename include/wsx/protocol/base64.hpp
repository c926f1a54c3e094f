// Copyright (c) 2026 wsx developers. Distributed under the Boost Software License, Version 1.0.
#ifndef WSX_PROTOCOL_BASE64_HPP
#define WSX_PROTOCOL_BASE64_HPP

// Base64 (RFC 4648 section 4, the standard alphabet, with padding), as the
// opening handshake uses it for Sec-WebSocket-Key and Sec-WebSocket-Accept.
//
// The decoder is strict on purpose: a key is 16 random bytes in exactly one
// spelling, so anything else (missing padding, whitespace, the URL-safe
// alphabet, non-zero bits after the last byte) is a malformed key rather than
// something to be guessed at.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace wsx::protocol {

/// Characters needed to encode n bytes.
constexpr std::size_t base64_encoded_size(std::size_t n) noexcept { return (n + 2) / 3 * 4; }

/// Largest number of bytes a base64 text of n characters can decode to.
constexpr std::size_t base64_max_decoded_size(std::size_t n) noexcept { return n / 4 * 3; }

/// Writes exactly base64_encoded_size(n) characters to out; no terminator.
inline void base64_encode(const void* data, std::size_t n, char* out) noexcept {
    static constexpr char alphabet[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    auto p = static_cast<const std::uint8_t*>(data);
    for (; n >= 3; n -= 3, p += 3) {
        const std::uint32_t v = (std::uint32_t(p[0]) << 16) | (std::uint32_t(p[1]) << 8) | p[2];
        *out++ = alphabet[(v >> 18) & 63];
        *out++ = alphabet[(v >> 12) & 63];
        *out++ = alphabet[(v >> 6) & 63];
        *out++ = alphabet[v & 63];
    }
    if (n == 1) {
        const std::uint32_t v = std::uint32_t(p[0]) << 16;
        *out++ = alphabet[(v >> 18) & 63];
        *out++ = alphabet[(v >> 12) & 63];
        *out++ = '=';
        *out++ = '=';
    } else if (n == 2) {
        const std::uint32_t v = (std::uint32_t(p[0]) << 16) | (std::uint32_t(p[1]) << 8);
        *out++ = alphabet[(v >> 18) & 63];
        *out++ = alphabet[(v >> 12) & 63];
        *out++ = alphabet[(v >> 6) & 63];
        *out++ = '=';
    }
}

/// The same, returning a new string.
inline std::string base64_encode(const void* data, std::size_t n) {
    std::string out(base64_encoded_size(n), '\0');
    if (n != 0) base64_encode(data, n, &out[0]);
    return out;
}

} // namespace wsx::protocol

namespace wsx::detail {

// 0-63 for an alphabet character, 64 for anything else (including '=').
inline std::uint8_t base64_value(char c) noexcept {
    if (c >= 'A' && c <= 'Z') return static_cast<std::uint8_t>(c - 'A');
    if (c >= 'a' && c <= 'z') return static_cast<std::uint8_t>(c - 'a' + 26);
    if (c >= '0' && c <= '9') return static_cast<std::uint8_t>(c - '0' + 52);
    if (c == '+') return 62;
    if (c == '/') return 63;
    return 64;
}

} // namespace wsx::detail

namespace wsx::protocol {

/// Decodes into out, which must have room for base64_max_decoded_size(in.size())
/// bytes. Returns the number of bytes written, or npos (SIZE_MAX) when in is
/// not canonical padded base64: length not a multiple of 4, a character outside
/// the alphabet, '=' anywhere but the last one or two places, or set bits
/// after the last encoded byte (so every byte string has exactly one encoding).
inline std::size_t base64_decode(std::string_view in, void* out) noexcept {
    constexpr std::size_t fail = static_cast<std::size_t>(-1);
    if (in.size() % 4 != 0) return fail;
    auto o = static_cast<std::uint8_t*>(out);
    std::size_t written = 0;
    for (std::size_t i = 0; i < in.size(); i += 4) {
        const bool last = i + 4 == in.size();
        const std::uint8_t a = wsx::detail::base64_value(in[i]);
        const std::uint8_t b = wsx::detail::base64_value(in[i + 1]);
        if (a == 64 || b == 64) return fail;
        if (last && in[i + 2] == '=') {
            if (in[i + 3] != '=' || (b & 0x0F) != 0) return fail;
            o[written++] = static_cast<std::uint8_t>((a << 2) | (b >> 4));
            break;
        }
        const std::uint8_t c = wsx::detail::base64_value(in[i + 2]);
        if (c == 64) return fail;
        if (last && in[i + 3] == '=') {
            if ((c & 0x03) != 0) return fail;
            o[written++] = static_cast<std::uint8_t>((a << 2) | (b >> 4));
            o[written++] = static_cast<std::uint8_t>(((b & 0x0F) << 4) | (c >> 2));
            break;
        }
        const std::uint8_t d = wsx::detail::base64_value(in[i + 3]);
        if (d == 64) return fail;
        o[written++] = static_cast<std::uint8_t>((a << 2) | (b >> 4));
        o[written++] = static_cast<std::uint8_t>(((b & 0x0F) << 4) | (c >> 2));
        o[written++] = static_cast<std::uint8_t>(((c & 0x03) << 6) | d);
    }
    return written;
}

/// Replaces out with the decoded bytes and returns true, or returns false and
/// leaves out empty when in is not canonical padded base64 (see above).
inline bool base64_decode(std::string_view in, std::string& out) {
    out.assign(base64_max_decoded_size(in.size()), '\0');
    const std::size_t n = in.empty() ? 0 : base64_decode(in, &out[0]);
    if (n == static_cast<std::size_t>(-1)) {
        out.clear();
        return false;
    }
    out.resize(n);
    return true;
}

} // namespace wsx::protocol

#endif
