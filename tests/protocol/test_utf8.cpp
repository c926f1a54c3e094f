// Copyright (c) 2026 wsx developers. Distributed under the Boost Software License, Version 1.0.
// UTF-8 validation: Markus Kuhn-style boundary and malformed cases, every split
// across two feeds, the exact fail-fast position, and an independent
// code-point-decoding reference on exhaustive and random inputs.

#include <wsx/protocol/utf8.hpp>

#include "wsx_catch.hpp"

#include <algorithm>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

namespace {

using bytes = std::vector<std::uint8_t>;
using wsx::protocol::is_valid_utf8;
using wsx::protocol::utf8_validator;

constexpr std::size_t valid = static_cast<std::size_t>(-1);     // complete and valid
constexpr std::size_t truncated = static_cast<std::size_t>(-2); // never fails, but ends inside a code point

struct utf8_case {
    const char* name;
    bytes in;
    std::size_t expect; // valid, truncated, or the index of the byte that makes it invalid
};

std::vector<utf8_case> cases() {
    return {
        {"empty", {}, valid},
        {"ascii", {'H', 'e', 'l', 'l', 'o'}, valid},
        {"nul and del", {0x00, 0x7F}, valid},
        {"kosme", {0xCE, 0xBA, 0xE1, 0xBD, 0xB9, 0xCF, 0x83, 0xCE, 0xBC, 0xCE, 0xB5}, valid},
        // first and last code point of each length
        {"U+0080", {0xC2, 0x80}, valid},
        {"U+07FF", {0xDF, 0xBF}, valid},
        {"U+0800", {0xE0, 0xA0, 0x80}, valid},
        {"U+FFFF", {0xEF, 0xBF, 0xBF}, valid},
        {"U+10000", {0xF0, 0x90, 0x80, 0x80}, valid},
        {"U+10FFFF", {0xF4, 0x8F, 0xBF, 0xBF}, valid},
        // other boundaries
        {"U+D7FF", {0xED, 0x9F, 0xBF}, valid},
        {"U+E000", {0xEE, 0x80, 0x80}, valid},
        {"U+FFFD", {0xEF, 0xBF, 0xBD}, valid},
        {"BOM", {0xEF, 0xBB, 0xBF}, valid},
        {"noncharacter U+FFFE", {0xEF, 0xBF, 0xBE}, valid},
        {"U+40000", {0xF1, 0x80, 0x80, 0x80}, valid},
        {"U+FFFFF", {0xF3, 0xBF, 0xBF, 0xBF}, valid},
        // beyond U+10FFFF and impossible bytes
        {"U+110000", {0xF4, 0x90, 0x80, 0x80}, 1},
        {"F4 BF", {0xF4, 0xBF, 0xBF, 0xBF}, 1},
        {"F5", {0xF5, 0x80, 0x80, 0x80}, 0},
        {"F7 (old 4-byte max)", {0xF7, 0xBF, 0xBF, 0xBF}, 0},
        {"F8 (old 5-byte)", {0xF8, 0x88, 0x80, 0x80, 0x80}, 0},
        {"FC (old 6-byte)", {0xFC, 0x84, 0x80, 0x80, 0x80, 0x80}, 0},
        {"FE", {0xFE}, 0},
        {"FF", {0xFF}, 0},
        {"FE FE FF FF", {0xFE, 0xFE, 0xFF, 0xFF}, 0},
        // unexpected continuation bytes
        {"lone 80", {0x80}, 0},
        {"lone BF", {0xBF}, 0},
        {"ascii then 80", {'a', 'b', 'c', 0x80}, 3},
        {"two continuations", {0x80, 0xBF}, 0},
        {"code point then extra continuation", {0xC2, 0x80, 0x80}, 2},
        // lead bytes followed by a space
        {"C2 space", {0xC2, 0x20}, 1},
        {"E1 space", {0xE1, 0x20}, 1},
        {"E1 80 space", {0xE1, 0x80, 0x20}, 2},
        {"F1 80 80 space", {0xF1, 0x80, 0x80, 0x20}, 3},
        {"lead then lead", {0xC2, 0xC2, 0x80}, 1},
        // overlong forms (C0/C1 are never valid)
        {"overlong / in 2", {0xC0, 0xAF}, 0},
        {"overlong / in 3", {0xE0, 0x80, 0xAF}, 1},
        {"overlong / in 4", {0xF0, 0x80, 0x80, 0xAF}, 1},
        {"overlong / in 5", {0xF8, 0x80, 0x80, 0x80, 0xAF}, 0},
        {"max overlong 2", {0xC1, 0xBF}, 0},
        {"max overlong 3", {0xE0, 0x9F, 0xBF}, 1},
        {"max overlong 4", {0xF0, 0x8F, 0xBF, 0xBF}, 1},
        {"overlong NUL 2", {0xC0, 0x80}, 0},
        {"overlong NUL 3", {0xE0, 0x80, 0x80}, 1},
        // surrogates
        {"U+D800", {0xED, 0xA0, 0x80}, 1},
        {"U+DB7F", {0xED, 0xAD, 0xBF}, 1},
        {"U+DB80", {0xED, 0xAE, 0x80}, 1},
        {"U+DBFF", {0xED, 0xAF, 0xBF}, 1},
        {"U+DC00", {0xED, 0xB0, 0x80}, 1},
        {"U+DF80", {0xED, 0xBE, 0x80}, 1},
        {"U+DFFF", {0xED, 0xBF, 0xBF}, 1},
        {"surrogate pair", {0xED, 0xA0, 0x80, 0xED, 0xB0, 0x80}, 1},
        {"valid then surrogate", {'x', 0xC3, 0xA9, 0xED, 0xA0, 0x80}, 4},
        // truncated sequences
        {"C2 alone", {0xC2}, truncated},
        {"E0 A0", {0xE0, 0xA0}, truncated},
        {"E1 80", {0xE1, 0x80}, truncated},
        {"ED alone", {0xED}, truncated},
        {"F0 90 80", {0xF0, 0x90, 0x80}, truncated},
        {"F4 8F BF", {0xF4, 0x8F, 0xBF}, truncated},
        {"Hello F0", {'H', 'e', 'l', 'l', 'o', 0xF0}, truncated},
        {"truncated then ascii", {0xE1, 0x80, 'a'}, 2},
    };
}

// The index of the byte at which feeding one byte at a time first fails, or
// `valid` / `truncated`.
std::size_t one_at_a_time(const bytes& in) {
    utf8_validator v;
    for (std::size_t i = 0; i < in.size(); ++i)
        if (!v.feed(&in[i], 1)) return i;
    return v.complete() ? valid : truncated;
}

// Independent reference: decode code points and check their ranges.
bool reference_valid(const std::uint8_t* p, std::size_t n) {
    std::size_t i = 0;
    while (i < n) {
        const std::uint8_t b = p[i];
        std::uint32_t cp;
        std::size_t len;
        if (b < 0x80) {
            cp = b;
            len = 1;
        } else if ((b & 0xE0) == 0xC0) {
            cp = b & 0x1Fu;
            len = 2;
        } else if ((b & 0xF0) == 0xE0) {
            cp = b & 0x0Fu;
            len = 3;
        } else if ((b & 0xF8) == 0xF0) {
            cp = b & 0x07u;
            len = 4;
        } else {
            return false;
        }
        if (n - i < len) return false;
        for (std::size_t k = 1; k < len; ++k) {
            if ((p[i + k] & 0xC0) != 0x80) return false;
            cp = (cp << 6) | (p[i + k] & 0x3Fu);
        }
        static const std::uint32_t min_for_len[5] = {0, 0, 0x80, 0x800, 0x10000};
        if (cp < min_for_len[len]) return false;         // overlong
        if (cp >= 0xD800 && cp <= 0xDFFF) return false;  // surrogate
        if (cp > 0x10FFFF) return false;
        i += len;
    }
    return true;
}

} // namespace

