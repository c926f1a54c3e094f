// Copyright (c) 2026 wsx developers. Distributed under the Boost Software License, Version 1.0.
// What the server decides from the opening request: which endpoint (path
// templates, 404), what the session sees of the request (path and query
// parameters, headers), plain HTTP on the same port, Origin checks, the
// handshake hook (subprotocol, extra headers, refusal) and subprotocol
// negotiation as both ends see it.

#include "wsx_catch.hpp"
#include "loopback.hpp"

#include <wsx/wsx.hpp>

#include <string>
#include <vector>

using namespace wsx_test;

namespace {

// A client that connects, records the first message (or the failure) and
// closes.
struct probe {
    wsx::client c;
    bool open = false;
    bool closed = false;
    std::vector<std::string> got;
    std::vector<std::error_code> errors;
    wsx::close_reason close;
    std::string protocol_on_open;

    explicit probe(asio::io_context& io) : c(io) {
        c.on_open([this](wsx::session& s) {
             open = true;
             protocol_on_open = s.subprotocol();
         })
            .on_message([this](wsx::session&, const wsx::message& m) { got.emplace_back(m.text()); })
            .on_error([this](wsx::session&, std::error_code ec) { errors.push_back(ec); })
            .on_close([this](wsx::session&, const wsx::close_reason& r) {
                closed = true;
                close = r;
            });
    }
    // The handlers above refer to this object: a connection must not
    // outlive it (the session would call into a destroyed probe).
    void finish(asio::io_context& io) {
        if (c.ready_state() != wsx::ready_state::closed) c.close();
        REQUIRE(run_until(io, [&] { return closed; }));
    }
};

// Sends one raw HTTP request and returns the whole reply (the server
// closes the connection after a non-upgrade reply).
std::string http_exchange(std::uint16_t port, const std::string& request) {
    raw_peer p;
    p.connect(port);
    p.write(request);
    std::string reply;
    REQUIRE(p.read_to_eof(reply));
    return reply;
}

} // namespace

TEST_CASE("routing: path parameters, query parameters and headers reach the session", "[routing]") {
    asio::io_context io;
    wsx::server server{io};
    server.endpoint("/chat/{room}").on_open([](wsx::session& s) {
        s.send("room=" + std::string(s.path_param("room")));
        s.send("x=" + s.query("x"));
        s.send("missing=" + s.query("nope"));
        s.send("header=" + std::string(s.header("x-test-header"))); // names compare case-insensitively
        s.send("path=" + std::string(s.path()));
        s.send("target=" + std::string(s.target()));
    });
    server.endpoint("/files/*").on_open([](wsx::session& s) { s.send("files:" + std::string(s.path())); });
    server.listen("127.0.0.1", 0);

    probe p(io);
    p.c.header("X-Test-Header", "value 1");
    p.c.connect(url_for(server, "/chat/lobby?x=hello%20world&y=2"));
    REQUIRE(run_until(io, [&] { return p.got.size() == 6 || p.closed; }));
    CHECK(p.got == std::vector<std::string>{"room=lobby", "x=hello world", "missing=", "header=value 1",
                                            "path=/chat/lobby", "target=/chat/lobby?x=hello%20world&y=2"});

    probe q(io);
    q.c.connect(url_for(server, "/files/a/b.txt"));
    REQUIRE(run_until(io, [&] { return q.got.size() == 1 || q.closed; }));
    CHECK(q.got == std::vector<std::string>{"files:/files/a/b.txt"});
    server.stop();
    CHECK(run_to_completion(io));
}

