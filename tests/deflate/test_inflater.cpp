// Copyright (c) 2026 wsx developers. Distributed under the Boost Software License, Version 1.0.
// The inflater against hostile and awkward input: every split of the
// compressed bytes, the size limit as it inflates (decompression bombs with
// bounded memory), corrupt and truncated data, UTF-8 checked while
// inflating, sticky errors, buffer reuse.

#include <wsx/protocol/deflate.hpp>

#include "deflate_test_data.hpp"
#include "wsx_catch.hpp"

#include <cstdint>
#include <string>
#include <system_error>
#include <vector>

using wsx::error;
using namespace wsx::protocol;
using wsx_test::bytes_of;
using wsx_test::text_message;

namespace {

using bytes = std::vector<std::uint8_t>;

bytes compress(deflater& d, const bytes& in) {
    bytes out;
    d.compress(in.data(), in.size(), out);
    return out;
}

// Inflates one message given as pieces cut at the offsets in cuts.
std::error_code inflate_split(inflater& in, const bytes& payload, const std::vector<std::size_t>& cuts, bytes& out,
                              std::uint64_t max_size, bool text) {
    out.clear();
    in.begin(max_size, text);
    std::size_t from = 0;
    for (std::size_t cut : cuts) {
        if (auto ec = in.update(payload.data() + from, cut - from, out)) return ec;
        from = cut;
    }
    if (auto ec = in.update(payload.data() + from, payload.size() - from, out)) return ec;
    return in.finish(out);
}

} // namespace

TEST_CASE("every split into two and three pieces inflates the same") {
    // A sequence of messages with context takeover, so that later ones
    // refer back into earlier ones, plus one with a BFINAL block.
    deflater d;
    std::vector<bytes> plain = {bytes_of("Hello"), bytes_of(text_message(300, 1)), bytes_of(text_message(2000, 2)),
                                bytes_of(text_message(300, 1)), bytes{}};
    std::vector<bytes> wire;
    for (const auto& p : plain) wire.push_back(compress(d, p));
    plain.push_back(bytes_of("Hello"));
    wire.push_back({0xf3, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00, 0x00});

    // Two pieces: every cut of every message (the inflater carries its
    // window from message to message, so each split run replays them all).
    for (std::size_t m = 0; m < wire.size(); ++m) {
        for (std::size_t cut = 0; cut <= wire[m].size(); ++cut) {
            inflater in;
            bytes out;
            for (std::size_t k = 0; k < m; ++k) REQUIRE_FALSE(in.inflate(wire[k].data(), wire[k].size(), out, 1 << 20, true));
            INFO("message " << m << " cut at " << cut);
            REQUIRE_FALSE(inflate_split(in, wire[m], {cut}, out, 1 << 20, true));
            REQUIRE(out == plain[m]);
        }
    }
    // Three pieces: every pair of cuts of the short messages.
    for (std::size_t m : {std::size_t{0}, std::size_t{5}}) {
        for (std::size_t a = 0; a <= wire[m].size(); ++a)
            for (std::size_t b = a; b <= wire[m].size(); ++b) {
                inflater in;
                bytes out;
                for (std::size_t k = 0; k < m; ++k) REQUIRE_FALSE(in.inflate(wire[k].data(), wire[k].size(), out, 1 << 20, true));
                INFO("message " << m << " cuts at " << a << ", " << b);
                REQUIRE_FALSE(inflate_split(in, wire[m], {a, b}, out, 1 << 20, true));
                REQUIRE(out == plain[m]);
            }
    }
    // One byte at a time, all messages in a row.
    inflater in;
    for (std::size_t m = 0; m < wire.size(); ++m) {
        std::vector<std::size_t> cuts;
        for (std::size_t i = 1; i < wire[m].size(); ++i) cuts.push_back(i);
        bytes out;
        REQUIRE_FALSE(inflate_split(in, wire[m], cuts, out, 1 << 20, true));
        REQUIRE(out == plain[m]);
    }
}

