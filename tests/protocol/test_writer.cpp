// Copyright (c) 2026 wsx developers. Distributed under the Boost Software License, Version 1.0.
// Sending side: writer -> reader round trips for both roles, control frames,
// and the masking keys.

#include <wsx/protocol/reader.hpp>
#include <wsx/protocol/writer.hpp>

#include "wsx_catch.hpp"

#include <array>
#include <cstdint>
#include <set>
#include <string>
#include <vector>

namespace {

using namespace wsx::protocol;
using bytes = std::vector<std::uint8_t>;

struct collected {
    struct message {
        opcode op;
        std::string payload;
        bool compressed;
    };
    std::vector<message> messages;
    std::vector<std::string> pings, pongs;
    std::uint16_t close_code = 0;
    std::string close_reason;
    void on_message(opcode op, const std::uint8_t* d, std::size_t n, bool c) {
        messages.push_back({op, std::string(reinterpret_cast<const char*>(d), n), c});
    }
    void on_ping(const std::uint8_t* d, std::size_t n) { pings.emplace_back(reinterpret_cast<const char*>(d), n); }
    void on_pong(const std::uint8_t* d, std::size_t n) { pongs.emplace_back(reinterpret_cast<const char*>(d), n); }
    void on_close(std::uint16_t code, std::string_view reason) {
        close_code = code;
        close_reason = std::string(reason);
    }
};

// What the peer of `sender` reads.
reader_options peer_of(role sender) {
    reader_options o;
    o.local_role = sender == role::client ? role::server : role::client;
    o.allow_rsv1 = true;
    return o;
}

} // namespace

TEST_CASE("append_frame -> reader round trip, both roles, every length form") {
    mask_key_source keys;
    for (role sender : {role::server, role::client}) {
        for (std::size_t n : {0, 1, 125, 126, 65535, 65536, 200000}) {
            INFO("role " << (sender == role::client ? "client" : "server") << " size " << n);
            std::string payload(n, '\0');
            for (std::size_t i = 0; i < n; ++i) payload[i] = static_cast<char>('a' + i % 26);
            std::array<std::uint8_t, 4> key = keys.next();
            const auto* k = sender == role::client ? &key : nullptr;

            bytes wire;
            append_frame(wire, opcode::text, payload.data(), payload.size(), true, false, k);
            append_frame(wire, opcode::binary, payload.data(), payload.size(), true, true, k);
            // fragmented
            append_frame(wire, opcode::text, payload.data(), n / 2, false, false, k);
            append_frame(wire, opcode::continuation, payload.data() + n / 2, n - n / 2, true, false, k);
            CHECK(((wire[1] & 0x80) != 0) == (sender == role::client));

            reader r(peer_of(sender));
            collected c;
            REQUIRE_FALSE(r.feed(wire.data(), wire.size(), c));
            REQUIRE(c.messages.size() == 3);
            CHECK(c.messages[0].op == opcode::text);
            CHECK(c.messages[0].payload == payload);
            CHECK(c.messages[1].op == opcode::binary);
            CHECK(c.messages[1].compressed);
            CHECK(c.messages[1].payload == payload);
            CHECK(c.messages[2].payload == payload);
        }
    }
}

TEST_CASE("a masked frame's payload is really masked") {
    const std::array<std::uint8_t, 4> key{0x37, 0xfa, 0x21, 0x3d};
    std::string wire;
    append_frame(wire, opcode::text, "Hello", 5, true, false, &key);
    CHECK(wire == std::string("\x81\x85\x37\xfa\x21\x3d\x7f\x9f\x4d\x51\x58", 11));
    std::string plain;
    append_frame(plain, opcode::text, "Hello", 5);
    CHECK(plain == std::string("\x81\x05Hello", 7));
}

