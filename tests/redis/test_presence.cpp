// Copyright (c) 2026 wsx developers. Distributed under the Boost Software License, Version 1.0.
// Presence across nodes (docs/scaling.md): server::cluster_subscribers()
// adds up every live node's subscribers of a topic, eventually; a node
// that goes away stops being counted once its counts' TTL has passed; when
// Redis cannot answer, the handler gets an error and this node's count,
// exactly once; without a backplane it gets the local count, posted.

#include "wsx_catch.hpp"
#include "redis_fixture.hpp"

#include <atomic>
#include <chrono>
#include <future>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

using namespace wsx_test;

namespace {

struct answer {
    std::error_code ec;
    std::size_t count = 0;
    bool came = false;
};

// Asks once and waits (bounded) for the one answer.
answer ask(wsx::server& server, const std::string& topic) {
    auto p = std::make_shared<std::promise<answer>>();
    auto f = p->get_future();
    server.cluster_subscribers(topic, [p](std::error_code ec, std::size_t n) { p->set_value({ec, n, true}); });
    if (f.wait_for(default_limit) != std::future_status::ready) return {};
    return f.get();
}

// Asks until the answer is `n` with no error, or the limit passes.
bool reports(wsx::server& server, const std::string& topic, std::size_t n) {
    return eventually([&] {
        const answer a = ask(server, topic);
        if (a.came && !a.ec && a.count == n) return true;
        std::this_thread::sleep_for(20ms);
        return false;
    });
}

// Short presence timings, so that a dead node drops out within the test.
void fast_presence(wsx::redis_options& o) {
    o.presence_interval = std::chrono::milliseconds(100);
    o.presence_ttl = std::chrono::milliseconds(400);
}

long long scard(std::uint16_t port, const std::string& key) {
    redisContext* c = redisConnect("127.0.0.1", port);
    long long n = -1;
    if (c && !c->err) {
        auto* r = static_cast<redisReply*>(redisCommand(c, "SCARD %b", key.data(), key.size()));
        if (r && r->type == REDIS_REPLY_INTEGER) n = r->integer;
        if (r) freeReplyObject(r);
    }
    if (c) redisFree(c);
    return n;
}

} // namespace

TEST_CASE("redis presence: counts add up over nodes, follow a leave, and drop a dead node after its TTL", "[redis]") {
    redis_process redis;
    test_node a(redis.port(), "node-a", 1024 * 1024, fast_presence);
    auto b = std::make_unique<test_node>(redis.port(), "node-b", 1024 * 1024, fast_presence);
    REQUIRE(a.connected());
    REQUIRE(b->connected());
    auto a1 = a.join("room", 1);
    auto a2 = a.join("room", 2);
    auto b1 = b->join("room", 1);
    auto elsewhere = b->join("other", 1);

    CHECK(reports(a.server, "room", 3));
    CHECK(reports(b->server, "room", 3));
    CHECK(reports(a.server, "other", 1));
    CHECK(reports(a.server, "nobody", 0));

    a2->close();
    CHECK(reports(a.server, "room", 2));
    CHECK(reports(b->server, "room", 2));
    CHECK(scard(redis.port(), "wsx:nodes") == 2);

    // b goes away without a word to Redis: its hash lives until the TTL,
    // then a counts only its own, and b's id leaves the nodes set.
    b1.reset();
    elsewhere.reset();
    b.reset();
    CHECK(reports(a.server, "room", 1));
    CHECK(reports(a.server, "other", 0));
    CHECK(scard(redis.port(), "wsx:nodes") == 1);
}

TEST_CASE("redis presence: with Redis gone the handler gets not_connected and the local count", "[redis]") {
    redis_process redis;
    test_node a(redis.port(), "node-a", 1024 * 1024, fast_presence);
    REQUIRE(a.connected());
    auto a1 = a.join("room", 1);
    auto a2 = a.join("room", 2);
    CHECK(reports(a.server, "room", 2));

    redis.kill();
    REQUIRE(eventually([&] { return a.redis.state() == wsx::redis_state::reconnecting; }));
    const answer r = ask(a.server, "room");
    REQUIRE(r.came);
    CHECK(r.ec == wsx::redis_error::not_connected);
    CHECK(r.count == 2);

    redis.start();
    REQUIRE(a.connected());
    CHECK(reports(a.server, "room", 2));
}

TEST_CASE("redis presence: an answer later than command_timeout ends in one error, and only one", "[redis]") {
    redis_process redis;
    test_node a(redis.port(), "node-a", 1024 * 1024, [](wsx::redis_options& o) {
        fast_presence(o);
        o.command_timeout = std::chrono::milliseconds(300);
    });
    REQUIRE(a.connected());
    auto a1 = a.join("room", 1);
    CHECK(reports(a.server, "room", 1));

    std::mutex mu;
    std::vector<answer> answers;
    redis.pause();
    a.server.cluster_subscribers("room", [&](std::error_code ec, std::size_t n) {
        std::lock_guard<std::mutex> lock(mu);
        answers.push_back({ec, n, true});
    });
    auto count = [&] {
        std::lock_guard<std::mutex> lock(mu);
        return answers.size();
    };
    REQUIRE(eventually([&] { return count() == 1; }));
    redis.resume();
    // Reconnected and answering again: had the first handler been kept
    // anywhere, its late reply would have come before this one.
    REQUIRE(eventually([&] { return a.states.count("connected") == 2; }));
    CHECK(reports(a.server, "room", 1));
    std::lock_guard<std::mutex> lock(mu);
    REQUIRE(answers.size() == 1);
    CHECK(answers[0].ec.category() == wsx::redis_category());
    CHECK(answers[0].count == 1);
}

TEST_CASE("redis presence: bad presence options are refused", "[redis]") {
    asio::io_context io;
    wsx::redis_options o;
    o.presence_ttl = o.presence_interval;
    CHECK_THROWS_AS(wsx::redis_backplane(io, o), std::system_error);
    o.presence_interval = std::chrono::milliseconds(0);
    CHECK_THROWS_AS(wsx::redis_backplane(io, o), std::system_error);
}

TEST_CASE("presence without a backplane: the local count, posted, never inline", "[redis]") {
    asio::io_context io;
    wsx::server server{io};
    server.endpoint("/t/{topic}").on_open([](wsx::session& s) { s.subscribe(s.path_param("topic")); });
    server.listen("127.0.0.1", 0);
    io_threads runner(io);
    wsx::sync_client c;
    c.connect(url_for(server, "/t/room"));
    REQUIRE(eventually([&] { return server.subscribers("room") == 1; }));

    // Asked from inside a handler on the io_context: the answer must come after the call returned.
    std::atomic<bool> returned{false}, inline_answer{false};
    std::atomic<int> answers{0};
    std::atomic<std::size_t> got{99};
    asio::post(io, [&] {
        server.cluster_subscribers("room", [&](std::error_code ec, std::size_t n) {
            if (!returned) inline_answer = true;
            if (!ec) got = n;
            ++answers;
        });
        returned = true;
    });
    REQUIRE(eventually([&] { return answers == 1; }));
    CHECK_FALSE(inline_answer);
    CHECK(got == 1);
    const answer r = ask(server, "room");
    CHECK(r.came);
    CHECK(!r.ec);
    CHECK(r.count == 1);
    c.close();
    stop_and_join(io, server, runner);
}
