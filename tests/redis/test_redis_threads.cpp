// Copyright (c) 2026 wsx developers. Distributed under the Boost Software License, Version 1.0.
// The Redis backplane with io_contexts run by 4 threads each: publications
// from foreign threads and from handlers, subscribe and unsubscribe churn
// on every thread, presence queries from other threads, and Redis killed
// and restarted in the middle of it. Counts: every publication made while
// both nodes are connected arrives, once, in each publishing thread's
// order; the subscriptions on Redis end where the sessions left them.
//
// Built and run under ThreadSanitizer by scripts/test.sh: the point is as
// much "no data race" (the node's strand against the server's threads, the
// counters read from any thread, hiredis driven from whichever thread runs
// the strand) as the counts.

#include "wsx_catch.hpp"
#include "redis_fixture.hpp"

#include <atomic>
#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

using namespace wsx_test;

namespace {

constexpr int io_thread_count = 4;
constexpr int publisher_count = 4;
constexpr int per_publisher = 150;

struct threaded_node {
    asio::io_context io;
    wsx::server server{io};
    wsx::redis_backplane redis;
    std::unique_ptr<io_threads> runner;

    static wsx::redis_options options_for(std::uint16_t port, std::string id) {
        wsx::redis_options o{"127.0.0.1", port, "", 0, "wsx:", std::move(id)};
        o.reconnect_min = std::chrono::milliseconds(20);
        o.reconnect_max = std::chrono::milliseconds(300);
        o.ping_interval = std::chrono::milliseconds(20);
        o.presence_interval = std::chrono::milliseconds(50);
        o.presence_ttl = std::chrono::milliseconds(500);
        return o;
    }

    threaded_node(std::uint16_t port, std::string id) : redis{io, options_for(port, std::move(id))} {
        server.endpoint("/t/{topic}").on_open([](wsx::session& s) { s.subscribe(s.path_param("topic")); });
        // Each message published from the handler, on whichever thread runs it.
        server.endpoint("/pub/{topic}").on_message([](wsx::session& s, const wsx::message& m) {
            s.publish(s.path_param("topic"), m);
        });
        // "on" and "off" subscribe and unsubscribe from the handler: interest
        // changes from every io thread.
        server.endpoint("/toggle/{topic}").on_message([](wsx::session& s, const wsx::message& m) {
            if (m.text() == "on")
                s.subscribe(s.path_param("topic"));
            else
                s.unsubscribe(s.path_param("topic"));
            s.send("ok");
        });
        server.use_backplane(redis);
        server.listen("127.0.0.1", 0);
        runner = std::make_unique<io_threads>(io, io_thread_count);
    }
    ~threaded_node() { stop_and_join(io, server, *runner); }

    bool connected() {
        return eventually([&] { return redis.state() == wsx::redis_state::connected; });
    }
    std::unique_ptr<wsx::sync_client> join(const std::string& topic, std::size_t expect_local) {
        auto c = std::make_unique<wsx::sync_client>();
        c->connect(url_for(server, "/t/" + topic));
        if (!eventually([&] { return server.subscribers(topic) == expect_local; }))
            throw std::runtime_error("the client did not join " + topic);
        return c;
    }
};

// Reads until `expected` messages led by `tag` have come (others are
// skipped), checking that each publisher's numbers rise; false when they
// did not all come or came out of order.
bool receive_all(wsx::sync_client& c, const std::string& tag, int publishers, int each) {
    std::map<int, int> next;
    int got = 0;
    while (got < publishers * each) {
        auto m = c.receive(default_limit);
        if (!m) return false;
        const std::string t(m->text());
        if (t.rfind(tag, 0) != 0) continue;
        // tag + publisher + ':' + number
        const auto colon = t.find(':', tag.size());
        const int who = std::stoi(t.substr(tag.size(), colon - tag.size()));
        const int n = std::stoi(t.substr(colon + 1));
        if (n != next[who]) return false;
        ++next[who];
        ++got;
    }
    return true;
}

void publish_from_threads(threaded_node& n, const std::string& topic, const std::string& tag, int each) {
    std::vector<std::thread> threads;
    for (int p = 0; p < publisher_count; ++p)
        threads.emplace_back([&n, &topic, &tag, p, each] {
            for (int i = 0; i < each; ++i)
                n.server.publish(topic, tag + std::to_string(p) + ":" + std::to_string(i));
        });
    for (auto& t : threads) t.join();
}

} // namespace

