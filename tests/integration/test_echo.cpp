// Copyright (c) 2026 wsx developers. Distributed under the Boost Software License, Version 1.0.
// Loopback echo: a wsx client against a wsx server on 127.0.0.1. Payload
// sizes straddle every frame-length encoding (125/126, 65535/65536), reach
// the default message limit (16 MiB) and pass it by one byte.

#include "wsx_catch.hpp"
#include "loopback.hpp"

#include <wsx/wsx.hpp>

#include <cstddef>
#include <string>
#include <vector>

using namespace wsx_test;

namespace {

constexpr std::size_t mib = 1024 * 1024;
constexpr std::size_t limit = 16 * mib; // session_options::max_message_size default

struct received {
    bool binary;
    std::string bytes;
};

// A server that echoes every message back with its type, and a client
// that records what comes back.
struct echo_fixture {
    asio::io_context io;
    wsx::server server{io};
    wsx::client client{io};
    bool open = false;
    std::vector<received> got;
    std::vector<std::error_code> client_errors;
    wsx::close_reason client_close;
    int client_closes = 0;

    echo_fixture() {
        server.endpoint("/echo").on_message([](wsx::session& s, const wsx::message& m) { s.send(m); });
        server.listen("127.0.0.1", 0);
        client.on_open([this](wsx::session&) { open = true; })
            .on_message([this](wsx::session&, const wsx::message& m) {
                got.push_back({m.is_binary(), std::string(m.text())});
            })
            .on_error([this](wsx::session&, std::error_code ec) { client_errors.push_back(ec); })
            .on_close([this](wsx::session&, const wsx::close_reason& r) {
                client_close = r;
                ++client_closes;
            });
        client.connect(url_for(server, "/echo"));
        REQUIRE(run_until(io, [&] { return open || client_closes > 0; }));
        REQUIRE(open);
    }
};

} // namespace

TEST_CASE("echo: text and binary messages round trip at every length boundary", "[echo]") {
    echo_fixture f;
    const std::vector<std::size_t> sizes = {0, 1, 125, 126, 127, 65535, 65536, 65537, mib, limit};
    std::size_t expected = 0;
    for (std::size_t n : sizes) {
        for (bool binary : {false, true}) {
            INFO("size " << n << (binary ? " binary" : " text"));
            std::string payload = binary ? pattern_bytes(n, static_cast<unsigned>(n)) : pattern_text(n, static_cast<unsigned>(n));
            if (binary)
                f.client.send(wsx::message::binary(payload));
            else
                f.client.send(payload);
            ++expected;
            REQUIRE(run_until(f.io, [&] { return f.got.size() == expected || f.client_closes > 0; }, 60s));
            REQUIRE(f.client_closes == 0);
            REQUIRE(f.got.size() == expected);
            CHECK(f.got.back().binary == binary);
            CHECK(f.got.back().bytes.size() == n);
            CHECK(f.got.back().bytes == payload);
        }
    }
    CHECK(f.client_errors.empty());
    CHECK(f.client.buffered_amount() == 0);
    f.client.close();
    REQUIRE(run_until(f.io, [&] { return f.client_closes == 1; }));
    CHECK(f.client_close.code == 1000);
}

TEST_CASE("echo: a burst of messages arrives complete and in order", "[echo]") {
    echo_fixture f;
    constexpr int count = 2000;
    std::vector<std::string> sent;
    for (int i = 0; i < count; ++i) {
        // Mixed sizes so some frames straddle read and write boundaries.
        std::string body = std::to_string(i) + ":" + pattern_text(static_cast<std::size_t>((i * 97) % 3000), static_cast<unsigned>(i));
        sent.push_back(body);
        if (i % 3 == 0)
            f.client.send(wsx::message::binary(body));
        else
            f.client.send(body);
    }
    // Everything was queued before any I/O ran: the queue holds all of it.
    CHECK(f.client.buffered_amount() > 0);
    REQUIRE(run_until(f.io, [&] { return f.got.size() == sent.size() || f.client_closes > 0; }, 60s));
    REQUIRE(f.got.size() == sent.size());
    for (int i = 0; i < count; ++i) {
        INFO("message " << i);
        REQUIRE(f.got[static_cast<std::size_t>(i)].bytes == sent[static_cast<std::size_t>(i)]);
        CHECK(f.got[static_cast<std::size_t>(i)].binary == (i % 3 == 0));
    }
    CHECK(f.client_errors.empty());
}

