// Copyright (c) 2026 wsx developers. Distributed under the Boost Software License, Version 1.0.
// ws:// through an HTTP CONNECT proxy: a real tinyproxy (started by each
// test on a free loopback port, killed by PID), without and with Basic
// authentication, refusing by its ConnectPort rule, and from the
// environment variables; and a hand-written proxy for what tinyproxy never
// does (trickle its answer, answer garbage, never answer). Every wait is
// bounded; nothing is timed.

#include "wsx_catch.hpp"
#include "loopback.hpp"
#include "tinyproxy.hpp"

#include <wsx/wsx.hpp>

#include <asio/error.hpp>

#include <stdlib.h>

#include <atomic>
#include <memory>
#include <string>
#include <vector>

using namespace wsx_test;

namespace {

// An echo server on its own io_context and thread; counts what it opened.
struct echo_server {
    asio::io_context io;
    wsx::server server{io};
    std::atomic<int> opens{0};
    std::unique_ptr<io_threads> runner;

    echo_server() {
        server.endpoint("/echo")
            .on_open([this](wsx::session&) { ++opens; })
            .on_message([](wsx::session& s, const wsx::message& m) { s.send(m); });
        server.listen("127.0.0.1", 0);
        runner = std::make_unique<io_threads>(io);
    }
    ~echo_server() { stop_and_join(io, server, *runner); }
    std::string url() const { return ws_url(server.port(), "/echo"); }
};

// A client on the test thread's io_context and everything its handlers saw.
struct probe {
    asio::io_context io;
    wsx::client ws{io};
    int opens = 0;
    int closes = 0;
    std::vector<std::error_code> errors;
    std::vector<std::string> received;
    wsx::close_reason last_close;

    probe() {
        ws.on_open([this](wsx::session& s) {
              ++opens;
              s.send("through the proxy");
          })
            .on_message([this](wsx::session& s, std::string text) {
                received.push_back(text);
                s.close();
            })
            .on_error([this](wsx::session&, std::error_code ec) { errors.push_back(ec); })
            .on_close([this](wsx::session&, const wsx::close_reason& r) {
                last_close = r;
                ++closes;
            });
    }
    // Connects and runs until the connection has ended.
    void run(const std::string& url) {
        ws.connect(url);
        REQUIRE(run_until(io, [&] { return closes > 0; }));
    }
};

std::string connect_line(std::uint16_t port) { return "CONNECT 127.0.0.1:" + std::to_string(port) + " "; }

} // namespace

TEST_CASE("proxy: ws:// through tinyproxy without authentication", "[client][proxy]") {
    echo_server server;
    tinyproxy_process proxy;
    probe p;
    p.ws.proxy(proxy.url());
    p.run(server.url());
    CHECK(p.errors.empty());
    CHECK(p.opens == 1);
    REQUIRE(p.received.size() == 1);
    CHECK(p.received[0] == "through the proxy");
    CHECK(p.last_close.code == 1000);
    CHECK(server.opens == 1);
    CHECK(proxy.count_in_log(connect_line(server.server.port())) == 1);
}

TEST_CASE("proxy: Basic authentication, good and bad credentials", "[client][proxy]") {
    echo_server server;
    tinyproxy_process proxy({"wsxuser", "s3cret", {}});

    SECTION("the right credentials open the tunnel") {
        probe p;
        p.ws.proxy(proxy.url("wsxuser:s3cret"));
        p.run(server.url());
        CHECK(p.errors.empty());
        CHECK(p.opens == 1);
        CHECK(p.received.size() == 1);
        CHECK(server.opens == 1);
    }
    SECTION("percent-encoded credentials are decoded before they are sent") {
        probe p;
        p.ws.proxy(proxy.url("wsx%75ser:s3cr%65t"));
        p.run(server.url());
        CHECK(p.errors.empty());
        CHECK(p.opens == 1);
    }
    SECTION("a wrong password: the refusal reaches on_error, then on_close 1006") {
        probe p;
        p.ws.proxy(proxy.url("wsxuser:wrong"));
        p.run(server.url());
        REQUIRE(p.errors.size() == 1);
        // tinyproxy 1.11 answers wrong credentials with 401 (407 is for none).
        const int status = wsx::proxy_status(p.errors[0]);
        CHECK((status == 401 || status == 407));
        CHECK(p.errors[0].message().find(std::to_string(status)) != std::string::npos);
        CHECK(p.opens == 0);
        CHECK(p.closes == 1);
        CHECK(p.last_close.code == 1006);
        CHECK(server.opens == 0);
    }
    SECTION("no credentials: 407") {
        probe p;
        p.ws.proxy(proxy.url());
        p.run(server.url());
        REQUIRE(p.errors.size() == 1);
        CHECK(wsx::proxy_status(p.errors[0]) == 407);
        CHECK(p.last_close.code == 1006);
        CHECK(server.opens == 0);
    }
}

