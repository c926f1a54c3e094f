// Copyright (c) 2026 wsx developers. Distributed under the Boost Software License, Version 1.0.
#ifndef WSX_PROTOCOL_WRITER_HPP
#define WSX_PROTOCOL_WRITER_HPP

// Framing for sending (RFC 6455 5.2, 5.3, 5.5). A server's frames are not
// masked, so a server writes a header and gathers it with a payload that may
// be shared by many receivers (broadcast). A client masks every frame with a
// fresh key from mask_key_source.

#include <wsx/detail/os_random.hpp>
#include <wsx/error.hpp>
#include <wsx/protocol/close.hpp>
#include <wsx/protocol/frame.hpp>
#include <wsx/protocol/mask.hpp>

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <system_error>

namespace wsx {
namespace protocol {

/// Masking keys for client frames.
///
/// RFC 6455 10.3: the key must be unpredictable to the application that
/// chooses the payload, or a script could make its frames look like
/// plaintext HTTP to an intercepting proxy and poison its cache. So the keys
/// come from the operating system's CSPRNG (detail::os_random, which the
/// handshake's nonce uses too) unless a test hands in its own filler. One
/// system call fills 256 keys, so a key costs a few nanoseconds.
///
/// Not thread-safe: use one per thread or per connection (it holds 1 KiB).
/// After fork(), the child must call discard() before using an inherited
/// source, or it would repeat the parent's keys.
class mask_key_source {
public:
    /// Keys drawn from the OS per system call.
    static constexpr std::size_t keys_per_refill = 256;
    /// What fills the pool: `fill(out, n)` writes n bytes.
    using filler = void (*)(void* out, std::size_t n);

    /// Keys from the operating system's CSPRNG.
    mask_key_source() noexcept = default;
    /// Keys from `fill` instead: for tests that need known keys. Never in a
    /// program on the network (RFC 6455 10.3 wants them unpredictable).
    explicit mask_key_source(filler fill) noexcept : fill_(fill) {}

    /// The next masking key.
    std::array<std::uint8_t, 4> next() {
        if (pos_ == pool_.size()) refill();
        std::array<std::uint8_t, 4> key;
        std::memcpy(key.data(), pool_.data() + pos_, 4);
        pos_ += 4;
        return key;
    }

    /// Drops the buffered keys; the next call to next() draws fresh ones.
    void discard() noexcept { pos_ = pool_.size(); }

private:
    void refill() {
        fill_(pool_.data(), pool_.size());
        pos_ = 0;
    }

