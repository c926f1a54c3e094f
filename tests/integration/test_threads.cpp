// Copyright (c) 2026 wsx developers. Distributed under the Boost Software License, Version 1.0.
// Many threads: the io_context is run by 4 threads, 20 clients are
// connected, and 4 other threads send to every session through handles at
// once, in both directions. Every message must arrive exactly once, in the
// order each sender sent it, and the handlers of one session must never
// run at the same time. Sends with asio::use_future from a non-io thread
// (the blocking style), broadcast through open_sessions().
//
// Also built and run under ThreadSanitizer in CI (see tests/CMakeLists.txt,
// WSX_SANITIZE=thread): the point is as much "no data race" as "right
// answer".

#include "wsx_catch.hpp"
#include "loopback.hpp"

#include <wsx/wsx.hpp>

#include <asio/post.hpp>
#include <asio/use_future.hpp>

#include <array>
#include <atomic>
#include <charconv>
#include <future>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

using namespace wsx_test;

namespace {

constexpr int io_thread_count = 4;
constexpr int client_count = 20;
constexpr int sender_count = 4;
constexpr int per_sender = 60; // messages from each sender thread to each session

// What one end of one connection saw. The handlers of a session run on its
// strand, so `next` is touched by one handler at a time (that is what
// `overlaps` checks); the counters are read by the test thread.
struct conn_check {
    std::atomic<bool> busy{false};
    std::atomic<int> overlaps{0};
    std::atomic<int> point{0};        // "p<sender>:<seq>" messages
    std::atomic<int> out_of_order{0}; // a sender's messages not in its order
    std::atomic<int> broadcasts{0};   // "b:<from>" messages
    std::atomic<int> duplicates{0};
    std::atomic<int> alls{0};         // the endpoint-wide broadcast
    std::atomic<int> opens{0};
    std::atomic<int> closes{0};
    std::array<int, sender_count> next{};
    std::array<bool, client_count> seen_broadcast{};

    // Handlers call this first and leave() last: an overlap means two
    // handlers of one session ran concurrently.
    void enter() {
        if (busy.exchange(true, std::memory_order_acq_rel)) ++overlaps;
    }
    void leave() { busy.store(false, std::memory_order_release); }

    void on_text(std::string_view t) {
        int a = 0, b = 0;
        if (t.size() > 1 && t[0] == 'p') {
            auto colon = t.find(':');
            std::from_chars(t.data() + 1, t.data() + colon, a);
            std::from_chars(t.data() + colon + 1, t.data() + t.size(), b);
            if (a < 0 || a >= sender_count || next[static_cast<std::size_t>(a)] != b) ++out_of_order;
            else ++next[static_cast<std::size_t>(a)];
            ++point;
        } else if (t.size() > 2 && t[0] == 'b' && t[1] == ':') {
            std::from_chars(t.data() + 2, t.data() + t.size(), a);
            if (a < 0 || a >= client_count || seen_broadcast[static_cast<std::size_t>(a)]) ++duplicates;
            else seen_broadcast[static_cast<std::size_t>(a)] = true;
            ++broadcasts;
        } else if (t == "all") {
            ++alls;
        }
        // Widen the window in which a concurrent handler would be caught.
        std::this_thread::yield();
    }
};

// The server side, in the class form: one object per connection.
struct registry {
    std::mutex mu;
    std::vector<std::pair<wsx::session_handle, std::shared_ptr<conn_check>>> server_sessions;
};
registry* the_registry = nullptr;

struct server_endpoint {
    // Shared with the registry: the endpoint object itself goes away with
    // its connection, and the test reads the results after that.
    std::shared_ptr<conn_check> shared = std::make_shared<conn_check>();
    conn_check& check = *shared;
    void on_open(wsx::session& s) {
        check.enter();
        ++check.opens;
        {
            std::lock_guard<std::mutex> lock(the_registry->mu);
            the_registry->server_sessions.emplace_back(s.handle(), shared);
        }
        check.leave();
    }
    void on_message(wsx::session& s, const wsx::message& m) {
        check.enter();
        std::string_view t = m.text();
        if (t.rfind("bcast:", 0) == 0) {
            // One prepared message to every open session: framed once, shared.
            const auto out = wsx::prepared_message::text("b:" + std::string(t.substr(6)));
            for (auto& peer : s.open_sessions()) peer.send(out);
        } else {
            check.on_text(t);
        }
        check.leave();
    }
    void on_close(wsx::session&, const wsx::close_reason&) {
        check.enter();
        ++check.closes;
        check.leave();
    }
};

} // namespace

