// Copyright (c) 2026 wsx developers. Distributed under the Boost Software License, Version 1.0.
// Two nodes and one Redis (docs/scaling.md): a publication on one node
// reaches the other's subscribers with its opcode and bytes, each node's
// in its order, never twice on the publishing node; a node is subscribed
// on Redis once per topic while it has local subscribers, and not after;
// a publication over the limit is refused before anyone gets it.

#include "wsx_catch.hpp"
#include "redis_fixture.hpp"

#include <algorithm>
#include <string>
#include <vector>

using namespace wsx_test;

TEST_CASE("redis: text and binary cross nodes with their opcode", "[redis]") {
    redis_process redis;
    test_node a(redis.port(), "node-a");
    test_node b(redis.port(), "node-b");
    REQUIRE(a.connected());
    REQUIRE(b.connected());
    auto ca = a.join("room", 1);
    auto cb = b.join("room", 1);
    REQUIRE(numsub_becomes(redis.port(), "wsx:room", 2));

    CHECK(a.server.publish("room", "hello from a") == 1);
    auto m = cb->receive(default_limit);
    REQUIRE(m);
    CHECK(m->is_text());
    CHECK(m->text() == "hello from a");
    CHECK(next_text(*ca) == "hello from a");

    // Every byte value, NULs and bytes that are not UTF-8 included.
    std::string bytes;
    for (int i = 0; i < 512; ++i) bytes += static_cast<char>(i & 0xff);
    CHECK(b.server.publish("room", wsx::message::binary(bytes)) == 1);
    for (auto* c : {ca.get(), cb.get()}) {
        m = c->receive(default_limit);
        REQUIRE(m);
        CHECK(m->is_binary());
        CHECK(m->text() == bytes);
    }

    // An empty text message is a message too.
    a.server.publish("room", "");
    m = cb->receive(default_limit);
    REQUIRE(m);
    CHECK(m->is_text());
    CHECK(m->text().empty());
    CHECK(next_text(*ca).empty());
    CHECK(a.redis.lost() == 0);
}

TEST_CASE("redis: a session's publish skips its sender here and reaches every member elsewhere", "[redis]") {
    redis_process redis;
    test_node a(redis.port(), "node-a");
    test_node b(redis.port(), "node-b");
    REQUIRE(a.connected());
    REQUIRE(b.connected());
    auto a1 = a.join("lobby", 1, "/chat/");
    auto a2 = a.join("lobby", 2, "/chat/");
    auto b1 = b.join("lobby", 1, "/chat/");
    REQUIRE(numsub_becomes(redis.port(), "wsx:lobby", 2));

    a1->send("from a1");
    CHECK(next_text(*a2) == "from a1");
    CHECK(next_text(*b1) == "from a1");
    // b1's message is the next a1 gets: its own never came back, neither
    // from this node nor through Redis.
    b1->send("from b1");
    CHECK(next_text(*a1) == "from b1");
    CHECK(next_text(*a2) == "from b1");
    a2->send("from a2");
    CHECK(next_text(*a1) == "from a2");
    CHECK(next_text(*b1) == "from a2");
    CHECK(next_text(*b1, std::chrono::milliseconds(200)) == "<nothing>");
    CHECK(a.redis.lost() == 0);
    CHECK(b.redis.lost() == 0);
}

