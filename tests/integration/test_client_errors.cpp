// Copyright (c) 2026 wsx developers. Distributed under the Boost Software License, Version 1.0.
// How the client fails. Programmer input (a bad URL, the wrong scheme, a
// call in the wrong state) throws std::system_error at once; everything on
// the network (refused, unresolvable, a server that answers something other
// than 101) goes to on_error, then on_close with 1006, as in the browser.

#include "wsx_catch.hpp"
#include "loopback.hpp"

#include <wsx/wsx.hpp>

#include <asio/error.hpp>

#include <string>
#include <vector>

using namespace wsx_test;

namespace {

struct outcome {
    std::vector<std::string> events;
    std::vector<std::error_code> errors;
    std::vector<wsx::close_reason> closes;

    void attach(wsx::client& c) {
        c.on_open([this](wsx::session&) { events.push_back("open"); })
            .on_error([this](wsx::session&, std::error_code ec) {
                errors.push_back(ec);
                events.push_back("error");
            })
            .on_close([this](wsx::session&, const wsx::close_reason& r) {
                closes.push_back(r);
                events.push_back("close:" + std::to_string(r.code));
            });
    }
};

std::error_code connect_error(const std::string& url) {
    asio::io_context io;
    wsx::client c{io};
    try {
        c.connect(url);
    } catch (const std::system_error& e) {
        // Nothing was started: no handler runs, nothing is left to do.
        CHECK(run_to_completion(io));
        CHECK(c.ready_state() == wsx::ready_state::closed);
        return e.code();
    }
    FAIL("connect(\"" << url << "\") should have thrown");
    return {};
}

// A raw server that reads the request and answers with `response`.
void answer_with(const std::string& response, outcome& out, bool close_after = true) {
    raw_listener l;
    asio::io_context io;
    wsx::client c{io};
    out.attach(c);
    c.connect(ws_url(l.port(), "/"));
    io_threads runner(io);
    raw_peer server;
    REQUIRE(server.accept(l.acceptor));
    REQUIRE_FALSE(server.read_http_head().empty());
    server.write(response);
    if (close_after) server.close();
    REQUIRE(eventually([&] {
        // Handlers run on the runner thread; `out` is read once it is done.
        return c.ready_state() == wsx::ready_state::closed && c.session() && c.session().use_count() == 1;
    }));
    runner.release();
    REQUIRE(runner.join_within(default_limit));
}

} // namespace

TEST_CASE("client errors: malformed URLs and unsupported schemes throw at once", "[client][url]") {
    for (const char* url : {"", "127.0.0.1:80/", "ws://", "ws:///path", "ws://host:99999/", "ws://host:port/",
                            "ws://127.0.0.1/a b", "ws://127.0.0.1/#fragment"}) {
        INFO(url);
        CHECK(connect_error(url) == wsx::error::bad_url);
    }
    CHECK(connect_error("http://127.0.0.1/") == wsx::error::unsupported_scheme);
    CHECK(connect_error("https://127.0.0.1/") == wsx::error::unsupported_scheme);
    CHECK(connect_error("ftp://127.0.0.1/") == wsx::error::unsupported_scheme);
    // This program does not include <wsx/tls.hpp>: wss:// says how to get
    // TLS instead of sending a plain-text handshake to a TLS port.
    CHECK(connect_error("wss://127.0.0.1/") == wsx::error::tls_unavailable);

    asio::io_context io;
    wsx::client c{io};
    try {
        c.connect("wss://127.0.0.1/");
        FAIL("wss:// without TLS did not throw");
    } catch (const std::system_error& e) {
        CHECK(std::string(e.what()).find("<wsx/tls.hpp>") != std::string::npos);
    }
    wsx::server server{io};
    try {
        server.listen_tls("127.0.0.1", 0, wsx::tls_server_options{});
        FAIL("listen_tls() without TLS did not throw");
    } catch (const std::system_error& e) {
        CHECK(e.code() == wsx::error::tls_unavailable);
    }
}

TEST_CASE("client errors: calls in the wrong state throw", "[client][state]") {
    asio::io_context io;
    wsx::client c{io};
    CHECK(c.ready_state() == wsx::ready_state::closed);
    CHECK(c.buffered_amount() == 0);
    CHECK(c.protocol().empty());
    try {
        c.send("too early");
        FAIL("send() before connect() should throw");
    } catch (const std::system_error& e) {
        CHECK(e.code() == wsx::error::invalid_state);
    }
    c.close(); // before connect: nothing to close, no throw

    wsx::server server{io};
    server.endpoint("/");
    server.listen("127.0.0.1", 0);
    c.connect(url_for(server, "/"));
    CHECK(c.ready_state() == wsx::ready_state::connecting);
    try {
        c.connect(url_for(server, "/"));
        FAIL("connect() while connecting should throw");
    } catch (const std::system_error& e) {
        CHECK(e.code() == wsx::error::invalid_state);
    }
    REQUIRE(run_until(io, [&] { return c.ready_state() == wsx::ready_state::open; }));
    CHECK_THROWS_AS(c.connect(url_for(server, "/")), std::system_error);
    server.stop();
    CHECK(run_to_completion(io));
}

