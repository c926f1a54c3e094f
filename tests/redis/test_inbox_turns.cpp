// Copyright (c) 2026 wsx developers. Distributed under the Boost Software License, Version 1.0.
// What arrives from Redis is delivered in bounded turns (read_turn.hpp):
// a message to a topic with many local subscribers is many sends, and a
// burst of such messages must not hold the I/O thread. Between two turns
// the thread runs what else it has queued; and while the node has more
// than its inbox limit waiting, it does not read Redis, so what was
// received and not delivered stays bounded however fast others publish.

#include "wsx_catch.hpp"
#include "redis_fixture.hpp"

#include <wsx/detail/read_turn.hpp>
#include <wsx/detail/redis_envelope.hpp>

#include <algorithm>
#include <atomic>
#include <thread>
#include <memory>
#include <set>
#include <string>
#include <vector>

using namespace wsx_test;

namespace {

// Sends that a message to `subscribers` local sessions would count.
void cost_of(std::size_t subscribers) {
    for (std::size_t i = 0; i < subscribers; ++i) wsx::detail::count_send();
}

// PUBLISHes all `n` envelopes in one pipeline: one write, so that they
// reach the node as one burst.
void publish_burst(std::uint16_t port, const std::string& channel, const std::string& envelope, int n) {
    timeval tv{10, 0};
    redisContext* c = redisConnectWithTimeout("127.0.0.1", port, tv);
    REQUIRE((c && !c->err));
    redisSetTimeout(c, tv);
    for (int i = 0; i < n; ++i)
        redisAppendCommand(c, "PUBLISH %b %b", channel.data(), channel.size(), envelope.data(), envelope.size());
    int ok = 0;
    for (int i = 0; i < n; ++i) {
        void* r = nullptr;
        if (redisGetReply(c, &r) == REDIS_OK && r) {
            ok += static_cast<redisReply*>(r)->type == REDIS_REPLY_INTEGER;
            freeReplyObject(r);
        }
    }
    redisFree(c);
    CHECK(ok == n);
}

} // namespace

TEST_CASE("redis: a burst for a crowded topic is delivered in turns, with other work between them", "[redis]") {
    redis_process redis;
    asio::io_context io;
    wsx::redis_options o{"127.0.0.1", redis.port(), "", 0, "wsx:", "node-a"};
    wsx::redis_backplane bp{io, o};
    auto node = std::static_pointer_cast<wsx::detail::redis_node>(bp.link());

    // Each message stands for one to more subscribers than a turn may send to.
    const std::size_t crowd = wsx::detail::read_turn::turn_sends + 1;
    constexpr int burst = 40;
    std::size_t ticks = 0;              // other work the thread did
    std::vector<std::size_t> at;        // the tick count at each delivery
    std::size_t most_waiting = 0;
    node->attach(
        [&](std::string_view topic, wsx::protocol::opcode, const void*, std::size_t size) {
            CHECK(topic == "crowd");
            CHECK(size == 16);
            at.push_back(ticks);
            most_waiting = std::max(most_waiting, node->inbox_bytes());
            cost_of(crowd);
            if (at.size() == burst) io.stop();
        },
        [](std::string_view) { return std::size_t{0}; });
    node->interest("crowd", true);

    // Other work: a handler that queues itself again each time it runs.
    std::function<void()> tick = [&] {
        ++ticks;
        asio::post(io, tick);
    };
    asio::post(io, tick);

    std::thread publisher([&] {
        if (!numsub_becomes(redis.port(), "wsx:crowd", 1)) return;
        publish_burst(redis.port(), "wsx:crowd",
                      wsx::detail::encode_envelope("node-b", wsx::protocol::opcode::binary, "0123456789abcdef", 16),
                      burst);
    });
    asio::steady_timer guard(io, std::chrono::seconds(30));
    guard.async_wait([&](std::error_code ec) {
        if (!ec) io.stop();
    });
    io.run();
    publisher.join();
    node->detach();

    REQUIRE(at.size() == burst);
    // No two of them in one turn: the thread ran other work between any two.
    CHECK(std::set<std::size_t>(at.begin(), at.end()).size() == at.size());
    CHECK(most_waiting < wsx::detail::redis_node::inbox_limit);
}