TEST_CASE("redis: nodes on 4 io threads each, publishing from everywhere, Redis restarted", "[redis]") {
    redis_process redis;
    threaded_node a(redis.port(), "node-a");
    threaded_node b(redis.port(), "node-b");
    REQUIRE(a.connected());
    REQUIRE(b.connected());
    auto on_b = b.join("feed", 1);
    auto chat_on_b = b.join("chat", 1);
    REQUIRE(numsub_becomes(redis.port(), "wsx:feed", 1));
    REQUIRE(numsub_becomes(redis.port(), "wsx:chat", 1));

    // Foreign threads publishing at once, and handlers publishing on A's io threads.
    std::thread chatter([&] {
        std::vector<std::unique_ptr<wsx::sync_client>> talkers;
        for (int p = 0; p < publisher_count; ++p) {
            talkers.push_back(std::make_unique<wsx::sync_client>());
            talkers.back()->connect(url_for(a.server, "/pub/chat"));
        }
        for (int i = 0; i < per_publisher; ++i)
            for (int p = 0; p < publisher_count; ++p)
                talkers[static_cast<std::size_t>(p)]->send("c" + std::to_string(p) + ":" + std::to_string(i));
        for (auto& t : talkers) t->close();
    });
    // Interest churn on B's io threads meanwhile: topics coming and going on Redis.
    std::atomic<int> toggles{0};
    std::thread churn([&] {
        std::vector<std::unique_ptr<wsx::sync_client>> ts;
        for (int k = 0; k < 4; ++k) {
            ts.push_back(std::make_unique<wsx::sync_client>());
            ts.back()->connect(url_for(b.server, "/toggle/churn" + std::to_string(k % 2)));
        }
        for (int round = 0; round < 40; ++round)
            for (auto& t : ts) {
                t->send(round % 2 == 0 ? "on" : "off");
                auto ok = t->receive(default_limit);
                if (ok && ok->text() == "ok") ++toggles;
            }
        for (auto& t : ts) t->close();
    });
    // Presence asked from foreign threads: each handler exactly once.
    std::atomic<int> answered{0};
    std::thread asker([&] {
        for (int i = 0; i < 50; ++i) b.server.cluster_subscribers("feed", [&](std::error_code, std::size_t) { ++answered; });
    });
    publish_from_threads(a, "feed", "f", per_publisher);

    CHECK(receive_all(*on_b, "f", publisher_count, per_publisher));
    chatter.join();
    CHECK(receive_all(*chat_on_b, "c", publisher_count, per_publisher));
    churn.join();
    asker.join();
    CHECK(toggles.load() == 4 * 40);
    CHECK(eventually([&] { return answered.load() == 50; }));
    // Every toggler ended "off", then closed.
    CHECK(numsub_becomes(redis.port(), "wsx:churn0", 0));
    CHECK(numsub_becomes(redis.port(), "wsx:churn1", 0));

    // Redis killed under publishers on both nodes and restarted.
    std::atomic<bool> stop{false};
    std::atomic<int> during{0};
    std::vector<std::thread> pubs;
    for (auto* n : {&a, &b})
        for (int p = 0; p < 2; ++p)
            pubs.emplace_back([n, &stop, &during, p] {
                int i = 0;
                while (!stop.load()) {
                    n->server.publish("feed", "d" + std::to_string(p) + ":" + std::to_string(i++));
                    ++during;
                    // Paced: b's own subscriber here is not read until later,
                    // and must not meet the server's send-queue limit meanwhile.
                    std::this_thread::sleep_for(std::chrono::milliseconds(1));
                }
            });
    CHECK(eventually([&] { return during.load() > 200; }));
    redis.kill();
    CHECK(eventually([&] { return a.redis.state() == wsx::redis_state::reconnecting; }));
    CHECK(eventually([&] { return b.redis.state() == wsx::redis_state::reconnecting; }));
    const auto lost_a = a.redis.lost();
    CHECK(eventually([&] { return a.redis.lost() > lost_a; }));
    redis.start();
    REQUIRE(a.connected());
    REQUIRE(b.connected());
    REQUIRE(numsub_becomes(redis.port(), "wsx:feed", 1));
    stop = true;
    for (auto& t : pubs) t.join();

    // Connected again: all of these arrive, in order, past whatever of the
    // outage's publications did.
    publish_from_threads(a, "feed", "g", per_publisher);
    CHECK(receive_all(*on_b, "g", publisher_count, per_publisher));
    // Redis delivers to b's subscription before a has read its answers to
    // the PUBLISH commands: the last confirmations may still be on the way.
    CHECK(eventually([&] { return a.redis.pending_bytes() == 0; }));
}
