// Copyright (c) 2026 wsx developers. Distributed under the Boost Software License, Version 1.0.
// client::reconnect(): the backoff delay as a pure function, and the client
// against a wsx server on a loopback port that is stopped and started again
// on the same port. The tests count opens, closes, reconnects and the
// server's connections; they never time anything. Where a test must know
// that no reconnect follows, it runs the client's io_context until it has
// no work left: a pending wait or connect would keep it running.

#include "wsx_catch.hpp"
#include "loopback.hpp"

#include <wsx/wsx.hpp>

#include <asio/error.hpp>

#include <atomic>
#include <cmath>
#include <memory>
#include <optional>
#include <string>
#include <vector>

using namespace wsx_test;
using std::chrono::milliseconds;

// ---- the delay ---------------------------------------------------------------

TEST_CASE("reconnect delay: exponential, capped, shortened by at most the jitter", "[client][reconnect]") {
    wsx::reconnect_options o;
    o.initial_delay = milliseconds(100);
    o.max_delay = milliseconds(5'000);
    o.multiplier = 2.0;
    o.jitter = 0.0;
    CHECK(wsx::reconnect_delay(o, 1, 0.7) == milliseconds(100));
    CHECK(wsx::reconnect_delay(o, 2, 0.7) == milliseconds(200));
    CHECK(wsx::reconnect_delay(o, 3, 0.7) == milliseconds(400));
    CHECK(wsx::reconnect_delay(o, 6, 0.7) == milliseconds(3'200));
    CHECK(wsx::reconnect_delay(o, 7, 0.7) == milliseconds(5'000));
    CHECK(wsx::reconnect_delay(o, 4'000'000'000u, 0.7) == milliseconds(5'000)); // no overflow

    o.jitter = 0.5;
    CHECK(wsx::reconnect_delay(o, 1, 0.0) == milliseconds(100)); // jitter only shortens
    CHECK(wsx::reconnect_delay(o, 1, 1.0) == milliseconds(50));
    CHECK(wsx::reconnect_delay(o, 7, 1.0) == milliseconds(2'500));
    CHECK(wsx::reconnect_delay(o, 1, 7.0) == milliseconds(50)); // the random number is clamped to [0, 1]
    CHECK(wsx::reconnect_delay(o, 1, -1.0) == milliseconds(100));
    for (unsigned attempt = 1; attempt <= 12; ++attempt) {
        const double base = std::min(100.0 * std::pow(2.0, attempt - 1), 5'000.0);
        for (double unit = 0.0; unit <= 1.0; unit += 0.125) {
            auto d = wsx::reconnect_delay(o, attempt, unit);
            INFO("attempt " << attempt << " unit " << unit);
            CHECK(d.count() >= static_cast<long>(std::floor(base * 0.5)));
            CHECK(d.count() <= static_cast<long>(base));
        }
    }

    // Never below 1 ms: no back-to-back attempts.
    o.initial_delay = milliseconds(1);
    o.jitter = 1.0;
    CHECK(wsx::reconnect_delay(o, 1, 1.0) == milliseconds(1));
    // A multiplier of 1: a constant delay.
    o.initial_delay = o.max_delay = milliseconds(250);
    o.multiplier = 1.0;
    o.jitter = 0.0;
    CHECK(wsx::reconnect_delay(o, 50, 0.3) == milliseconds(250));
}

TEST_CASE("reconnect delay: options out of range throw", "[client][reconnect]") {
    auto rejects = [](auto change) {
        wsx::reconnect_options o;
        change(o);
        asio::io_context io;
        wsx::client ws{io};
        try {
            ws.reconnect(o);
        } catch (const std::system_error& e) {
            CHECK(e.code() == wsx::error::bad_argument);
            CHECK(std::string(e.what()).find("reconnect_options") != std::string::npos);
            return true;
        }
        return false;
    };
    CHECK(rejects([](wsx::reconnect_options& o) { o.initial_delay = milliseconds(0); }));
    CHECK(rejects([](wsx::reconnect_options& o) { o.max_delay = o.initial_delay - milliseconds(1); }));
    CHECK(rejects([](wsx::reconnect_options& o) { o.multiplier = 0.5; }));
    CHECK(rejects([](wsx::reconnect_options& o) { o.multiplier = std::nan(""); }));
    CHECK(rejects([](wsx::reconnect_options& o) { o.jitter = 1.5; }));
    CHECK(rejects([](wsx::reconnect_options& o) { o.jitter = -0.1; }));
    CHECK_FALSE(rejects([](wsx::reconnect_options&) {}));
}

// ---- against a server that goes away and comes back ------------------------

namespace {

// One life of the server: a wsx server on its own io_context and thread,
// on `port` (0: any). "/echo" echoes; "/close" closes with the code a
// message names ("1011").
struct server_life {
    asio::io_context io;
    wsx::server server{io};
    std::unique_ptr<io_threads> runner;

    server_life(std::uint16_t port, std::atomic<int>& opens) {
        server.endpoint("/echo")
            .on_open([&opens](wsx::session&) { ++opens; })
            .on_message([](wsx::session& s, const wsx::message& m) { s.send(m); });
        server.endpoint("/close")
            .on_open([&opens](wsx::session&) { ++opens; })
            .on_message([](wsx::session& s, std::string code) {
                s.close(static_cast<std::uint16_t>(std::stoi(code)), "asked to");
            });
        server.listen("127.0.0.1", port);
        runner = std::make_unique<io_threads>(io);
    }
    // Stops the server (1001 to its clients) while the test thread keeps
    // running the client's io_context, so that the client takes part in
    // the closing handshake.
    void stop(asio::io_context& client_io) {
        asio::post(io, [this] { server.stop(); });
        runner->release();
        REQUIRE(run_until(client_io, [&] { return io.stopped(); }));
        runner->stop();
    }
    ~server_life() {
        if (!io.stopped()) stop_and_join(io, server, *runner);
    }
};

// A client on the test thread's io_context, and what its handlers saw.
struct probe {
    asio::io_context io;
    std::optional<wsx::client> ws;
    int opens = 0;
    int closes = 0;
    std::vector<std::string> received;
    std::vector<std::error_code> errors;
    std::vector<wsx::close_reason> close_reasons;
    std::vector<wsx::reconnect_event> reconnects;
    std::vector<bool> reconnecting_in_on_close;
    std::string greeting = "hello"; // sent by each on_open ("" for nothing)

    probe() {
        ws.emplace(io);
        ws->on_open([this](wsx::session& s) {
               ++opens;
               if (!greeting.empty()) s.send(greeting + " #" + std::to_string(opens));
           })
            .on_message([this](wsx::session&, std::string text) { received.push_back(text); })
            .on_error([this](wsx::session&, std::error_code ec) { errors.push_back(ec); })
            .on_close([this](wsx::session&, const wsx::close_reason& r) {
                ++closes;
                close_reasons.push_back(r);
                reconnecting_in_on_close.push_back(ws->reconnecting());
            })
            .on_reconnect([this](const wsx::reconnect_event& e) { reconnects.push_back(e); });
    }
};

wsx::reconnect_options quick() {
    wsx::reconnect_options o;
    o.initial_delay = milliseconds(5);
    o.max_delay = milliseconds(40);
    o.multiplier = 2.0;
    o.jitter = 0.5;
    return o;
}

// Each delay lies in the bounds the options give for its attempt.
void check_delays(const std::vector<wsx::reconnect_event>& events, const wsx::reconnect_options& o) {
    for (const auto& e : events) {
        const auto high = wsx::reconnect_delay(o, e.attempt, 0.0);
        const auto low = wsx::reconnect_delay(o, e.attempt, 1.0);
        INFO("attempt " << e.attempt << " waited " << e.delay.count() << " ms");
        CHECK(e.delay >= low);
        CHECK(e.delay <= high);
    }
}

} // namespace

TEST_CASE("reconnect: the server restarts on the same port; the client comes back", "[client][reconnect]") {
    std::atomic<int> server_opens{0};
    auto life = std::make_unique<server_life>(0, server_opens);
    const std::uint16_t port = life->server.port();
    probe p;
    const auto o = quick();
    p.ws->reconnect(o);
    p.ws->connect(ws_url(port, "/echo"));
    REQUIRE(run_until(p.io, [&] { return p.received.size() == 1; }));
    CHECK(p.received[0] == "hello #1");
    CHECK_FALSE(p.ws->reconnecting());

    for (int round = 1; round <= 2; ++round) {
        INFO("round " << round);
        const std::size_t reconnects_before = p.reconnects.size();
        const int closes_before = p.closes;
        // The server goes away (1001); the client tries, is refused, tries again...
        life->stop(p.io);
        life.reset();
        REQUIRE(run_until(p.io, [&] { return p.reconnects.size() >= reconnects_before + 2; }));
        CHECK(p.ws->reconnecting());
        CHECK(p.ws->reconnect_attempt() >= 2);
        // ... until the server is back on the same port.
        life = std::make_unique<server_life>(port, server_opens);
        REQUIRE(run_until(p.io, [&] { return p.received.size() == static_cast<std::size_t>(round + 1); }));
        CHECK(p.received.back() == "hello #" + std::to_string(round + 1)); // on_open ran again
        CHECK(p.opens == round + 1);
        CHECK(server_opens == round + 1);
        CHECK_FALSE(p.ws->reconnecting());
        CHECK(p.ws->reconnect_attempt() == 0);

        // This round's reconnects: numbered 1, 2, 3, ... (the backoff was
        // reset by the last open), each after one close; the last opened.
        std::vector<wsx::reconnect_event> round_events(p.reconnects.begin() + static_cast<long>(reconnects_before),
                                                       p.reconnects.end());
        for (std::size_t i = 0; i < round_events.size(); ++i) CHECK(round_events[i].attempt == i + 1);
        CHECK(static_cast<std::size_t>(p.closes - closes_before) == round_events.size());
        // The first followed the server's going away; the others a refused connect.
        CHECK(round_events[0].close.code == 1001);
        CHECK_FALSE(round_events[0].error);
        for (std::size_t i = 1; i < round_events.size(); ++i) {
            CHECK(round_events[i].close.code == 1006);
            CHECK(round_events[i].error == asio::error::connection_refused);
        }
        check_delays(round_events, o);
    }
    // on_close saw every reconnect decided already.
    for (bool r : p.reconnecting_in_on_close) CHECK(r);

    // close() ends it for good: no reconnect, nothing left to run.
    p.ws->close();
    REQUIRE(run_to_completion(p.io));
    CHECK(p.closes == static_cast<int>(p.reconnects.size()) + 1);
    CHECK(p.close_reasons.back().code == 1000);
    CHECK_FALSE(p.ws->reconnecting());
    CHECK(server_opens == 3);
}

TEST_CASE("reconnect: close() during the backoff wait stops it for good", "[client][reconnect]") {
    std::atomic<int> server_opens{0};
    auto life = std::make_unique<server_life>(0, server_opens);
    const std::uint16_t port = life->server.port();
    probe p;
    auto o = quick();
    o.initial_delay = o.max_delay = milliseconds(60'000); // longer than any test limit
    p.ws->reconnect(o);
    p.ws->connect(ws_url(port, "/echo"));
    REQUIRE(run_until(p.io, [&] { return p.opens == 1; }));
    life->stop(p.io);
    life.reset();
    REQUIRE(run_until(p.io, [&] { return p.reconnects.size() == 1; }));
    CHECK(p.ws->reconnecting());
    CHECK(p.ws->reconnect_attempt() == 1);
    // The server is back; the client is waiting; the user closes.
    life = std::make_unique<server_life>(port, server_opens);
    p.ws->close();
    CHECK_FALSE(p.ws->reconnecting());
    CHECK(p.ws->reconnect_attempt() == 0);
    // The wait was cancelled: the io_context runs out of work (a 60 s
    // timer would keep it past the limit), and no connection was made.
    REQUIRE(run_to_completion(p.io));
    CHECK(server_opens == 1);
    CHECK(p.opens == 1);
    CHECK(p.closes == 1);
    // send() between connections is dropped as on any closed session.
    std::error_code sent;
    p.ws->send("late", [&](std::error_code ec) { sent = ec; });
    REQUIRE(run_to_completion(p.io));
    CHECK(sent == wsx::error::closed);
}

TEST_CASE("reconnect: close() inside on_close or on_reconnect cancels that reconnect", "[client][reconnect]") {
    for (int where = 0; where < 2; ++where) {
        INFO((where == 0 ? "on_close" : "on_reconnect"));
        std::atomic<int> server_opens{0};
        server_life life(0, server_opens);
        probe p;
        p.greeting = "1011";
        p.ws->reconnect(quick());
        if (where == 0)
            p.ws->on_close([&](wsx::session&, const wsx::close_reason&) {
                ++p.closes;
                p.ws->close();
            });
        else
            p.ws->on_reconnect([&](const wsx::reconnect_event& e) {
                p.reconnects.push_back(e);
                p.ws->close();
            });
        p.greeting = "";
        p.ws->on_open([&](wsx::session& s) {
            ++p.opens;
            s.send("1011");
        });
        p.ws->connect(ws_url(life.server.port(), "/close"));
        REQUIRE(run_until(p.io, [&] { return p.closes == 1; }));
        REQUIRE(run_to_completion(p.io));
        CHECK(p.opens == 1);
        CHECK(server_opens == 1);
        CHECK(p.reconnects.size() == static_cast<std::size_t>(where)); // on_close runs first
        CHECK_FALSE(p.ws->reconnecting());
    }
}

TEST_CASE("reconnect: max_attempts is honoured, then the client gives up", "[client][reconnect]") {
    probe p;
    auto o = quick();
    o.max_attempts = 3;
    p.ws->reconnect(o);
    p.ws->connect(ws_url(unused_port(), "/echo")); // nothing listens there
    REQUIRE(run_to_completion(p.io));
    REQUIRE(p.reconnects.size() == 3);
    for (unsigned i = 0; i < 3; ++i) CHECK(p.reconnects[i].attempt == i + 1);
    check_delays(p.reconnects, o);
    CHECK(p.opens == 0);
    CHECK(p.closes == 4); // the first connect and three attempts, each with its 1006
    CHECK(p.errors.size() == 4);
    for (auto& c : p.close_reasons) CHECK(c.code == 1006);
    CHECK_FALSE(p.ws->reconnecting());
    CHECK(p.ws->reconnect_attempt() == 3);
    // on_close of the last attempt already knew that none would follow.
    REQUIRE(p.reconnecting_in_on_close.size() == 4);
    CHECK(p.reconnecting_in_on_close.back() == false);

    // connect() starts again with fresh attempts.
    p.ws->connect(ws_url(unused_port(), "/echo"));
    REQUIRE(run_to_completion(p.io));
    REQUIRE(p.reconnects.size() == 6);
    CHECK(p.reconnects[3].attempt == 1);
}

TEST_CASE("reconnect: which ends reconnect", "[client][reconnect]") {
    std::atomic<int> server_opens{0};
    server_life life(0, server_opens);

    SECTION("a server's 1011 does, once the connection opened") {
        probe p;
        p.greeting = "";
        p.ws->reconnect(quick());
        p.ws->on_open([&](wsx::session& s) {
            if (++p.opens == 1) s.send("1011");
        });
        p.ws->connect(ws_url(life.server.port(), "/close"));
        REQUIRE(run_until(p.io, [&] { return p.opens == 2; }));
        REQUIRE(p.reconnects.size() == 1);
        CHECK(p.reconnects[0].attempt == 1);
        CHECK(p.reconnects[0].close.code == 1011);
        CHECK(p.reconnects[0].close.reason == "asked to");
        p.ws->close();
        REQUIRE(run_to_completion(p.io));
        CHECK(server_opens == 2);
    }
    SECTION("a close handshake with 1000 does not, whoever started it") {
        probe p;
        p.greeting = "";
        p.ws->reconnect(quick());
        p.ws->on_open([&](wsx::session& s) {
            ++p.opens;
            s.send("1000");
        });
        p.ws->connect(ws_url(life.server.port(), "/close"));
        REQUIRE(run_to_completion(p.io));
        CHECK(p.opens == 1);
        CHECK(p.reconnects.empty());
        CHECK(p.close_reasons.at(0).code == 1000);

        // The client's own session.close() in a handler: also 1000.
        probe q;
        q.ws->reconnect(quick());
        q.ws->on_message([&](wsx::session& s, std::string) { s.close(); });
        q.ws->connect(ws_url(life.server.port(), "/echo"));
        REQUIRE(run_to_completion(q.io));
        CHECK(q.opens == 1);
        CHECK(q.reconnects.empty());
        CHECK(server_opens == 2);
    }
    SECTION("retry_if decides, given how the connection ended") {
        probe p;
        p.greeting = "";
        auto o = quick();
        std::vector<std::uint16_t> asked;
        o.retry_if = [&](const wsx::close_reason& r, std::error_code) {
            asked.push_back(r.code);
            return r.code == 1000; // the opposite of the default
        };
        p.ws->reconnect(o);
        p.ws->on_open([&](wsx::session& s) {
            ++p.opens;
            s.send(p.opens == 1 ? "1000" : "1011");
        });
        p.ws->connect(ws_url(life.server.port(), "/close"));
        REQUIRE(run_to_completion(p.io));
        CHECK(p.opens == 2);
        CHECK(asked == std::vector<std::uint16_t>{1000, 1011});
        CHECK(p.reconnects.size() == 1);
    }
    SECTION("reconnect(false) turns it off") {
        probe p;
        p.greeting = "";
        p.ws->reconnect(quick()).reconnect(false);
        p.ws->on_open([&](wsx::session& s) {
            ++p.opens;
            s.send("1011");
        });
        p.ws->connect(ws_url(life.server.port(), "/close"));
        REQUIRE(run_to_completion(p.io));
        CHECK(p.opens == 1);
        CHECK(p.reconnects.empty());
    }
}

TEST_CASE("reconnect: the destructor cancels a pending wait", "[client][reconnect]") {
    std::atomic<int> server_opens{0};
    auto life = std::make_unique<server_life>(0, server_opens);
    const std::uint16_t port = life->server.port();
    probe p;
    auto o = quick();
    o.initial_delay = o.max_delay = milliseconds(60'000);
    p.ws->reconnect(o);
    p.ws->connect(ws_url(port, "/echo"));
    REQUIRE(run_until(p.io, [&] { return p.opens == 1; }));
    life->stop(p.io);
    life.reset();
    REQUIRE(run_until(p.io, [&] { return p.reconnects.size() == 1; }));
    life = std::make_unique<server_life>(port, server_opens);
    p.ws.reset();
    REQUIRE(run_to_completion(p.io));
    CHECK(server_opens == 1);
}

TEST_CASE("reconnect: the second signature of on_reconnect", "[client][reconnect]") {
    asio::io_context io;
    wsx::client ws{io};
    std::vector<unsigned> attempts;
    std::vector<std::error_code> errors;
    auto o = quick();
    o.max_attempts = 2;
    ws.reconnect(o).on_reconnect([&](unsigned attempt, milliseconds delay, std::error_code ec) {
        attempts.push_back(attempt);
        errors.push_back(ec);
        CHECK(delay.count() >= 1);
    });
    ws.connect(ws_url(unused_port(), "/"));
    REQUIRE(run_to_completion(io));
    CHECK(attempts == std::vector<unsigned>{1, 2});
    for (auto& ec : errors) CHECK(ec == asio::error::connection_refused);
}

TEST_CASE("reconnect: close() while an attempt is connecting abandons it, and none follows", "[client][reconnect]") {
    // A hand-written server (the test thread plays it), so that the test
    // knows an attempt is under way: it has accepted the TCP connection and
    // read the opening request, and does not answer. The client runs on its
    // own thread; it is called there through asio::post.
    raw_listener l;
    asio::io_context io;
    wsx::client ws{io};
    event_log log;
    ws.reconnect(quick())
        .on_open([&](wsx::session&) { log.add("open"); })
        .on_close([&](wsx::session&, const wsx::close_reason& r) { log.add("close:" + std::to_string(r.code)); })
        .on_reconnect([&](const wsx::reconnect_event& e) { log.add("reconnect:" + std::to_string(e.attempt)); });
    ws.connect(ws_url(l.port(), "/"));
    io_threads runner(io);

    raw_peer first;
    REQUIRE(first.accept(l.acceptor));
    REQUIRE_FALSE(first.accept_upgrade().empty());
    REQUIRE(log.wait_for("open"));
    first.reset(); // the connection drops: 1006, and a reconnect
    REQUIRE(log.wait_for("reconnect:1"));

    raw_peer second;
    REQUIRE(second.accept(l.acceptor));
    REQUIRE_FALSE(second.read_http_head().empty()); // the attempt is in its handshake
    std::atomic<bool> reconnecting_after_close{true};
    asio::post(io, [&] {
        ws.close();
        reconnecting_after_close = ws.reconnecting();
    });
    REQUIRE(log.wait_for("close:1006", default_limit, 2)); // the drop, and the abandoned attempt
    CHECK(second.wait_closed());
    // Nothing is left to run: no wait, no further attempt.
    runner.release();
    REQUIRE(runner.join_within(default_limit));
    CHECK_FALSE(reconnecting_after_close);
    CHECK(log.count("open") == 1);
    CHECK(log.count("reconnect:1") == 1);
    // open, close (the drop), reconnect:1, close (the abandoned attempt), and nothing else.
    CHECK(log.events() == std::vector<std::string>{"open", "close:1006", "reconnect:1", "close:1006"});
    // No third TCP connection ever reached the listener.
    l.acceptor.non_blocking(true);
    asio::ip::tcp::socket third(l.io);
    std::error_code ec;
    l.acceptor.accept(third, ec);
    CHECK(ec == asio::error::would_block);
}
