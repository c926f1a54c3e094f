// Copyright (c) 2026 wsx developers. Distributed under the Boost Software License, Version 1.0.
#ifndef WSX_PROTOCOL_UTF8_HPP
#define WSX_PROTOCOL_UTF8_HPP

// Incremental UTF-8 validation (RFC 3629 as required by RFC 6455 8.1).
//
// Text messages arrive in fragments and in arbitrary TCP pieces, and a peer
// that sends garbage must be stopped at the first byte that can never become
// valid, so the validator is a DFA whose whole state is one integer: a code
// point may be split anywhere across feed() calls.
//
// Speed: ASCII is skipped 64/16/8 bytes at a time. Other bytes go through a
// "shift DFA": each byte value maps to one 64-bit row holding the next state
// of every state, 6 bits per state, so a step is one load (independent of
// the state) and one shift (the only dependency between steps).

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>

#if defined(__SSE2__) || defined(_M_X64) || (defined(_M_IX86_FP) && _M_IX86_FP >= 2)
#include <emmintrin.h>
#define WSX_PROTOCOL_UTF8_SSE2 1
#endif

namespace wsx {
namespace protocol {

namespace detail {

// DFA states; a state is stored as its bit offset in a row (index * 6).
enum utf8_state_index : unsigned {
    utf8_accept = 0,  // between code points
    utf8_reject = 1,  // can never become valid again (absorbing)
    utf8_need1 = 2,   // one continuation byte (80..BF) left
    utf8_need2 = 3,   // two continuation bytes left
    utf8_need3 = 4,   // three continuation bytes left
    utf8_after_e0 = 5, // A0..BF, then one more: rejects overlong 3-byte forms
    utf8_after_ed = 6, // 80..9F, then one more: rejects surrogates D800..DFFF
    utf8_after_f0 = 7, // 90..BF, then two more: rejects overlong 4-byte forms
    utf8_after_f4 = 8, // 80..8F, then two more: rejects > U+10FFFF
};

constexpr unsigned utf8_next(unsigned s, unsigned b) noexcept {
    const bool cont = b >= 0x80 && b <= 0xBF;
    switch (s) {
    case utf8_accept:
        if (b < 0x80) return utf8_accept;
        if (b >= 0xC2 && b <= 0xDF) return utf8_need1;
        if (b == 0xE0) return utf8_after_e0;
        if (b == 0xED) return utf8_after_ed;
        if (b >= 0xE1 && b <= 0xEF) return utf8_need2;
        if (b == 0xF0) return utf8_after_f0;
        if (b >= 0xF1 && b <= 0xF3) return utf8_need3;
        if (b == 0xF4) return utf8_after_f4;
        return utf8_reject; // 80..BF alone, C0, C1 (overlong), F5..FF
    case utf8_need1: return cont ? utf8_accept : utf8_reject;
    case utf8_need2: return cont ? utf8_need1 : utf8_reject;
    case utf8_need3: return cont ? utf8_need2 : utf8_reject;
    case utf8_after_e0: return (b >= 0xA0 && b <= 0xBF) ? utf8_need1 : utf8_reject;
    case utf8_after_ed: return (b >= 0x80 && b <= 0x9F) ? utf8_need1 : utf8_reject;
    case utf8_after_f0: return (b >= 0x90 && b <= 0xBF) ? utf8_need2 : utf8_reject;
    case utf8_after_f4: return (b >= 0x80 && b <= 0x8F) ? utf8_need2 : utf8_reject;
    default: return utf8_reject;
    }
}

constexpr std::array<std::uint64_t, 256> make_utf8_rows() noexcept {
    std::array<std::uint64_t, 256> rows{};
    for (unsigned b = 0; b < 256; ++b) {
        std::uint64_t row = 0;
        for (unsigned s = 0; s <= utf8_after_f4; ++s)
            row |= static_cast<std::uint64_t>(utf8_next(s, b) * 6) << (s * 6);
        rows[b] = row;
    }
    return rows;
}

// A class member so that the table is one object across translation units
// (static constexpr members are inline variables in C++17).
struct utf8_table {
    static constexpr std::array<std::uint64_t, 256> rows = make_utf8_rows();
};

constexpr std::uint64_t utf8_accept_bits = utf8_accept * 6;
constexpr std::uint64_t utf8_reject_bits = utf8_reject * 6;

// Returns the index of the first non-ASCII byte in [i, n), or n.
inline std::size_t utf8_skip_ascii(const std::uint8_t* p, std::size_t i, std::size_t n) noexcept {
#ifdef WSX_PROTOCOL_UTF8_SSE2
    for (; i + 64 <= n; i += 64) {
        const auto* q = reinterpret_cast<const __m128i*>(p + i);
        __m128i a = _mm_loadu_si128(q);
        __m128i b = _mm_loadu_si128(q + 1);
        __m128i c = _mm_loadu_si128(q + 2);
        __m128i d = _mm_loadu_si128(q + 3);
        if (_mm_movemask_epi8(_mm_or_si128(_mm_or_si128(a, b), _mm_or_si128(c, d))) != 0) break;
    }
    for (; i + 16 <= n; i += 16) {
        int bits = _mm_movemask_epi8(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p + i)));
        if (bits != 0) {
#if defined(__GNUC__)
            return i + static_cast<std::size_t>(__builtin_ctz(static_cast<unsigned>(bits)));
#else
            break;
#endif
        }
    }
#endif
    for (; i + 8 <= n; i += 8) {
        std::uint64_t w;
        std::memcpy(&w, p + i, 8);
        if ((w & 0x8080808080808080ull) != 0) break;
    }
    while (i < n && p[i] < 0x80) ++i;
    return i;
}

} // namespace detail