TEST_CASE("routing: the opening request is kept for the connection's life, or released after on_open",
          "[routing][memory]") {
    for (bool keep : {true, false}) {
        INFO("keep_request = " << keep);
        asio::io_context io;
        wsx::server server{io};
        server.default_options().keep_request = keep;
        auto describe = [](wsx::session& s, const char* when) {
            s.send(std::string(when) + " room=" + std::string(s.path_param("room")) + " x=" + s.query("x") +
                   " header=" + std::string(s.header("X-Test-Header")) + " target=" + std::string(s.target()) +
                   " request=" + (s.request() ? "yes" : "no"));
        };
        server.endpoint("/chat/{room}")
            .on_open([&](wsx::session& s) { describe(s, "open"); })
            .on_message([&](wsx::session& s, const wsx::message&) { describe(s, "later"); });
        server.listen("127.0.0.1", 0);

        probe p(io);
        p.c.header("X-Test-Header", "v");
        p.c.on_open([](wsx::session& s) { s.send("go"); });
        p.c.connect(url_for(server, "/chat/lobby?x=1"));
        REQUIRE(run_until(io, [&] { return p.got.size() == 2 || p.closed; }));
        REQUIRE(p.got.size() == 2);
        // Everything is there in on_open either way.
        CHECK(p.got[0] == "open room=lobby x=1 header=v target=/chat/lobby?x=1 request=yes");
        // Afterwards only path parameters remain when the request is released.
        if (keep)
            CHECK(p.got[1] == "later room=lobby x=1 header=v target=/chat/lobby?x=1 request=yes");
        else
            CHECK(p.got[1] == "later room=lobby x= header= target= request=no");
        p.finish(io);
        server.stop();
        CHECK(run_to_completion(io));
    }
}

TEST_CASE("routing: an unknown path is refused with 404", "[routing]") {
    asio::io_context io;
    wsx::server server{io};
    server.endpoint("/chat/{room}");
    server.listen("127.0.0.1", 0);

    for (const char* target : {"/nothing", "/chat", "/chat/a/b"}) {
        INFO(target);
        probe p(io);
        p.c.connect(url_for(server, target));
        REQUIRE(run_until(io, [&] { return p.closed; }));
        CHECK_FALSE(p.open);
        REQUIRE(p.errors.size() == 1);
        CHECK(wsx::handshake_status(p.errors[0]) == 404);
        CHECK(p.errors[0].message().find("404") != std::string::npos);
        CHECK(p.close.code == 1006);
    }
    // The client may see the 404 before the server has let go of the
    // connection: both run on this io_context, in no promised order.
    CHECK(run_until(io, [&] { return server.session_count() == 0; }));
}