TEST_CASE("redis: a node behind on delivery stops reading Redis; its inbox stays under the limit", "[redis]") {
    redis_process redis;
    asio::io_context io;
    wsx::redis_options o{"127.0.0.1", redis.port(), "", 0, "wsx:", "node-a"};
    o.max_payload = 64 * 1024;
    wsx::redis_backplane bp{io, o};
    auto node = std::static_pointer_cast<wsx::detail::redis_node>(bp.link());

    // 2,000 messages of 8 KiB: 16 MiB, far over the inbox limit, each one
    // costing a whole turn, so that the node falls behind at once.
    constexpr int burst = 2000;
    const std::string payload(8 * 1024, 'x');
    int delivered = 0;
    std::size_t most_waiting = 0;
    node->attach(
        [&](std::string_view, wsx::protocol::opcode, const void*, std::size_t size) {
            CHECK(size == payload.size());
            most_waiting = std::max(most_waiting, node->inbox_bytes());
            cost_of(wsx::detail::read_turn::turn_sends);
            if (++delivered == burst) io.stop();
        },
        [](std::string_view) { return std::size_t{0}; });
    node->interest("bulk", true);

    std::thread publisher([&] {
        if (!numsub_becomes(redis.port(), "wsx:bulk", 1)) return;
        publish_burst(redis.port(), "wsx:bulk",
                      wsx::detail::encode_envelope("node-b", wsx::protocol::opcode::binary, payload.data(),
                                                   payload.size()),
                      burst);
    });
    asio::steady_timer guard(io, std::chrono::seconds(60));
    guard.async_wait([&](std::error_code ec) {
        if (!ec) io.stop();
    });
    io.run();
    publisher.join();
    node->detach();

    // Every message arrived (Redis's output buffer held what was not read)...
    CHECK(delivered == burst);
    // ...and no more than the limit and one read's worth waited here.
    CHECK(most_waiting <= wsx::detail::redis_node::inbox_limit + 64 * 1024);
    CHECK(most_waiting >= 8 * 1024);
}

TEST_CASE("redis: a node so far behind that Redis drops it reconnects, and hears what comes after", "[redis]") {
    redis_process redis;
    {
        // Redis's own limit for a subscriber that does not read: 256 KiB at once.
        redis_probe probe(redis.port());
        REQUIRE(probe.command({"CONFIG", "SET", "client-output-buffer-limit", "pubsub 262144 131072 1"}) == "OK");
    }
    asio::io_context io;
    wsx::redis_options o{"127.0.0.1", redis.port(), "", 0, "wsx:", "node-a"};
    o.max_payload = 64 * 1024;
    o.reconnect_min = std::chrono::milliseconds(20);
    o.reconnect_max = std::chrono::milliseconds(200);
    wsx::redis_backplane bp{io, o};
    event_log states;
    bp.on_state([&](wsx::redis_state s, std::error_code ec) {
        states.add(std::string(wsx::to_string(s)) + (ec ? ":" + ec.message() : ""));
    });
    auto node = std::static_pointer_cast<wsx::detail::redis_node>(bp.link());

    // A subscriber here that takes a while over each message: the node
    // falls behind, stops reading, and Redis's buffer for it fills.
    constexpr int burst = 3000; // 24 MiB: more than the kernel's socket buffers hold
    const std::string payload(8 * 1024, 'x');
    std::atomic<int> slow_seen{0};
    std::atomic<bool> after_seen{false};
    node->attach(
        [&](std::string_view topic, wsx::protocol::opcode, const void* data, std::size_t size) {
            if (topic == "after") {
                after_seen = std::string_view(static_cast<const char*>(data), size) == "after";
                return;
            }
            ++slow_seen;
            std::this_thread::sleep_for(std::chrono::milliseconds(2));
        },
        [](std::string_view) { return std::size_t{0}; });
    node->interest("bulk", true);
    node->interest("after", true);

    io_threads runner(io, 1);
    REQUIRE(numsub_becomes(redis.port(), "wsx:bulk", 1));
    publish_burst(redis.port(), "wsx:bulk",
                  wsx::detail::encode_envelope("node-b", wsx::protocol::opcode::binary, payload.data(), payload.size()),
                  burst);
    // Dropped by Redis, and back by itself, subscribed again.
    REQUIRE(states.wait_until(
        [](const std::vector<std::string>& e) { return std::count(e.begin(), e.end(), "connected") >= 2; },
        std::chrono::seconds(30)));
    CHECK(states.contains("reconnecting:" + wsx::make_error_code(wsx::redis_error::connection_lost).message()));
    REQUIRE(numsub_becomes(redis.port(), "wsx:after", 1));
    redis_probe(redis.port()).publish("wsx:after",
                                      wsx::detail::encode_envelope("node-b", wsx::protocol::opcode::text, "after", 5));
    CHECK(eventually([&] { return after_seen.load(); }, std::chrono::seconds(30)));
    node->detach();
    runner.stop();
    // At most once: what Redis dropped with the connection never came.
    CHECK(slow_seen < burst);
    CHECK(slow_seen > 0);
}
