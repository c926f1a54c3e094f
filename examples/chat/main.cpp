// Copyright (c) 2026 wsx developers. Distributed under the Boost Software License, Version 1.0.

// chat [--port N] [--host ADDRESS] [--tls --cert CHAIN.pem --key KEY.pem] [--redis HOST:PORT [--node-id NAME]]
//
// Open http://127.0.0.1:8080/ in two browser tabs (https:// with --tls).
// The page (page.hpp) connects to /chat/{room} on the same port (wss://
// when it was loaded over https://); everything one member sends goes to
// every member of the same room. The endpoint is a class, the servlet way:
// one chat_endpoint per connection, its members named like the annotations.
// A room is a topic: members subscribe to it, and a message published to it
// is framed once for all of them. Messages are objects, sent as JSON.
// Built with zlib, the rooms speak permessage-deflate with every browser.
// Built with hiredis, --redis makes rooms span every chat started with the
// same Redis (docs/scaling.md): the rooms' publications go through it, and
// the member counts in join and leave messages are of every node.

#include "../common/options.hpp"
#include "page.hpp"

#include <wsx/json.hpp>
#include <wsx/wsx.hpp>
#ifdef WSX_EXAMPLE_DEFLATE
#include <wsx/deflate.hpp>
#endif
#ifdef WSX_EXAMPLE_REDIS
#include <wsx/redis.hpp>
#endif

#include <cstddef>
#include <cstdint>
#include <iostream>
#include <string>
#include <string_view>
#include <system_error>

namespace {

constexpr std::size_t max_chat_message = 4096;
constexpr std::size_t max_name = 32;

// What the page and the server say to each other, as objects: the page
// sends JSON.stringify({type, name, text}) and JSON.parses what comes
// back; wsx decodes and encodes the structs (<wsx/json.hpp>). A message
// that is not one of these closes the connection with 1007.
struct chat_line {
    std::string type; // "message"
    std::string name;
    std::string text;
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(chat_line, type, name, text)

struct presence {
    std::string type; // "join" or "leave"
    std::string name;
    std::string room;
    std::size_t count = 0;
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(presence, type, name, room, count)

// A name from the query string: decoded bytes, so check they are UTF-8
// (a text frame must be) and cut at a character boundary.
std::string clean_name(std::string name) {
    if (name.size() > max_name) {
        std::size_t n = max_name;
        while (n > 0 && (static_cast<unsigned char>(name[n]) & 0xC0) == 0x80) --n;
        name.resize(n);
    }
    if (name.empty() || !wsx::protocol::is_valid_utf8(name.data(), name.size())) return "guest";
    return name;
}

} // namespace

// @ServerEndpoint("/chat/{room}"): one instance per connection, so the
// members are this connection's state, whether it came over ws:// or wss://.
// The server is handed in by the endpoint's factory (see main).
struct chat_endpoint {
    wsx::server& server;
    std::string name;
    std::string room;
    bool joined = false;

    void on_open(wsx::session& s) {                                                 // @OnOpen
        name = clean_name(s.query("name"));
        room = std::string(s.path_param("room"));
        if (room.size() > wsx::max_topic_size) return s.close(wsx::close_code::policy_violation, "room name too long");
        joined = s.subscribe(room);
        std::cout << name << " joined " << room << " (" << server.subscribers(room) << " here)" << std::endl;
        // The count over every node with --redis (this node's otherwise), to everyone, s too.
        server.cluster_subscribers(room, [&server = server, name = name, room = room](std::error_code, std::size_t count) {
            server.publish_json(room, presence{"join", name, room, count});
        });
    }

    void on_message(wsx::session&, const chat_line& line) {                         // @OnMessage
        // Signed with the name this connection joined with, not the one it
        // claims: nobody speaks for another member.
        if (line.type == "message") server.publish_json(room, chat_line{"message", name, line.text});
    }

    void on_close(wsx::session&, const wsx::close_reason& r) {                      // @OnClose
        if (!joined) return;
        // A closed session has left its topics: the count is of those still in the room.
        std::cout << name << " left " << room << " (" << r.code << ", " << server.subscribers(room) << " here)" << std::endl;
        server.cluster_subscribers(room, [&server = server, name = name, room = room](std::error_code, std::size_t count) {
            server.publish_json(room, presence{"leave", name, room, count});
        });
    }