TEST_CASE("threads: concurrent sends from many threads arrive once, in order, never concurrently handled",
          "[threads]") {
    registry reg;
    the_registry = &reg;
    asio::io_context io;
    wsx::server server{io};
    auto& ep = server.endpoint<server_endpoint>("/t");
    server.listen("127.0.0.1", 0);
    const auto port = server.port();

    // The clients, each with its own checker (lambda form).
    std::vector<std::unique_ptr<wsx::client>> clients;
    std::vector<std::unique_ptr<conn_check>> client_checks;
    for (int i = 0; i < client_count; ++i) {
        auto check = std::make_unique<conn_check>();
        auto c = std::make_unique<wsx::client>(io);
        conn_check* k = check.get();
        c->on_open([k](wsx::session&) {
             k->enter();
             ++k->opens;
             k->leave();
         })
            .on_message([k](wsx::session&, const wsx::message& m) {
                k->enter();
                k->on_text(m.text());
                k->leave();
            })
            .on_close([k](wsx::session&) {
                k->enter();
                ++k->closes;
                k->leave();
            });
        c->connect(ws_url(port, "/t"));
        clients.push_back(std::move(c));
        client_checks.push_back(std::move(check));
    }

    io_threads runner(io, io_thread_count);
    REQUIRE(eventually([&] {
        std::lock_guard<std::mutex> lock(reg.mu);
        return reg.server_sessions.size() == client_count;
    }));
    for (auto& k : client_checks) REQUIRE(eventually([&] { return k->opens.load() == 1; }));

    // Every session, both ends, as handles the sender threads share.
    std::vector<wsx::session_handle> targets;
    std::vector<std::shared_ptr<conn_check>> server_checks;
    {
        std::lock_guard<std::mutex> lock(reg.mu);
        for (auto& [h, k] : reg.server_sessions) {
            targets.push_back(h);
            server_checks.push_back(k);
        }
    }
    for (auto& c : clients) targets.push_back(c->session()->handle());

    // Sender 0 waits on each send's future (the blocking style), sender 1
    // counts callbacks, the others fire and forget.
    std::atomic<int> future_ok{0}, future_failed{0}, callbacks_ok{0}, callbacks_failed{0};
    std::vector<std::thread> senders;
    for (int t = 0; t < sender_count; ++t) {
        senders.emplace_back([&, t] {
            for (int seq = 0; seq < per_sender; ++seq) {
                const std::string text = "p" + std::to_string(t) + ":" + std::to_string(seq);
                for (auto& h : targets) {
                    if (t == 0) {
                        try {
                            h.send(text, asio::use_future).get();
                            ++future_ok;
                        } catch (const std::system_error&) {
                            ++future_failed;
                        }
                    } else if (t == 1) {
                        h.send(text, [&](std::error_code ec) { ++(ec ? callbacks_failed : callbacks_ok); });
                    } else {
                        h.send(text);
                    }
                }
            }
        });
    }
    for (auto& s : senders) s.join();

    const int expected_point = sender_count * per_sender;
    for (int i = 0; i < client_count; ++i) {
        INFO("client " << i);
        REQUIRE(eventually([&] { return client_checks[static_cast<std::size_t>(i)]->point.load() >= expected_point; }));
        REQUIRE(eventually([&] { return server_checks[static_cast<std::size_t>(i)]->point.load() >= expected_point; }));
    }
    const int total_targets = static_cast<int>(targets.size());
    CHECK(future_ok == per_sender * total_targets);
    CHECK(future_failed == 0);
    REQUIRE(eventually([&] { return callbacks_ok.load() == per_sender * total_targets; }));
    CHECK(callbacks_failed == 0);

    // Broadcast: every client asks the server to broadcast once, all at
    // once from four threads; each client must get each broadcast once.
    std::vector<std::thread> askers;
    for (int t = 0; t < sender_count; ++t) {
        askers.emplace_back([&, t] {
            for (int i = t; i < client_count; i += sender_count)
                clients[static_cast<std::size_t>(i)]->session()->handle().send("bcast:" + std::to_string(i));
        });
    }
    for (auto& a : askers) a.join();
    for (auto& k : client_checks) REQUIRE(eventually([&] { return k->broadcasts.load() >= client_count; }));

    // And from outside any handler, through the endpoint, one message object.
    {
        wsx::message all = wsx::message::text("all");
        auto everyone = ep.open_sessions();
        CHECK(everyone.size() == client_count);
        for (auto& h : everyone) h.send(all);
    }
    for (auto& k : client_checks) REQUIRE(eventually([&] { return k->alls.load() >= 1; }));

    // Give stray duplicates a moment to show up before counting: the close
    // handshake below queues behind anything still in flight anyway.
    asio::post(io, [&] { server.stop(); });
    for (auto& k : client_checks) REQUIRE(eventually([&] { return k->closes.load() == 1; }));
    for (auto& k : server_checks) REQUIRE(eventually([&] { return k->closes.load() == 1; }));

    for (int i = 0; i < client_count; ++i) {
        INFO("connection " << i);
        auto& c = *client_checks[static_cast<std::size_t>(i)];
        auto& s = *server_checks[static_cast<std::size_t>(i)];
        CHECK(c.overlaps == 0);
        CHECK(s.overlaps == 0);
        CHECK(c.point == expected_point);
        CHECK(s.point == expected_point);
        CHECK(c.out_of_order == 0);
        CHECK(s.out_of_order == 0);
        CHECK(c.broadcasts == client_count);
        CHECK(c.duplicates == 0);
        CHECK(c.alls == 1);
        CHECK(c.opens == 1);
        CHECK(s.opens == 1);
    }
    runner.release();
    CHECK(runner.join_within(default_limit));
    the_registry = nullptr;
}

