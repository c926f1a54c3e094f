// Copyright (c) 2026 wsx developers. Distributed under the Boost Software License, Version 1.0.
// Every wait has a limit: the opening handshake (also against a client that
// trickles its request, slowloris), idle connections, keep-alive pings and
// their pongs, and a client whose server never answers.
//
// The timeouts are short (a few hundred ms) so the tests are quick; the
// assertions are about what happens, never about how fast.

#include "wsx_catch.hpp"
#include "loopback.hpp"

#include <wsx/wsx.hpp>

#include <asio/steady_timer.hpp>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

using namespace wsx_test;

TEST_CASE("timeouts: a connection that sends nothing is dropped after handshake_timeout", "[timeouts][handshake]") {
    asio::io_context io;
    wsx::server server{io};
    server.default_options().handshake_timeout = std::chrono::milliseconds(300);
    std::atomic<int> opens{0}, closes{0};
    server.endpoint("/t").on_open([&](wsx::session&) { ++opens; }).on_close([&](wsx::session&) { ++closes; });
    server.listen("127.0.0.1", 0);
    const auto port = server.port();
    io_threads runner(io);

    raw_peer p;
    p.connect(port);
    REQUIRE(eventually([&] { return server.session_count() == 1; }));
    CHECK(p.wait_closed());
    REQUIRE(eventually([&] { return server.session_count() == 0; }));
    // It never opened, so the endpoint never heard of it.
    CHECK(opens == 0);
    CHECK(closes == 0);
}

TEST_CASE("timeouts: a request trickled one byte at a time is dropped (slowloris)", "[timeouts][handshake]") {
    asio::io_context io;
    wsx::server server{io};
    server.default_options().handshake_timeout = std::chrono::milliseconds(500);
    std::atomic<int> opens{0};
    server.endpoint("/t").on_open([&](wsx::session&) { ++opens; });
    server.listen("127.0.0.1", 0);
    const auto port = server.port();
    io_threads runner(io);

    raw_peer p;
    p.connect(port);
    const std::string request = upgrade_request("/t", port);
    std::size_t sent = 0;
    bool dropped = false;
    // Each byte resets no timer: the deadline runs from accept. Sending the
    // whole request this way would take ~15 s; the server must cut it off.
    for (; sent < request.size(); ++sent) {
        if (p.try_write(std::string_view(request).substr(sent, 1))) {
            dropped = true;
            break;
        }
        if (p.wait_closed(std::chrono::milliseconds(100))) {
            dropped = true;
            break;
        }
    }
    CHECK(dropped);
    CHECK(sent < request.size());
    CHECK(opens == 0);
    REQUIRE(eventually([&] { return server.session_count() == 0; }));
}

TEST_CASE("timeouts: idle_timeout closes an idle session with 1001", "[timeouts][idle]") {
    asio::io_context io;
    wsx::server server{io};
    std::vector<std::error_code> server_errors;
    std::vector<wsx::close_reason> server_closes;
    wsx::session_options o;
    o.idle_timeout = std::chrono::milliseconds(300);
    server.endpoint("/idle")
        .options(o)
        .on_error([&](wsx::session&, std::error_code ec) { server_errors.push_back(ec); })
        .on_close([&](wsx::session&, const wsx::close_reason& r) { server_closes.push_back(r); });
    server.listen("127.0.0.1", 0);

    wsx::client c{io};
    std::vector<wsx::close_reason> closes;
    std::vector<std::error_code> errors;
    bool open = false;
    c.on_open([&](wsx::session&) { open = true; })
        .on_error([&](wsx::session&, std::error_code ec) { errors.push_back(ec); })
        .on_close([&](wsx::session&, const wsx::close_reason& r) { closes.push_back(r); });
    c.connect(url_for(server, "/idle"));
    REQUIRE(run_until(io, [&] { return !closes.empty() && !server_closes.empty(); }));
    CHECK(open);
    CHECK(closes[0].code == 1001);
    CHECK(errors.empty());
    CHECK(server_closes[0].code == 1001);
    REQUIRE(server_errors.size() == 1);
    CHECK(server_errors[0] == wsx::error::idle_timeout);
    server.stop();
    CHECK(run_to_completion(io));
}

