// Copyright (c) 2026 wsx developers. Distributed under the Boost Software License, Version 1.0.
// The closing handshake of a server session in every order (RFC 6455 7.1),
// over the in-memory transport: who sends the first close frame, what the
// other answers, who ends the TCP connection, and what the handlers hear.

#include "loopback.hpp"
#include "memory_transport.hpp"
#include "wsx_catch.hpp"

#include <string>
#include <vector>

using namespace wsx_test;

namespace {

struct recorder {
    std::vector<std::string> messages;
    std::vector<wsx::close_reason> closes;
    std::vector<std::error_code> errors;
};

// An open connection on /echo whose handlers record what they see.
void open_echo(memory_server& m, recorder& r) {
    m.server.endpoint("/echo")
        .on_message([&r](wsx::session&, const wsx::message& msg) { r.messages.emplace_back(msg.text()); })
        .on_close([&r](wsx::session&, const wsx::close_reason& c) { r.closes.push_back(c); })
        .on_error([&r](wsx::session&, std::error_code ec) { r.errors.push_back(ec); });
    m.accept();
    m.send(upgrade_request("/echo", 80));
    const std::string response = m.w->take();
    REQUIRE(response.rfind("HTTP/1.1 101", 0) == 0);
    REQUIRE(m.session->ready_state() == wsx::ready_state::open);
}

// The frames the session wrote since the last call.
std::vector<frame> frames_out(memory_server& m) {
    std::string bytes = m.w->take();
    std::vector<frame> out;
    bool masked = false;
    while (auto f = take_frame(bytes, masked)) {
        CHECK_FALSE(masked);
        out.push_back(*f);
    }
    CHECK(bytes.empty());
    return out;
}

} // namespace

TEST_CASE("session close: the server closes first, the peer answers, the server ends TCP", "[session][close]") {
    memory_server m;
    recorder r;
    open_echo(m, r);

    m.session->close(4000, "bye");
    m.run();
    auto out = frames_out(m);
    REQUIRE(out.size() == 1);
    CHECK(out[0].opcode == op::close);
    CHECK(out[0].close_code() == 4000);
    CHECK(out[0].close_reason() == "bye");
    CHECK(m.session->ready_state() == wsx::ready_state::closing);
    CHECK_FALSE(m.w->shut_down); // waits for the peer's close frame
    CHECK(r.closes.empty());

    m.send(encode_frame(op::close, close_payload(4000, "bye")));
    CHECK(m.w->shut_down); // the server closes TCP first (RFC 6455 7.1.1)
    CHECK(m.w->closed);
    REQUIRE(r.closes.size() == 1);
    CHECK(r.closes[0].code == 4000);
    CHECK(r.errors.empty());
    CHECK(frames_out(m).empty()); // no second close frame
}

TEST_CASE("session close: the peer closes first, the server echoes its code and ends TCP", "[session][close]") {
    memory_server m;
    recorder r;
    open_echo(m, r);

    m.send(encode_frame(op::close, close_payload(4001, "done")));
    auto out = frames_out(m);
    REQUIRE(out.size() == 1);
    CHECK(out[0].opcode == op::close);
    CHECK(out[0].close_code() == 4001); // RFC 6455 5.5.1: the code is echoed
    CHECK(m.w->shut_down);
    CHECK(m.w->closed);
    REQUIRE(r.closes.size() == 1);
    CHECK(r.closes[0].code == 4001);
    CHECK(r.closes[0].reason == "done");
    CHECK(r.errors.empty());
}

TEST_CASE("session close: both close at once; one close frame each way, one on_close", "[session][close]") {
    memory_server m;
    recorder r;
    open_echo(m, r);

    m.session->close(1000, "");
    m.w->feed(encode_frame(op::close, close_payload(1001)));
    m.run();
    auto out = frames_out(m);
    REQUIRE(out.size() == 1);
    CHECK(out[0].close_code() == 1000);
    CHECK(m.w->closed);
    REQUIRE(r.closes.size() == 1);
    CHECK(r.closes[0].code == 1001); // what the peer said
    CHECK(r.errors.empty());
}

TEST_CASE("session close: data after the server's close frame is not delivered", "[session][close]") {
    memory_server m;
    recorder r;
    open_echo(m, r);

    m.session->close();
    m.run();
    m.send(encode_frame(op::text, "late") + encode_frame(op::close, close_payload(1000)));
    CHECK(r.messages.empty()); // RFC 6455 1.4
    REQUIRE(r.closes.size() == 1);
    CHECK(r.closes[0].code == 1000);
}

TEST_CASE("session close: a peer that ends TCP without a close frame is 1006 and an error", "[session][close]") {
    memory_server m;
    recorder r;
    open_echo(m, r);

    m.send(encode_frame(op::text, "last words"));
    m.w->end();
    m.run();
    CHECK(r.messages == std::vector<std::string>{"last words"});
    REQUIRE(r.errors.size() == 1);
    CHECK(r.errors[0] == wsx::error::connection_reset);
    REQUIRE(r.closes.size() == 1);
    CHECK(r.closes[0].code == 1006);
    CHECK(m.w->closed);
    CHECK(frames_out(m).empty()); // nobody to send a close frame to
}

TEST_CASE("session close: a protocol error fails the connection with 1002", "[session][close]") {
    memory_server m;
    recorder r;
    open_echo(m, r);

    m.send(encode_frame(op::text, "unmasked", false)); // a client must mask (RFC 6455 5.1)
    auto out = frames_out(m);
    REQUIRE(out.size() == 1);
    CHECK(out[0].close_code() == 1002);
    REQUIRE(r.errors.size() == 1);
    CHECK(m.w->shut_down); // half-closed at once; the peer's answer or EOF ends it
    m.send(encode_frame(op::close, close_payload(1002)));
    m.w->end();
    m.run();
    CHECK(m.w->closed);
    REQUIRE(r.closes.size() == 1);
    CHECK(r.closes[0].code == 1002);
    CHECK(r.messages.empty());
}
