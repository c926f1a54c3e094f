// Copyright (c) 2026 wsx developers. Distributed under the Boost Software License, Version 1.0.
// Compressed messages (permessage-deflate, RFC 7692) of many fragments are
// reassembled and inflated at a cost linear in their size (issue 13), also
// when most of the compressed bytes are empty deflate blocks: what a sender
// that flushes after every few bytes sends.
//
// Cost is counted, not timed: this executable replaces operator new
// (allocation_count.hpp). Each growth of a buffer allocates it anew and
// copies it, so the bytes allocated bound the bytes copied.

#include <wsx/deflate.hpp>
#include <wsx/protocol/deflate.hpp>
#include <wsx/protocol/reader.hpp>
#include <wsx/wsx.hpp>

#include "allocation_count.hpp"
#include "deflate_test_data.hpp"
#include "loopback.hpp"
#include "reassembly.hpp"
#include "wsx_catch.hpp"

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

using namespace wsx_test;
using wsx::protocol::inflater;
using wsx::protocol::reader;
using wsx::protocol::reader_options;
using bytes = std::vector<std::uint8_t>;

namespace {

constexpr std::size_t kib = 1024;
constexpr std::size_t mib = 1024 * kib;

// A compressed message (the payload of its frames) around `compressed`, the
// deflater's output for one message (which ends inside the header of a
// sync-flush block whose 00 00 ff ff was removed, RFC 7692 7.2.1):
// - before it, `empties` empty stored blocks (00 | 00 00 ff ff);
// - after it, `empties` sync flushes (00 00 ff ff completes the open block,
//   00 opens the next);
// - then, the open block completed, `finals` empty blocks with BFINAL set
//   (03 00, fixed Huffman, RFC 7692 7.2.3.4), each ending a zlib stream; the
//   last ends the message, so no tail is appended to it.
std::string padded(const bytes& compressed, std::size_t empties, std::size_t finals) {
    std::string m;
    m.reserve(compressed.size() + 10 * empties + 2 * finals + 4);
    for (std::size_t i = 0; i < empties; ++i) m.append("\x00\x00\x00\xff\xff", 5);
    m.append(compressed.begin(), compressed.end());
    for (std::size_t i = 0; i < empties; ++i) m.append("\x00\x00\xff\xff\x00", 5);
    if (finals != 0) {
        m.append("\x00\x00\xff\xff", 4);
        for (std::size_t i = 0; i < finals; ++i) m.append("\x03\x00", 2);
    }
    return m;
}

bytes compress(wsx::protocol::deflater& d, const std::string& s) {
    bytes out;
    d.compress(reinterpret_cast<const std::uint8_t*>(s.data()), s.size(), out);
    return out;
}

bool same(const bytes& out, const std::string& s) {
    return out.size() == s.size() && std::memcmp(out.data(), s.data(), s.size()) == 0;
}

// Reassembles (whole-message mode, as a session does) and inflates each
// message as it is delivered.
struct whole_visitor {
    inflater* in;
    bytes out;
    std::error_code ec;
    int messages = 0;
    bool compressed = false;
    void on_message(wsx::protocol::opcode, const std::uint8_t* data, std::size_t size, bool rsv1) {
        ++messages;
        compressed = rsv1;
        ec = in->inflate(data, size, out, 16 * mib, true);
    }
    void on_ping(const std::uint8_t*, std::size_t) {}
    void on_pong(const std::uint8_t*, std::size_t) {}
    void on_close(std::uint16_t, std::string_view) {}
};

// Inflates each fragment as it arrives (streaming mode): one update() per
// piece of a frame, most of them a single empty block.
struct streaming_visitor {
    inflater* in;
    bytes out;
    std::error_code ec;
    int messages = 0;
    void on_message_begin(wsx::protocol::opcode, bool) {
        out.clear();
        in->begin(16 * mib, true);
    }
    void on_message_data(const std::uint8_t* data, std::size_t size) {
        if (!ec) ec = in->update(data, size, out);
    }
    void on_message_end() {
        ++messages;
        if (!ec) ec = in->finish(out);
    }
    void on_ping(const std::uint8_t*, std::size_t) {}
    void on_pong(const std::uint8_t*, std::size_t) {}
    void on_close(std::uint16_t, std::string_view) {}
};

// Feeds the wire in 32 KiB reads, as a session does (feed() unmasks it in
// place).
template <class Visitor> std::error_code feed_all(reader& r, std::string& wire, Visitor& v) {
    auto* p = reinterpret_cast<std::uint8_t*>(wire.data());
    for (std::size_t at = 0; at < wire.size(); at += 32 * kib)
        if (auto ec = r.feed(p + at, std::min(32 * kib, wire.size() - at), v)) return ec;
    return {};
}

} // namespace