TEST_CASE("write_frame_header for gather writes") {
    std::uint8_t h[max_header_size];
    CHECK(write_frame_header(h, opcode::binary, 256, true, false, nullptr) == 4);
    CHECK(bytes(h, h + 4) == bytes{0x82, 0x7E, 0x01, 0x00});
    CHECK(write_frame_header(h, opcode::binary, 65536, true, false, nullptr) == 10);
    CHECK(bytes(h, h + 10) == bytes{0x82, 0x7F, 0, 0, 0, 0, 0, 1, 0, 0});
    const std::array<std::uint8_t, 4> key{9, 8, 7, 6};
    CHECK(write_frame_header(h, opcode::text, 3, false, true, &key) == 6);
    CHECK(bytes(h, h + 6) == bytes{0x41, 0x83, 9, 8, 7, 6});

    // One shared payload, two headers: what a broadcasting server does.
    const std::string shared = "to everyone";
    bytes wire;
    for (int i = 0; i < 2; ++i) {
        const std::size_t n = write_frame_header(h, opcode::text, shared.size(), true, false, nullptr);
        wire.insert(wire.end(), h, h + n);
        wire.insert(wire.end(), shared.begin(), shared.end());
    }
    reader r(peer_of(role::server));
    collected c;
    REQUIRE_FALSE(r.feed(wire.data(), wire.size(), c));
    REQUIRE(c.messages.size() == 2);
    CHECK(c.messages[1].payload == shared);
}

TEST_CASE("control frames round trip, both roles") {
    mask_key_source keys;
    for (role sender : {role::server, role::client}) {
        std::array<std::uint8_t, 4> key = keys.next();
        const auto* k = sender == role::client ? &key : nullptr;
        bytes wire;
        append_ping_frame(wire, "are you there", 13, k);
        append_pong_frame(wire, "", 0, k);
        const std::string max_ping(125, 'p');
        append_ping_frame(wire, max_ping.data(), max_ping.size(), k);
        std::uint8_t buf[max_control_frame_size];
        const std::size_t n = build_control_frame(buf, opcode::pong, "yes", 3, k);
        wire.insert(wire.end(), buf, buf + n);
        append_close_frame(wire, 4000, "done", k);

        reader r(peer_of(sender));
        collected c;
        REQUIRE_FALSE(r.feed(wire.data(), wire.size(), c));
        CHECK(c.pings == std::vector<std::string>{"are you there", max_ping});
        CHECK(c.pongs == std::vector<std::string>{"", "yes"});
        CHECK(c.close_code == 4000);
        CHECK(c.close_reason == "done");
        CHECK(r.closed());
    }
}

TEST_CASE("close frames") {
    std::uint8_t buf[max_control_frame_size];
    CHECK(build_close_frame(buf, close_code::no_status, "", nullptr) == 2); // empty close
    CHECK(buf[0] == 0x88);
    CHECK(buf[1] == 0x00);
    const std::string reason(123, 'r');
    const std::array<std::uint8_t, 4> key{1, 2, 3, 4};
    CHECK(build_close_frame(buf, 1000, reason, &key) == max_control_frame_size);
    CHECK_THROWS_AS(build_close_frame(buf, 1000, std::string(124, 'r'), nullptr), std::system_error);
    CHECK_THROWS_AS(build_close_frame(buf, 1006, "", nullptr), std::system_error);
}

TEST_CASE("control payload limits are programmer errors") {
    bytes wire;
    const std::string big(126, 'x');
    CHECK_THROWS_AS(append_ping_frame(wire, big.data(), big.size()), std::system_error);
    CHECK_THROWS_AS(append_pong_frame(wire, big.data(), big.size()), std::system_error);
    std::uint8_t buf[max_control_frame_size];
    CHECK_THROWS_AS(build_control_frame(buf, opcode::ping, big.data(), big.size(), nullptr), std::system_error);
    CHECK_THROWS_AS(build_control_frame(buf, opcode::text, "x", 1, nullptr), std::system_error);
    CHECK(wire.empty());
}

TEST_CASE("masking keys differ") {
    mask_key_source keys;
    std::set<std::array<std::uint8_t, 4>> seen;
    // Several refills' worth. A repeat among 2000 random 32-bit keys has
    // probability ~5e-4; allow a couple, which still catches a broken source.
    for (int i = 0; i < 2000; ++i) seen.insert(keys.next());
    CHECK(seen.size() >= 1998);
    std::set<std::array<std::uint8_t, 4>> other;
    mask_key_source keys2;
    for (int i = 0; i < 100; ++i) other.insert(keys2.next());
    std::size_t common = 0;
    for (const auto& k : other) common += seen.count(k);
    CHECK(common <= 2); // two sources do not produce the same stream
    // discard() forgets the pool.
    mask_key_source keys3;
    const auto a = keys3.next();
    keys3.discard();
    const auto b = keys3.next();
    CHECK(a != b);
    CHECK(next_mask_key() != next_mask_key());
}
