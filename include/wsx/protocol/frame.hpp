// Copyright (c) 2026 wsx developers. Distributed under the Boost Software License, Version 1.0.
#ifndef WSX_PROTOCOL_FRAME_HPP
#define WSX_PROTOCOL_FRAME_HPP

// The RFC 6455 5.2 frame header: encoding and decoding of one header. What a
// header may contain in a given connection (masking by role, reserved bits,
// fragmentation order, size limits) is the reader's business; decoding here
// only rejects what no connection may ever send: a length that is not
// minimally encoded or that has the top bit set.

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>

namespace wsx {
namespace protocol {

/// The frame opcodes of RFC 6455 5.2 (the values are the wire values).
enum class opcode : std::uint8_t { continuation = 0, text = 1, binary = 2, close = 8, ping = 9, pong = 10 };

/// RFC 6455 5.2/5.5: the opcode's top bit separates control frames (8..15)
/// from data frames (0..7); the undefined values of both kinds are reserved.
constexpr bool is_control(opcode op) noexcept { return (static_cast<std::uint8_t>(op) & 0x8) != 0; }
/// True for continuation, text, binary and the reserved data opcodes 3-7.
constexpr bool is_data(opcode op) noexcept { return (static_cast<std::uint8_t>(op) & 0x8) == 0; }
/// True for the opcodes RFC 6455 leaves undefined (3-7, 11-15).
constexpr bool is_reserved(opcode op) noexcept {
    const auto v = static_cast<std::uint8_t>(op) & 0xF;
    return (v >= 3 && v <= 7) || v >= 11;
}

/// The fields of one frame header (RFC 6455 5.2), as encode_header() writes
/// and decode_header() reads them.
struct frame_header {
    bool fin = true;                  ///< the last frame of its message
    bool rsv1 = false, rsv2 = false, rsv3 = false; ///< reserved bits; RSV1 marks a compressed message (RFC 7692)
    opcode op = opcode::text;         ///< the frame's opcode
    bool masked = false;              ///< a masking key follows (every client frame)
    std::array<std::uint8_t, 4> key{}; ///< the masking key when masked
    std::uint64_t payload_size = 0;   ///< payload bytes after the header
    /// \var rsv1
    /// RSV1: the first frame of a compressed message (RFC 7692); an error without an extension.
    /// \var rsv2
    /// RSV2: reserved; an error unless an extension defines it.
};

/// 2 bytes + 8 bytes of 64-bit length + 4 bytes of masking key.
constexpr std::size_t max_header_size = 14;
/// The largest payload of a control frame (RFC 6455 5.5).
constexpr std::size_t max_control_payload = 125;

namespace detail {
constexpr std::size_t length_field_size(std::uint64_t payload_size) noexcept {
    return payload_size < 126 ? 0 : payload_size <= 0xFFFF ? 2 : 8;
}
} // namespace detail

/// The encoded size of h: 2 to 14 bytes.
inline std::size_t header_size(const frame_header& h) noexcept {
    return 2 + detail::length_field_size(h.payload_size) + (h.masked ? 4 : 0);
}

/// Writes the header with the shortest length form (RFC 6455 5.2 requires it)
/// to out, which must hold header_size(h) (<= max_header_size) bytes.
/// Returns the number of bytes written. payload_size must be < 2^63.
inline std::size_t encode_header(const frame_header& h, std::uint8_t* out) noexcept {
    out[0] = static_cast<std::uint8_t>((h.fin ? 0x80 : 0) | (h.rsv1 ? 0x40 : 0) | (h.rsv2 ? 0x20 : 0) |
                                       (h.rsv3 ? 0x10 : 0) | (static_cast<std::uint8_t>(h.op) & 0xF));
    const std::uint8_t mask_bit = h.masked ? 0x80 : 0;
    std::size_t n;
    if (h.payload_size < 126) {
        out[1] = static_cast<std::uint8_t>(mask_bit | h.payload_size);
        n = 2;
    } else if (h.payload_size <= 0xFFFF) {
        out[1] = static_cast<std::uint8_t>(mask_bit | 126);
        out[2] = static_cast<std::uint8_t>(h.payload_size >> 8);
        out[3] = static_cast<std::uint8_t>(h.payload_size);
        n = 4;
    } else {
        out[1] = static_cast<std::uint8_t>(mask_bit | 127);
        for (int i = 0; i < 8; ++i) out[2 + i] = static_cast<std::uint8_t>(h.payload_size >> (56 - 8 * i));
        n = 10;
    }
    if (h.masked) {
        std::memcpy(out + n, h.key.data(), 4);
        n += 4;
    }
    return n;
}

/// What decode_header() found: a whole header, too few bytes yet, or a bad length.
enum class decode_status : std::uint8_t { ok, need_more, error };

/// status error always means error::bad_frame_length: the only thing wrong
/// with a header that no connection may ever send. (No std::error_code here:
/// constructing one is an out-of-line call, and this is on every frame's path.)
struct decode_result {
    decode_status status = decode_status::need_more; ///< ok, need_more or error
    /// ok: the header's length in bytes. need_more: the number of bytes
    /// needed to go on (2 until the first two bytes are there, then the
    /// exact header length). error: 0.
    std::size_t size = 0;
};

/// The total header length implied by the second header byte (mask bit and
/// 7-bit length), which is all a reader needs to know how many bytes to wait for.
constexpr std::size_t header_size_from_length_byte(std::uint8_t b1) noexcept {
    return 2 + ((b1 & 0x7F) == 126 ? 2 : (b1 & 0x7F) == 127 ? 8 : 0) + ((b1 & 0x80) ? 4 : 0);
}

namespace detail {
// Reads the payload length of a header whose length bytes are all present
// (header_size_from_length_byte(h[1]) bytes). False if the length is not
// minimally encoded or has the top bit set (RFC 6455 5.2).
inline bool read_payload_length(const std::uint8_t* h, std::uint64_t& size) noexcept {
    const unsigned len7 = h[1] & 0x7F;
    if (len7 < 126) {
        size = len7;
        return true;
    }
    if (len7 == 126) {
        size = (static_cast<std::uint64_t>(h[2]) << 8) | h[3];
        return size >= 126;
    }
    std::uint64_t v = 0;
    for (int i = 0; i < 8; ++i) v = (v << 8) | h[2 + i];
    size = v;
    return (v >> 63) == 0 && v > 0xFFFF;
}
} // namespace detail

/// Decodes the header at the start of [p, p + n). On ok, `h` is filled and the
/// payload starts at p + result.size.
inline decode_result decode_header(const std::uint8_t* p, std::size_t n, frame_header& h) noexcept {
    decode_result r;
    if (n < 2) {
        r.size = 2;
        return r;
    }
    const std::size_t need = header_size_from_length_byte(p[1]);
    if (n < need) {
        r.size = need;
        return r;
    }
    if (!detail::read_payload_length(p, h.payload_size)) {
        r.status = decode_status::error;
        return r;
    }
    h.fin = (p[0] & 0x80) != 0;
    h.rsv1 = (p[0] & 0x40) != 0;
    h.rsv2 = (p[0] & 0x20) != 0;
    h.rsv3 = (p[0] & 0x10) != 0;
    h.op = static_cast<opcode>(p[0] & 0x0F);
    h.masked = (p[1] & 0x80) != 0;
    if (h.masked) std::memcpy(h.key.data(), p + need - 4, 4);
    else h.key = {};
    r.status = decode_status::ok;
    r.size = need;
    return r;
}

} // namespace protocol
} // namespace wsx

#endif
