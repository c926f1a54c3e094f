// Copyright (c) 2026 wsx developers. Distributed under the Boost Software License, Version 1.0.
// Writing into a full socket: the server queues megabytes for a reader that
// has not started reading (small socket buffers on both ends), so OpenSSL
// reports "would block" mid-record again and again and every write is
// retried. The mix (many small frames, broadcast frames shared between
// sends, large binary messages) makes the gather list alternate between
// pieces encrypted in place and small pieces gathered into one record.
// Everything must arrive complete and in order.

#include "wsx_catch.hpp"
#include "raw_tls_peer.hpp"
#include "tls_fixture.hpp"

#include <mutex>
#include <string>
#include <vector>

using namespace wsx_test;

namespace {

struct expected_frame {
    std::uint8_t opcode;
    std::string payload;
};

// with_large: every 100th step adds a 100 kB binary message (encrypted in
// place); without, every record is gathered from small pieces.
std::vector<expected_frame> flood_script(bool with_large) {
    std::vector<expected_frame> out;
    const int steps = with_large ? 3000 : 20000;
    for (int k = 0; k < steps; ++k) {
        out.push_back({op::text, "small " + std::to_string(k)});
        if (k % 7 == 0) {
            std::string shared = "shared " + std::to_string(k) + " " + pattern_text(static_cast<std::size_t>(k % 500));
            out.push_back({op::text, shared});
            out.push_back({op::text, shared});
        }
        if (with_large && k % 100 == 0) out.push_back({op::binary, pattern_bytes(100'000, static_cast<unsigned>(k))});
    }
    out.push_back({op::text, "end"});
    return out;
}

// The server session sends the script; the sends come from this (the
// test's) thread through a handle, so they reach the session's strand while
// earlier writes are in flight: broadcast frames are then shared, not
// copied, and the gather list alternates between the queue's own bytes and
// shared frames.
void flood(bool with_large) {
    asio::io_context io;
    wsx::server server(io);
    std::mutex mu;
    std::vector<std::error_code> errors;
    std::vector<wsx::session_handle> handles;
    server.endpoint("/flood")
        .on_open([&](wsx::session& s) {
            // A fixed small send buffer: no autotuning can absorb the flood
            // (setsockopt on the session's descriptor).
            set_send_buffer(s, 8192);
            std::lock_guard<std::mutex> lock(mu);
            handles.push_back(s.handle());
        })
        .on_error([&](wsx::session&, std::error_code ec) {
            std::lock_guard<std::mutex> lock(mu);
            errors.push_back(ec);
        });
    server.listen_tls("127.0.0.1", 0, cert_of(pki().server));
    io_threads threads(io);

    raw_tls_peer peer;
    peer.shrink_receive_buffer(4096);
    peer.connect(server.port());
    REQUIRE(peer.upgrade(server.port(), "/flood"));
    REQUIRE(eventually([&] {
        std::lock_guard<std::mutex> lock(mu);
        return !handles.empty();
    }));
    wsx::session_handle h;
    {
        std::lock_guard<std::mutex> lock(mu);
        h = handles.front();
    }

    auto expected = flood_script(with_large);
    for (std::size_t i = 0; i < expected.size(); ++i) {
        auto& f = expected[i];
        if (f.payload.rfind("shared ", 0) == 0) {
            // One message object sent twice: framed once, shared by both sends.
            auto m = wsx::message::text(f.payload);
            h.send(m);
            h.send(m);
            ++i;
        } else if (f.opcode == op::binary) {
            h.send_binary(f.payload.data(), f.payload.size());
        } else {
            h.send(f.payload);
        }
    }

    std::size_t i = 0;
    for (; i < expected.size(); ++i) {
        auto f = peer.read_frame();
        REQUIRE(f);
        INFO("frame " << i);
        REQUIRE(f->opcode == expected[i].opcode);
        REQUIRE(f->payload.size() == expected[i].payload.size());
        REQUIRE(f->payload == expected[i].payload);
    }
    CHECK(i == expected.size());
    peer.send_frame(op::close, close_payload(1000));
    auto close = peer.read_frame();
    REQUIRE(close);
    CHECK(close->opcode == op::close);
    CHECK(peer.read_to_end() == raw_tls_peer::end::close_notify);
    threads.stop();
    CHECK(errors.empty());
}

} // namespace

TEST_CASE("tls backpressure: megabytes into a full socket arrive complete and in order", "[tls][backpressure]") {
    flood(true);
}

TEST_CASE("tls backpressure: small and shared frames into a full socket arrive complete and in order",
          "[tls][backpressure]") {
    flood(false);
}
