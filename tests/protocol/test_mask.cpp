// Copyright (c) 2026 wsx developers. Distributed under the Boost Software License, Version 1.0.
// mask_in_place against a byte-by-byte reference for every alignment, length and phase.

#include <wsx/protocol/mask.hpp>

#include "wsx_catch.hpp"

#include <array>
#include <cstdint>
#include <vector>

namespace {

using wsx::protocol::mask_in_place;
using wsx::protocol::mask_in_place_all_ascii;

void reference_mask(std::uint8_t* p, std::size_t n, std::array<std::uint8_t, 4> key, std::size_t phase) {
    for (std::size_t i = 0; i < n; ++i) p[i] ^= key[(phase + i) % 4];
}

std::uint8_t pattern(std::size_t i) { return static_cast<std::uint8_t>(i * 131 + 7); }

// Masks [off, off + n) of a guarded buffer and checks that every byte inside
// matches the reference and every byte outside is untouched.
void check(std::size_t off, std::size_t n, std::size_t phase, std::array<std::uint8_t, 4> key) {
    constexpr std::size_t guard = 32;
    std::vector<std::uint8_t> got(off + n + guard), want;
    for (std::size_t i = 0; i < got.size(); ++i) got[i] = pattern(i);
    want = got;
    mask_in_place(got.data() + off, n, key, phase);
    reference_mask(want.data() + off, n, key, phase);
    REQUIRE(got == want);
}

} // namespace

TEST_CASE("mask_in_place matches the reference for every alignment, length and phase") {
    const std::array<std::uint8_t, 4> key{0x37, 0xfa, 0x21, 0x3d};
    for (std::size_t off = 0; off < 16; ++off)
        for (std::size_t n = 0; n <= 300; ++n)
            for (std::size_t phase = 0; phase < 8; ++phase) check(off, n, phase, key);
}

TEST_CASE("mask_in_place on big buffers") {
    const std::array<std::uint8_t, 4> key{0x01, 0x80, 0xff, 0x5a};
    for (std::size_t n : {std::size_t{4096}, std::size_t{65535}, std::size_t{65536 + 13}, std::size_t{1} << 20})
        for (std::size_t off : {0, 1, 3, 7, 15})
            for (std::size_t phase : {0, 1, 2, 3}) check(off, n, phase, key);
}

TEST_CASE("mask_in_place is its own inverse and phase continues across pieces") {
    std::array<std::uint8_t, 4> key{0xde, 0xad, 0xbe, 0xef};
    std::vector<std::uint8_t> orig(1000);
    for (std::size_t i = 0; i < orig.size(); ++i) orig[i] = pattern(i);

    auto whole = orig;
    mask_in_place(whole.data(), whole.size(), key);
    REQUIRE(whole != orig);

    // Unmask in pieces of odd sizes, each with its offset as the phase.
    auto pieces = whole;
    std::size_t pos = 0, step = 1;
    while (pos < pieces.size()) {
        std::size_t k = std::min(step, pieces.size() - pos);
        mask_in_place(pieces.data() + pos, k, key, pos);
        pos += k;
        step = step * 3 % 97 + 1;
    }
    REQUIRE(pieces == orig);
}

TEST_CASE("mask_in_place with a zero key changes nothing") {
    std::vector<std::uint8_t> v(77);
    for (std::size_t i = 0; i < v.size(); ++i) v[i] = pattern(i);
    auto before = v;
    mask_in_place(v.data(), v.size(), {0, 0, 0, 0}, 3);
    REQUIRE(v == before);
    mask_in_place(nullptr, 0, {1, 2, 3, 4});
}

TEST_CASE("mask_in_place_all_ascii unmasks and tells whether the result is ASCII") {
    const std::array<std::uint8_t, 4> key{0x37, 0xfa, 0x21, 0x3d};
    for (std::size_t off = 0; off < 8; ++off)
        for (std::size_t n = 0; n <= 200; ++n)
            for (std::size_t phase = 0; phase < 4; ++phase) {
                std::vector<std::uint8_t> plain(off + n + 16);
                for (std::size_t i = 0; i < plain.size(); ++i) plain[i] = static_cast<std::uint8_t>((i * 37) & 0x7F);
                // One non-ASCII byte at a few positions (or none: j == n).
                for (std::size_t j : {n, std::size_t{0}, n / 2, n - 1}) {
                    if (j > n || (j == n - 1 && n == 0)) continue;
                    std::vector<std::uint8_t> want = plain;
                    if (j < n) want[off + j] |= 0x80;
                    std::vector<std::uint8_t> wire = want;
                    reference_mask(wire.data() + off, n, key, phase);
                    const bool ascii = mask_in_place_all_ascii(wire.data() + off, n, key, phase);
                    REQUIRE(wire == want);
                    REQUIRE(ascii == (j >= n));
                }
            }
}