/// An incremental UTF-8 validator (RFC 3629: no overlongs, no surrogates,
/// nothing above U+10FFFF) that can be fed a message in any split and fails
/// at the first byte that can never become valid. ASCII runs go a word at a time.
class utf8_validator {
public:
    /// Feeds the next bytes. Returns false as soon as the bytes seen so far can
    /// never be the start of valid UTF-8 (and from then on until reset()).
    bool feed(const std::uint8_t* p, std::size_t n) noexcept { return scan(p, n) == n; }

    /// Like feed(), but says where: returns n if the bytes are acceptable so
    /// far, else the index in [0, n) of the byte that made them invalid (0 if
    /// the validator had already failed). Lets a streaming reader hand out
    /// exactly the bytes before the error, whatever the split of the input.
    std::size_t scan(const std::uint8_t* p, std::size_t n) noexcept;

    /// True if the bytes fed so far end on a code point boundary (and are valid).
    bool complete() const noexcept { return state_ == detail::utf8_accept_bits; }
    /// True once the input can never become valid.
    bool failed() const noexcept { return state_ == detail::utf8_reject_bits; }
    /// Starts over for a new message.
    void reset() noexcept { state_ = detail::utf8_accept_bits; }

private:
    std::uint64_t state_ = detail::utf8_accept_bits;
};

inline std::size_t utf8_validator::scan(const std::uint8_t* p, std::size_t n) noexcept {
    const std::uint64_t* rows = detail::utf8_table::rows.data();
    std::uint64_t st = state_;
    if (st == detail::utf8_reject_bits) return 0;
    std::size_t i = 0;
    while (i < n) {
        if (st == detail::utf8_accept_bits) {
            i = detail::utf8_skip_ascii(p, i, n);
            if (i == n) break;
        }
        // Run a block through the DFA, then look for ASCII again. The reject
        // state is absorbing, so checking once per block is enough to fail
        // fast; the exact byte is found again only on the error path.
        const std::size_t start = i;
        const std::size_t block_end = n - i > 32 ? i + 32 : n;
        std::uint64_t s = st;
        for (; i + 4 <= block_end; i += 4) {
            s = rows[p[i]] >> (s & 63);
            s = rows[p[i + 1]] >> (s & 63);
            s = rows[p[i + 2]] >> (s & 63);
            s = rows[p[i + 3]] >> (s & 63);
        }
        for (; i < block_end; ++i) s = rows[p[i]] >> (s & 63);
        s &= 63;
        if (s == detail::utf8_reject_bits) {
            s = st;
            for (i = start;; ++i) {
                s = (rows[p[i]] >> (s & 63)) & 63;
                if (s == detail::utf8_reject_bits) break;
            }
            state_ = s;
            return i;
        }
        st = s;
    }
    state_ = st;
    return n;
}

/// True if [p, p + n) is complete, valid UTF-8.
inline bool is_valid_utf8(const void* p, std::size_t n) noexcept {
    utf8_validator v;
    return v.feed(static_cast<const std::uint8_t*>(p), n) && v.complete();
}

} // namespace protocol
} // namespace wsx

#endif