TEST_CASE("utf8 table: whole, one byte at a time, and every split in two") {
    for (const auto& c : cases()) {
        INFO(c.name);
        const bytes& in = c.in;
        CHECK(is_valid_utf8(in.data(), in.size()) == (c.expect == valid));
        CHECK(reference_valid(in.data(), in.size()) == (c.expect == valid));
        CHECK(one_at_a_time(in) == c.expect);

        utf8_validator whole;
        const std::size_t pos = whole.scan(in.data(), in.size());
        if (c.expect == valid || c.expect == truncated) {
            CHECK(pos == in.size());
            CHECK(whole.complete() == (c.expect == valid));
            CHECK_FALSE(whole.failed());
        } else {
            CHECK(pos == c.expect);
            CHECK(whole.failed());
            CHECK_FALSE(whole.complete());
        }

        for (std::size_t split = 0; split <= in.size(); ++split) {
            INFO("split at " << split);
            utf8_validator v;
            const bool first = v.feed(in.data(), split);
            const bool second = first && v.feed(in.data() + split, in.size() - split);
            if (c.expect == valid || c.expect == truncated) {
                CHECK(first);
                CHECK(second);
                CHECK(v.complete() == (c.expect == valid));
            } else {
                // fail fast: the feed holding the bad byte is the one that fails
                CHECK(first == (split <= c.expect));
                CHECK_FALSE(second);
                CHECK_FALSE(v.complete());
            }
        }
    }
}

TEST_CASE("utf8 failure is sticky until reset") {
    utf8_validator v;
    const std::uint8_t bad[] = {0xC0};
    const std::uint8_t good[] = {'o', 'k'};
    CHECK_FALSE(v.feed(bad, 1));
    CHECK_FALSE(v.feed(good, 2));
    CHECK(v.scan(good, 2) == 0);
    CHECK_FALSE(v.complete());
    v.reset();
    CHECK(v.feed(good, 2));
    CHECK(v.complete());
}

