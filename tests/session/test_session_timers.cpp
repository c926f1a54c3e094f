// Copyright (c) 2026 wsx developers. Distributed under the Boost Software License, Version 1.0.
// Every deadline of a server session, over the in-memory transport and a
// clock the test moves (tests/support/manual_clock.hpp): the opening
// handshake's, the close handshake's, idle and keep-alive. A timeout is a
// step of the test; nothing sleeps, and each deadline is checked one tick
// before and at the moment it falls due.

#include "loopback.hpp"
#include "memory_transport.hpp"
#include "wsx_catch.hpp"

#include <chrono>
#include <string>
#include <vector>

using namespace wsx_test;
using namespace std::chrono_literals;

namespace {

struct recorder {
    std::vector<std::string> messages;
    std::vector<wsx::close_reason> closes;
    std::vector<std::error_code> errors;
    int pongs = 0;
};

void record(wsx::server_endpoint& ep, recorder& r) {
    ep.on_message([&r](wsx::session&, const wsx::message& msg) { r.messages.emplace_back(msg.text()); })
        .on_pong([&r](wsx::session&, wsx::byte_view) { ++r.pongs; })
        .on_close([&r](wsx::session&, const wsx::close_reason& c) { r.closes.push_back(c); })
        .on_error([&r](wsx::session&, std::error_code ec) { r.errors.push_back(ec); });
}

void open(memory_server& m) {
    m.accept();
    m.send(upgrade_request("/t", 80));
    REQUIRE(m.w->take().rfind("HTTP/1.1 101", 0) == 0);
    REQUIRE(m.session->ready_state() == wsx::ready_state::open);
}

std::vector<frame> frames_out(memory_server& m) {
    std::string bytes = m.w->take();
    std::vector<frame> out;
    bool masked = false;
    while (auto f = take_frame(bytes, masked)) out.push_back(*f);
    CHECK(bytes.empty());
    return out;
}

void pass(memory_server& m, std::chrono::steady_clock::duration d) {
    m.clock.advance(d);
    m.run();
}

constexpr auto tick = 1ms;

// An open connection on /t whose handlers record what they see, with the
// endpoint's options as `tune` leaves them.
struct timed_connection {
    memory_server m;
    recorder r;
    template <class Tune> explicit timed_connection(Tune tune) {
        auto& ep = m.server.endpoint("/t");
        tune(ep.options());
        record(ep, r);
        open(m);
    }
};

} // namespace

TEST_CASE("session timers: a request that never completes is dropped at the handshake timeout", "[session][timers]") {
    memory_server m;
    m.server.default_options().handshake_timeout = 2s;
    bool opened = false;
    m.server.endpoint("/t").on_open([&](wsx::session&) { opened = true; });
    m.accept();
    m.send("GET /t HTTP/1.1\r\nHost: x\r\n"); // and then nothing

    pass(m, 2s - tick);
    CHECK_FALSE(m.w->closed);
    pass(m, tick);
    CHECK(m.w->closed);
    CHECK(m.w->from_session.empty()); // no answer to half a request
    CHECK_FALSE(opened);
    CHECK(m.session->ready_state() == wsx::ready_state::closed);
    CHECK(m.clock.pending_waits() == 0);
}

TEST_CASE("session timers: an open connection without timeouts holds no timer", "[session][timers]") {
    memory_server m;
    recorder r;
    record(m.server.endpoint("/t"), r);
    open(m);
    CHECK(m.clock.pending_waits() == 0); // the handshake's wait went at open

    pass(m, 24h);
    CHECK(m.session->is_open());
    CHECK(r.errors.empty());
}

