// Copyright (c) 2026 wsx developers. Distributed under the Boost Software License, Version 1.0.
// Backpressure of a server session over the in-memory transport: the
// "socket" is full until the test says otherwise, so what the send queue
// holds, refuses and reports is exact.

#include "loopback.hpp"
#include "memory_transport.hpp"
#include "wsx_catch.hpp"

#include <string>
#include <vector>

using namespace wsx_test;

TEST_CASE("session backpressure: a full socket fills the queue to its limit, then on_drain", "[session][backpressure]") {
    memory_server m;
    std::vector<std::error_code> errors;
    int drains = 0;
    m.server.default_options().max_send_queue = 4096;
    m.server.endpoint("/feed")
        .on_error([&](wsx::session&, std::error_code ec) { errors.push_back(ec); })
        .on_drain([&](wsx::session&) { ++drains; });
    m.accept();
    m.send(upgrade_request("/feed", 80));
    REQUIRE(m.w->take().rfind("HTTP/1.1 101", 0) == 0);

    m.w->capacity = 0; // the peer stopped reading: nothing more fits
    const std::string chunk(1000, 'x');
    const std::size_t framed = chunk.size() + 4; // a 2-byte header and a 16-bit length
    for (int i = 0; i < 7; ++i) m.session->send(chunk);
    m.run();
    // The limit is a high-water mark: sends are taken while less than
    // max_send_queue is queued, so five fit (5 x 1004 > 4096) and two are refused.
    CHECK(m.session->buffered_amount() == 5 * framed);
    REQUIRE(errors.size() == 1); // one report per episode
    CHECK(errors[0] == wsx::error::send_queue_full);
    CHECK(drains == 0);
    CHECK(m.session->is_open()); // the default policy refuses, it does not close

    m.w->capacity = SIZE_MAX; // the peer reads again
    m.w->take();
    m.run();
    CHECK(drains == 1);
    CHECK(m.session->buffered_amount() == 0);
    std::string out = m.w->take();
    int frames = 0;
    bool masked = false;
    while (auto f = take_frame(out, masked)) {
        CHECK(f->payload == chunk);
        ++frames;
    }
    CHECK(frames == 5);
    CHECK(out.empty());

    // A new episode is reported again.
    m.w->capacity = 0;
    for (int i = 0; i < 6; ++i) m.session->send(chunk);
    m.run();
    REQUIRE(errors.size() == 2);
    CHECK(errors[1] == wsx::error::send_queue_full);
}

TEST_CASE("session backpressure: a write the socket takes in part resumes where it stopped", "[session][backpressure]") {
    memory_server m;
    m.server.endpoint("/feed");
    m.accept();
    m.send(upgrade_request("/feed", 80));
    m.w->take();

    std::string big(100000, 'b');
    for (std::size_t i = 0; i < big.size(); ++i) big[i] = static_cast<char>('a' + i % 26);
    m.w->capacity = 1000; // the socket takes 1000 bytes at a time
    m.session->send(big);
    m.run();
    std::string got;
    for (int turns = 0; turns < 1000 && got.size() < big.size() + 10; ++turns) {
        got += m.w->take();
        m.run();
    }
    bool masked = false;
    auto f = take_frame(got, masked);
    REQUIRE(f);
    CHECK(f->payload == big);
    CHECK(got.empty());
    CHECK(m.session->buffered_amount() == 0);
}

TEST_CASE("session backpressure: a connection that ends with a write in flight keeps its buffers until the write completes",
          "[session][backpressure]") {
    memory_server m;
    std::vector<wsx::close_reason> closes;
    m.server.endpoint("/feed").on_close([&](wsx::session&, const wsx::close_reason& r) { closes.push_back(r); });
    m.accept();
    m.send(upgrade_request("/feed", 80));
    m.w->take();

    m.w->capacity = 100; // the write of a large message stays in flight
    m.session->send(std::string(50000, 'z'));
    m.run();
    REQUIRE(m.w->wake_write); // parked: the transport still holds the buffers

    m.w->end(); // the peer goes away meanwhile: the session ends
    m.run();
    REQUIRE(closes.size() == 1);
    CHECK(closes[0].code == 1006);
    // The parked write resumes over the same buffers, and completes aborted.
    m.w->take();
    m.run();
    CHECK(m.w->closed);
    CHECK(m.server.session_count() == 0);
}