TEST_CASE("redis: each node's publications arrive in order, once, and not back at the publisher", "[redis]") {
    redis_process redis;
    test_node a(redis.port(), "node-a");
    test_node b(redis.port(), "node-b");
    REQUIRE(a.connected());
    REQUIRE(b.connected());
    auto ca = a.join("room", 1);
    auto cb = b.join("room", 1);
    REQUIRE(numsub_becomes(redis.port(), "wsx:room", 2));

    constexpr int count = 400;
    for (int i = 0; i < count; ++i) {
        a.server.publish("room", "a:" + std::to_string(i));
        b.server.publish("room", "b:" + std::to_string(i));
    }
    // Each client gets both nodes' messages, each node's in its order,
    // whatever the interleaving between the two.
    auto read_all = [&](wsx::sync_client& c) {
        int next_a = 0, next_b = 0, wrong = 0;
        for (int n = 0; n < 2 * count; ++n) {
            const std::string t = next_text(c);
            if (t.rfind("a:", 0) == 0 && t == "a:" + std::to_string(next_a))
                ++next_a;
            else if (t.rfind("b:", 0) == 0 && t == "b:" + std::to_string(next_b))
                ++next_b;
            else
                ++wrong;
        }
        return std::vector<int>{next_a, next_b, wrong};
    };
    CHECK(read_all(*ca) == std::vector<int>{count, count, 0});
    CHECK(read_all(*cb) == std::vector<int>{count, count, 0});

    // Both clients have had every message, so Redis has handled every
    // PUBLISH: an echo of a's own publications to a would already be on
    // a's subscription ahead of b's fence. So the next two messages each
    // client sees are the fences, and nothing else.
    a.server.publish("room", "fence-a");
    b.server.publish("room", "fence-b");
    for (auto* c : {ca.get(), cb.get()}) {
        std::vector<std::string> got{next_text(*c), next_text(*c)};
        std::sort(got.begin(), got.end());
        CHECK(got == std::vector<std::string>{"fence-a", "fence-b"});
    }
    CHECK(a.redis.lost() == 0);
    CHECK(b.redis.lost() == 0);
}

TEST_CASE("redis: subscribed on Redis once while the topic has local subscribers", "[redis]") {
    redis_process redis;
    test_node a(redis.port(), "node-a");
    test_node b(redis.port(), "node-b");
    REQUIRE(a.connected());
    REQUIRE(b.connected());
    redis_probe probe(redis.port());
    CHECK(probe.numsub("wsx:lobby") == 0);

    auto first = a.join("lobby", 1);
    auto second = a.join("lobby", 2);
    // Two local subscribers, one subscription of node a's.
    REQUIRE(numsub_becomes(redis.port(), "wsx:lobby", 1));

    first->close();
    REQUIRE(eventually([&] { return a.server.subscribers("lobby") == 1; }));
    // Still subscribed: b's publication reaches the one left.
    b.server.publish("lobby", "still here?");
    CHECK(next_text(*second) == "still here?");
    CHECK(probe.numsub("wsx:lobby") == 1);

    second->close();
    REQUIRE(eventually([&] { return a.server.subscribers("lobby") == 0; }));
    CHECK(numsub_becomes(redis.port(), "wsx:lobby", 0));

    // And again when someone comes back.
    auto third = a.join("lobby", 1);
    REQUIRE(numsub_becomes(redis.port(), "wsx:lobby", 1));
    b.server.publish("lobby", "welcome back");
    CHECK(next_text(*third) == "welcome back");
}

TEST_CASE("redis: a publication over max_payload is refused before anyone gets it", "[redis]") {
    redis_process redis;
    test_node a(redis.port(), "node-a", 1000);
    test_node b(redis.port(), "node-b");
    REQUIRE(a.connected());
    REQUIRE(b.connected());
    auto ca = a.join("room", 1);
    auto cb = b.join("room", 1);
    REQUIRE(numsub_becomes(redis.port(), "wsx:room", 2));

    try {
        a.server.publish("room", std::string(1001, 'x'));
        FAIL("a publication over max_payload was accepted");
    } catch (const std::system_error& e) {
        CHECK(e.code() == wsx::error::message_too_big);
        CHECK(std::string(e.what()).find("max_payload") != std::string::npos);
    }
    // Exactly the limit goes everywhere; nobody had the refused one first.
    const std::string fits(1000, 'y');
    CHECK(a.server.publish("room", fits) == 1);
    CHECK(next_text(*ca) == fits);
    CHECK(next_text(*cb) == fits);
}

TEST_CASE("redis: what is not an envelope on a node's channel is dropped and counted", "[redis]") {
    redis_process redis;
    test_node a(redis.port(), "node-a");
    REQUIRE(a.connected());
    auto ca = a.join("room", 1);
    REQUIRE(numsub_becomes(redis.port(), "wsx:room", 1));

    redis_probe probe(redis.port());
    CHECK(probe.publish("wsx:room", "not an envelope") == 1);
    // A well-formed envelope from a node that does not exist, as a marker.
    std::string env = "W1t";
    env += static_cast<char>(5);
    env += "other";
    env += "marker";
    CHECK(probe.publish("wsx:room", env) == 1);
    CHECK(next_text(*ca) == "marker");
    CHECK(a.redis.dropped() == 1);
}