TEST_CASE("utf8 fail-fast position inside long inputs (fast paths)") {
    // ASCII runs of every length around the 8/16/32/64-byte steps, then a
    // bad byte: scan must point at it exactly.
    for (std::size_t run = 0; run < 200; ++run) {
        bytes in(run, 'a');
        in.push_back(0xFF);
        in.insert(in.end(), 70, 'b');
        utf8_validator v;
        CHECK(v.scan(in.data(), in.size()) == run);
        CHECK_FALSE(is_valid_utf8(in.data(), in.size()));
    }
    // Multi-byte text followed by a surrogate at every offset.
    for (std::size_t chars = 0; chars < 60; ++chars) {
        bytes in;
        for (std::size_t i = 0; i < chars; ++i) {
            if (i % 3 == 0) in.insert(in.end(), {0xE4, 0xB8, 0xAD}); // U+4E2D
            else if (i % 3 == 1) in.insert(in.end(), {0xF0, 0x9F, 0x98, 0x80}); // U+1F600
            else in.push_back('z');
        }
        REQUIRE(is_valid_utf8(in.data(), in.size()));
        const std::size_t bad_at = in.size() + 1;
        in.insert(in.end(), {0xED, 0xA0, 0x80});
        in.insert(in.end(), 40, 'q');
        utf8_validator v;
        CHECK(v.scan(in.data(), in.size()) == bad_at);
    }
}

TEST_CASE("utf8 matches the decoding reference on all 1- and 2-byte inputs") {
    for (unsigned a = 0; a < 256; ++a) {
        const std::uint8_t one[] = {static_cast<std::uint8_t>(a)};
        REQUIRE(is_valid_utf8(one, 1) == reference_valid(one, 1));
        for (unsigned b = 0; b < 256; ++b) {
            const std::uint8_t two[] = {static_cast<std::uint8_t>(a), static_cast<std::uint8_t>(b)};
            REQUIRE(is_valid_utf8(two, 2) == reference_valid(two, 2));
        }
    }
}

TEST_CASE("utf8 matches the decoding reference on 3- and 4-byte inputs at the range edges") {
    const std::uint8_t edges[] = {0x00, 0x41, 0x7F, 0x80, 0x81, 0x8F, 0x90, 0x9F, 0xA0, 0xBE, 0xBF, 0xC0, 0xC2, 0xE0, 0xF4, 0xFF};
    for (unsigned a = 0xC0; a < 256; ++a)
        for (auto b : edges)
            for (auto c : edges) {
                const std::uint8_t three[] = {static_cast<std::uint8_t>(a), b, c};
                REQUIRE(is_valid_utf8(three, 3) == reference_valid(three, 3));
                for (auto d : edges) {
                    const std::uint8_t four[] = {static_cast<std::uint8_t>(a), b, c, d};
                    REQUIRE(is_valid_utf8(four, 4) == reference_valid(four, 4));
                }
            }
}

TEST_CASE("utf8 random inputs: reference, and random splits give the same answer") {
    std::mt19937 rng(12345);
    // Mostly plausible bytes so that valid inputs are common.
    const std::uint8_t alphabet[] = {'a', ' ', 0x00, 0x7F, 0x80, 0x8F, 0x90, 0x9F, 0xA0, 0xBF, 0xC2,
                                     0xDF, 0xE0, 0xE1, 0xED, 0xEF, 0xF0, 0xF1, 0xF4, 0xF5, 0xC0};
    std::size_t valid_seen = 0;
    for (int iter = 0; iter < 20000; ++iter) {
        bytes in(rng() % 40);
        for (auto& b : in) b = alphabet[rng() % sizeof(alphabet)];
        // Often build from well-formed code points instead.
        if (iter % 2 == 0) {
            in.clear();
            const std::uint8_t* cps[] = {reinterpret_cast<const std::uint8_t*>("a"),
                                         reinterpret_cast<const std::uint8_t*>("\xC3\xA9"),
                                         reinterpret_cast<const std::uint8_t*>("\xE2\x82\xAC"),
                                         reinterpret_cast<const std::uint8_t*>("\xF0\x9F\x98\x80")};
            const std::size_t lens[] = {1, 2, 3, 4};
            for (unsigned k = rng() % 30; k > 0; --k) {
                const unsigned which = rng() % 4;
                in.insert(in.end(), cps[which], cps[which] + lens[which]);
            }
            if (rng() % 4 == 0 && !in.empty()) in[rng() % in.size()] = alphabet[rng() % sizeof(alphabet)];
        }
        const bool want = reference_valid(in.data(), in.size());
        valid_seen += want;
        REQUIRE(is_valid_utf8(in.data(), in.size()) == want);

        utf8_validator v;
        bool ok = true;
        std::size_t pos = 0;
        while (pos < in.size() && ok) {
            const std::size_t k = std::min<std::size_t>(1 + rng() % 7, in.size() - pos);
            ok = v.feed(in.data() + pos, k);
            pos += k;
        }
        REQUIRE((ok && v.complete()) == want);
    }
    CHECK(valid_seen > 5000); // the generator really produced valid inputs
}