TEST_CASE("session timers: idle timeout closes with 1001 after silence, and reads push it back", "[session][timers]") {
    timed_connection t([](wsx::session_options& o) { o.idle_timeout = 10s; });
    auto& m = t.m;
    auto& r = t.r;
    const int arms_at_open = m.clock.waits;

    // Traffic moves the deadline without touching the timer: reads note the
    // time, and the wait, when it fires, finds the deadline later.
    for (int i = 0; i < 50; ++i) {
        pass(m, 100ms);
        m.send(encode_frame(op::text, "still here"));
    }
    CHECK(r.messages.size() == 50);
    CHECK(m.clock.waits == arms_at_open); // 50 reads, no re-arm
    pass(m, 6s);                          // the first wait fires, early: re-armed once
    CHECK(m.clock.waits == arms_at_open + 1);
    CHECK(m.session->is_open());

    pass(m, 4s - tick); // 10 s after the last message, less a tick
    CHECK(m.session->is_open());
    pass(m, tick);
    auto out = frames_out(m);
    REQUIRE(out.size() == 1);
    CHECK(out[0].opcode == op::close);
    CHECK(out[0].close_code() == 1001);
    REQUIRE(r.errors.size() == 1);
    CHECK(r.errors[0] == wsx::error::idle_timeout);
    CHECK(m.session->ready_state() == wsx::ready_state::closing);
}

TEST_CASE("session timers: keep-alive pings the silent peer and drops it when no pong comes", "[session][timers]") {
    timed_connection t([](wsx::session_options& o) { o.ping_interval = 30s; o.ping_timeout = 5s; });
    auto& m = t.m;
    auto& r = t.r;

    pass(m, 30s - tick);
    CHECK(frames_out(m).empty());
    pass(m, tick);
    auto out = frames_out(m);
    REQUIRE(out.size() == 1);
    CHECK(out[0].opcode == op::ping);

    pass(m, 5s - tick);
    CHECK(m.session->is_open());
    pass(m, tick);
    REQUIRE(r.errors.size() == 1);
    CHECK(r.errors[0] == wsx::error::ping_timeout);
    CHECK(m.w->closed); // a dead peer gets no close handshake
    REQUIRE(r.closes.size() == 1);
    CHECK(r.closes[0].code == 1006);
}

TEST_CASE("session timers: a pong keeps the connection, and the next ping comes an interval later", "[session][timers]") {
    timed_connection t([](wsx::session_options& o) { o.ping_interval = 30s; o.ping_timeout = 5s; });
    auto& m = t.m;
    auto& r = t.r;

    pass(m, 30s);
    REQUIRE(frames_out(m).size() == 1);
    for (int round = 0; round < 3; ++round) {
        pass(m, 4s);
        m.send(encode_frame(op::pong, ""));
        CHECK(r.pongs == round + 1);
        pass(m, 30s - tick); // the ping's timeout passes: the pong ended it
        CHECK(frames_out(m).empty());
        CHECK(m.session->is_open());
        pass(m, tick);
        auto out = frames_out(m);
        REQUIRE(out.size() == 1);
        CHECK(out[0].opcode == op::ping);
    }
    CHECK(r.errors.empty());
}

TEST_CASE("session timers: a peer that never answers our close frame is dropped at the close timeout", "[session][timers]") {
    timed_connection t([](wsx::session_options& o) { o.close_timeout = 3s; });
    auto& m = t.m;
    auto& r = t.r;

    m.session->close(1000, "bye");
    m.run();
    REQUIRE(frames_out(m).size() == 1);
    pass(m, 3s - tick);
    CHECK_FALSE(m.w->closed);
    CHECK(r.closes.empty());
    pass(m, tick);
    CHECK(m.w->closed);
    REQUIRE(r.errors.size() == 1);
    CHECK(r.errors[0] == wsx::error::close_timeout);
    REQUIRE(r.closes.size() == 1);
    CHECK(r.closes[0].code == 1006);
    CHECK(m.clock.pending_waits() == 0);
}

TEST_CASE("session timers: after both close frames crossed, the close timeout ends TCP without an error", "[session][timers]") {
    timed_connection t([](wsx::session_options& o) { o.close_timeout = 3s; });
    auto& m = t.m;
    auto& r = t.r;

    // The peer closes first and the server answers; the server then ends
    // TCP itself (RFC 6455 7.1.1), so only a peer that keeps its side
    // open meets the timeout, and that is no error.
    m.send(encode_frame(op::close, close_payload(1000)));
    REQUIRE(frames_out(m).size() == 1);
    CHECK(m.w->closed);
    REQUIRE(r.closes.size() == 1);
    CHECK(r.closes[0].code == 1000);
    pass(m, 3s);
    CHECK(r.errors.empty());
    CHECK(m.clock.pending_waits() == 0);
}
