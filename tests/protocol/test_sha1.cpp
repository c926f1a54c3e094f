// Copyright (c) 2026 wsx developers. Distributed under the Boost Software License, Version 1.0.
// SHA-1 against the FIPS 180 examples, the padding boundaries, and every
// split of the input across update() calls.

#include <wsx/protocol/sha1.hpp>

#include "wsx_catch.hpp"

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <string>

namespace {

std::string hex(const std::array<std::uint8_t, 20>& d) {
    static const char digits[] = "0123456789abcdef";
    std::string s;
    for (auto b : d) {
        s += digits[b >> 4];
        s += digits[b & 15];
    }
    return s;
}

std::string sha1_hex(const std::string& s) { return hex(wsx::protocol::sha1_digest(s.data(), s.size())); }

const std::string msg448 = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
const std::string msg896 =
    "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu";

} // namespace

TEST_CASE("sha1: FIPS 180 examples", "[sha1]") {
    CHECK(sha1_hex("") == "da39a3ee5e6b4b0d3255bfef95601890afd80709");
    CHECK(sha1_hex("abc") == "a9993e364706816aba3e25717850c26c9cd0d89d");
    CHECK(sha1_hex(msg448) == "84983e441c3bd26ebaae4aa1f95129e5e54670f1");
    CHECK(sha1_hex(msg896) == "a49b2446a02c645bf419f995b67091253a04a259");
}

TEST_CASE("sha1: one million 'a'", "[sha1]") {
    const std::string a(1000000, 'a');
    CHECK(sha1_hex(a) == "34aa973cd4c4daa4f61eeb2bdbad27316534016f");

    // The same fed in odd-sized pieces, so blocks straddle update() calls.
    wsx::protocol::sha1 h;
    std::size_t fed = 0;
    for (std::size_t piece = 1; fed < a.size(); piece = piece % 97 + 13) {
        const std::size_t n = std::min(piece, a.size() - fed);
        h.update(a.data() + fed, n);
        fed += n;
    }
    CHECK(hex(h.finish()) == "34aa973cd4c4daa4f61eeb2bdbad27316534016f");
}

TEST_CASE("sha1: lengths around the padding boundaries", "[sha1]") {
    // Reference digests from Python's hashlib for bytes (i*7+3) & 255.
    struct vec {
        std::size_t n;
        const char* digest;
    };
    const vec vecs[] = {
        {55, "ddf57317ef34bfee3b6df83d359098930eb278bc"},  {56, "a0d492bb0fc889d0eca3bc137066ab6f4f74f369"},
        {57, "11a02dcf95859677a62e75024067c22b165d890f"},  {63, "c55856749bef509bdfe6bfebfc7bf4e793e82132"},
        {64, "bede92be29c3874e1b54ddc77988d606fc857a8e"},  {65, "b05a80522b053d6dc7e0a517d0e70212c7dad11f"},
        {119, "504e27376a6e0f0dba8295b85cb25dc4dfa17d23"}, {120, "82134b02fb3f702491be9bed581eeab59334acb2"},
        {127, "34d5e582029e9b9b85b2febe31da3db7cdabaaea"}, {128, "a09133e6730ffe899efb70204cb5646cd5dc24ee"},
        {129, "808aea332ce367541d37adae7f94e59c5c1a934e"},
    };
    for (const vec& v : vecs) {
        std::string s;
        for (std::size_t i = 0; i < v.n; ++i) s += static_cast<char>((i * 7 + 3) & 255);
        INFO("length " << v.n);
        CHECK(sha1_hex(s) == v.digest);
    }
}

TEST_CASE("sha1: every split into two and three update() calls", "[sha1]") {
    for (const std::string* m : {&msg448, &msg896}) {
        const std::string expected = sha1_hex(*m);
        for (std::size_t i = 0; i <= m->size(); ++i) {
            for (std::size_t j = i; j <= m->size(); ++j) {
                wsx::protocol::sha1 h;
                h.update(m->data(), i);
                h.update(m->data() + i, j - i);
                h.update(m->data() + j, m->size() - j);
                INFO("split at " << i << " and " << j);
                REQUIRE(hex(h.finish()) == expected);
            }
        }
    }
}

TEST_CASE("sha1: one byte at a time", "[sha1]") {
    wsx::protocol::sha1 h;
    for (char c : msg896) h.update(&c, 1);
    CHECK(hex(h.finish()) == "a49b2446a02c645bf419f995b67091253a04a259");
}

TEST_CASE("sha1: finish() leaves the object ready for the next message", "[sha1]") {
    wsx::protocol::sha1 h;
    h.update("abc", 3);
    CHECK(hex(h.finish()) == "a9993e364706816aba3e25717850c26c9cd0d89d");
    h.update("abc", 3);
    CHECK(hex(h.finish()) == "a9993e364706816aba3e25717850c26c9cd0d89d");
    CHECK(hex(h.finish()) == "da39a3ee5e6b4b0d3255bfef95601890afd80709");

    h.update("junk", 4);
    h.reset();
    h.update(nullptr, 0);
    CHECK(hex(h.finish()) == "da39a3ee5e6b4b0d3255bfef95601890afd80709");
}