TEST_CASE("threads: a handle outlives its session on another thread without harm", "[threads][handle]") {
    asio::io_context io;
    wsx::server server{io};
    std::mutex mu;
    std::vector<wsx::session_handle> handles;
    server.endpoint("/h").on_open([&](wsx::session& s) {
        std::lock_guard<std::mutex> lock(mu);
        handles.push_back(s.handle());
    });
    server.listen("127.0.0.1", 0);
    const auto port = server.port();
    io_threads runner(io, io_thread_count);

    // Clients come and go while another thread keeps sending to every
    // handle it has ever seen, most of them to sessions that are gone.
    std::atomic<bool> done{false};
    std::atomic<int> closed_results{0}, other_results{0};
    std::thread spammer([&] {
        while (!done) {
            std::vector<wsx::session_handle> copy;
            {
                std::lock_guard<std::mutex> lock(mu);
                copy = handles;
            }
            for (auto& h : copy)
                h.send("hello", [&](std::error_code ec) {
                    if (ec == wsx::error::closed) ++closed_results;
                    else if (ec) ++other_results;
                });
            std::this_thread::yield();
        }
    });
    for (int round = 0; round < 10; ++round) {
        wsx::client c{io};
        std::atomic<bool> closed{false};
        c.on_open([](wsx::session& s) { s.close(); }).on_close([&](wsx::session&) { closed = true; });
        c.connect(ws_url(port, "/h"));
        REQUIRE(eventually([&] { return closed.load(); }));
        // The client's handlers refer to this frame: let its session go first.
        REQUIRE(eventually([&] { return c.session().use_count() == 1; }));
    }
    done = true;
    spammer.join();
    CHECK(other_results == 0);
    asio::post(io, [&] { server.stop(); });
    runner.release();
    CHECK(runner.join_within(default_limit));
}