TEST_CASE("timeouts: traffic keeps an idle_timeout session open", "[timeouts][idle]") {
    asio::io_context io;
    wsx::server server{io};
    wsx::session_options o;
    o.idle_timeout = std::chrono::milliseconds(400);
    int server_messages = 0;
    server.endpoint("/idle").options(o).on_message([&](wsx::session&, const wsx::message&) { ++server_messages; });
    server.listen("127.0.0.1", 0);

    wsx::client c{io};
    bool open = false, closed = false;
    c.on_open([&](wsx::session&) { open = true; }).on_close([&](wsx::session&) { closed = true; });
    c.connect(url_for(server, "/idle"));
    REQUIRE(run_until(io, [&] { return open; }));
    // A message every 50 ms for ~1.2 s: three idle timeouts' worth.
    asio::steady_timer tick(io);
    int sent = 0;
    std::function<void()> next = [&] {
        tick.expires_after(std::chrono::milliseconds(50));
        tick.async_wait([&](std::error_code ec) {
            if (ec || closed) return;
            c.send("tick");
            if (++sent < 24) next();
        });
    };
    next();
    REQUIRE(run_until(io, [&] { return sent == 24 || closed; }));
    CHECK_FALSE(closed);
    CHECK(c.ready_state() == wsx::ready_state::open);
    REQUIRE(run_until(io, [&] { return server_messages == 24 || closed; }));
    // Left alone now, it goes.
    REQUIRE(run_until(io, [&] { return closed; }));
    server.stop();
    CHECK(run_to_completion(io));
}

TEST_CASE("timeouts: keep-alive pings are answered by the client automatically", "[timeouts][ping]") {
    asio::io_context io;
    wsx::server server{io};
    wsx::session_options o;
    o.ping_interval = std::chrono::milliseconds(100);
    // Far longer than the test may take: pings must follow ping_interval,
    // not wait for the pong deadline.
    o.ping_timeout = std::chrono::seconds(60);
    int server_pongs = 0;
    bool server_closed = false;
    server.endpoint("/ka")
        .options(o)
        .on_pong([&](wsx::session&, wsx::byte_view) { ++server_pongs; })
        .on_close([&](wsx::session&) { server_closed = true; });
    server.listen("127.0.0.1", 0);

    wsx::client c{io};
    int client_pings = 0;
    bool closed = false;
    c.on_ping([&](wsx::session&, wsx::byte_view) { ++client_pings; }).on_close([&](wsx::session&) { closed = true; });
    c.connect(url_for(server, "/ka"));
    REQUIRE(run_until(io, [&] { return (client_pings >= 3 && server_pongs >= 3) || closed || server_closed; }));
    CHECK_FALSE(closed);
    CHECK_FALSE(server_closed);
    CHECK(client_pings >= 3);
    CHECK(server_pongs >= 3);
    // Each pong answered a ping: there cannot be more pongs than pings.
    CHECK(server_pongs <= client_pings);
    server.stop();
    CHECK(run_to_completion(io));
}

TEST_CASE("timeouts: a client's keep-alive pings are answered by the server", "[timeouts][ping]") {
    asio::io_context io;
    wsx::server server{io};
    int server_pings = 0;
    server.endpoint("/ka").on_ping([&](wsx::session&, wsx::byte_view) { ++server_pings; });
    server.listen("127.0.0.1", 0);

    wsx::client c{io};
    wsx::session_options o;
    o.ping_interval = std::chrono::milliseconds(100);
    // Far longer than the test may take: pings must follow ping_interval,
    // not wait for the pong deadline.
    o.ping_timeout = std::chrono::seconds(60);
    c.options(o);
    int client_pongs = 0;
    bool closed = false;
    c.on_pong([&](wsx::session&, wsx::byte_view) { ++client_pongs; }).on_close([&](wsx::session&) { closed = true; });
    c.connect(url_for(server, "/ka"));
    REQUIRE(run_until(io, [&] { return (server_pings >= 3 && client_pongs >= 3) || closed; }));
    CHECK_FALSE(closed);
    CHECK(client_pongs <= server_pings);
    server.stop();
    CHECK(run_to_completion(io));
}

