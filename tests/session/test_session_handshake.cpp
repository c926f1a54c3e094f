// Copyright (c) 2026 wsx developers. Distributed under the Boost Software License, Version 1.0.
// The opening handshake of a server session, over the in-memory transport
// (tests/support/memory_transport.hpp): every step is a call of the test,
// with no socket and no clock.

#include "loopback.hpp"
#include "memory_transport.hpp"
#include "wsx_catch.hpp"

#include <string>
#include <vector>

using namespace wsx_test;

TEST_CASE("session handshake: a request fed one byte at a time opens at its last byte", "[session][handshake]") {
    memory_server m;
    std::vector<std::string> rooms;
    m.server.endpoint("/chat/{room}").on_open([&](wsx::session& s) { rooms.emplace_back(s.path_param("room")); });
    m.accept();

    const std::string request = upgrade_request("/chat/lobby", 80);
    for (std::size_t i = 0; i + 1 < request.size(); ++i) {
        m.send(request.substr(i, 1));
        REQUIRE(m.w->from_session.empty()); // nothing is answered before the request is whole
    }
    CHECK(rooms.empty());
    CHECK(m.session->ready_state() == wsx::ready_state::connecting);

    m.send(request.substr(request.size() - 1));
    const std::string response = m.w->take();
    CHECK(response.rfind("HTTP/1.1 101 Switching Protocols\r\n", 0) == 0);
    CHECK(response.find("Sec-WebSocket-Accept: " + std::string(rfc_accept) + "\r\n") != std::string::npos);
    CHECK(response.substr(response.size() - 4) == "\r\n\r\n");
    REQUIRE(rooms == std::vector<std::string>{"lobby"});
    CHECK(m.session->ready_state() == wsx::ready_state::open);
    CHECK_FALSE(m.w->shut_down);
}

TEST_CASE("session handshake: frames in the request's bytes are read after on_open", "[session][handshake]") {
    memory_server m;
    std::vector<std::string> events;
    m.server.endpoint("/echo")
        .on_open([&](wsx::session&) { events.push_back("open"); })
        .on_message([&](wsx::session& s, const wsx::message& msg) {
            events.push_back("message " + std::string(msg.text()));
            s.send(msg);
        });
    m.accept();
    m.send(upgrade_request("/echo", 80) + encode_frame(op::text, "first") + encode_frame(op::text, "second"));

    CHECK(events == std::vector<std::string>{"open", "message first", "message second"});
    std::string out = m.w->take();
    const std::size_t end_of_response = out.find("\r\n\r\n");
    REQUIRE(end_of_response != std::string::npos);
    out.erase(0, end_of_response + 4);
    bool masked = true;
    auto a = take_frame(out, masked);
    REQUIRE(a);
    CHECK_FALSE(masked); // a server never masks
    CHECK(a->payload == "first");
    auto b = take_frame(out, masked);
    REQUIRE(b);
    CHECK(b->payload == "second");
    CHECK(out.empty());
}

TEST_CASE("session handshake: refusals are HTTP answers, then the connection ends", "[session][handshake]") {
    struct refusal {
        std::string request;
        std::string status;
    };
    const std::vector<refusal> refusals = {
        {"GET /echo HTTP/1.1\r\nHost: x\r\n\r\n", "HTTP/1.1 426 "},               // no Upgrade
        {upgrade_request("/nowhere", 80), "HTTP/1.1 404 "},                         // no endpoint
        {"GET /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello", "HTTP/1.1 400 "}, // a body
        {"GET /echo HTTP/1.0\r\nHost: x\r\n\r\n", "HTTP/1.1 426 "},               // HTTP/1.0 is no upgrade
    };
    for (const auto& r : refusals) {
        INFO(r.request);
        memory_server m;
        int opens = 0, closes = 0;
        m.server.endpoint("/echo").on_open([&](wsx::session&) { ++opens; }).on_close([&](wsx::session&) { ++closes; });
        m.accept();
        m.send(r.request);
        const std::string response = m.w->take();
        m.run();
        CHECK(response.rfind(r.status, 0) == 0);
        CHECK(opens == 0);
        CHECK(closes == 0); // a connection that never opened was never the handlers'
        CHECK(m.w->shut_down);
        CHECK(m.w->closed);
        CHECK(m.session->ready_state() == wsx::ready_state::closed);
        CHECK(m.server.session_count() == 0);
    }
}