TEST_CASE("threads: stop() from a non-io thread while clients keep connecting", "[threads][shutdown]") {
    asio::io_context io;
    wsx::server server{io};
    // The raw peers below never answer the 1001 close: do not wait long.
    server.default_options().close_timeout = std::chrono::milliseconds(200);
    std::atomic<int> opens{0}, closes{0};
    server.endpoint("/s").on_open([&](wsx::session&) { ++opens; }).on_close([&](wsx::session&) { ++closes; });
    server.listen("127.0.0.1", 0);
    const auto port = server.port();
    io_threads runner(io, io_thread_count);

    std::atomic<bool> finish{false};
    std::atomic<int> connected{0};
    std::thread connector([&] {
        std::vector<std::unique_ptr<raw_peer>> peers; // kept open until the end
        const auto to = asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"), port);
        while (!finish && peers.size() < 2000) {
            auto p = std::make_unique<raw_peer>();
            std::error_code ec;
            p->socket().connect(to, ec);
            if (ec) break; // refused: nobody listens any more
            p->try_write(upgrade_request("/s", port));
            peers.push_back(std::move(p));
            ++connected;
        }
        while (!finish) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    });
    REQUIRE(eventually([&] { return opens.load() >= 20; }));
    server.stop(); // right here, on this thread, while accepts are going on
    REQUIRE(eventually([&] { return server.session_count() == 0; }));
    // Every session that opened was closed, exactly once; none escaped stop().
    REQUIRE(eventually([&] { return closes.load() == opens.load(); }));
    finish = true;
    connector.join();
    CHECK(connected.load() >= opens.load());
    runner.release();
    CHECK(runner.join_within(default_limit));
    CHECK(closes.load() == opens.load());
}

TEST_CASE("threads: one message sent from two threads at once arrives whole, prepared or not", "[threads][broadcast]") {
    asio::io_context io;
    wsx::server server{io};
    std::mutex mu;
    std::vector<wsx::session_handle> handles;
    server.endpoint("/b").on_open([&](wsx::session& s) {
        std::lock_guard<std::mutex> lock(mu);
        handles.push_back(s.handle());
    });
    server.listen("127.0.0.1", 0);
    io_threads runner(io, io_thread_count);

    constexpr int clients_n = 4;
    constexpr int rounds = 300; // one fresh message per round, sent by both threads to every receiver
    std::vector<std::unique_ptr<wsx::client>> clients;
    std::array<std::atomic<int>, clients_n> received{};
    std::atomic<int> wrong{0}, opened{0};
    for (int i = 0; i < clients_n; ++i) {
        auto c = std::make_unique<wsx::client>(io);
        c->on_open([&](wsx::session&) { ++opened; }).on_message([&, i](wsx::session&, const wsx::message& m) {
            if (m.text().rfind("the same bytes for everyone ", 0) == 0) ++received[static_cast<std::size_t>(i)];
            else ++wrong;
        });
        c->connect(ws_url(server.port(), "/b"));
        clients.push_back(std::move(c));
    }
    REQUIRE(eventually([&] { return opened == clients_n && [&] { std::lock_guard<std::mutex> l(mu); return handles.size() == clients_n; }(); }));

    // Both threads send each object at about the same time: a message is
    // copied by both, a prepared message's one frame is shared by both and
    // by every receiver's queue.
    std::vector<wsx::message> messages;
    std::vector<wsx::prepared_message> prepared;
    for (int r = 0; r < rounds; ++r) {
        const std::string text = "the same bytes for everyone " + std::to_string(r);
        if (r % 2) prepared.push_back(wsx::prepared_message::text(text));
        else messages.push_back(wsx::message::text(text));
    }
    std::vector<std::shared_ptr<wsx::session>> sessions;
    for (auto& h : handles) sessions.push_back(h.lock());
    auto sender = [&] {
        for (std::size_t i = 0; i < messages.size(); ++i)
            for (auto& s : sessions) {
                s->send(messages[i]);
                if (i < prepared.size()) s->send(prepared[i]);
            }
    };
    std::thread a(sender), b(sender);
    a.join();
    b.join();
    REQUIRE(eventually([&] {
        for (auto& r : received)
            if (r != 2 * rounds) return false;
        return true;
    }));
    CHECK(wrong == 0);
    sessions.clear();
    clients.clear();
    asio::post(io, [&] { server.stop(); });
    runner.release();
    CHECK(runner.join_within(default_limit));
}