    void on_error(wsx::session&, std::error_code ec) {                              // @OnError
        std::cerr << "chat: " << name << " in " << room << ": " << ec.message() << std::endl;
    }
};

namespace {

constexpr const char* usage =
    "chat [--port N] [--host ADDRESS] [--tls --cert CHAIN.pem --key KEY.pem] [--redis HOST:PORT [--node-id NAME]]\n"
    "  (port 8080 by default, 0 picks a free one; --tls serves the page over https:// and the rooms over wss://;\n"
    "   --redis: rooms span every chat on that Redis, each with its own --node-id, random by default)\n";

struct chat_flags : examples::server_flags {
    chat_flags() : server_flags(8080) {}
    std::string redis_host; // empty: no --redis, rooms of this process only
    std::uint16_t redis_port = 0;
    std::string node_id;
};

chat_flags parse(int argc, char** argv) {
    examples::args a(argc, argv, "chat", usage);
    chat_flags flags;
    while (a.next()) {
        if (flags.parse(a)) continue;
        if (a.is("--redis")) {
#ifndef WSX_EXAMPLE_REDIS
            a.fail("--redis needs the chat built with hiredis (WSX_WITH_REDIS=ON)");
#endif
            const std::string v = a.value();
            const auto colon = v.rfind(':');
            const std::string port = colon == std::string::npos ? "" : v.substr(colon + 1);
            if (colon == 0 || port.empty() || port.size() > 5 || port.find_first_not_of("0123456789") != std::string::npos ||
                std::stoul(port) == 0 || std::stoul(port) > 65535)
                a.fail("--redis needs HOST:PORT, e.g. 127.0.0.1:6379");
            flags.redis_host = v.substr(0, colon);
            flags.redis_port = static_cast<std::uint16_t>(std::stoul(port));
        } else if (a.is("--node-id")) {
            flags.node_id = a.value();
            if (flags.node_id.empty() || flags.node_id.size() > 255) a.fail("--node-id needs 1 to 255 bytes");
        } else {
            a.unknown();
        }
    }
    flags.check(a);
    if (!flags.node_id.empty() && flags.redis_host.empty()) a.fail("--node-id is for --redis");
    return flags;
}

// Plain HTTP (HTTPS with --tls) on the same port: the page that opens the WebSocket.
void serve_page(const wsx::protocol::http_request& req, wsx::http_reply& reply) {
    std::string_view path = wsx::split_target(req.target()).path;
    if (req.method() != "GET") {
        reply.status = 405;
        reply.headers.emplace_back("Allow", "GET");
        return;
    }
    if (path != "/" && path != "/index.html") {
        reply.status = 404;
        reply.body = "not found; the chat is at /\n";
        return;
    }
    reply.content_type = "text/html; charset=utf-8";
    reply.body = chat::page;
}

} // namespace

int main(int argc, char** argv) {
    const chat_flags flags = parse(argc, argv);
    // One thread runs it: said so, a room's message is queued on its members
    // at once rather than posted to each (docs/threading.md).
    asio::io_context io{1};
    return examples::serve(io, "chat", flags, [&](wsx::server& server) {
        wsx::session_options& options = server.default_options();
        options.max_message_size = max_chat_message; // larger: closed with 1009
        options.max_frame_size = max_chat_message;
#ifdef WSX_EXAMPLE_DEFLATE
        // Browsers offer permessage-deflate on every connection; say yes. The
        // server resets its compressor after each message, so a publish is
        // compressed once and the same frame goes to every member, and the
        // windows are small (4 KiB, the largest chat message) to keep each
        // connection's zlib state near 50 KiB instead of 300 KiB.
        options.deflate = wsx::enable_deflate();
        options.deflate.server_no_context_takeover = true;
        options.deflate.server_max_window_bits = 12;
        options.deflate.client_max_window_bits = 12;
        options.deflate.mem_level = 5;
#endif
        server.endpoint<chat_endpoint>("/chat/{room}", [&server] { return chat_endpoint{server, {}, {}, false}; });
        server.on_http(serve_page);
#ifdef WSX_EXAMPLE_REDIS
        if (flags.redis_host.empty()) return;
        wsx::redis_backplane redis{io, {flags.redis_host, flags.redis_port, "", 0, "chat:", flags.node_id}};
        redis.on_state([](wsx::redis_state s, std::error_code ec) {
            std::cout << "chat: redis " << wsx::to_string(s) << (ec ? " (" + ec.message() + ")" : "") << std::endl;
        });
        server.use_backplane(redis); // connects once io runs; local rooms work meanwhile
#endif
    });
}
