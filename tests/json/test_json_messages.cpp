// Copyright (c) 2026 wsx developers. Distributed under the Boost Software License, Version 1.0.
// Objects as JSON messages (<wsx/json.hpp>), as the user's note has the
// chat send them: handlers taking nlohmann::json or a struct with
// from_json, in the lambda and the class form; send_json, publish_json and
// a handle's send_json; a message that is not JSON, or not the struct,
// closes with 1007 after on_error.

#include "wsx_catch.hpp"
#include "loopback.hpp"

#include <wsx/json.hpp>
#include <wsx/wsx.hpp>

#include <string>
#include <vector>

using namespace wsx_test;

namespace chat {

struct line {
    std::string user;
    std::string text;
};
void to_json(nlohmann::json& j, const line& l) { j = nlohmann::json{{"user", l.user}, {"text", l.text}}; }
void from_json(const nlohmann::json& j, line& l) {
    j.at("user").get_to(l.user);
    j.at("text").get_to(l.text);
}

// The class form: a member taking the struct; JSON is its default codec.
struct room_endpoint {
    int lines = 0;
    void on_message(wsx::session& s, const line& l) {
        ++lines;
        s.send_json(line{l.user, l.text + " #" + std::to_string(lines)});
    }
};

} // namespace chat

namespace {

struct client_side {
    asio::io_context& io;
    wsx::client client;
    bool open = false;
    int closes = 0;
    wsx::close_reason closed;
    std::vector<nlohmann::json> got;
    explicit client_side(asio::io_context& io_) : io(io_), client(io_) {
        client.on_open([this](wsx::session&) { open = true; })
            .on_message([this](wsx::session&, const nlohmann::json& j) { got.push_back(j); })
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
    void send_json(const nlohmann::json& j) { client.send_json(j); }
};

} // namespace

TEST_CASE("json: a lambda taking a struct with from_json gets it decoded; send_json answers", "[json]") {
    asio::io_context io;
    wsx::server server{io};
    std::vector<chat::line> lines;
    server.endpoint("/chat").on_message([&](wsx::session& s, const chat::line& l) {
        lines.push_back(l);
        s.send_json(chat::line{"server", "got " + l.text});
    });
    server.listen("127.0.0.1", 0);
    client_side c{io};
    c.connect(server, "/chat");
    c.client.send(R"({"user":"민수","text":"안녕하세요","extra":[1,2,3]})");
    REQUIRE(run_until(io, [&] { return c.got.size() == 1 || c.closes > 0; }));
    REQUIRE(lines.size() == 1);
    CHECK(lines[0].user == "민수");
    CHECK(lines[0].text == "안녕하세요");
    CHECK(c.got[0] == nlohmann::json{{"user", "server"}, {"text", "got 안녕하세요"}});
}

TEST_CASE("json: a handler of nlohmann::json gets any JSON value, never a JSON string of the text", "[json]") {
    asio::io_context io;
    wsx::server server{io};
    server.endpoint("/j").on_message([](wsx::session& s, const nlohmann::json& j) {
        s.send_json(nlohmann::json{{"type", j.type_name()}, {"value", j}});
    });
    server.listen("127.0.0.1", 0);
    client_side c{io};
    c.connect(server, "/j");
    c.client.send("[1,2]");
    c.client.send("42");
    c.client.send(R"("text")");
    c.client.send(wsx::message::binary(std::string(R"({"a":null})"))); // JSON in a binary frame decodes too
    REQUIRE(run_until(io, [&] { return c.got.size() == 4 || c.closes > 0; }));
    CHECK(c.got[0]["type"] == "array");
    CHECK(c.got[1]["type"] == "number");
    CHECK(c.got[2]["type"] == "string");
    CHECK(c.got[2]["value"] == "text");
    CHECK(c.got[3]["type"] == "object");
}

TEST_CASE("json: the class form decodes its member's struct, with per-connection state", "[json]") {
    asio::io_context io;
    wsx::server server{io};
    server.endpoint<chat::room_endpoint>("/room");
    server.listen("127.0.0.1", 0);
    client_side c{io};
    c.connect(server, "/room");
    c.send_json({{"user", "a"}, {"text", "x"}});
    c.send_json({{"user", "a"}, {"text", "y"}});
    REQUIRE(run_until(io, [&] { return c.got.size() == 2 || c.closes > 0; }));
    CHECK(c.got[0]["text"] == "x #1");
    CHECK(c.got[1]["text"] == "y #2");
}

TEST_CASE("json: not JSON, or JSON that is not the struct, is on_error then 1007", "[json]") {
    for (const char* bad : {"{not json", R"({"user":"a"})", R"({"user":1,"text":"t"})", ""}) {
        INFO("message: " << bad);
        asio::io_context io;
        wsx::server server{io};
        int handled = 0;
        std::vector<std::error_code> errors;
        server.endpoint("/chat")
            .on_message([&](wsx::session&, const chat::line&) { ++handled; })
            .on_error([&](wsx::session&, std::error_code ec) { errors.push_back(ec); });
        server.listen("127.0.0.1", 0);
        client_side c{io};
        c.connect(server, "/chat");
        c.client.send(bad);
        REQUIRE(run_until(io, [&] { return c.closes > 0; }));
        CHECK(handled == 0);
        REQUIRE(errors.size() == 1);
        CHECK(errors[0] == wsx::error::undecodable_message);
        CHECK(c.closed.code == 1007);
    }
}

TEST_CASE("json: publish_json is encoded once and reaches every subscriber; a handle sends JSON too", "[json]") {
    asio::io_context io;
    wsx::server server{io};
    std::vector<wsx::session_handle> members;
    server.endpoint("/room")
        .on_open([&](wsx::session& s) {
            s.subscribe("lobby");
            members.push_back(s.handle());
        })
        .on_message([&](wsx::session& s, const chat::line& l) { s.publish_json("lobby", l); });
    server.listen("127.0.0.1", 0);
    client_side a{io}, b{io};
    a.connect(server, "/room");
    b.connect(server, "/room");
    REQUIRE(run_until(io, [&] { return server.subscribers("lobby") == 2; }));
    CHECK(server.publish_json("lobby", nlohmann::json{{"user", "server"}, {"text", "welcome"}}) == 2);
    a.send_json({{"user", "a"}, {"text", "hi all"}}); // s.publish_json skips the sender
    members.at(0).send_json(chat::line{"server", "just you"});
    REQUIRE(run_until(io, [&] { return (a.got.size() == 2 && b.got.size() == 2) || a.closes + b.closes > 0; }));
    CHECK(b.got[0]["text"] == "welcome");
    CHECK(b.got[1]["text"] == "hi all");
    CHECK(a.got[0]["text"] == "welcome");
    CHECK(a.got[1]["text"] == "just you");
}

TEST_CASE("json: text that is not UTF-8 is sent with U+FFFD, never as an invalid text message", "[json]") {
    const wsx::message m = wsx::encode_json(nlohmann::json{{"t", std::string("a\xff" "b")}});
    REQUIRE(m.is_text());
    CHECK(m.text() == "{\"t\":\"a\xEF\xBF\xBD" "b\"}");
    CHECK(wsx::protocol::is_valid_utf8(m.data(), m.size()));
}