TEST_CASE("proxy: a proxy that refuses the target port: its status reaches on_error", "[client][proxy]") {
    echo_server server;
    // Only some other port may be tunnelled to.
    const std::uint16_t other = server.server.port() == 443 ? 444 : 443;
    tinyproxy_process proxy({"", "", {other}});
    probe p;
    p.ws.proxy(proxy.url());
    p.run(server.url());
    REQUIRE(p.errors.size() == 1);
    CHECK(wsx::proxy_status(p.errors[0]) == 403);
    CHECK(p.opens == 0);
    CHECK(p.closes == 1);
    CHECK(p.last_close.code == 1006);
    CHECK(server.opens == 0);
}

TEST_CASE("proxy: a proxy that is down fails the connect; the target is never dialled", "[client][proxy]") {
    echo_server server;
    probe p;
    p.ws.proxy("http://127.0.0.1:" + std::to_string(unused_port()));
    p.run(server.url());
    REQUIRE(p.errors.size() == 1);
    CHECK(p.errors[0] == asio::error::connection_refused);
    CHECK(p.last_close.code == 1006);
    CHECK(server.opens == 0);
}

TEST_CASE("proxy: from the environment, with no_proxy", "[client][proxy]") {
    echo_server server;
    tinyproxy_process proxy;
    // Set before any thread of this test resolves a name (getaddrinfo reads
    // the environment); put back afterwards.
    struct env_guard {
        ~env_guard() {
            ::unsetenv("http_proxy");
            ::unsetenv("no_proxy");
        }
    } restore;
    ::setenv("http_proxy", proxy.url().c_str(), 1);
    ::unsetenv("no_proxy");
    {
        probe p;
        p.ws.proxy_from_environment();
        p.run(server.url());
        CHECK(p.errors.empty());
        CHECK(p.opens == 1);
    }
    CHECK(proxy.count_in_log(connect_line(server.server.port())) == 1);

    ::setenv("no_proxy", "localhost,127.0.0.1", 1);
    {
        probe p;
        p.ws.proxy_from_environment();
        p.run(server.url());
        CHECK(p.errors.empty());
        CHECK(p.opens == 1);
    }
    CHECK(server.opens == 2);
    CHECK(proxy.count_in_log(connect_line(server.server.port())) == 1); // the second went direct

    // Without proxy_from_environment() the variables are not read.
    ::unsetenv("no_proxy");
    {
        probe p;
        p.run(server.url());
        CHECK(p.opens == 1);
    }
    CHECK(proxy.count_in_log(connect_line(server.server.port())) == 1);
}

TEST_CASE("proxy: a bad proxy URL throws at once", "[client][proxy]") {
    asio::io_context io;
    wsx::client ws{io};
    CHECK_THROWS_AS(ws.proxy("http://user:pw@"), std::system_error);
    CHECK_THROWS_AS(ws.proxy("https://127.0.0.1:3128"), std::system_error);
    try {
        ws.proxy("http://127.0.0.1:99999");
        FAIL("accepted");
    } catch (const std::system_error& e) {
        CHECK(e.code() == wsx::error::bad_url);
    }
    ws.proxy(""); // back to direct
    CHECK_FALSE(ws.proxies().ws);
}

// ---- a hand-written proxy --------------------------------------------------

namespace {

// A client on its own thread (the raw proxy below blocks the test thread).
struct threaded_probe {
    asio::io_context io;
    wsx::client ws{io};
    event_log log;
    std::vector<std::error_code> errors; // read after the thread is joined

    threaded_probe() {
        ws.on_open([this](wsx::session&) { log.add("open"); })
            .on_message([this](wsx::session& s, std::string text) {
                log.add("message:" + text);
                s.close();
            })
            .on_error([this](wsx::session&, std::error_code ec) {
                errors.push_back(ec);
                log.add("error");
            })
            .on_close([this](wsx::session&, const wsx::close_reason& r) { log.add("close:" + std::to_string(r.code)); });
    }
};

} // namespace

