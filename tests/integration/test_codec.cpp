// Copyright (c) 2026 wsx developers. Distributed under the Boost Software License, Version 1.0.
// Codecs without JSON (codec.hpp): a user codec decodes each message once
// for a handler taking its type, in the lambda form and the class form;
// what it cannot decode reaches on_error and closes with 1007, or is only
// reported when the endpoint keeps the connection; encode() gives text or
// binary messages to send_as() and publish_as().

#include "wsx_catch.hpp"
#include "loopback.hpp"

#include <wsx/wsx.hpp>

#include <cstdint>
#include <string>
#include <vector>

using namespace wsx_test;

namespace {

// "x,y" as text, or 8 bytes (two big-endian 32-bit values) as binary.
struct point {
    int x = 0;
    int y = 0;
};

int decodes = 0; // every call of point_codec::decode, whatever it returns

struct point_codec {
    static bool decode(const wsx::message& m, point& p) {
        ++decodes;
        if (m.is_binary()) {
            if (m.size() != 8) return false;
            auto be = [&](std::size_t at) {
                return static_cast<int>((std::uint32_t(m.data()[at]) << 24) | (std::uint32_t(m.data()[at + 1]) << 16) |
                                        (std::uint32_t(m.data()[at + 2]) << 8) | std::uint32_t(m.data()[at + 3]));
            };
            p = {be(0), be(4)};
            return true;
        }
        const std::string t(m.text());
        const auto comma = t.find(',');
        if (comma == std::string::npos || comma == 0 || comma + 1 == t.size()) return false;
        if (t == "throw,throw") throw std::runtime_error("a decoder that throws");
        p = {std::stoi(t.substr(0, comma)), std::stoi(t.substr(comma + 1))};
        return true;
    }
    static std::string encode(const point& p) { return std::to_string(p.x) + "," + std::to_string(p.y); }
};

// The same points as 8 binary bytes.
struct binary_point_codec {
    std::vector<std::uint8_t> encode(const point& p) const {
        std::vector<std::uint8_t> out;
        for (int v : {p.x, p.y})
            for (int shift : {24, 16, 8, 0}) out.push_back(static_cast<std::uint8_t>(std::uint32_t(v) >> shift));
        return out;
    }
};

// The class form names its codec as the servlet's @ServerEndpoint(decoders=...) does.
struct mirror_endpoint {
    using codec = point_codec;
    int seen = 0;
    void on_message(wsx::session& s, const point& p) { s.send_as<point_codec>(point{p.y, p.x + ++seen}); }
};

struct client_side {
    asio::io_context& io;
    wsx::client client;
    bool open = false;
    int closes = 0;
    wsx::close_reason closed;
    std::vector<wsx::message> got;
    explicit client_side(asio::io_context& io_) : io(io_), client(io_) {
        client.on_open([this](wsx::session&) { open = true; })
            .on_message([this](wsx::session&, const wsx::message& m) { got.push_back(m); })
            .on_close([this](wsx::session&, const wsx::close_reason& r) {
                closed = r;
                ++closes;
            });
    }
    void connect(wsx::server& server, const char* path) {
        client.connect(url_for(server, path));
        REQUIRE(run_until(io, [&] { return open || closes > 0; }));
        REQUIRE(open);
    }
};

} // namespace

TEST_CASE("codec: a handler taking a T gets each message decoded once by the codec it names", "[codec]") {
    asio::io_context io;
    wsx::server server{io};
    std::vector<point> points;
    server.endpoint("/p").on_message<point_codec>([&](wsx::session& s, const point& p) {
        points.push_back(p);
        s.send_as<point_codec>(point{p.x * 10, p.y * 10});
    });
    server.listen("127.0.0.1", 0);
    client_side c{io};
    c.connect(server, "/p");
    decodes = 0;
    c.client.send("1,2");
    c.client.send(wsx::message::binary(binary_point_codec{}.encode(point{-3, 400000})));
    REQUIRE(run_until(io, [&] { return c.got.size() == 2 || c.closes > 0; }));
    REQUIRE(points.size() == 2);
    CHECK(points[0].x == 1);
    CHECK(points[0].y == 2);
    CHECK(points[1].x == -3);
    CHECK(points[1].y == 400000);
    CHECK(decodes == 2);
    CHECK(c.got[0].is_text());
    CHECK(c.got[0].text() == "10,20");
    CHECK(c.got[1].text() == "-30,4000000");
}