TEST_CASE("a 4 MiB compressed message of ~400,000 fragments, most of them empty deflate blocks, costs O(size)",
          "[deflate][reassembly]") {
    const std::string text = text_message(4 * mib);
    wsx::protocol::deflater d;
    const std::string payload = padded(compress(d, text), 100000, 100000);
    // Each empty block in its own fragment, the data in 5-byte ones.
    const std::string wire = fragmented(op::text, payload, {5}, true, true);
    reader_options o;
    o.allow_rsv1 = true;
    // Under 2x for the compressed bytes and 2x for the inflated ones.
    const std::size_t bound = 4 * (payload.size() + text.size());

    SECTION("reassembled, then inflated whole (as a session does)") {
        inflater in;
        whole_visitor v{&in, {}, {}, 0, false};
        reader r(o);
        std::string copy = wire;
        std::error_code ec;
        allocations::cost c;
        try {
            allocations::window count(bound);
            ec = feed_all(r, copy, v);
            c = count.now();
        } catch (const std::bad_alloc&) {
            FAIL("more than " << bound << " bytes allocated for a message of " << payload.size()
                              << " compressed bytes that inflate to " << text.size());
        }
        REQUIRE_FALSE(ec);
        REQUIRE_FALSE(v.ec);
        CHECK(v.messages == 1);
        CHECK(v.compressed);
        CHECK(same(v.out, text));
        INFO("allocated " << c.bytes << " bytes in " << c.count << " allocations");
        if (allocations::counted) CHECK(c.bytes <= bound);
    }
    SECTION("inflated fragment by fragment (streaming)") {
        o.streaming = true;
        inflater in;
        streaming_visitor v{&in, {}, {}, 0};
        reader r(o);
        std::string copy = wire;
        std::error_code ec;
        allocations::cost c;
        try {
            allocations::window count(4 * text.size());
            ec = feed_all(r, copy, v);
            c = count.now();
        } catch (const std::bad_alloc&) {
            FAIL("more than " << 4 * text.size() << " bytes allocated for a message of " << text.size() << " bytes");
        }
        REQUIRE_FALSE(ec);
        REQUIRE_FALSE(v.ec);
        CHECK(v.messages == 1);
        CHECK(same(v.out, text));
        INFO("allocated " << c.bytes << " bytes in " << c.count << " allocations");
        if (allocations::counted) CHECK(c.bytes <= 4 * text.size());
    }
}

TEST_CASE("after many BFINAL blocks in a message the LZ77 window is still there", "[deflate][reassembly]") {
    // The data after the BFINAL blocks, and the next message, refer back to
    // the first part (the same deflater, context takeover): a receiver that
    // lost its window when the zlib stream ended would fail them.
    const std::string a = text_message(64 * kib, 1), b = text_message(64 * kib, 2), c = text_message(64 * kib, 3);
    wsx::protocol::deflater d;
    std::string first = padded(compress(d, a), 0, 200000);
    const bytes tail_part = compress(d, b);
    first.append(tail_part.begin(), tail_part.end());
    const bytes second = compress(d, c);
    const auto* p = reinterpret_cast<const std::uint8_t*>(first.data());

    SECTION("whole") {
        inflater in;
        bytes out;
        REQUIRE_FALSE(in.inflate(p, first.size(), out, 16 * mib, true));
        CHECK(same(out, a + b));
        REQUIRE_FALSE(in.inflate(second.data(), second.size(), out, 16 * mib, true));
        CHECK(same(out, c));
    }
    SECTION("two bytes at a time") {
        inflater in;
        bytes out;
        in.begin(16 * mib, true);
        for (std::size_t at = 0; at < first.size(); at += 2)
            REQUIRE_FALSE(in.update(p + at, std::min<std::size_t>(2, first.size() - at), out));
        REQUIRE_FALSE(in.finish(out));
        CHECK(same(out, a + b));
        REQUIRE_FALSE(in.inflate(second.data(), second.size(), out, 16 * mib, true));
        CHECK(same(out, c));
    }
}

TEST_CASE("a server reassembles and inflates a compressed message of thousands of fragments with O(size) allocation",
          "[deflate][reassembly][session]") {
    asio::io_context io;
    wsx::server server{io};
    server.default_options().deflate = wsx::enable_deflate();
    const std::string text = text_message(4 * mib);
    std::atomic<int> messages{0};
    std::atomic<bool> identical{false};
    server.endpoint("/z").on_message([&](wsx::session& s, const wsx::message& m) {
        identical = m.size() == text.size() && std::memcmp(m.data(), text.data(), m.size()) == 0;
        ++messages;
        s.send("ok " + std::to_string(m.size())); // under compress_threshold: sent uncompressed
    });
    server.listen("127.0.0.1", 0);
    io_threads threads(io);

    raw_peer peer;
    peer.connect(server.port());
    peer.write(upgrade_request("/z", server.port(), "Sec-WebSocket-Extensions: permessage-deflate\r\n"));
    const std::string head = peer.read_http_head();
    REQUIRE(head.rfind("HTTP/1.1 101", 0) == 0);
    REQUIRE(head.find("permessage-deflate") != std::string::npos);

    wsx::protocol::deflater d; // one message, so context takeover does not matter
    const std::string payload = padded(compress(d, text), 20000, 20000);
    const std::string wire = fragmented(op::text, payload, {5, 5, 5, 1024}, true, true);
    const std::size_t bound = 4 * (payload.size() + text.size()) + 512 * kib;
    const allocations::cost c = send_counted(peer, wire, bound, "ok " + std::to_string(text.size()));
    CHECK(messages.load() == 1);
    CHECK(identical.load());
    INFO("allocated " << c.bytes << " bytes in " << c.count << " allocations for " << payload.size()
                      << " compressed bytes that inflate to " << text.size());
    if (allocations::counted) CHECK(c.bytes <= bound);
    peer.send_close(1000);
    CHECK(peer.read_frame_of(op::close));
    server.stop();
    threads.release();
    CHECK(threads.join_within(default_limit));
}
