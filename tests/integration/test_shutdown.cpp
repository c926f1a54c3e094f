// Copyright (c) 2026 wsx developers. Distributed under the Boost Software License, Version 1.0.
// Graceful shutdown: server.stop() closes every open session with 1001,
// drops connections still in their opening handshake, stops accepting, and
// leaves the io_context with no work so run() returns.

#include "wsx_catch.hpp"
#include "loopback.hpp"

#include <wsx/wsx.hpp>

#include <asio/post.hpp>

#include <atomic>
#include <memory>
#include <string>
#include <vector>

using namespace wsx_test;

TEST_CASE("shutdown: stop() closes every open session with 1001 and run() returns", "[shutdown]") {
    asio::io_context io;
    wsx::server server{io};
    std::vector<wsx::close_reason> server_closes;
    int server_opens = 0;
    server.endpoint("/s")
        .on_open([&](wsx::session&) { ++server_opens; })
        .on_close([&](wsx::session&, const wsx::close_reason& r) { server_closes.push_back(r); });
    server.endpoint("/other/{x}").on_open([&](wsx::session&) { ++server_opens; }).on_close([&](wsx::session&, const wsx::close_reason& r) {
        server_closes.push_back(r);
    });
    server.listen("127.0.0.1", 0);

    constexpr int n = 6;
    std::vector<std::unique_ptr<wsx::client>> clients;
    std::vector<wsx::close_reason> closes;
    std::vector<std::error_code> errors;
    int opens = 0;
    for (int i = 0; i < n; ++i) {
        auto c = std::make_unique<wsx::client>(io);
        c->on_open([&](wsx::session&) { ++opens; })
            .on_error([&](wsx::session&, std::error_code ec) { errors.push_back(ec); })
            .on_close([&](wsx::session&, const wsx::close_reason& r) { closes.push_back(r); });
        c->connect(url_for(server, i % 2 ? "/s" : "/other/" + std::to_string(i)));
        clients.push_back(std::move(c));
    }
    REQUIRE(run_until(io, [&] { return opens == n && server_opens == n; }));
    CHECK(server.session_count() == n);

    server.stop();
    // Bounded: returns because nothing is left to do, not because time ran out.
    REQUIRE(run_to_completion(io));
    REQUIRE(closes.size() == n);
    for (auto& r : closes) {
        CHECK(r.code == 1001);
        CHECK_FALSE(r.reason.empty());
    }
    CHECK(errors.empty());
    REQUIRE(server_closes.size() == n);
    for (auto& r : server_closes) CHECK(r.code == 1001);
    CHECK(server.session_count() == 0);
    for (auto& c : clients) CHECK(c->ready_state() == wsx::ready_state::closed);
}

TEST_CASE("shutdown: connections in mid-handshake are dropped, new ones refused", "[shutdown]") {
    asio::io_context io;
    wsx::server server{io};
    std::atomic<int> opens{0}, closes{0};
    event_log log;
    server.endpoint("/s")
        .on_open([&](wsx::session&) { ++opens; })
        .on_close([&](wsx::session&, const wsx::close_reason& r) {
            ++closes;
            log.add("server-close:" + std::to_string(r.code));
        });
    server.listen("127.0.0.1", 0);
    const auto port = server.port();

    // Two open wsx clients on the same io_context.
    std::vector<std::unique_ptr<wsx::client>> clients;
    for (int i = 0; i < 2; ++i) {
        auto c = std::make_unique<wsx::client>(io);
        c->on_open([&](wsx::session&) { log.add("open"); }).on_close([&](wsx::session&, const wsx::close_reason& r) {
            log.add("client-close:" + std::to_string(r.code));
        });
        c->connect(ws_url(port, "/s"));
        clients.push_back(std::move(c));
    }
    io_threads runner(io);
    REQUIRE(log.wait_for("open", default_limit, 2));

    // Two raw connections stuck in their handshake: one silent, one halfway
    // through its request.
    raw_peer silent, half;
    silent.connect(port);
    half.connect(port);
    const std::string request = upgrade_request("/s", port);
    half.write(std::string_view(request).substr(0, request.size() / 2));
    REQUIRE(eventually([&] { return server.session_count() == 4; }));

    // stop() is called on the io_context, as a signal_set handler would.
    asio::post(io, [&] { server.stop(); });
    CHECK(silent.wait_closed());
    CHECK(half.wait_closed());
    REQUIRE(log.wait_for("client-close:1001", default_limit, 2));
    REQUIRE(log.wait_for("server-close:1001", default_limit, 2));
    // The half-open ones never opened: no handler heard of them.
    CHECK(opens == 2);
    CHECK(closes == 2);

    // Nobody listens any more.
    raw_peer late;
    std::error_code ec;
    late.socket().connect(asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"), port), ec);
    CHECK(ec == asio::error::connection_refused);

    // With the work guard gone, run() returns on its own.
    runner.release();
    CHECK(runner.join_within(default_limit));
    CHECK(server.session_count() == 0);
}

TEST_CASE("shutdown: stop() with nothing open, and twice, is harmless", "[shutdown]") {
    asio::io_context io;
    wsx::server server{io};
    server.endpoint("/s");
    server.listen("127.0.0.1", 0);
    server.stop();
    server.stop();
    CHECK(run_to_completion(io));
}

TEST_CASE("shutdown: a client closing at the same moment as stop() still ends once", "[shutdown]") {
    asio::io_context io;
    wsx::server server{io};
    int server_closes = 0;
    server.endpoint("/s").on_close([&](wsx::session&) { ++server_closes; });
    server.listen("127.0.0.1", 0);
    wsx::client c{io};
    bool open = false;
    int closes = 0;
    c.on_open([&](wsx::session&) { open = true; }).on_close([&](wsx::session&) { ++closes; });
    c.connect(url_for(server, "/s"));
    REQUIRE(run_until(io, [&] { return open; }));
    // Both ends start a close handshake at once: the frames cross.
    c.close(1000, "me first");
    server.stop();
    REQUIRE(run_to_completion(io));
    CHECK(closes == 1);
    CHECK(server_closes == 1);
}
