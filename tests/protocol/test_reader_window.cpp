// Copyright (c) 2026 wsx developers. Distributed under the Boost Software License, Version 1.0.
// The reader's payload window (open_payload_window / commit_payload): a large
// payload read straight into the message gives the same messages and errors
// as the same bytes fed, in reads that grow with what has arrived, and memory
// bounded by what arrived, not by what a frame announces.

#include <wsx/protocol/reader.hpp>
#include <wsx/protocol/writer.hpp>

#include "wsx_catch.hpp"

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

using namespace wsx::protocol;

namespace {

using bytes = std::vector<std::uint8_t>;

constexpr std::array<std::uint8_t, 4> key{{0x37, 0xfa, 0x21, 0x3d}};
constexpr std::size_t buffer = 32 * 1024; // the caller's own buffer: windows only above it

bytes masked(opcode op, const bytes& payload, bool fin = true) {
    bytes out;
    append_frame(out, op, payload.data(), payload.size(), fin, false, &key);
    return out;
}

bytes text_payload(std::size_t n) { // multi-byte UTF-8 throughout: the validator has work
    const std::string unit = "h\xc3\xa9llo w\xc3\xb6rld \xe2\x82\xac ";
    bytes p;
    while (p.size() < n) p.insert(p.end(), unit.begin(), unit.end());
    p.resize(n - n % unit.size());
    return p;
}

struct events {
    std::vector<std::pair<opcode, bytes>> messages;
    int pings = 0;
    void on_message(opcode op, const std::uint8_t* p, std::size_t n, bool) { messages.push_back({op, bytes(p, p + n)}); }
    void on_ping(const std::uint8_t*, std::size_t) { ++pings; }
    void on_pong(const std::uint8_t*, std::size_t) {}
    void on_close(std::uint16_t, std::string_view) {}
};

// Plays a socket: every read takes the next bytes of `wire`, at most `cap`
// of them. The first read of each round goes into the caller's buffer;
// while the reader offers a window, reads go there instead.
struct wire_reader {
    const bytes& wire;
    std::size_t at = 0;
    std::size_t cap;
    std::size_t reads = 0;
    std::size_t windows = 0;
    std::size_t largest_window = 0;
    std::size_t memory = 0;   // memory_usage() when last seen
    std::size_t over_2x = 0;  // by how much a growth passed 2 * arrived + buffer
    std::size_t over_4x = 0;  // by how much a growth passed 4 * arrived + 2 * buffer
    std::size_t arrived = 0;  // bytes read since the last message ended

    std::size_t take(std::uint8_t* dst, std::size_t size) {
        const std::size_t n = std::min({size, cap, wire.size() - at});
        std::memcpy(dst, wire.data() + at, n);
        at += n;
        ++reads;
        return n;
    }

    std::error_code run(reader& r, events& e) {
        std::vector<std::uint8_t> own(buffer);
        std::error_code ec;
        while (at < wire.size() && !ec) {
            if (r.payload_window_possible(buffer)) {
                const auto w = r.open_payload_window(buffer, SIZE_MAX);
                REQUIRE(w.size != 0);
                ++windows;
                largest_window = std::max(largest_window, w.size);
                const std::size_t n = take(w.data, w.size);
                arrived += n;
                note(r);
                const std::size_t before = e.messages.size();
                r.commit_payload(w, n, e, ec);
                if (e.messages.size() != before) arrived = 0;
                continue;
            }
            const std::size_t n = take(own.data(), own.size());
            const std::size_t before = e.messages.size();
            r.feed_some(own.data(), n, e, ec);
            arrived = e.messages.size() != before ? 0 : arrived + n;
            note(r);
        }
        return ec;
    }

