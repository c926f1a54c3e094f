// Copyright (c) 2026 wsx developers. Distributed under the Boost Software License, Version 1.0.
// A wsx::server reassembles a multi-MiB message sent as thousands of
// fragments at a cost linear in its size (issue 13: it was quadratic; one
// 16 MiB message as 16,384 fragments of 1 KiB cost the server ~15 s of CPU).
//
// Cost is counted, not timed: this executable replaces operator new
// (allocation_count.hpp) and counts what the whole process allocates from
// the end of the handshake until the server's reply has arrived. Each growth
// of the assembly buffer allocates it anew and copies it, so the bytes
// allocated bound the bytes copied.

#include "allocation_count.hpp"
#include "loopback.hpp"
#include "reassembly.hpp"
#include "wsx_catch.hpp"

#include <wsx/wsx.hpp>

#include <atomic>
#include <cstddef>
#include <cstring>
#include <string>
#include <vector>

using namespace wsx_test;

namespace {

constexpr std::size_t kib = 1024;
constexpr std::size_t mib = 1024 * kib;

// The server and what its handler saw.
struct echo_check {
    asio::io_context io;
    wsx::server server{io};
    std::string expected;
    std::atomic<int> messages{0};
    std::atomic<bool> identical{false};

    explicit echo_check(std::size_t max_message_size) {
        server.default_options().max_message_size = max_message_size;
        server.endpoint("/r").on_message([this](wsx::session& s, const wsx::message& m) {
            identical = m.size() == expected.size() && std::memcmp(m.data(), expected.data(), m.size()) == 0;
            ++messages;
            s.send("ok " + std::to_string(m.size()));
        });
        server.listen("127.0.0.1", 0);
    }
};

} // namespace

TEST_CASE("a server reassembles a 4 MiB message of thousands of fragments with O(size) allocation",
          "[reassembly]") {
    // An odd limit, and the message exactly that size: the assembly buffer's
    // last growth ends at the limit, where the 1.5x peak bound is tight.
    const std::size_t size = 4 * mib + 3;
    echo_check srv(size);
    srv.expected = pattern_text(size);
    io_threads threads(srv.io);
    const std::string reply = "ok " + std::to_string(size);
    // 1 KiB first: against a quadratic server it fails within a second or
    // two, before the 16-byte shape (which would then take hours) runs.
    for (const std::size_t fragment : {std::size_t{kib}, std::size_t{16}}) {
        INFO("fragments of " << fragment << " bytes");
        const std::string wire = fragmented(op::text, srv.expected, {fragment}, true);
        raw_peer peer;
        peer.connect(srv.server.port());
        REQUIRE(peer.handshake("/r", srv.server.port()));
        const int before = srv.messages.load();
        // Reassembly allocates under 2x the message; the rest (the
        // session's reply, its send queue) is small and fixed.
        const std::size_t bound = 4 * size + 512 * kib;
        const allocations::cost c = send_counted(peer, wire, bound, reply);
        CHECK(srv.messages.load() == before + 1);
        CHECK(srv.identical.load());
        if (allocations::counted) {
            INFO("allocated " << c.bytes << " bytes in " << c.count << " allocations, at most " << c.peak
                              << " held at once, for a " << size << "-byte message");
            CHECK(c.bytes <= bound);
            // The buffer being replaced is at most half the limit; the
            // socket's and the session's own buffers are the rest.
            CHECK(c.peak <= size + (size + 1) / 2 + 256 * kib);
        }
        peer.send_close(1000);
        CHECK(peer.read_frame_of(op::close));
    }
    srv.server.stop();
    threads.release();
    CHECK(threads.join_within(default_limit));
}