TEST_CASE("echo: large and small server sends interleaved keep their order, and every callback runs once",
          "[echo][write]") {
    // A large frame with nothing queued before it is written straight to
    // the socket and only the rest queued; one behind queued bytes is
    // queued whole. This mixes both, from one handler and across handlers,
    // with completion callbacks (some frames are taken whole by the socket,
    // leaving a completion with no bytes of its own), and with 3 MiB
    // frames, more than the socket takes at once (the client runs on the
    // same thread and reads only between handlers), so the socket fills
    // mid-frame.
    asio::io_context io;
    wsx::server server{io};
    std::vector<std::string> plan;
    for (int i = 0; i < 12; ++i) {
        const std::size_t size = (i % 3 == 0) ? 3 * mib + static_cast<std::size_t>(i) : (i % 3 == 1) ? 70000 : 5;
        plan.push_back(std::to_string(i) + ":" + pattern_text(size, static_cast<unsigned>(i)));
    }
    std::vector<int> done_order;
    std::vector<std::error_code> done_errors;
    server.endpoint("/out").on_message([&](wsx::session& s, const wsx::message& m) {
        // "a": the first half in one go; "b": the rest one by one.
        const std::size_t from = m.text() == "a" ? 0 : 6, to = m.text() == "a" ? 6 : 12;
        for (std::size_t i = from; i < to; ++i)
            s.send(plan[i], [&, i](std::error_code ec) {
                done_order.push_back(static_cast<int>(i));
                done_errors.push_back(ec);
            });
    });
    server.listen("127.0.0.1", 0);

    wsx::client c{io};
    std::vector<std::string> got;
    c.on_open([](wsx::session& s) { s.send("a"); })
        .on_message([&](wsx::session& s, const wsx::message& m) {
            got.emplace_back(m.text());
            if (got.size() == 6) s.send("b");
        });
    c.connect(url_for(server, "/out"));
    REQUIRE(run_until(io, [&] { return got.size() == plan.size(); }, 60s));
    CHECK(got == plan);
    REQUIRE(run_until(io, [&] { return done_order.size() == plan.size(); }));
    std::vector<int> in_order;
    for (int i = 0; i < 12; ++i) in_order.push_back(i);
    CHECK(done_order == in_order);
    for (auto& ec : done_errors) CHECK_FALSE(ec);
    c.close();
    server.stop();
    CHECK(run_to_completion(io));
}