TEST_CASE("a decompression bomb stops at the limit with bounded memory") {
    // 16 MiB of zeros deflate to ~16 KiB.
    const bytes zeros(16u << 20, 0);
    deflater d;
    const bytes bomb = compress(d, zeros);
    REQUIRE(bomb.size() < 20 * 1024);

    const std::uint64_t limit = 1u << 20;
    SECTION("whole message") {
        inflater in;
        bytes out;
        CHECK(in.inflate(bomb.data(), bomb.size(), out, limit) == make_error_code(error::message_too_big));
        // The buffer never held more than the limit and the byte past it.
        CHECK(out.capacity() <= limit + 1);
        CHECK(in.message_size() == limit + 1);
        // zlib's own memory: the 32 KiB window and its state, nothing more.
        CHECK(in.memory_usage() < 48 * 1024);
        // The error sticks until reset.
        CHECK(in.inflate(bomb.data(), bomb.size(), out, limit) == make_error_code(error::message_too_big));
        in.reset();
        CHECK(in.inflate(bomb.data(), bomb.size(), out, zeros.size()) == std::error_code());
        CHECK(out == zeros);
    }
    SECTION("in pieces") {
        inflater in;
        bytes out;
        in.begin(limit);
        std::error_code ec;
        std::size_t fed = 0;
        for (; fed < bomb.size() && !ec; fed += 100)
            ec = in.update(bomb.data() + fed, std::min<std::size_t>(100, bomb.size() - fed), out);
        CHECK(ec == make_error_code(error::message_too_big));
        // It failed early: long before the input was all read.
        CHECK(fed < bomb.size() / 4);
        CHECK(out.capacity() <= limit + 1);
        CHECK(in.finish(out) == make_error_code(error::message_too_big));
    }
    SECTION("a buffer with capacity already") {
        inflater in;
        bytes out;
        out.reserve(4 * limit);
        const auto* before = out.data();
        CHECK(in.inflate(bomb.data(), bomb.size(), out, limit) == make_error_code(error::message_too_big));
        CHECK(out.data() == before); // used, not grown
        CHECK(out.size() == limit + 1);
    }
}

TEST_CASE("the limit is exact") {
    const bytes msg = bytes_of(text_message(5000, 3));
    deflater d(15, true);
    const bytes wire = compress(d, msg);
    inflater in(15, true);
    bytes out;
    CHECK_FALSE(in.inflate(wire.data(), wire.size(), out, msg.size()));
    CHECK(out == msg);
    CHECK(in.inflate(wire.data(), wire.size(), out, msg.size() - 1) == make_error_code(error::message_too_big));
    in.reset();
    CHECK(in.inflate(wire.data(), wire.size(), out, 0) == make_error_code(error::message_too_big));
    in.reset();
    CHECK_FALSE(in.inflate(nullptr, 0, out, 0));
    CHECK(out.empty());
}

TEST_CASE("corrupt and truncated input is bad_compressed_data") {
    const auto bad = make_error_code(error::bad_compressed_data);
    inflater in;
    bytes out;
    const bytes cases[] = {
        {0x06, 0x00},                                           // BTYPE 11 (reserved)
        {0x00, 0x05, 0x00, 0xfa, 0xfe, 0x48, 0x65, 0x6c, 0x6c, 0x6f, 0x00}, // stored LEN/NLEN mismatch
        {0xf2, 0x48, 0xcd},                                     // cut inside a block
        {0xf2, 0x00, 0x11, 0x00, 0x00},                         // refers before the start of the window
        {0x04, 0x00},                                           // dynamic block with an incomplete code set
        {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff},
    };
    for (const auto& c : cases) {
        INFO("case of " << c.size() << " bytes starting " << int(c[0]));
        in.reset();
        CHECK(in.inflate(c.data(), c.size(), out, 1 << 20) == bad);
        CHECK(in.inflate(c.data(), c.size(), out, 1 << 20) == bad); // sticky
    }

    // A real message cut short at any point is refused (or, cut at the very
    // end of a block, merely shorter: never accepted as the full message).
    deflater d(15, true);
    const bytes msg = bytes_of(text_message(3000, 4));
    const bytes wire = compress(d, msg);
    for (std::size_t keep = 1; keep < wire.size(); ++keep) {
        inflater fresh(15, true);
        const std::error_code ec = fresh.inflate(wire.data(), keep, out, 1 << 20);
        INFO("kept " << keep << " of " << wire.size());
        CHECK((ec == bad || (!ec && out.size() < msg.size())));
    }

    // After reset() the same inflater works again.
    in.reset();
    const bytes hello = {0xf2, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00};
    CHECK_FALSE(in.inflate(hello.data(), hello.size(), out, 100));
    CHECK(out == bytes_of("Hello"));
}

