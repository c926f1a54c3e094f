// Copyright (c) 2026 wsx developers. Distributed under the Boost Software License, Version 1.0.
#ifndef WSX_PROTOCOL_MASK_HPP
#define WSX_PROTOCOL_MASK_HPP

// RFC 6455 5.3 masking: payload byte i is XORed with key[i % 4]. Every byte a
// client sends and every byte a server receives goes through here, so it
// works 64 bytes per step with SSE2 (always present on x86_64) and a 64-bit
// word per step elsewhere (compilers vectorise that loop where they can);
// the byte loop only handles the last 0-3 bytes.

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>

#if defined(__SSE2__) || defined(_M_X64) || (defined(_M_IX86_FP) && _M_IX86_FP >= 2)
#include <emmintrin.h>
#define WSX_PROTOCOL_MASK_SSE2 1
#endif

namespace wsx {
namespace protocol {

namespace detail {
// The key as a word in memory order, rotated so that its first byte is
// key[r]: one rotate instead of rebuilding the key byte by byte.
constexpr std::uint32_t rotate_mask_key(std::uint32_t k, std::size_t r) noexcept {
    const unsigned s = static_cast<unsigned>(r & 3) * 8;
    if (s == 0) return k;
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
    return (k << s) | (k >> (32 - s));
#else
    return (k >> s) | (k << (32 - s));
#endif
}

// The masking loop. With TrackHigh it also ORs together every masked byte
// (non-zero bit 7 = some byte is not ASCII), so a reader can unmask and
// pre-check text in one pass instead of two.
template <bool TrackHigh>
inline bool mask_words(std::uint8_t* data, std::size_t n, std::uint32_t k32) noexcept {
    // Every step is a multiple of 4 bytes, so k32 stays in phase.
    std::size_t i = 0;
    std::uint64_t high = 0;
#ifdef WSX_PROTOCOL_MASK_SSE2
    if (n >= 16) {
        const __m128i m = _mm_set1_epi32(static_cast<int>(k32));
        __m128i acc = _mm_setzero_si128();
        for (; i + 64 <= n; i += 64) {
            auto* q = reinterpret_cast<__m128i*>(data + i);
            const __m128i a = _mm_xor_si128(_mm_loadu_si128(q), m);
            const __m128i b = _mm_xor_si128(_mm_loadu_si128(q + 1), m);
            const __m128i c = _mm_xor_si128(_mm_loadu_si128(q + 2), m);
            const __m128i d = _mm_xor_si128(_mm_loadu_si128(q + 3), m);
            _mm_storeu_si128(q, a);
            _mm_storeu_si128(q + 1, b);
            _mm_storeu_si128(q + 2, c);
            _mm_storeu_si128(q + 3, d);
            if (TrackHigh) acc = _mm_or_si128(acc, _mm_or_si128(_mm_or_si128(a, b), _mm_or_si128(c, d)));
        }
        for (; i + 16 <= n; i += 16) {
            auto* q = reinterpret_cast<__m128i*>(data + i);
            const __m128i a = _mm_xor_si128(_mm_loadu_si128(q), m);
            _mm_storeu_si128(q, a);
            if (TrackHigh) acc = _mm_or_si128(acc, a);
        }
        if (TrackHigh) high = static_cast<std::uint64_t>(_mm_movemask_epi8(acc));
    }
#endif
    if (n - i >= 8) {
        // Memory order "k32 k32" is this expression on either endianness.
        const std::uint64_t k64 = (static_cast<std::uint64_t>(k32) << 32) | k32;
        for (; i + 8 <= n; i += 8) {
            std::uint64_t w;
            std::memcpy(&w, data + i, 8);
            w ^= k64;
            std::memcpy(data + i, &w, 8);
            if (TrackHigh) high |= w & 0x8080808080808080ull;
        }
    }
    if (n - i >= 4) {
        std::uint32_t w;
        std::memcpy(&w, data + i, 4);
        w ^= k32;
        std::memcpy(data + i, &w, 4);
        if (TrackHigh) high |= w & 0x80808080u;
        i += 4;
    }
    std::uint8_t k[4];
    std::memcpy(k, &k32, 4);
    for (; i < n; ++i) {
        data[i] ^= k[i & 3];
        if (TrackHigh) high |= data[i] & 0x80u;
    }
    return high == 0;
}

} // namespace detail

/// Masks (or unmasks: XOR is its own inverse) n bytes in place. `phase` is the
/// offset of data[0] within the frame payload, so a payload that arrives in
/// pieces can be unmasked piece by piece. Any alignment and length is fine.
inline void mask_in_place(std::uint8_t* data, std::size_t n, std::array<std::uint8_t, 4> key,
                          std::size_t phase = 0) noexcept {
    std::uint32_t k32;
    std::memcpy(&k32, key.data(), 4);
    detail::mask_words<false>(data, n, detail::rotate_mask_key(k32, phase));
}

/// mask_in_place, and in the same pass: true if every resulting byte is ASCII.
inline bool mask_in_place_all_ascii(std::uint8_t* data, std::size_t n, std::array<std::uint8_t, 4> key,
                                    std::size_t phase = 0) noexcept {
    std::uint32_t k32;
    std::memcpy(&k32, key.data(), 4);
    return detail::mask_words<true>(data, n, detail::rotate_mask_key(k32, phase));
}

} // namespace protocol
} // namespace wsx

#endif