TEST_CASE("routing: a plain HTTP request gets the on_http reply, or 426 without one", "[routing][http]") {
    asio::io_context io;
    wsx::server server{io};
    server.endpoint("/ws");
    server.listen("127.0.0.1", 0);
    const auto port = server.port();

    SECTION("no handler: 426 Upgrade Required naming version 13") {
        io_threads runner(io);
        std::string reply = http_exchange(port, "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
        CHECK(reply.rfind("HTTP/1.1 426", 0) == 0);
        CHECK(reply.find("Sec-WebSocket-Version: 13\r\n") != std::string::npos);
    }
    SECTION("with a handler: its reply") {
        server.on_http([](const wsx::protocol::http_request& req, wsx::http_reply& r) {
            r.status = req.target() == "/" ? 200 : 404;
            r.content_type = "text/html";
            r.body = "<p>page for " + std::string(req.target()) + "</p>";
            r.headers.emplace_back("X-Served-By", "wsx");
        });
        io_threads runner(io);
        std::string reply = http_exchange(port, "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
        CHECK(reply.rfind("HTTP/1.1 200", 0) == 0);
        CHECK(reply.find("Content-Type: text/html\r\n") != std::string::npos);
        CHECK(reply.find("X-Served-By: wsx\r\n") != std::string::npos);
        const std::string body = "<p>page for /</p>";
        CHECK(reply.find("Content-Length: " + std::to_string(body.size()) + "\r\n") != std::string::npos);
        CHECK(reply.find("\r\n\r\n" + body) == reply.size() - body.size() - 4);

        std::string other = http_exchange(port, "GET /other.js HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
        CHECK(other.rfind("HTTP/1.1 404", 0) == 0);
    }
    SECTION("a handler that throws: 500") {
        server.on_http([](const wsx::protocol::http_request&, wsx::http_reply&) { throw std::runtime_error("x"); });
        io_threads runner(io);
        std::string reply = http_exchange(port, "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
        CHECK(reply.rfind("HTTP/1.1 500", 0) == 0);
    }
    CHECK(server.session_count() == 0);
}

TEST_CASE("routing: check_origin refuses with 403", "[routing][origin]") {
    asio::io_context io;
    wsx::server server{io};
    std::vector<std::string> seen;
    server.endpoint("/o").check_origin([&](std::string_view origin) {
        seen.emplace_back(origin);
        return origin == "https://good.example";
    });
    server.listen("127.0.0.1", 0);

    probe bad(io);
    bad.c.origin("https://evil.example");
    bad.c.connect(url_for(server, "/o"));
    REQUIRE(run_until(io, [&] { return bad.closed; }));
    CHECK_FALSE(bad.open);
    REQUIRE(bad.errors.size() == 1);
    CHECK(wsx::handshake_status(bad.errors[0]) == 403);

    probe good(io);
    good.c.origin("https://good.example");
    good.c.connect(url_for(server, "/o"));
    REQUIRE(run_until(io, [&] { return good.open || good.closed; }));
    CHECK(good.open);
    CHECK(seen == std::vector<std::string>{"https://evil.example", "https://good.example"});
    server.stop();
    CHECK(run_to_completion(io));
}

TEST_CASE("routing: the handshake hook picks the subprotocol, adds headers or refuses", "[routing][handshake]") {
    asio::io_context io;
    wsx::server server{io};
    std::string server_saw_protocol;
    server.endpoint("/hook/{who}")
        .subprotocols({"first", "second"})
        .on_handshake([](wsx::upgrade_request& u) {
            if (u.path_param("who") == "nobody") return u.reject(401, "who are you?\n");
            if (u.cookie("session") == "bad") return u.reject(403);
            if (u.path_param("who") == "liar") u.select_subprotocol("never-offered"); // throws: 500
            CHECK_FALSE(u.is_secure()); // a plain server has no TLS port
            // The default choice is the client's first supported one; override it.
            CHECK(u.subprotocol() == "first");
            u.select_subprotocol("second");
            u.add_header("X-Hello", std::string(u.path_param("who")));
        })
        .on_open([&](wsx::session& s) {
            CHECK_FALSE(s.is_secure());
            server_saw_protocol = s.subprotocol();
            s.send("protocol=" + s.subprotocol());
        });
    server.listen("127.0.0.1", 0);
    const auto port = server.port();

    SECTION("chooses a subprotocol both ends see") {
        probe p(io);
        p.c.subprotocols({"first", "second"});
        p.c.connect(url_for(server, "/hook/ann"));
        REQUIRE(run_until(io, [&] { return !p.got.empty() || p.closed; }));
        CHECK(p.got == std::vector<std::string>{"protocol=second"});
        CHECK(p.protocol_on_open == "second");
        CHECK(p.c.protocol() == "second");
        CHECK(server_saw_protocol == "second");
        p.finish(io);
    }
    SECTION("adds a response header") {
        io_threads runner(io);
        raw_peer r;
        r.connect(port);
        r.write(upgrade_request("/hook/bob", port, "Sec-WebSocket-Protocol: first, second\r\n"));
        std::string head = r.read_http_head();
        CHECK(head.rfind("HTTP/1.1 101", 0) == 0);
        CHECK(head.find("X-Hello: bob\r\n") != std::string::npos);
        CHECK(head.find("Sec-WebSocket-Protocol: second\r\n") != std::string::npos);
    }
    SECTION("rejects with a status") {
        probe p(io);
        p.c.subprotocols({"first"});
        p.c.connect(url_for(server, "/hook/nobody"));
        REQUIRE(run_until(io, [&] { return p.closed; }));
        CHECK_FALSE(p.open);
        REQUIRE(p.errors.size() == 1);
        CHECK(wsx::handshake_status(p.errors[0]) == 401);

        probe q(io);
        q.c.header("Cookie", "theme=dark; session=bad");
        q.c.connect(url_for(server, "/hook/ann"));
        REQUIRE(run_until(io, [&] { return q.closed; }));
        REQUIRE(q.errors.size() == 1);
        CHECK(wsx::handshake_status(q.errors[0]) == 403);
    }
    SECTION("a hook that throws refuses with 500") {
        probe p(io);
        p.c.subprotocols({"first"});
        p.c.connect(url_for(server, "/hook/liar"));
        REQUIRE(run_until(io, [&] { return p.closed; }));
        REQUIRE(p.errors.size() == 1);
        CHECK(wsx::handshake_status(p.errors[0]) == 500);
    }
    server.stop();
    CHECK(run_to_completion(io));
}

TEST_CASE("routing: subprotocol negotiation", "[routing][subprotocol]") {
    asio::io_context io;
    wsx::server server{io};
    std::vector<std::string> server_side;
    server.endpoint("/p")
        .subprotocols({"chat.v2", "chat.v1"})
        .on_open([&](wsx::session& s) { server_side.push_back(s.subprotocol()); });
    server.endpoint("/none").on_open([&](wsx::session& s) { server_side.push_back("none:" + s.subprotocol()); });
    server.listen("127.0.0.1", 0);

    SECTION("the client's most preferred supported one wins") {
        probe p(io);
        p.c.subprotocols({"mqtt", "chat.v1", "chat.v2"});
        p.c.connect(url_for(server, "/p"));
        REQUIRE(run_until(io, [&] { return p.open || p.closed; }));
        REQUIRE(p.open);
        CHECK(p.c.protocol() == "chat.v1");
        CHECK(p.protocol_on_open == "chat.v1");
        REQUIRE(run_until(io, [&] { return server_side.size() == 1; }));
        CHECK(server_side[0] == "chat.v1");
        p.finish(io);
    }
    SECTION("no common subprotocol: connected without one") {
        probe p(io);
        p.c.subprotocols({"mqtt"});
        p.c.connect(url_for(server, "/p"));
        REQUIRE(run_until(io, [&] { return p.open || p.closed; }));
        REQUIRE(p.open);
        CHECK(p.c.protocol().empty());
        REQUIRE(run_until(io, [&] { return server_side.size() == 1; }));
        CHECK(server_side[0].empty());
        p.finish(io);
    }
    SECTION("an endpoint that speaks none ignores the offer") {
        probe p(io);
        p.c.subprotocols({"chat.v1"});
        p.c.connect(url_for(server, "/none"));
        REQUIRE(run_until(io, [&] { return p.open || p.closed; }));
        REQUIRE(p.open);
        CHECK(p.c.protocol().empty());
        REQUIRE(run_until(io, [&] { return server_side.size() == 1; }));
        CHECK(server_side[0] == "none:");
        p.finish(io);
    }
    server.stop();
    CHECK(run_to_completion(io));
}

TEST_CASE("routing: an absolute http URI as the request target is routed by its path", "[routing][rfc6455]") {
    // RFC 6455 4.2.1: the Request-URI may be an absolute http/https URI
    // containing the resource name.
    asio::io_context io;
    wsx::server server{io};
    server.endpoint("/chat/{room}").on_open([](wsx::session& s) {
        s.send(std::string(s.path_param("room")) + " " + std::string(s.target()) + " " + s.query("x"));
    });
    server.listen("127.0.0.1", 0);
    const auto port = server.port();
    io_threads runner(io);

    raw_peer p;
    p.connect(port);
    REQUIRE(p.handshake("http://127.0.0.1:" + std::to_string(port) + "/chat/abs?x=1", port));
    auto f = p.read_frame();
    REQUIRE(f);
    CHECK(f->payload == "abs /chat/abs?x=1 1");
}