TEST_CASE("echo: a message one byte over the limit closes with 1009 and reports on_error", "[echo]") {
    asio::io_context io;
    wsx::server server{io};
    std::vector<std::error_code> server_errors;
    std::vector<wsx::close_reason> server_closes;
    std::size_t server_messages = 0;
    server.endpoint("/in")
        .on_message([&](wsx::session&, const wsx::message&) { ++server_messages; })
        .on_error([&](wsx::session&, std::error_code ec) { server_errors.push_back(ec); })
        .on_close([&](wsx::session&, const wsx::close_reason& r) { server_closes.push_back(r); });
    // The server sends the oversized message to the client on open.
    server.endpoint("/out").on_open([](wsx::session& s) { s.send_binary(pattern_bytes(limit + 1)); });
    server.listen("127.0.0.1", 0);

    SECTION("client to server, one frame: the server refuses it") {
        wsx::client c{io};
        bool open = false;
        std::vector<wsx::close_reason> closes;
        std::vector<std::error_code> errors;
        c.on_open([&](wsx::session& s) {
             open = true;
             s.send_binary(pattern_bytes(limit + 1));
         })
            .on_error([&](wsx::session&, std::error_code ec) { errors.push_back(ec); })
            .on_close([&](wsx::session&, const wsx::close_reason& r) { closes.push_back(r); });
        c.connect(url_for(server, "/in"));
        REQUIRE(run_until(io, [&] { return closes.size() == 1 && server_closes.size() == 1; }, 60s));
        CHECK(open);
        CHECK(server_messages == 0);
        REQUIRE(server_errors.size() == 1);
        // One unfragmented frame over the limit: the frame limit (which
        // defaults to the message limit) trips first; both mean 1009.
        CHECK((server_errors[0] == wsx::error::frame_too_big || server_errors[0] == wsx::error::message_too_big));
        CHECK(server_closes[0].code == 1009);
        // The sender is told why: the server's close frame carries 1009.
        CHECK(closes[0].code == 1009);
        CHECK(errors.empty());
    }

    SECTION("client to server, in 1 MiB fragments: the server refuses the message") {
        wsx::client c{io};
        wsx::session_options o;
        o.fragment_size = mib;
        c.options(o);
        std::vector<wsx::close_reason> closes;
        c.on_open([&](wsx::session& s) { s.send(pattern_text(limit + 1)); })
            .on_close([&](wsx::session&, const wsx::close_reason& r) { closes.push_back(r); });
        c.connect(url_for(server, "/in"));
        REQUIRE(run_until(io, [&] { return closes.size() == 1 && server_closes.size() == 1; }, 60s));
        CHECK(server_messages == 0);
        REQUIRE(server_errors.size() == 1);
        CHECK(server_errors[0] == wsx::error::message_too_big);
        CHECK(server_closes[0].code == 1009);
        CHECK(closes[0].code == 1009);
    }

    SECTION("server to client: the client refuses it") {
        wsx::client c{io};
        std::size_t client_messages = 0;
        std::vector<wsx::close_reason> closes;
        std::vector<std::error_code> errors;
        c.on_message([&](wsx::session&, const wsx::message&) { ++client_messages; })
            .on_error([&](wsx::session&, std::error_code ec) { errors.push_back(ec); })
            .on_close([&](wsx::session&, const wsx::close_reason& r) { closes.push_back(r); });
        c.connect(url_for(server, "/out"));
        REQUIRE(run_until(io, [&] { return closes.size() == 1; }, 60s));
        CHECK(client_messages == 0);
        REQUIRE(errors.size() == 1);
        CHECK((errors[0] == wsx::error::frame_too_big || errors[0] == wsx::error::message_too_big));
        CHECK(closes[0].code == 1009);
    }
    // Both ends finish cleanly: nothing is left running.
    server.stop();
    CHECK(run_to_completion(io));
}

TEST_CASE("echo: IPv6 literal URLs, and listen(port) accepting IPv4 and IPv6", "[echo][ipv6]") {
    asio::io_context io;
    wsx::server v6{io};
    v6.endpoint("/*").on_message([](wsx::session& s, const wsx::message& m) { s.send(m); });
    v6.listen("::1", 0);

    wsx::server any{io};
    any.endpoint("/*").on_message([](wsx::session& s, const wsx::message& m) { s.send(m); });
    any.listen(0); // every interface; dual-stack where the system allows

    auto echo_once = [&](const std::string& url) {
        std::string got;
        bool closed = false;
        wsx::client c{io};
        c.on_open([](wsx::session& s) { s.send("v6?"); })
            .on_message([&](wsx::session& s, const wsx::message& m) {
                got = std::string(m.text());
                s.close();
            })
            .on_close([&](wsx::session&, const wsx::close_reason&) { closed = true; });
        c.connect(url);
        run_until(io, [&] { return closed; });
        return got;
    };
    CHECK(echo_once("ws://[::1]:" + std::to_string(v6.port()) + "/x") == "v6?");
    CHECK(echo_once("ws://[::1]:" + std::to_string(any.port()) + "/x") == "v6?");
    CHECK(echo_once("ws://127.0.0.1:" + std::to_string(any.port()) + "/x") == "v6?");
    v6.stop();
    any.stop();
    CHECK(run_to_completion(io));
}