TEST_CASE("timeouts: a peer that does not answer pings is dropped after ping_timeout", "[timeouts][ping]") {
    asio::io_context io;
    wsx::server server{io};
    wsx::session_options o;
    o.ping_interval = std::chrono::milliseconds(100);
    o.ping_timeout = std::chrono::milliseconds(300);
    event_log log;
    server.endpoint("/ka")
        .options(o)
        .on_error([&](wsx::session&, std::error_code ec) {
            log.add(ec == wsx::error::ping_timeout ? "error:ping_timeout" : "error:" + ec.message());
        })
        .on_close([&](wsx::session&, const wsx::close_reason& r) { log.add("close:" + std::to_string(r.code)); });
    server.listen("127.0.0.1", 0);
    const auto port = server.port();
    io_threads runner(io);

    raw_peer p;
    p.connect(port);
    REQUIRE(p.handshake("/ka", port));
    auto f = p.read_frame();
    REQUIRE(f);
    CHECK(f->opcode == op::ping);
    // No pong. Keep reading (so nothing is stuck in buffers) until dropped.
    CHECK(p.wait_closed());
    REQUIRE(log.wait_for("close:1006"));
    CHECK(log.events() == std::vector<std::string>{"error:ping_timeout", "close:1006"});
}

TEST_CASE("timeouts: a client whose server accepts TCP but never answers gives up", "[timeouts][client]") {
    // A listening socket that never calls accept(): the kernel completes
    // the TCP handshake from the backlog, and the request is never read.
    raw_listener l;
    asio::io_context io;
    wsx::client c{io};
    wsx::session_options o;
    o.handshake_timeout = std::chrono::milliseconds(300);
    c.options(o);
    std::vector<std::error_code> errors;
    std::vector<wsx::close_reason> closes;
    bool open = false;
    c.on_open([&](wsx::session&) { open = true; })
        .on_error([&](wsx::session&, std::error_code ec) { errors.push_back(ec); })
        .on_close([&](wsx::session&, const wsx::close_reason& r) { closes.push_back(r); });
    c.connect(ws_url(l.port(), "/"));
    REQUIRE(run_until(io, [&] { return !closes.empty(); }));
    CHECK_FALSE(open);
    REQUIRE(errors.size() == 1);
    CHECK(errors[0] == wsx::error::handshake_timeout);
    CHECK(closes[0].code == 1006);
    CHECK(c.ready_state() == wsx::ready_state::closed);
    CHECK(run_to_completion(io));
}

TEST_CASE("timeouts: close() while the client is still connecting ends it at once", "[timeouts][client]") {
    raw_listener l;
    asio::io_context io;
    wsx::client c{io};
    // Longer than any wait below: if the connect in flight revived the
    // session, its handshake would keep the io_context busy past them.
    wsx::session_options o;
    o.handshake_timeout = std::chrono::seconds(120);
    c.options(o);
    std::vector<wsx::close_reason> closes;
    bool open = false;
    c.on_open([&](wsx::session&) { open = true; }).on_close([&](wsx::session&, const wsx::close_reason& r) { closes.push_back(r); });
    c.connect(ws_url(l.port(), "/"));
    c.close();
    REQUIRE(run_until(io, [&] { return !closes.empty(); }));
    CHECK(closes[0].code == 1006);
    // The resolve and connect that were in flight must not revive it.
    CHECK(run_to_completion(io));
    CHECK_FALSE(open);
    CHECK(closes.size() == 1);
    CHECK(c.ready_state() == wsx::ready_state::closed);
}
