// Copyright (c) 2026 wsx developers. Distributed under the Boost Software License, Version 1.0.
// An io_context made for one thread (`asio::io_context io{1}`): a publish
// from that thread queues on each subscriber at once instead of posting to
// its strand (detail/one_thread.hpp). Counted in handlers run, not in time:
// a publish to 40 subscribers runs a few handlers, where posting ran one
// per subscriber. Each subscriber still gets each message once, in order,
// also around sends that were posted; a subscriber at its queue limit is
// told on its own strand, as before.

#include "wsx_catch.hpp"
#include "loopback.hpp"

#include <wsx/sync_client.hpp>
#include <wsx/wsx.hpp>

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

using namespace wsx_test;

namespace {

// Runs what is ready on `io`, without waiting; how many handlers ran.
std::size_t run_ready(asio::io_context& io) {
    io.restart();
    std::size_t n = 0;
    while (io.poll_one() != 0) ++n;
    return n;
}

std::string next(wsx::sync_client& c) {
    auto m = c.receive(default_limit);
    return m ? std::string(m->text()) : "<nothing>";
}

struct one_thread_server {
    asio::io_context io{1};
    wsx::server server{io};
    std::vector<std::unique_ptr<wsx::sync_client>> clients;
    wsx::server::endpoint_type* ep = nullptr;

    explicit one_thread_server(int subscribers) {
        ep = &server.endpoint("/t/{topic}").on_open([](wsx::session& s) { s.subscribe(s.path_param("topic")); });
        server.listen("127.0.0.1", 0);
        io_threads runner(io, 1);
        for (int i = 0; i < subscribers; ++i) {
            clients.push_back(std::make_unique<wsx::sync_client>());
            clients.back()->connect(url_for(server, "/t/room"));
        }
        REQUIRE(eventually([&] { return server.subscribers("room") == static_cast<std::size_t>(subscribers); }));
        runner.stop(); // the test's thread runs it from here on, one handler at a time
    }
    ~one_thread_server() {
        io_threads runner(io, 1);
        for (auto& c : clients) c->close();
        stop_and_join(io, server, runner);
    }
};

} // namespace

TEST_CASE("one thread: a publish to many runs a few handlers, and each subscriber gets it once, in order",
          "[topics][one_thread]") {
    constexpr int subscribers = 40;
    one_thread_server t(subscribers);
    run_ready(t.io);

    std::size_t handed = 0;
    asio::post(t.io, [&] {
        for (int i = 0; i < 3; ++i) handed += t.server.publish("room", "m" + std::to_string(i));
    });
    const std::size_t handlers = run_ready(t.io);
    CHECK(handed == 3 * subscribers);
    // The publishing handler and one flush of every subscriber's queue;
    // posting costs a handler per subscriber and message.
    CHECK(handlers <= 3);
    for (auto& c : t.clients) {
        CHECK(next(*c) == "m0");
        CHECK(next(*c) == "m1");
        CHECK(next(*c) == "m2");
    }
}

TEST_CASE("one thread: a publish keeps its place among sends posted to the same subscriber", "[topics][one_thread]") {
    one_thread_server t(2);
    run_ready(t.io);
    std::vector<wsx::session_handle> members;
    for (auto& h : t.ep->open_sessions()) members.push_back(h);
    REQUIRE(members.size() == 2);

    asio::post(t.io, [&] {
        // A send from off the strand is posted; the publish after it must
        // not overtake it, nor the send after the publish overtake that.
        members[0].send("posted before");
        t.server.publish("room", "published");
        members[0].send("posted after");
    });
    run_ready(t.io);
    io_threads runner(t.io, 1);
    // members[0] may be either client: look at what each one got.
    std::map<std::string, int> firsts;
    for (auto& c : t.clients) {
        const std::string first = next(*c);
        if (first == "posted before") {
            CHECK(next(*c) == "published");
            CHECK(next(*c) == "posted after");
        } else {
            CHECK(first == "published");
        }
        ++firsts[first];
    }
    CHECK(firsts["posted before"] == 1);
    CHECK(firsts["published"] == 1);
    runner.stop();
}

TEST_CASE("one thread: a subscriber at its queue limit hears of it once, on its strand; the other gets everything",
          "[topics][one_thread]") {
    constexpr std::size_t queue_limit = 64 * 1024;
    constexpr int count = 600;
    const std::string payload(16 * 1024, 'm');
    asio::io_context io{1};
    wsx::server server{io};
    server.default_options().max_send_queue = queue_limit;
    std::mutex mu;
    std::map<std::uint64_t, int> full;
    int errors_inside_publish = 0;
    bool publishing = false;
    auto& ep = server.endpoint("/t/{topic}")
                   .on_open([](wsx::session& s) {
                       set_send_buffer(s, 64 * 1024);
                       s.subscribe(s.path_param("topic"));
                   })
                   // The fast client asks for each next message: published
                   // from this handler, on the io_context's one thread.
                   .on_message([&](wsx::session&, const wsx::message&) {
                       publishing = true;
                       server.publish("feed", payload);
                       publishing = false;
                   })
                   .on_error([&](wsx::session& s, std::error_code ec) {
                       std::lock_guard<std::mutex> lock(mu);
                       if (publishing) ++errors_inside_publish;
                       if (ec == wsx::error::send_queue_full) ++full[s.id()];
                   });
    server.listen("127.0.0.1", 0);
    const auto port = server.port();
    io_threads runner(io, 1);

    raw_peer slow;
    slow.shrink_receive_buffer(4096);
    slow.connect(port);
    REQUIRE(slow.handshake("/t/feed", port));
    wsx::sync_client fast;
    fast.connect(ws_url(port, "/t/feed"));
    REQUIRE(eventually([&] { return server.subscribers("feed") == 2; }));

    int got = 0;
    for (int i = 0; i < count; ++i) {
        fast.send("next");
        auto m = fast.receive(default_limit);
        if (!m || m->text() != payload) break;
        ++got;
    }
    CHECK(got == count);

    std::shared_ptr<wsx::session> slow_session;
    for (auto& h : ep.open_sessions())
        if (auto s = h.lock(); s && s->buffered_amount() > 0) slow_session = s;
    REQUIRE(slow_session);
    CHECK(eventually([&] { return slow_session->buffered_amount() <= queue_limit + payload.size() + 4; }));
    CHECK(slow_session->buffered_amount() >= queue_limit);
    CHECK(slow_session->is_open());
    {
        std::lock_guard<std::mutex> lock(mu);
        CHECK(full.size() == 1);
        CHECK(full[slow_session->id()] == 1);
        CHECK(errors_inside_publish == 0);
    }
    slow_session.reset();
    slow.close();
    fast.close();
    CHECK(stop_and_join(io, server, runner));
}
