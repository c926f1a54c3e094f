// Copyright (c) 2026 wsx developers. Distributed under the Boost Software License, Version 1.0.
// Topics across threads over loopback: the io_context runs on 4 threads,
// three other threads publish at once while clients join and leave the
// topic. Each steady subscriber must get every message once, each
// publisher's in its order; a client that comes and goes must never see
// one out of order or twice. Also run under ThreadSanitizer in CI.

#include "wsx_catch.hpp"
#include "loopback.hpp"

#include <wsx/wsx.hpp>

#include <array>
#include <map>
#include <atomic>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

using namespace wsx_test;

namespace {

constexpr int io_thread_count = 4;
constexpr int publishers = 3;
constexpr int per_publisher = 200;
constexpr int steady_count = 6;

// What one client saw of "p<publisher>:<seq>" messages (its handlers run on
// its session's strand, one at a time).
struct seen {
    std::array<int, publishers> next{};
    std::atomic<int> got{0};
    std::atomic<int> wrong{0}; // out of order, repeated, or malformed

    void on(std::string_view t) {
        if (t.size() < 4 || t[0] != 'p' || t[2] != ':') {
            ++wrong;
            return;
        }
        const int p = t[1] - '0';
        const int seq = std::stoi(std::string(t.substr(3)));
        if (p < 0 || p >= publishers || seq < next[static_cast<std::size_t>(p)]) {
            ++wrong;
            return;
        }
        next[static_cast<std::size_t>(p)] = seq + 1;
        ++got;
    }
};

} // namespace

TEST_CASE("topics: publishers on several threads while subscribers come and go", "[threads][topics]") {
    asio::io_context io;
    wsx::server server{io};
    server.endpoint("/t/{topic}").on_open([](wsx::session& s) { s.subscribe(s.path_param("topic")); });
    server.listen("127.0.0.1", 0);
    io_threads runner(io, io_thread_count);

    std::vector<std::unique_ptr<wsx::client>> steady;
    std::vector<std::unique_ptr<seen>> steady_seen;
    for (int i = 0; i < steady_count; ++i) {
        steady_seen.push_back(std::make_unique<seen>());
        auto c = std::make_unique<wsx::client>(io);
        c->on_message([k = steady_seen.back().get()](wsx::session&, const wsx::message& m) { k->on(m.text()); });
        c->connect(ws_url(server.port(), "/t/news"));
        steady.push_back(std::move(c));
    }
    // A client of another topic hears nothing of this one.
    std::atomic<int> other_got{0};
    wsx::client other(io);
    other.on_message([&](wsx::session&, const wsx::message&) { ++other_got; });
    other.connect(ws_url(server.port(), "/t/sport"));
    REQUIRE(eventually([&] { return server.subscribers("news") == steady_count && server.subscribers("sport") == 1; }));

    std::atomic<bool> publishing{true};
    std::atomic<int> churn_wrong{0};
    std::thread churn([&] {
        // Joins and leaves while the publishers run.
        while (publishing) {
            auto k = std::make_shared<seen>();
            wsx::client c(io);
            c.on_message([k](wsx::session&, const wsx::message& m) { k->on(m.text()); });
            c.connect(ws_url(server.port(), "/t/news"));
            std::this_thread::sleep_for(std::chrono::milliseconds(3));
            c.close();
            eventually([&] { return c.ready_state() == wsx::ready_state::closed; });
            churn_wrong += k->wrong.load();
        }
    });
    std::vector<std::thread> pubs;
    for (int p = 0; p < publishers; ++p)
        pubs.emplace_back([&, p] {
            for (int seq = 0; seq < per_publisher; ++seq)
                server.publish("news", "p" + std::to_string(p) + ":" + std::to_string(seq));
        });
    for (auto& t : pubs) t.join();
    publishing = false;
    churn.join();

    REQUIRE(eventually([&] {
        for (auto& k : steady_seen)
            if (k->got < publishers * per_publisher) return false;
        return true;
    }));
    for (auto& k : steady_seen) {
        CHECK(k->got == publishers * per_publisher);
        CHECK(k->wrong == 0);
    }
    CHECK(churn_wrong == 0);
    CHECK(other_got == 0);

    for (auto& c : steady) c->close();
    other.close();
    CHECK(eventually([&] { return server.subscribers("news") == 0 && server.subscribers("sport") == 0; }));
    steady.clear();
    CHECK(stop_and_join(io, server, runner));
}