    // Growth only: a buffer kept from an earlier message is not the new one's.
    void note(const reader& r) {
        const std::size_t now = r.memory_usage();
        if (now > memory && now > 2 * arrived + buffer) over_2x = std::max(over_2x, now - 2 * arrived - buffer);
        if (now > memory && now > 4 * arrived + 2 * buffer)
            over_4x = std::max(over_4x, now - 4 * arrived - 2 * buffer);
        memory = now;
    }
};

events fed_all(bytes wire) { // the reference: every byte through feed()
    reader r;
    events e;
    REQUIRE_FALSE(r.feed(wire.data(), wire.size(), e));
    return e;
}

} // namespace

TEST_CASE("payload window: a 1 MiB text message read into windows is the message, in a few growing reads",
          "[reader][window]") {
    const bytes payload = text_payload(1 << 20);
    bytes wire = masked(opcode::text, payload);
    const bytes ping = masked(opcode::ping, bytes{1, 2, 3});
    wire.insert(wire.end(), ping.begin(), ping.end()); // what follows is fed as usual
    const events want = fed_all(wire);
    REQUIRE(want.messages.size() == 1);

    reader r;
    events e;
    wire_reader w{wire, 0, SIZE_MAX};
    REQUIRE_FALSE(w.run(r, e));
    REQUIRE(e.messages.size() == 1);
    CHECK(e.messages[0].first == opcode::text);
    CHECK(e.messages[0].second == payload);
    CHECK(e.pings == 1);
    // 32 KiB, then windows of what has arrived: 32, 64, 128, 256, 512 KiB
    // (the last one cut at the frame's end), then the ping in the buffer.
    CHECK(w.windows == 5);
    CHECK(w.reads == 7);
    CHECK(w.largest_window <= payload.size() / 2 + buffer);
    // Every window filled: the buffer never passed twice what had arrived.
    CHECK(w.over_2x == 0);
}

TEST_CASE("payload window: the same messages as feeding, however the reads are cut", "[reader][window]") {
    // Binary, text, a fragmented message whose frames are each over the
    // buffer, and small frames between them.
    bytes binary(300 * 1024);
    for (std::size_t i = 0; i < binary.size(); ++i) binary[i] = static_cast<std::uint8_t>(i * 131 + 7);
    const bytes text = text_payload(200 * 1024);
    const bytes more_text = text_payload(150 * 1024);
    bytes wire;
    for (const bytes& f : {masked(opcode::binary, binary), masked(opcode::text, bytes{'h', 'i'}),
                           masked(opcode::text, text, false), masked(opcode::ping, bytes{9}),
                           masked(opcode::continuation, more_text, true), masked(opcode::binary, bytes(40000, 'x'))})
        wire.insert(wire.end(), f.begin(), f.end());
    const events want = fed_all(wire);
    REQUIRE(want.messages.size() == 4);

    for (std::size_t cap : {std::size_t{1000}, std::size_t{4096}, std::size_t{32769}, std::size_t{65536}, SIZE_MAX}) {
        INFO("reads of at most " << cap << " bytes");
        reader r;
        events e;
        wire_reader w{wire, 0, cap};
        REQUIRE_FALSE(w.run(r, e));
        CHECK(e.messages == want.messages);
        CHECK(e.pings == 1);
        CHECK(w.windows > 0);
        // Windows that reads leave partly empty: at most twice what is
        // assembled plus a window of at most as much (or the buffer).
        CHECK(w.over_4x == 0);
    }
}

TEST_CASE("payload window: a read that brings nothing leaves the reader as it was", "[reader][window]") {
    const bytes payload = text_payload(100 * 1024);
    bytes wire = masked(opcode::text, payload);
    reader r;
    events e;
    std::error_code ec;
    r.feed_some(wire.data(), buffer, e, ec); // the header and the first bytes
    REQUIRE_FALSE(ec);
    const std::size_t memory = r.memory_usage();
    for (int i = 0; i < 3; ++i) { // EAGAIN, EAGAIN, EAGAIN
        const auto w = r.open_payload_window(buffer, SIZE_MAX);
        REQUIRE(w.size != 0);
        r.commit_payload(w, 0, e, ec);
        REQUIRE_FALSE(ec);
    }
    CHECK(r.memory_usage() <= 2 * memory + buffer);
    REQUIRE_FALSE(r.feed(wire.data() + buffer, wire.size() - buffer, e));
    REQUIRE(e.messages.size() == 1);
    CHECK(e.messages[0].second == payload);
}