TEST_CASE("codec: the class form decodes with its `using codec`", "[codec]") {
    asio::io_context io;
    wsx::server server{io};
    server.endpoint<mirror_endpoint>("/m");
    server.listen("127.0.0.1", 0);
    client_side c{io};
    c.connect(server, "/m");
    c.client.send("5,7");
    c.client.send("8,9");
    REQUIRE(run_until(io, [&] { return c.got.size() == 2 || c.closes > 0; }));
    CHECK(c.got[0].text() == "7,6");
    CHECK(c.got[1].text() == "9,10"); // per-connection state: the second message of this connection
}

TEST_CASE("codec: an undecodable message is on_error(undecodable_message) and a 1007 close", "[codec]") {
    for (const char* bad : {"no comma", "throw,throw"}) {
        INFO(bad);
        asio::io_context io;
        wsx::server server{io};
        int handled = 0;
        std::vector<std::error_code> errors;
        server.endpoint("/p")
            .on_message<point_codec>([&](wsx::session&, const point&) { ++handled; })
            .on_error([&](wsx::session&, std::error_code ec) { errors.push_back(ec); });
        server.listen("127.0.0.1", 0);
        client_side c{io};
        c.connect(server, "/p");
        c.client.send("1,1");
        c.client.send(bad);
        c.client.send("2,2"); // after the close: never handled
        REQUIRE(run_until(io, [&] { return c.closes > 0; }));
        CHECK(handled == 1);
        REQUIRE(errors.size() == 1);
        CHECK(errors[0] == wsx::error::undecodable_message);
        CHECK(c.closed.code == 1007);
    }
}

TEST_CASE("codec: close_on_undecodable = false reports every bad message and keeps the connection", "[codec]") {
    asio::io_context io;
    wsx::server server{io};
    int handled = 0;
    std::vector<std::error_code> errors;
    server.endpoint("/p")
        .on_message<point_codec>([&](wsx::session& s, const point& p) {
            ++handled;
            s.send_as<point_codec>(p);
        })
        .on_error([&](wsx::session&, std::error_code ec) { errors.push_back(ec); })
        .options()
        .close_on_undecodable = false;
    server.listen("127.0.0.1", 0);
    client_side c{io};
    c.connect(server, "/p");
    c.client.send("bad");
    c.client.send(wsx::message::binary(std::string("123")));
    c.client.send("3,4");
    REQUIRE(run_until(io, [&] { return c.got.size() == 1 || c.closes > 0; }));
    CHECK(c.closes == 0);
    CHECK(handled == 1);
    REQUIRE(errors.size() == 2);
    CHECK(errors[0] == wsx::error::undecodable_message);
    CHECK(errors[1] == wsx::error::undecodable_message);
    CHECK(c.got[0].text() == "3,4");
    CHECK(wsx::close_code_for(wsx::make_error_code(wsx::error::undecodable_message)) == 1007);
}

TEST_CASE("codec: encode() returning bytes sends binary, to one session and to a topic", "[codec]") {
    asio::io_context io;
    wsx::server server{io};
    server.endpoint("/t")
        .on_open([](wsx::session& s) { s.subscribe("points"); })
        .on_message([&](wsx::session& s, std::string_view) { s.send_as<binary_point_codec>(point{1, 2}); });
    server.listen("127.0.0.1", 0);
    client_side a{io}, b{io};
    a.connect(server, "/t");
    b.connect(server, "/t");
    REQUIRE(run_until(io, [&] { return server.subscribers("points") == 2; }));
    CHECK(server.publish_as<binary_point_codec>("points", point{0x01020304, -1}) == 2);
    a.client.send("me");
    REQUIRE(run_until(io, [&] { return (a.got.size() == 2 && b.got.size() == 1) || a.closes + b.closes > 0; }));
    const std::vector<std::uint8_t> published{1, 2, 3, 4, 0xff, 0xff, 0xff, 0xff};
    for (auto* c : {&a, &b}) {
        REQUIRE(c->got[0].is_binary());
        CHECK(std::vector<std::uint8_t>(c->got[0].data(), c->got[0].data() + c->got[0].size()) == published);
    }
    REQUIRE(a.got[1].is_binary());
    CHECK(a.got[1].size() == 8);
    CHECK(a.got[1].data()[3] == 1);
    CHECK(a.got[1].data()[7] == 2);
}
