// Copyright (c) 2026 wsx developers. Distributed under the Boost Software License, Version 1.0.
// Hostile opening handshakes over real sockets. A server refuses a request
// that announces a body, or is not HTTP/1.1, with the exact status before any
// handler runs, so body bytes are never read as WebSocket frames; a client
// refuses a 101 that does the same. Each case on its own is in
// tests/protocol/test_handshake.cpp; this checks what reaches the wire.

#include "wsx_catch.hpp"
#include "loopback.hpp"

#include <wsx/wsx.hpp>

#include <atomic>
#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

using namespace wsx_test;

namespace {

// Sends one raw request and returns everything the server sends before it
// closes the connection (every refusal carries Connection: close).
std::string exchange(std::uint16_t port, const std::string& request) {
    raw_peer p;
    p.connect(port);
    p.write(request);
    std::string reply;
    REQUIRE(p.read_to_eof(reply));
    return reply;
}

std::string status_line(const std::string& reply) { return reply.substr(0, reply.find("\r\n")); }

// upgrade_request() with another start line.
std::string upgrade_in(std::string_view version, std::uint16_t port) {
    std::string r = upgrade_request("/chat", port);
    return r.replace(r.find("HTTP/1.1"), 8, version);
}

struct server_case {
    const char* what;
    std::string request;
    const char* status_line;
};

} // namespace

TEST_CASE("strict http: the server refuses a body or another version before any handler runs",
          "[strict][http][server]") {
    asio::io_context io;
    wsx::server server{io};
    std::atomic<int> opened{0};
    std::atomic<int> messages{0};
    std::atomic<int> http_calls{0};
    server.endpoint("/chat")
        .on_open([&](wsx::session&) { ++opened; })
        .on_message([&](wsx::session&, const wsx::message&) { ++messages; });
    server.on_http([&](const wsx::protocol::http_request&, wsx::http_reply& r) {
        ++http_calls;
        r.body = "page";
    });
    server.listen("127.0.0.1", 0);
    const std::uint16_t port = server.port();
    io_threads runner(io);

    // The body a smuggler would hope to see read as a message after the 101.
    const std::string frame = encode_frame(op::text, "smuggled");
    const std::string frame_length = std::to_string(frame.size());
    const char* bad_request = "HTTP/1.1 400 Bad Request";
    const char* bad_version = "HTTP/1.1 505 HTTP Version Not Supported";
    const server_case cases[] = {
        {"Content-Length with a frame as the body",
         upgrade_request("/chat", port, "Content-Length: " + frame_length + "\r\n") + frame, bad_request},
        {"Transfer-Encoding: chunked", upgrade_request("/chat", port, "Transfer-Encoding: chunked\r\n") + "0\r\n\r\n",
         bad_request},
        {"Content-Length: 0 twice", upgrade_request("/chat", port, "Content-Length: 0\r\nContent-Length: 0\r\n"),
         bad_request},
        {"Content-Length: 0, 0", upgrade_request("/chat", port, "Content-Length: 0, 0\r\n"), bad_request},
        {"two different Content-Lengths",
         upgrade_request("/chat", port, "Content-Length: 0\r\nContent-Length: " + frame_length + "\r\n") + frame,
         bad_request},
        {"Content-Length: -1", upgrade_request("/chat", port, "Content-Length: -1\r\n"), bad_request},
        {"HTTP/1.0", upgrade_in("HTTP/1.0", port), bad_version},
        {"HTTP/1.2", upgrade_in("HTTP/1.2", port), bad_version},
        {"HTTP/2.0", upgrade_in("HTTP/2.0", port), bad_version},
        {"HTTP/9.9", upgrade_in("HTTP/9.9", port), bad_version},
        {"HTTP/1.10 (malformed)", upgrade_in("HTTP/1.10", port), bad_request},
        {"HTTP/1 (malformed)", upgrade_in("HTTP/1", port), bad_request},
        {"http/1.1 (malformed)", upgrade_in("http/1.1", port), bad_request},
        // Plain HTTP: refused before the on_http handler could see it.
        {"plain POST with a body", "POST /form HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhello", bad_request},
        {"plain POST chunked", "POST /form HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
         bad_request},
        {"plain HTTP/2.0", "GET / HTTP/2.0\r\nHost: a\r\n\r\n", bad_version},
    };
    for (const server_case& c : cases) {
        INFO(c.what);
        const std::string reply = exchange(port, c.request);
        CHECK(status_line(reply) == c.status_line);
        CHECK(reply.find("\r\nConnection: close\r\n") != std::string::npos);
        if (std::string_view(c.status_line) == bad_version) CHECK(reply.find("HTTP/1.1 only") != std::string::npos);
        CHECK(eventually([&] { return server.session_count() == 0; }));
    }
    CHECK(opened == 0);
    CHECK(messages == 0);
    CHECK(http_calls == 0);

    // What the rules allow still works: a lone Content-Length: 0, and plain
    // HTTP/1.0, which the handler answers in 1.1.
    raw_peer p;
    p.connect(port);
    REQUIRE(p.handshake("/chat", port, "Content-Length: 0\r\n"));
    p.send_frame(op::text, "hi");
    p.send_close(1000);
    auto f = p.read_frame_of(op::close);
    REQUIRE(f);
    CHECK(f->close_code() == 1000);
    CHECK(p.wait_closed());
    CHECK(eventually([&] { return opened == 1 && messages == 1; }));
    CHECK(status_line(exchange(port, "GET / HTTP/1.0\r\n\r\n")) == "HTTP/1.1 200 OK");
    CHECK(http_calls == 1);
    CHECK(eventually([&] { return server.session_count() == 0; }));
}