TEST_CASE("text is checked as UTF-8 while it inflates") {
    const auto bad_utf8 = make_error_code(error::invalid_utf8);
    SECTION("invalid bytes fail fast, before the rest is inflated") {
        bytes msg = bytes_of(text_message(1 << 20, 5));
        msg[10] = 0xff;
        deflater d;
        const bytes wire = compress(d, msg);
        inflater in;
        bytes out;
        CHECK(in.inflate(wire.data(), wire.size(), out, 2 << 20, true) == bad_utf8);
        CHECK(in.message_size() <= 64 * 1024);
        // The same bytes as binary are fine.
        inflater bin;
        CHECK_FALSE(bin.inflate(wire.data(), wire.size(), out, 2 << 20, false));
        CHECK(out == msg);
    }
    SECTION("a code point cut at the end of the message") {
        const bytes msg = {'a', 'b', 0xE2, 0x82};
        deflater d;
        const bytes wire = compress(d, msg);
        inflater in;
        bytes out;
        CHECK(in.inflate(wire.data(), wire.size(), out, 100, true) == bad_utf8);
    }
    SECTION("code points cut between pieces and between inflate steps") {
        // Multi-byte text whose inflated steps end mid code point.
        const bytes msg = bytes_of(text_message(200000, 6));
        deflater d;
        const bytes wire = compress(d, msg);
        inflater in;
        bytes out;
        std::vector<std::size_t> cuts;
        for (std::size_t i = 7; i < wire.size(); i += 7) cuts.push_back(i);
        REQUIRE_FALSE(inflate_split(in, wire, cuts, out, 1 << 20, true));
        CHECK(out == msg);
    }
    SECTION("surrogates and overlong forms") {
        for (const bytes& msg : {bytes{0xED, 0xA0, 0x80}, bytes{0xC0, 0xAF}, bytes{0xF4, 0x90, 0x80, 0x80}}) {
            deflater d;
            const bytes wire = compress(d, msg);
            inflater in;
            bytes out;
            CHECK(in.inflate(wire.data(), wire.size(), out, 100, true) == bad_utf8);
        }
    }
}

TEST_CASE("the output buffer is reused: no allocation in the steady state") {
    deflater d;
    inflater in;
    bytes wire;
    bytes out;
    const bytes msg = bytes_of(text_message(4000, 8));
    d.compress(msg.data(), msg.size(), wire);
    REQUIRE_FALSE(in.inflate(wire.data(), wire.size(), out, 1 << 20, true));
    const auto* wire_at = wire.data();
    const auto* out_at = out.data();
    const auto wire_cap = wire.capacity();
    const auto out_cap = out.capacity();
    for (std::uint32_t i = 0; i < 50; ++i) {
        const bytes next = bytes_of(text_message(1000 + i * 50, 100 + i));
        d.compress(next.data(), next.size(), wire);
        REQUIRE_FALSE(in.inflate(wire.data(), wire.size(), out, 1 << 20, true));
        REQUIRE(out == next);
    }
    CHECK(wire.data() == wire_at);
    CHECK(wire.capacity() == wire_cap);
    CHECK(out.data() == out_at);
    CHECK(out.capacity() == out_cap);
}

TEST_CASE("update before begin is a programming error") {
    inflater in;
    bytes out;
    const std::uint8_t b = 0;
    CHECK_THROWS_AS(in.update(&b, 1, out), std::system_error);
    CHECK_THROWS_AS(in.finish(out), std::system_error);
    CHECK_THROWS_AS(inflater(7), std::system_error);
    CHECK_THROWS_AS(inflater(16), std::system_error);
}

TEST_CASE("several BFINAL streams in one message") {
    // Found by fuzzing: a second stream end in the same call once spun.
    for (bool no_context : {false, true}) {
        INFO("no context takeover " << no_context);
        inflater in(10, no_context);
        bytes out;
        const bytes three = {0xd3, 0x01, 0x00, 0x13, 0xd3, 0x01, 0x00, 0x56};
        CHECK(in.inflate(three.data(), three.size(), out, 4096) == make_error_code(error::bad_compressed_data));

        inflater ok(15, no_context);
        const bytes twice = {0xf3, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00, 0xf3, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00};
        for (int round = 0; round < 3; ++round) {
            REQUIRE_FALSE(ok.inflate(twice.data(), twice.size(), out, 100, true));
            CHECK(out == bytes_of("HelloHello"));
        }
    }
}

TEST_CASE("a moved inflater and deflater keep their stream") {
    deflater d;
    inflater in;
    bytes wire;
    bytes out;
    const bytes msg = bytes_of(text_message(1000, 12));
    d.compress(msg.data(), msg.size(), wire);
    REQUIRE_FALSE(in.inflate(wire.data(), wire.size(), out, 1 << 20, true));

    deflater d2 = std::move(d);
    inflater in2 = std::move(in);
    d2.compress(msg.data(), msg.size(), wire);
    CHECK(wire.size() < 64); // still refers to the first message
    REQUIRE_FALSE(in2.inflate(wire.data(), wire.size(), out, 1 << 20, true));
    CHECK(out == msg);

    deflater d3(9);
    d3 = std::move(d2);
    inflater in3(9);
    in3 = std::move(in2);
    d3.compress(msg.data(), msg.size(), wire);
    CHECK(wire.size() < 64);
    REQUIRE_FALSE(in3.inflate(wire.data(), wire.size(), out, 1 << 20, true));
    CHECK(out == msg);
}