TEST_CASE("topics: a client's session has none", "[topics]") {
    asio::io_context io;
    wsx::server server{io};
    server.endpoint("/");
    server.listen("127.0.0.1", 0);
    wsx::client c(io);
    std::error_code subscribe_error, publish_error;
    bool subscribed = true;
    c.on_open([&](wsx::session& s) {
        try {
            s.subscribe("x");
        } catch (const std::system_error& e) {
            subscribe_error = e.code();
        }
        try {
            s.publish("x", "y");
        } catch (const std::system_error& e) {
            publish_error = e.code();
        }
        subscribed = s.is_subscribed("x");
        s.close();
    });
    c.connect(ws_url(server.port(), "/"));
    REQUIRE(run_until(io, [&] { return c.ready_state() == wsx::ready_state::closed; }));
    CHECK(subscribe_error == wsx::error::invalid_state);
    CHECK(publish_error == wsx::error::invalid_state);
    CHECK_FALSE(subscribed);
    server.stop();
    CHECK(run_to_completion(io));
}

TEST_CASE("topics: a subscriber that stops reading meets its queue limit; the others get everything", "[topics]") {
    constexpr std::size_t queue_limit = 64 * 1024;
    // More than the kernel's socket buffers can hide (loopback ones grow to
    // megabytes), so the slow reader's queue must fill.
    constexpr int count = 600;
    const std::string payload(16 * 1024, 'm');
    asio::io_context io;
    wsx::server server{io};
    server.default_options().max_send_queue = queue_limit;
    std::mutex mu;
    std::map<std::uint64_t, int> full; // send_queue_full reports, by session id
    auto& ep = server.endpoint("/t/{topic}")
                   .on_open([](wsx::session& s) {
                       // A fixed kernel buffer: one that grows (loopback
                       // autotuning) would take the slow one's queue in
                       // bursts, end its episode and start another.
                       set_send_buffer(s, 64 * 1024);
                       s.subscribe(s.path_param("topic"));
                   })
                   .on_error([&](wsx::session& s, std::error_code ec) {
                       std::lock_guard<std::mutex> lock(mu);
                       if (ec == wsx::error::send_queue_full) ++full[s.id()];
                   });
    server.listen("127.0.0.1", 0);
    const auto port = server.port();
    io_threads runner(io, 2);

    raw_peer slow;
    slow.shrink_receive_buffer(4096);
    slow.connect(port);
    REQUIRE(slow.handshake("/t/feed", port));
    std::atomic<int> fast_got{0};
    wsx::client fast(io);
    fast.on_message([&](wsx::session&, const wsx::message& m) {
        if (m.text() == payload) ++fast_got;
    });
    fast.connect(ws_url(port, "/t/feed"));
    REQUIRE(eventually([&] { return server.subscribers("feed") == 2; }));

    // Paced by the reader that keeps up (two messages in flight at most,
    // under its limit), as a real feed would be; the other falls behind.
    int handed = 0;
    for (int i = 0; i < count; ++i) {
        if (!eventually([&] { return fast_got >= i - 2; })) break;
        handed += static_cast<int>(server.publish("feed", payload));
    }
    CHECK(handed == 2 * count);
    REQUIRE(eventually([&] { return fast_got == count; }));

    // The slow one's queue stopped at its limit plus the message that crossed it.
    std::shared_ptr<wsx::session> slow_session;
    for (auto& h : ep.open_sessions())
        if (auto s = h.lock(); s && s->buffered_amount() > 0) slow_session = s;
    REQUIRE(slow_session);
    CHECK(eventually([&] { return slow_session->buffered_amount() <= queue_limit + payload.size() + 4; }));
    CHECK(slow_session->buffered_amount() >= queue_limit);
    CHECK(slow_session->is_open()); // the default policy refuses, it does not close
    {
        std::lock_guard<std::mutex> lock(mu);
        CHECK(full.size() == 1);
        CHECK(full[slow_session->id()] == 1); // told once per episode
    }
    slow_session.reset();
    slow.close();
    fast.close();
    CHECK(stop_and_join(io, server, runner));
}
