// Copyright (c) 2026 wsx developers. Distributed under the Boost Software License, Version 1.0.
// The shape of the plain-TCP readiness path, counted rather than timed
// (include/wsx/detail/readiness.hpp, issue 15): every message resumes a
// parked read, no wake-up resumes nothing, and no epoll_ctl is made while a
// connection echoes. Linux only, and not in the Asio-wait build
// (tests/CMakeLists.txt): without the service there is nothing to count.

#define WSX_DETAIL_READINESS_COUNTERS 1

#include "loopback.hpp"
#include "wsx_catch.hpp"

#include <wsx/wsx.hpp>

#if !WSX_DETAIL_READINESS
#error "test_readiness_counters needs the readiness service (Linux, without WSX_NO_READINESS_SERVICE)"
#endif

#include <asio/io_context.hpp>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <string>
#include <thread>

using namespace wsx_test;

namespace {

struct counts {
    std::uint64_t wakeups, ctl_calls, events, resumed;
};
counts read(const wsx::detail::readiness_service& svc) {
    const auto& c = svc.counters();
    return {c.wakeups.load(), c.ctl_calls.load(), c.events.load(), c.resumed.load()};
}

} // namespace

TEST_CASE("readiness counters: every echo resumes a parked read, and costs no epoll_ctl", "[readiness]") {
    asio::io_context io;
    wsx::server server{io};
    server.endpoint("/echo").on_message([](wsx::session& s, const wsx::message& m) { s.send(m); });
    server.listen("127.0.0.1", 0);
    std::thread runner([&] { io.run(); });

    auto& svc = asio::use_service<wsx::detail::readiness_service>(io);
    wsx::sync_client client;
    client.connect(ws_url(server.port(), "/echo"));
    // One round trip first: the connection is registered (its ADD) and parked.
    client.send("warm-up");
    auto warm = client.receive();
    REQUIRE(warm);
    REQUIRE(warm->text() == "warm-up");

    constexpr int round_trips = 200;
    const counts before = read(svc);
    for (int i = 0; i < round_trips; ++i) {
        const std::string text = "message " + std::to_string(i);
        client.send(text);
        auto m = client.receive();
        REQUIRE(m);
        REQUIRE(m->text() == text);
    }
    const counts after = read(svc);
    client.close();
    server.stop();
    runner.join();

    const std::uint64_t wakeups = after.wakeups - before.wakeups;
    const std::uint64_t resumed = after.resumed - before.resumed;
    INFO("wake-ups " << wakeups << ", events " << after.events - before.events
                     << ", resumed " << resumed);
    // Every message finds the server's read parked: it is resumed by an event.
    CHECK(resumed >= round_trips);
    // No wake-up that resumes nothing beyond the messages' own.
    CHECK(wakeups <= resumed);
    // A socket is added once and never re-armed while it echoes.
    CHECK(after.ctl_calls == before.ctl_calls);
}