    std::array<std::uint8_t, keys_per_refill * 4> pool_{};
    std::size_t pos_ = keys_per_refill * 4;
    filler fill_ = &wsx::detail::os_random;
};

/// A key from this thread's own source: the convenient choice when connections
/// do not each hold a mask_key_source.
inline std::array<std::uint8_t, 4> next_mask_key() {
    thread_local mask_key_source source;
    return source.next();
}

/// The largest control frame: header with a masking key plus 125 bytes.
constexpr std::size_t max_control_frame_size = 2 + 4 + max_control_payload;

/// Writes a frame header to out (>= max_header_size bytes) and returns its
/// length. mask_key null: unmasked (server). Otherwise the header carries the
/// key and the caller masks the payload with mask_in_place(payload, size, *mask_key).
inline std::size_t write_frame_header(std::uint8_t* out, opcode op, std::uint64_t payload_size, bool fin,
                                      bool rsv1, const std::array<std::uint8_t, 4>* mask_key) noexcept {
    frame_header h;
    h.fin = fin;
    h.rsv1 = rsv1;
    h.op = op;
    h.payload_size = payload_size;
    if (mask_key != nullptr) {
        h.masked = true;
        h.key = *mask_key;
    }
    return encode_header(h, out);
}

/// Appends a whole frame (header and payload, masked if mask_key is not null)
/// to out: a std::vector<std::uint8_t>, std::string or any container of
/// bytes with end() and insert(pos, first, last). The one frame writer: the
/// session's send queue frames every message with it. Inserting, not
/// resizing then copying, writes each payload byte once.
template <class Buffer>
void append_frame(Buffer& out, opcode op, const void* payload, std::size_t size, bool fin = true,
                  bool rsv1 = false, const std::array<std::uint8_t, 4>* mask_key = nullptr) {
    static_assert(sizeof(*out.data()) == 1, "append_frame needs a buffer of bytes");
    std::uint8_t header[max_header_size];
    const std::size_t hn = write_frame_header(header, op, size, fin, rsv1, mask_key);
    const std::size_t at = out.size() + hn;
    const auto* p = static_cast<const std::uint8_t*>(payload);
    out.insert(out.end(), header, header + hn);
    if (size == 0) return;
    out.insert(out.end(), p, p + size);
    if (mask_key != nullptr) mask_in_place(reinterpret_cast<std::uint8_t*>(&out[0]) + at, size, *mask_key);
}

namespace detail {
inline void check_control_payload(std::size_t size) {
    if (size > max_control_payload)
        throw std::system_error(make_error_code(error::bad_argument),
                                "wsx: a ping or pong payload is at most 125 bytes (RFC 6455 5.5); got " +
                                    std::to_string(size));
}
} // namespace detail

/// Builds a whole control frame into out (>= max_control_frame_size bytes)
/// without allocating and returns its length. Throws
/// std::system_error(error::bad_argument) if size > 125 or op is not a control opcode.
inline std::size_t build_control_frame(std::uint8_t* out, opcode op, const void* payload, std::size_t size,
                                       const std::array<std::uint8_t, 4>* mask_key) {
    if (op != opcode::close && op != opcode::ping && op != opcode::pong)
        throw std::system_error(make_error_code(error::bad_argument),
                                "wsx: build_control_frame needs opcode close, ping or pong");
    detail::check_control_payload(size);
    const std::size_t hn = write_frame_header(out, op, size, true, false, mask_key);
    if (size != 0) {
        std::memcpy(out + hn, payload, size);
        if (mask_key != nullptr) mask_in_place(out + hn, size, *mask_key);
    }
    return hn + size;
}

/// A close frame with `code` and `reason` (see build_close_payload for the
/// rules; 1005 gives an empty close frame). Returns its length.
inline std::size_t build_close_frame(std::uint8_t* out, std::uint16_t code, std::string_view reason,
                                     const std::array<std::uint8_t, 4>* mask_key) {
    std::uint8_t payload[max_control_payload];
    const std::size_t n = build_close_payload(code, reason, payload);
    return build_control_frame(out, opcode::close, payload, n, mask_key);
}

/// Appends a ping frame to `out` (payload at most 125 bytes, else throws
/// std::system_error(error::bad_argument)).
template <class Buffer>
void append_ping_frame(Buffer& out, const void* payload, std::size_t size,
                       const std::array<std::uint8_t, 4>* mask_key = nullptr) {
    detail::check_control_payload(size);
    append_frame(out, opcode::ping, payload, size, true, false, mask_key);
}

/// Appends a pong frame to `out` (payload at most 125 bytes).
template <class Buffer>
void append_pong_frame(Buffer& out, const void* payload, std::size_t size,
                       const std::array<std::uint8_t, 4>* mask_key = nullptr) {
    detail::check_control_payload(size);
    append_frame(out, opcode::pong, payload, size, true, false, mask_key);
}

/// Appends a close frame to `out` (rules as build_close_payload()).
template <class Buffer>
void append_close_frame(Buffer& out, std::uint16_t code, std::string_view reason,
                        const std::array<std::uint8_t, 4>* mask_key = nullptr) {
    std::uint8_t payload[max_control_payload];
    const std::size_t n = build_close_payload(code, reason, payload);
    append_frame(out, opcode::close, payload, n, true, false, mask_key);
}

} // namespace protocol
} // namespace wsx

#endif