TEST_CASE("client errors: connection refused goes to on_error, then on_close 1006", "[client][network]") {
    asio::io_context io;
    wsx::client c{io};
    outcome out;
    out.attach(c);
    c.connect(ws_url(unused_port(), "/"));
    CHECK(c.ready_state() == wsx::ready_state::connecting);
    REQUIRE(run_until(io, [&] { return !out.closes.empty(); }));
    CHECK(out.events == std::vector<std::string>{"error", "close:1006"});
    CHECK(out.errors[0] == asio::error::connection_refused);
    CHECK(c.ready_state() == wsx::ready_state::closed);
    CHECK(run_to_completion(io));
}

TEST_CASE("client errors: an unresolvable host goes to on_error with a resolver error", "[client][network]") {
    // RFC 2606 reserves .invalid, but a plain name under it still sends a
    // DNS query, and tests may only ever reach 127.0.0.1. A DNS label is at
    // most 63 bytes (RFC 1035 2.3.4): with a 64-byte label the resolver
    // fails while encoding the query, before anything leaves the machine.
    asio::io_context io;
    wsx::client c{io};
    outcome out;
    out.attach(c);
    c.connect("ws://" + std::string(64, 'a') + ".invalid:80/");
    REQUIRE(run_until(io, [&] { return !out.closes.empty(); }));
    CHECK(out.events == std::vector<std::string>{"error", "close:1006"});
    const std::error_code ec = out.errors[0];
    INFO(ec.category().name() << " " << ec.value() << ": " << ec.message());
    CHECK((ec == asio::error::host_not_found || ec == asio::error::host_not_found_try_again ||
           ec == asio::error::no_data || ec == asio::error::no_recovery));
    CHECK(run_to_completion(io));
}

TEST_CASE("client errors: a server that answers something other than 101", "[client][handshake]") {
    SECTION("a status: on_error carries it") {
        outcome out;
        answer_with("HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\nConnection: close\r\n\r\n", out);
        CHECK(out.events == std::vector<std::string>{"error", "close:1006"});
        CHECK(wsx::handshake_status(out.errors[0]) == 503);
        CHECK(out.errors[0].message().find("503") != std::string::npos);
    }
    SECTION("200 OK is not an upgrade either") {
        outcome out;
        answer_with("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhi", out);
        CHECK(out.events == std::vector<std::string>{"error", "close:1006"});
        CHECK(wsx::handshake_status(out.errors[0]) == 200);
    }
    SECTION("101 with a wrong Sec-WebSocket-Accept") {
        outcome out;
        answer_with("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                    "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n",
                    out, false);
        CHECK(out.events == std::vector<std::string>{"error", "close:1006"});
        CHECK(out.errors[0] == wsx::error::handshake_bad_accept);
    }
    SECTION("not HTTP at all") {
        outcome out;
        answer_with("SSH-2.0-OpenSSH_9.2\r\n\r\n", out);
        CHECK(out.events == std::vector<std::string>{"error", "close:1006"});
        CHECK(out.errors[0] == wsx::error::handshake_bad_response);
    }
    SECTION("the connection closes before a complete answer") {
        outcome out;
        answer_with("HTTP/1.1 101 Switching", out);
        CHECK(out.events == std::vector<std::string>{"error", "close:1006"});
        CHECK(out.errors[0] == wsx::error::handshake_bad_response);
    }
}

TEST_CASE("client errors: a server that picks a subprotocol the client did not offer", "[client][handshake]") {
    raw_listener l;
    asio::io_context io;
    wsx::client c{io};
    c.subprotocols({"chat"});
    outcome out;
    out.attach(c);
    c.connect(ws_url(l.port(), "/"));
    io_threads runner(io);
    raw_peer server;
    REQUIRE(server.accept(l.acceptor));
    REQUIRE_FALSE(server.accept_upgrade("Sec-WebSocket-Protocol: something-else\r\n").empty());
    REQUIRE(eventually([&] { return c.ready_state() == wsx::ready_state::closed && c.session().use_count() == 1; }));
    runner.release();
    REQUIRE(runner.join_within(default_limit));
    CHECK(out.events == std::vector<std::string>{"error", "close:1006"});
    CHECK(out.errors[0] == wsx::error::handshake_bad_subprotocol);
}

TEST_CASE("client errors: a refused client can connect again", "[client][network]") {
    asio::io_context io;
    wsx::client c{io};
    outcome out;
    out.attach(c);
    c.connect(ws_url(unused_port(), "/"));
    REQUIRE(run_until(io, [&] { return !out.closes.empty(); }));

    wsx::server server{io};
    server.endpoint("/");
    server.listen("127.0.0.1", 0);
    c.connect(url_for(server, "/"));
    REQUIRE(run_until(io, [&] { return c.ready_state() == wsx::ready_state::open; }));
    CHECK(out.events == std::vector<std::string>{"error", "close:1006", "open"});
    server.stop();
    CHECK(run_to_completion(io));
}