TEST_CASE("proxy: an answer that trickles in byte by byte; credentials as Basic", "[client][proxy]") {
    raw_listener target; // never dialled: the proxy below answers for it
    raw_listener fake_proxy;
    threaded_probe p;
    p.ws.proxy("http://ann:pw@127.0.0.1:" + std::to_string(fake_proxy.port()));
    p.ws.connect(ws_url(target.port(), "/chat"));
    io_threads runner(p.io);

    raw_peer peer;
    REQUIRE(peer.accept(fake_proxy.acceptor));
    const std::string head = peer.read_http_head();
    CHECK(head.rfind(connect_line(target.port()) + "HTTP/1.1\r\n", 0) == 0);
    CHECK(head.find("\r\nHost: 127.0.0.1:" + std::to_string(target.port()) + "\r\n") != std::string::npos);
    CHECK(head.find("\r\nProxy-Authorization: Basic YW5uOnB3\r\n") != std::string::npos); // ann:pw
    for (char c : std::string("HTTP/1.1 200 Connection established\r\nProxy-agent: raw\r\n\r\n"))
        peer.write(std::string(1, c));
    // Now the tunnel: the same socket speaks WebSocket to the target.
    const std::string upgrade = peer.accept_upgrade();
    CHECK(upgrade.rfind("GET /chat HTTP/1.1\r\n", 0) == 0);
    CHECK(upgrade.find("Proxy-Authorization") == std::string::npos); // for the proxy only
    peer.send_text("hello through a tunnel");
    REQUIRE(p.log.wait_for("message:hello through a tunnel"));
    peer.send_close(1000);
    REQUIRE(p.log.wait_for("close:1000"));
    runner.release();
    REQUIRE(runner.join_within(default_limit));
    CHECK(p.errors.empty());
}

TEST_CASE("proxy: a malformed answer is proxy_bad_response, then 1006", "[client][proxy]") {
    for (const std::string& answer : {std::string("SSH-2.0-OpenSSH_9.2\r\n"), std::string("HTTP/1.1 200 OK\r\nbad\r\n\r\n"),
                                     std::string("HTTP/1.1 200 OK\r\n") /* then EOF */}) {
        INFO(answer);
        raw_listener fake_proxy;
        threaded_probe p;
        p.ws.proxy("http://127.0.0.1:" + std::to_string(fake_proxy.port()));
        p.ws.connect(ws_url(unused_port(), "/"));
        io_threads runner(p.io);
        raw_peer peer;
        REQUIRE(peer.accept(fake_proxy.acceptor));
        REQUIRE_FALSE(peer.read_http_head().empty());
        peer.write(answer);
        peer.close();
        REQUIRE(p.log.wait_for("close:1006"));
        runner.release();
        REQUIRE(runner.join_within(default_limit));
        REQUIRE(p.errors.size() == 1);
        CHECK(p.errors[0] == wsx::error::proxy_bad_response);
        CHECK_FALSE(p.log.contains("open"));
    }
}

TEST_CASE("proxy: an endless answer is cut at the limit", "[client][proxy]") {
    raw_listener fake_proxy;
    threaded_probe p;
    p.ws.proxy("http://127.0.0.1:" + std::to_string(fake_proxy.port()));
    p.ws.connect(ws_url(unused_port(), "/"));
    io_threads runner(p.io);
    raw_peer peer;
    REQUIRE(peer.accept(fake_proxy.acceptor));
    REQUIRE_FALSE(peer.read_http_head().empty());
    std::string filler = "HTTP/1.1 200 OK\r\n";
    while (filler.size() < 64 * 1024) filler += "X-Filler: 0123456789abcdef0123456789abcdef\r\n";
    (void)peer.try_write(filler); // the client may hang up part way
    REQUIRE(p.log.wait_for("close:1006"));
    runner.release();
    REQUIRE(runner.join_within(default_limit));
    REQUIRE(p.errors.size() == 1);
    CHECK(p.errors[0] == wsx::error::proxy_bad_response);
}

TEST_CASE("proxy: a proxy that never answers is bounded by the handshake timeout", "[client][proxy]") {
    raw_listener fake_proxy;
    threaded_probe p;
    p.ws.options().handshake_timeout = std::chrono::milliseconds(200);
    p.ws.proxy("http://127.0.0.1:" + std::to_string(fake_proxy.port()));
    p.ws.connect(ws_url(unused_port(), "/"));
    io_threads runner(p.io);
    raw_peer peer;
    REQUIRE(peer.accept(fake_proxy.acceptor));
    REQUIRE_FALSE(peer.read_http_head().empty());
    // ... and says nothing.
    REQUIRE(p.log.wait_for("close:1006"));
    runner.release();
    REQUIRE(runner.join_within(default_limit));
    REQUIRE(p.errors.size() == 1);
    CHECK(p.errors[0] == wsx::error::handshake_timeout);
    CHECK(peer.wait_closed());
}
