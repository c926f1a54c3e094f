// Copyright (c) 2026 wsx developers. Distributed under the Boost Software License, Version 1.0.
// Redis goes away and comes back (docs/scaling.md): local delivery goes
// on, the state callback and accessor say reconnecting, publications are
// counted as lost; once Redis is back on its port the nodes reconnect by
// themselves, subscribe again to every topic that still has local
// subscribers, and cross-node delivery resumes. A Redis that stalls holds
// at most max_pending bytes of publications; the rest are lost, not queued.

#include "wsx_catch.hpp"
#include "redis_fixture.hpp"

#include <algorithm>
#include <chrono>
#include <string>

using namespace wsx_test;

TEST_CASE("redis: killed and restarted under two nodes", "[redis]") {
    redis_process redis;
    test_node a(redis.port(), "node-a");
    test_node b(redis.port(), "node-b");
    REQUIRE(a.connected());
    REQUIRE(b.connected());
    auto ca = a.join("room", 1);
    auto cb = b.join("room", 1);
    REQUIRE(numsub_becomes(redis.port(), "wsx:room", 2));
    a.server.publish("room", "before");
    CHECK(next_text(*cb) == "before");
    CHECK(next_text(*ca) == "before");

    redis.kill();
    REQUIRE(eventually([&] { return a.redis.state() == wsx::redis_state::reconnecting; }));
    REQUIRE(eventually([&] { return b.redis.state() == wsx::redis_state::reconnecting; }));
    CHECK(a.states.contains("reconnecting"));

    const auto lost_before = a.redis.lost();
    CHECK(a.server.publish("room", "during") == 1);
    CHECK(next_text(*ca) == "during");
    CHECK(eventually([&] { return a.redis.lost() > lost_before; }));

    redis.start();
    REQUIRE(a.connected());
    REQUIRE(b.connected());
    CHECK(a.states.count("connected") == 2);
    // Subscribed again without anyone rejoining.
    REQUIRE(numsub_becomes(redis.port(), "wsx:room", 2));

    a.server.publish("room", "after");
    // At most once: "during" never reached b, "after" does.
    CHECK(next_text(*cb) == "after");
    CHECK(next_text(*ca) == "after");
    b.server.publish("room", "and back");
    CHECK(next_text(*ca) == "and back");
}

TEST_CASE("redis: a node that starts with Redis down serves locally and connects later", "[redis]") {
    redis_process redis;
    redis.kill();
    test_node a(redis.port(), "node-a");
    REQUIRE(eventually([&] { return a.redis.state() == wsx::redis_state::reconnecting; }));
    auto ca = a.join("room", 1);
    CHECK(a.server.publish("room", "alone") == 1);
    CHECK(next_text(*ca) == "alone");
    CHECK(eventually([&] { return a.redis.lost() >= 1; }));

    redis.start();
    REQUIRE(a.connected());
    // The topic that got its subscriber while Redis was down.
    CHECK(numsub_becomes(redis.port(), "wsx:room", 1));
}

TEST_CASE("redis: a stalled Redis holds at most max_pending bytes; the rest is counted as lost", "[redis]") {
    redis_process redis;
    constexpr std::size_t max_pending = 64 * 1024;
    test_node a(redis.port(), "node-a", 1024, [](wsx::redis_options& o) {
        o.max_pending = max_pending;
        o.command_timeout = std::chrono::seconds(60); // the stall is not taken for a dead connection
    });
    REQUIRE(a.connected());
    redis.pause();

    // Nobody listens here: every publication is only for other nodes.
    const std::string payload(1000, 'x');
    constexpr int count = 2000; // 2 MB, thirty times the bound
    std::size_t most = 0;
    for (int i = 0; i < count; ++i) {
        CHECK(a.server.publish("feed", payload) == 0);
        most = std::max(most, a.redis.pending_bytes());
    }
    CHECK(most <= max_pending);
    CHECK(most > max_pending / 2); // it did fill up to near the bound
    const std::uint64_t lost_while_stalled = a.redis.lost();
    CHECK(lost_while_stalled >= count - max_pending / payload.size());

    // Redis answers again: what was pending is confirmed, nothing is left counted.
    redis.resume();
    CHECK(eventually([&] { return a.redis.pending_bytes() == 0; }));
    CHECK(a.redis.lost() == lost_while_stalled);
    CHECK(a.redis.state() == wsx::redis_state::connected);
}