namespace {

struct client_outcome {
    std::vector<std::string> events;
    std::vector<std::error_code> errors;
};

// A raw server answers the wsx client's request with respond(accept value);
// then `after` plays the rest of the raw server's part. The outcome is read
// once the client has let go of its session and the io thread has ended.
client_outcome answer_client(const std::function<std::string(const std::string&)>& respond,
                             const std::function<void(raw_peer&)>& after = {}) {
    client_outcome out;
    raw_listener l;
    asio::io_context io;
    wsx::client c{io};
    c.on_open([&](wsx::session&) { out.events.push_back("open"); })
        .on_error([&](wsx::session&, std::error_code ec) {
            out.errors.push_back(ec);
            out.events.push_back("error");
        })
        .on_close([&](wsx::session&, const wsx::close_reason& r) {
            out.events.push_back("close:" + std::to_string(r.code));
        });
    c.connect(ws_url(l.port(), "/"));
    io_threads runner(io);
    raw_peer server;
    REQUIRE(server.accept(l.acceptor));
    const std::string head = server.read_http_head();
    const auto at = head.find("Sec-WebSocket-Key: ");
    REQUIRE(at != std::string::npos);
    const std::string key = head.substr(at + 19, head.find("\r\n", at) - at - 19);
    server.write(respond(wsx::protocol::accept_key(key)));
    if (after) after(server);
    REQUIRE(eventually([&] {
        return c.ready_state() == wsx::ready_state::closed && c.session() && c.session().use_count() == 1;
    }));
    runner.release();
    REQUIRE(runner.join_within(default_limit));
    return out;
}

// A 101 that is right in everything but `status_line` and `extra` lines.
std::function<std::string(const std::string&)> answer(std::string status_line, std::string extra,
                                                      std::string body = {}) {
    return [=](const std::string& accept) {
        return status_line + "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: " + accept +
               "\r\n" + extra + "\r\n" + body;
    };
}

} // namespace

TEST_CASE("strict http: the client refuses a 101 with a body or in another version", "[strict][http][client]") {
    const std::string frame = encode_frame(op::text, "smuggled", false);
    const std::pair<std::function<std::string(const std::string&)>, wsx::error> cases[] = {
        {answer("HTTP/1.0 101 Switching Protocols", ""), wsx::error::handshake_bad_response_version},
        {answer("HTTP/2.0 101 Switching Protocols", ""), wsx::error::handshake_bad_response_version},
        {answer("HTTP/1.1 101 Switching Protocols", "Content-Length: " + std::to_string(frame.size()) + "\r\n", frame),
         wsx::error::handshake_response_body},
        {answer("HTTP/1.1 101 Switching Protocols", "Transfer-Encoding: chunked\r\n", "0\r\n\r\n" + frame),
         wsx::error::handshake_response_body},
        {answer("HTTP/1.1 101 Switching Protocols", "Content-Length: 0\r\nContent-Length: 0\r\n"),
         wsx::error::handshake_bad_response},
        {answer("HTTP/1.10 101 Switching Protocols", ""), wsx::error::handshake_bad_response},
    };
    for (const auto& c : cases) {
        const client_outcome out = answer_client(c.first);
        INFO(c.first("x"));
        CHECK(out.events == std::vector<std::string>{"error", "close:1006"});
        REQUIRE(out.errors.size() == 1);
        CHECK(out.errors[0] == c.second);
    }

    // The same raw server with a lone Content-Length: 0 opens the connection.
    const client_outcome ok =
        answer_client(answer("HTTP/1.1 101 Switching Protocols", "Content-Length: 0\r\n"), [](raw_peer& server) {
            server.send_close(1000);
            auto f = server.read_frame_of(op::close);
            REQUIRE(f);
            CHECK(f->close_code() == 1000);
            server.close();
        });
    CHECK(ok.events == std::vector<std::string>{"open", "close:1000"});
}
