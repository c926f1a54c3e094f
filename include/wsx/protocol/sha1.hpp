// Copyright (c) 2026 wsx developers. Distributed under the Boost Software License, Version 1.0.
#ifndef WSX_PROTOCOL_SHA1_HPP
#define WSX_PROTOCOL_SHA1_HPP

// SHA-1 (FIPS 180-4), written here so that a plain ws:// build needs nothing
// but Asio. SHA-1 is broken for collision resistance; RFC 6455 only uses it
// to prove that the server read the client's key (Sec-WebSocket-Accept), for
// which that does not matter. Do not use this for anything security-related.

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>

namespace wsx::protocol {

/// SHA-1 (RFC 3174), for Sec-WebSocket-Accept only: it is not used for
/// anything that needs collision resistance.
class sha1 {
public:
    /// The 20-byte digest.
    using digest_type = std::array<std::uint8_t, 20>;

    sha1() noexcept { reset(); }

    /// Starts a new digest.
    void reset() noexcept {
        state_[0] = 0x67452301u;
        state_[1] = 0xEFCDAB89u;
        state_[2] = 0x98BADCFEu;
        state_[3] = 0x10325476u;
        state_[4] = 0xC3D2E1F0u;
        length_ = 0;
        used_ = 0;
    }

    /// Hashes n more bytes (data may be null when n is 0).
    void update(const void* data, std::size_t n) noexcept {
        if (n == 0) return; // data may be null then, and memcpy must not see it
        auto p = static_cast<const std::uint8_t*>(data);
        length_ += static_cast<std::uint64_t>(n);
        if (used_ != 0) {
            std::size_t take = block_size - used_;
            if (take > n) take = n;
            std::memcpy(block_ + used_, p, take);
            used_ += take;
            p += take;
            n -= take;
            if (used_ < block_size) return;
            compress(block_);
            used_ = 0;
        }
        // Whole blocks straight from the input: no copy for the bulk.
        for (; n >= block_size; p += block_size, n -= block_size) compress(p);
        if (n != 0) std::memcpy(block_, p, n);
        used_ = n;
    }

    /// Pads and returns the digest. The object is reset afterwards, so it can
    /// hash the next message without an explicit reset().
    digest_type finish() noexcept {
        const std::uint64_t bits = length_ * 8u;
        block_[used_++] = 0x80;
        if (used_ > block_size - 8) {
            std::memset(block_ + used_, 0, block_size - used_);
            compress(block_);
            used_ = 0;
        }
        std::memset(block_ + used_, 0, block_size - 8 - used_);
        for (int i = 0; i < 8; ++i)
            block_[block_size - 1 - i] = static_cast<std::uint8_t>(bits >> (8 * i));
        compress(block_);

        digest_type out{};
        for (std::size_t i = 0; i < 5; ++i) {
            out[4 * i + 0] = static_cast<std::uint8_t>(state_[i] >> 24);
            out[4 * i + 1] = static_cast<std::uint8_t>(state_[i] >> 16);
            out[4 * i + 2] = static_cast<std::uint8_t>(state_[i] >> 8);
            out[4 * i + 3] = static_cast<std::uint8_t>(state_[i]);
        }
        reset();
        return out;
    }

private:
    static constexpr std::size_t block_size = 64;

    static std::uint32_t rotl(std::uint32_t x, int n) noexcept {
        return (x << n) | (x >> (32 - n));
    }

    void compress(const std::uint8_t* p) noexcept {
        std::uint32_t w[80];
        for (int i = 0; i < 16; ++i) {
            w[i] = (std::uint32_t(p[4 * i]) << 24) | (std::uint32_t(p[4 * i + 1]) << 16) |
                   (std::uint32_t(p[4 * i + 2]) << 8) | std::uint32_t(p[4 * i + 3]);
        }
        for (int i = 16; i < 80; ++i) w[i] = rotl(w[i - 3] ^ w[i - 8] ^ w[i - 14] ^ w[i - 16], 1);

        std::uint32_t a = state_[0], b = state_[1], c = state_[2], d = state_[3], e = state_[4];
        for (int i = 0; i < 80; ++i) {
            std::uint32_t f, k;
            if (i < 20) {
                f = (b & c) | (~b & d);
                k = 0x5A827999u;
            } else if (i < 40) {
                f = b ^ c ^ d;
                k = 0x6ED9EBA1u;
            } else if (i < 60) {
                f = (b & c) | (b & d) | (c & d);
                k = 0x8F1BBCDCu;
            } else {
                f = b ^ c ^ d;
                k = 0xCA62C1D6u;
            }
            const std::uint32_t t = rotl(a, 5) + f + e + k + w[i];
            e = d;
            d = c;
            c = rotl(b, 30);
            b = a;
            a = t;
        }
        state_[0] += a;
        state_[1] += b;
        state_[2] += c;
        state_[3] += d;
        state_[4] += e;
    }

    std::uint32_t state_[5];
    std::uint64_t length_;
    std::size_t used_;
    std::uint8_t block_[block_size];
};

/// SHA-1 of n bytes in one call.
inline std::array<std::uint8_t, 20> sha1_digest(const void* data, std::size_t n) noexcept {
    sha1 h;
    h.update(data, n);
    return h.finish();
}

} // namespace wsx::protocol

#endif
