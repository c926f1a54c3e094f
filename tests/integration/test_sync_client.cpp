// Copyright (c) 2026 wsx developers. Distributed under the Boost Software License, Version 1.0.
// The blocking client (standing at the café counter): connect, send,
// receive and close each wait for their result; failures throw
// std::system_error with a code and a message a person can act on.

#include "wsx_catch.hpp"
#include "loopback.hpp"

#include <wsx/wsx.hpp>

#include <string>

using namespace wsx_test;

namespace {

// An echo server on its own thread; the sync_client runs in the test's.
struct echo_server {
    asio::io_context io;
    wsx::server server{io};
    std::uint16_t port = 0;
    std::unique_ptr<io_threads> runner;

    echo_server() {
        server.endpoint("/echo").on_message([](wsx::session& s, const wsx::message& m) {
            if (m.text() == "close me") return s.close(4000, "as you wish");
            s.send(m);
        });
        server.endpoint("/quiet");
        server.listen("127.0.0.1", 0);
        port = server.port();
        runner = std::make_unique<io_threads>(io);
    }
    ~echo_server() { runner->stop(); }
};

} // namespace

TEST_CASE("sync_client: connect, send, receive, close", "[sync_client]") {
    echo_server srv;
    wsx::sync_client ws;
    CHECK_FALSE(ws.is_open());
    ws.connect(ws_url(srv.port, "/echo"));
    CHECK(ws.is_open());

    ws.send("hello");
    auto m = ws.receive();
    REQUIRE(m);
    CHECK(m->is_text());
    CHECK(m->text() == "hello");

    const std::string bytes = pattern_bytes(70000);
    ws.send_binary(wsx::byte_view(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size()));
    m = ws.receive();
    REQUIRE(m);
    CHECK(m->is_binary());
    CHECK(std::string(m->text()) == bytes);

    // Several in a row come back in order.
    for (int i = 0; i < 10; ++i) ws.send("n" + std::to_string(i));
    for (int i = 0; i < 10; ++i) {
        auto r = ws.receive();
        REQUIRE(r);
        CHECK(r->text() == "n" + std::to_string(i));
    }

    ws.close(1000, "bye");
    CHECK_FALSE(ws.is_open());
    CHECK(ws.last_close().code == 1000);
    // Closed: receive returns nothing at once and send throws.
    CHECK_FALSE(ws.receive(std::chrono::milliseconds(100)));
    CHECK_THROWS_AS(ws.send("after close"), std::system_error);

    // The same object connects again.
    ws.connect(ws_url(srv.port, "/echo"));
    ws.send("again");
    auto again = ws.receive();
    REQUIRE(again);
    CHECK(again->text() == "again");
    ws.close();
}

TEST_CASE("sync_client: receive with a timeout returns nullopt", "[sync_client]") {
    echo_server srv;
    wsx::sync_client ws;
    ws.connect(ws_url(srv.port, "/quiet"));
    auto before = steady::now();
    auto m = ws.receive(std::chrono::milliseconds(200));
    CHECK_FALSE(m);
    // It waited (rather than giving up at once) and the connection is fine.
    CHECK(steady::now() - before >= std::chrono::milliseconds(200));
    CHECK(ws.is_open());
    ws.close();
}

TEST_CASE("sync_client: a close by the server ends receive() and is reported", "[sync_client]") {
    echo_server srv;
    wsx::sync_client ws;
    ws.connect(ws_url(srv.port, "/echo"));
    ws.send("close me");
    CHECK_FALSE(ws.receive());
    CHECK_FALSE(ws.is_open());
    CHECK(ws.last_close().code == 4000);
    CHECK(ws.last_close().reason == "as you wish");
}

TEST_CASE("sync_client: connecting to a port nobody listens on throws connection_refused", "[sync_client]") {
    wsx::sync_client ws;
    const auto url = ws_url(unused_port(), "/");
    try {
        ws.connect(url);
        FAIL("connect should have thrown");
    } catch (const std::system_error& e) {
        CHECK(e.code() == asio::error::connection_refused);
        CHECK(std::string(e.what()).find(url) != std::string::npos);
    }
    CHECK_FALSE(ws.is_open());
}

TEST_CASE("sync_client: connecting to an unknown path throws with the HTTP status", "[sync_client]") {
    echo_server srv;
    wsx::sync_client ws;
    try {
        ws.connect(ws_url(srv.port, "/no/such/path"));
        FAIL("connect should have thrown");
    } catch (const std::system_error& e) {
        CHECK(wsx::handshake_status(e.code()) == 404);
        CHECK(std::string(e.what()).find("404") != std::string::npos);
    }
    // A failed connect leaves the client usable.
    ws.connect(ws_url(srv.port, "/echo"));
    CHECK(ws.is_open());
    ws.close();
}

TEST_CASE("sync_client: a connect that gets no answer times out", "[sync_client]") {
    raw_listener l; // listens, never accepts: the request is never answered
    wsx::sync_client ws;
    try {
        ws.connect(ws_url(l.port(), "/"), std::chrono::milliseconds(300));
        FAIL("connect should have thrown");
    } catch (const std::system_error& e) {
        CHECK(e.code() == wsx::error::handshake_timeout);
    }
}

TEST_CASE("sync_client: bad URLs throw before any network traffic", "[sync_client]") {
    wsx::sync_client ws;
    CHECK_THROWS_AS(ws.connect("not a url"), std::system_error);
    try {
        ws.connect("http://127.0.0.1:1/");
        FAIL("connect should have thrown");
    } catch (const std::system_error& e) {
        CHECK(e.code() == wsx::error::unsupported_scheme);
    }
    // Nothing was started, so nothing can arrive: receive() must not sit
    // out its timeout (it used to spin at full CPU until the deadline).
    auto before = steady::now();
    CHECK_FALSE(ws.receive(std::chrono::seconds(60)));
    CHECK(steady::now() - before < std::chrono::seconds(30));
}