TEST_CASE("payload window: invalid UTF-8 read into a window fails the message as fed bytes do", "[reader][window]") {
    bytes payload = text_payload(256 * 1024);
    payload[150 * 1024] = 0xff; // never valid in UTF-8
    bytes wire = masked(opcode::text, payload);
    {
        reader r;
        events e;
        bytes copy = wire; // feed() unmasks in place
        CHECK(r.feed(copy.data(), copy.size(), e) == wsx::error::invalid_utf8);
    }
    reader r;
    events e;
    wire_reader w{wire, 0, SIZE_MAX};
    CHECK(w.run(r, e) == wsx::error::invalid_utf8);
    CHECK(e.messages.empty());
    CHECK(w.windows > 0);
    // Failed for good, as after feed().
    std::uint8_t more[2] = {0x81, 0x80};
    CHECK(r.feed(more, sizeof more, e) == wsx::error::invalid_utf8);
}

TEST_CASE("payload window: none where it does not apply", "[reader][window]") {
    SECTION("between frames and in a frame smaller than the buffer") {
        reader r;
        CHECK_FALSE(r.payload_window_possible(buffer));
        CHECK(r.open_payload_window(buffer, SIZE_MAX).size == 0);
        bytes wire = masked(opcode::binary, bytes(buffer + 20, 1));
        events e;
        std::error_code ec;
        r.feed_some(wire.data(), 20, e, ec); // an 8-byte header, 12 payload bytes: buffer + 8 to come
        CHECK(r.payload_window_possible(buffer + 8));
        CHECK_FALSE(r.payload_window_possible(buffer + 9));
        CHECK(r.open_payload_window(buffer + 9, SIZE_MAX).size == 0);
        CHECK(r.open_payload_window(buffer, 0).size == 0);
    }
    SECTION("in streaming mode: parts go to the visitor, nothing is assembled") {
        reader_options o;
        o.streaming = true;
        reader r(o);
        bytes wire = masked(opcode::binary, bytes(4 * buffer, 1));
        struct parts : events {
            void on_message_begin(opcode, bool) {}
            void on_message_data(const std::uint8_t*, std::size_t) {}
            void on_message_end() {}
        } e;
        std::error_code ec;
        r.feed_some(wire.data(), 100, e, ec);
        REQUIRE_FALSE(ec);
        CHECK_FALSE(r.payload_window_possible(buffer));
        CHECK(r.open_payload_window(buffer, SIZE_MAX).size == 0);
    }
}

TEST_CASE("payload window: a peer announcing 16 MiB and sending little gets a small window", "[reader][window]") {
    bytes header;
    const std::size_t announced = 16 * 1024 * 1024;
    std::uint8_t h[max_header_size];
    const std::size_t hn = write_frame_header(h, opcode::binary, announced, true, false, &key);
    header.assign(h, h + hn);
    header.resize(header.size() + 10, 0x55);
    reader r;
    events e;
    std::error_code ec;
    r.feed_some(header.data(), header.size(), e, ec);
    REQUIRE_FALSE(ec);
    const auto w = r.open_payload_window(buffer, SIZE_MAX);
    CHECK(w.size == buffer); // not 16 MiB
    CHECK(r.memory_usage() <= 2 * buffer);
    r.commit_payload(w, 3, e, ec); // the peer trickles
    REQUIRE_FALSE(ec);
    const std::size_t held = r.memory_usage();
    const auto w2 = r.open_payload_window(buffer, SIZE_MAX);
    CHECK(w2.size <= 2 * buffer); // the room already there, no more
    CHECK(r.memory_usage() == held);
    r.commit_payload(w2, 0, e, ec);
    CHECK(r.memory_usage() <= 2 * buffer);
}
