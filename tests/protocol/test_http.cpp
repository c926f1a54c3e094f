// Copyright (c) 2026 wsx developers. Distributed under the Boost Software License, Version 1.0.
// The incremental HTTP header parser: every split of an input gives the same
// result as the whole input, each limit and each malformed case has its own
// error, and the header queries follow RFC 9110's list and case rules.

#include <wsx/protocol/http.hpp>

#include "wsx_catch.hpp"

#include <cstddef>
#include <string>
#include <string_view>
#include <system_error>
#include <type_traits>
#include <utility>
#include <vector>

using wsx::error;
using wsx::protocol::http_limits;
using wsx::protocol::http_request;
using wsx::protocol::http_response;

namespace {

// Everything observable about a parse, to compare runs with different splits.
struct outcome {
    std::error_code ec;
    std::size_t consumed = 0;
    bool complete = false;
    std::string start_a; // method or status
    std::string start_b; // target or reason
    int major = 0;
    int minor = 0;
    std::vector<std::pair<std::string, std::string>> headers;
    std::string raw;

    bool operator==(const outcome& o) const {
        return ec == o.ec && consumed == o.consumed && complete == o.complete && start_a == o.start_a &&
               start_b == o.start_b && major == o.major && minor == o.minor && headers == o.headers && raw == o.raw;
    }
};

template <class Message>
outcome snapshot(const Message& m, std::error_code ec, std::size_t consumed) {
    outcome o;
    o.ec = ec;
    o.consumed = consumed;
    o.complete = m.complete();
    if constexpr (std::is_same_v<Message, http_request>) {
        o.start_a = std::string(m.method());
        o.start_b = std::string(m.target());
    } else {
        o.start_a = std::to_string(m.status());
        o.start_b = std::string(m.reason());
    }
    o.major = m.version_major();
    o.minor = m.version_minor();
    for (auto h : m.headers()) o.headers.emplace_back(std::string(h.name), std::string(h.value));
    o.raw = std::string(m.raw());
    return o;
}

template <class Message>
outcome parse_whole(std::string_view in, const http_limits& lim) {
    Message m(lim);
    std::error_code ec;
    const std::size_t n = m.parse(in, ec);
    return snapshot(m, ec, n);
}

// Feeds in[0, k) then in[k, end) whatever the first call said, so this also
// checks that a finished or failed parser takes nothing more.
template <class Message>
outcome parse_split(std::string_view in, std::size_t k, const http_limits& lim) {
    Message m(lim);
    std::error_code ec;
    std::size_t n = m.parse(in.substr(0, k), ec);
    n += m.parse(in.substr(k), ec);
    return snapshot(m, ec, n);
}

template <class Message>
outcome parse_bytes(std::string_view in, const http_limits& lim) {
    Message m(lim);
    std::error_code ec;
    std::size_t n = 0;
    for (std::size_t i = 0; i < in.size(); ++i) n += m.parse(in.substr(i, 1), ec);
    return snapshot(m, ec, n);
}

// Parses in whole, at every two-way split, and one byte at a time, requires
// all of them to agree, and returns the common outcome.
template <class Message>
outcome parse_every_way(std::string_view in, const http_limits& lim = {}) {
    const outcome whole = parse_whole<Message>(in, lim);
    for (std::size_t k = 0; k <= in.size(); ++k) {
        INFO("split at " << k << " of " << in.size());
        REQUIRE(parse_split<Message>(in, k, lim) == whole);
    }
    REQUIRE(parse_bytes<Message>(in, lim) == whole);
    return whole;
}

const std::string valid_request = "GET /chat?room=1 HTTP/1.1\r\n"
                                  "Host: example.com:8080\r\n"
                                  "Upgrade: websocket\r\n"
                                  "Connection: Upgrade\r\n"
                                  "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                                  "Sec-WebSocket-Version: 13\r\n"
                                  "X-Empty:\r\n"
                                  "X-Spaces: \t padded  value \t \r\n"
                                  "X-Utf8: caf\xC3\xA9\r\n"
                                  "\r\n";

const std::string frame_bytes = std::string("\x81\x05hello", 7);

std::string request_line_with_target(std::size_t target_size) {
    return "GET /" + std::string(target_size - 1, 'a') + " HTTP/1.1";
}

} // namespace

TEST_CASE("http: a valid request, any split, stops at the end of the headers", "[http]") {
    const std::string in = valid_request + frame_bytes;
    const outcome o = parse_every_way<http_request>(in);
    CHECK_FALSE(o.ec);
    CHECK(o.complete);
    CHECK(o.consumed == valid_request.size());
    CHECK(o.start_a == "GET");
    CHECK(o.start_b == "/chat?room=1");
    CHECK(o.major == 1);
    CHECK(o.minor == 1);
    CHECK(o.raw == valid_request);
    const std::vector<std::pair<std::string, std::string>> expected = {
        {"Host", "example.com:8080"},
        {"Upgrade", "websocket"},
        {"Connection", "Upgrade"},
        {"Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ=="},
        {"Sec-WebSocket-Version", "13"},
        {"X-Empty", ""},
        {"X-Spaces", "padded  value"},
        {"X-Utf8", "caf\xC3\xA9"},
    };
    CHECK(o.headers == expected);
}

TEST_CASE("http: any method token and target are the parser's to accept", "[http]") {
    const outcome o = parse_every_way<http_request>("M-SEARCH * HTTP/1.0\r\n\r\n");
    CHECK_FALSE(o.ec);
    CHECK(o.complete);
    CHECK(o.start_a == "M-SEARCH");
    CHECK(o.start_b == "*");
    CHECK(o.minor == 0);
    CHECK(o.headers.empty());

    const outcome abs = parse_every_way<http_request>("POST http://h/x?y HTTP/1.1\r\n\r\n");
    CHECK_FALSE(abs.ec);
    CHECK(abs.start_b == "http://h/x?y");
}

TEST_CASE("http: a well-formed version is parsed whatever its value", "[http][version]") {
    // Which versions wsx speaks is validate_upgrade's call (505); the parser
    // only insists on the shape, so that the two refusals stay distinct.
    const std::pair<std::string, std::pair<int, int>> cases[] = {
        {"GET / HTTP/1.0\r\n\r\n", {1, 0}}, {"GET / HTTP/1.2\r\n\r\n", {1, 2}},
        {"GET / HTTP/2.0\r\n\r\n", {2, 0}}, {"GET / HTTP/9.9\r\n\r\n", {9, 9}},
        {"GET / HTTP/0.9\r\n\r\n", {0, 9}},
    };
    for (const auto& c : cases) {
        INFO(c.first);
        const outcome o = parse_every_way<http_request>(c.first);
        CHECK_FALSE(o.ec);
        CHECK(o.complete);
        CHECK(o.major == c.second.first);
        CHECK(o.minor == c.second.second);
    }
    const outcome r = parse_every_way<http_response>("HTTP/2.0 101 Switching Protocols\r\n\r\n");
    CHECK_FALSE(r.ec);
    CHECK(r.major == 2);
    CHECK(r.minor == 0);
}

TEST_CASE("http: the parser stops before a body and leaves judging it to the handshake", "[http][body]") {
    // Body bytes must never be taken as header bytes (nor, later, as frames
    // unless the handshake has accepted the request): the parser hands them
    // back, every split alike, and validate_upgrade refuses the request.
    for (const char* text : {"POST /chat HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\n",
                             "GET /chat HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n",
                             "HTTP/1.1 101 OK\r\nContent-Length: 5\r\n\r\n"}) {
        const std::string head = text;
        INFO(head);
        const std::string in = head + "hello";
        const outcome o = head.rfind("HTTP/", 0) == 0 ? parse_every_way<http_response>(in)
                                                      : parse_every_way<http_request>(in);
        CHECK_FALSE(o.ec);
        CHECK(o.complete);
        CHECK(o.consumed == head.size());
        CHECK(o.raw == head);
    }
}

TEST_CASE("http: every prefix of a request is incomplete, not an error", "[http]") {
    for (std::size_t k = 0; k < valid_request.size(); ++k) {
        http_request req;
        std::error_code ec;
        INFO("prefix " << k);
        REQUIRE(req.parse(std::string_view(valid_request).substr(0, k), ec) == k);
        REQUIRE_FALSE(ec);
        REQUIRE_FALSE(req.complete());
    }
}

TEST_CASE("http: line limit", "[http][limits]") {
    http_limits lim;
    lim.max_line = 40;

    SECTION("request line of exactly max_line is accepted, one more is not") {
        const outcome ok = parse_every_way<http_request>(request_line_with_target(27) + "\r\n\r\n", lim);
        REQUIRE(request_line_with_target(27).size() == 40);
        CHECK_FALSE(ok.ec);
        CHECK(ok.complete);
        const outcome bad = parse_every_way<http_request>(request_line_with_target(28) + "\r\n\r\n", lim);
        CHECK(bad.ec == error::http_line_too_long);
    }
    SECTION("header line of exactly max_line is accepted, one more is not") {
        const std::string head = "GET / HTTP/1.1\r\n";
        const std::string line40 = "X-Long: " + std::string(32, 'v');
        REQUIRE(line40.size() == 40);
        const outcome ok = parse_every_way<http_request>(head + line40 + "\r\n\r\n", lim);
        CHECK_FALSE(ok.ec);
        CHECK(ok.complete);
        const outcome bad = parse_every_way<http_request>(head + line40 + "v\r\n\r\n", lim);
        CHECK(bad.ec == error::http_line_too_long);
    }
    SECTION("a too-long line ending in a bare LF is still too long") {
        const outcome bad = parse_every_way<http_request>(request_line_with_target(28) + "\n", lim);
        CHECK(bad.ec == error::http_line_too_long);
    }
    SECTION("detected without waiting for the end of the line") {
        http_request req(lim);
        std::error_code ec;
        const std::string endless(1000, 'A');
        const std::size_t n = req.parse(endless, ec);
        CHECK(ec == error::http_line_too_long);
        CHECK(n == lim.max_line + 2);
        CHECK(req.raw().size() <= lim.max_line + 2);
        CHECK(req.parse(endless, ec) == 0);
        CHECK(ec == error::http_line_too_long);
    }
}

TEST_CASE("http: header section size limit", "[http][limits]") {
    const std::string in = valid_request + frame_bytes;
    http_limits lim;

    lim.max_header_bytes = valid_request.size();
    const outcome ok = parse_every_way<http_request>(in, lim);
    CHECK_FALSE(ok.ec);
    CHECK(ok.complete);
    CHECK(ok.consumed == valid_request.size());

    lim.max_header_bytes = valid_request.size() - 1;
    const outcome bad = parse_every_way<http_request>(in, lim);
    CHECK(bad.ec == error::http_header_too_large);
    CHECK(bad.consumed == lim.max_header_bytes);
    CHECK(bad.raw.size() == lim.max_header_bytes);

    SECTION("memory stays bounded under a stream of small headers") {
        http_limits small;
        small.max_header_bytes = 1000;
        small.max_headers = 100000;
        http_request req(small);
        std::error_code ec;
        req.parse("GET / HTTP/1.1\r\n", ec);
        for (int i = 0; i < 1000 && !ec; ++i) req.parse("X-A: b\r\n", ec);
        CHECK(ec == error::http_header_too_large);
        CHECK(req.raw().size() == 1000);
    }
}

TEST_CASE("http: when one byte breaks both size limits, the line limit wins", "[http][limits]") {
    http_limits lim;
    lim.max_line = 20;
    lim.max_header_bytes = 22; // line cap is max_line + CRLF = 22 too
    const std::string in(30, 'A');
    CHECK(parse_every_way<http_request>(in, lim).ec == error::http_line_too_long);
    lim.max_header_bytes = 21;
    CHECK(parse_every_way<http_request>(in, lim).ec == error::http_header_too_large);
}

TEST_CASE("http: header count limit", "[http][limits]") {
    const std::string in = "GET / HTTP/1.1\r\nA: 1\r\nB: 2\r\nC: 3\r\n\r\n";
    http_limits lim;
    lim.max_headers = 3;
    const outcome ok = parse_every_way<http_request>(in, lim);
    CHECK_FALSE(ok.ec);
    CHECK(ok.headers.size() == 3);
    lim.max_headers = 2;
    CHECK(parse_every_way<http_request>(in, lim).ec == error::http_too_many_headers);
    // The count is checked before the line's syntax.
    CHECK(parse_every_way<http_request>("GET / HTTP/1.1\r\nA: 1\r\nB: 2\r\nbad line\r\n\r\n", lim).ec ==
          error::http_too_many_headers);
}

TEST_CASE("http: malformed requests, each with its own error", "[http][malformed]") {
    struct bad_case {
        std::string in;
        error expected;
    };
    const bad_case cases[] = {
        // request line shape
        {"GET/HTTP/1.1\r\n\r\n", error::http_bad_request_line},
        {"GET /\r\n\r\n", error::http_bad_request_line},
        {"\r\nGET / HTTP/1.1\r\n\r\n", error::http_bad_request_line},
        {"G(T / HTTP/1.1\r\n\r\n", error::http_bad_request_line},
        {" GET / HTTP/1.1\r\n\r\n", error::http_bad_request_line},
        {"GET / HTTP/1.1\n\r\n", error::http_bad_request_line},
        {"GET / HTTP/1.1\r\r\n\r\n", error::http_bad_request_line},
        // a version that is not "HTTP/" DIGIT "." DIGIT makes a malformed
        // request line (400), not an unsupported version (505)
        {"GET / HTTP/1.1x\r\n\r\n", error::http_bad_request_line},
        {"GET / HTTP/11\r\n\r\n", error::http_bad_request_line},
        {"GET / HTTP/1.10\r\n\r\n", error::http_bad_request_line},
        {"GET / HTTP/10.1\r\n\r\n", error::http_bad_request_line},
        {"GET / HTTP/1\r\n\r\n", error::http_bad_request_line},
        {"GET / HTTP/2\r\n\r\n", error::http_bad_request_line},
        {"GET / http/1.1\r\n\r\n", error::http_bad_request_line},
        {"GET / Http/1.1\r\n\r\n", error::http_bad_request_line},
        {"GET / HTTP/1.\r\n\r\n", error::http_bad_request_line},
        {"GET / HTTP/a.1\r\n\r\n", error::http_bad_request_line},
        {"GET / HTTP/1,1\r\n\r\n", error::http_bad_request_line},
        {"GET / HTTP 1.1\r\n\r\n", error::http_bad_request_line},
        {"GET / \r\n\r\n", error::http_bad_request_line},
        // target
        {"GET  HTTP/1.1\r\n\r\n", error::http_bad_target},
        {"GET /a b HTTP/1.1\r\n\r\n", error::http_bad_target},
        {"GET  / HTTP/1.1\r\n\r\n", error::http_bad_target},
        {std::string("GET /\x01 HTTP/1.1\r\n\r\n"), error::http_bad_target},
        {"GET /\x7F HTTP/1.1\r\n\r\n", error::http_bad_target},
        {"GET /caf\xC3\xA9 HTTP/1.1\r\n\r\n", error::http_bad_target},
        // header lines
        {"GET / HTTP/1.1\r\nHost : x\r\n\r\n", error::http_bad_header},
        {"GET / HTTP/1.1\r\nHost: x\r\n folded\r\n\r\n", error::http_bad_header},
        {"GET / HTTP/1.1\r\nHost: x\r\n\tfolded\r\n\r\n", error::http_bad_header},
        {"GET / HTTP/1.1\r\nNoColon\r\n\r\n", error::http_bad_header},
        {"GET / HTTP/1.1\r\n: value\r\n\r\n", error::http_bad_header},
        {"GET / HTTP/1.1\r\nBad(Name: v\r\n\r\n", error::http_bad_header},
        {"GET / HTTP/1.1\r\nName: va\x01lue\r\n\r\n", error::http_bad_header},
        {std::string("GET / HTTP/1.1\r\nName: va\0lue\r\n\r\n", 32), error::http_bad_header},
        {"GET / HTTP/1.1\r\nName: va\x7Flue\r\n\r\n", error::http_bad_header},
        {"GET / HTTP/1.1\r\nName: a\rb\r\n\r\n", error::http_bad_header},
        {"GET / HTTP/1.1\r\nName: v\n\r\n", error::http_bad_header},
        {"GET / HTTP/1.1\r\nName: v\r\n\n", error::http_bad_header},
    };
    for (const bad_case& c : cases) {
        INFO(c.in);
        const outcome o = parse_every_way<http_request>(c.in);
        CHECK(o.ec == c.expected);
        CHECK_FALSE(o.complete);
    }
}

TEST_CASE("http: responses", "[http]") {
    SECTION("101 with headers, then frames") {
        const std::string head = "HTTP/1.1 101 Switching Protocols\r\n"
                                 "Upgrade: websocket\r\n"
                                 "Connection: Upgrade\r\n"
                                 "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n";
        const outcome o = parse_every_way<http_response>(head + frame_bytes);
        CHECK_FALSE(o.ec);
        CHECK(o.complete);
        CHECK(o.consumed == head.size());
        CHECK(o.start_a == "101");
        CHECK(o.start_b == "Switching Protocols");
        CHECK(o.headers.size() == 3);
    }
    SECTION("reason phrase may be empty, with or without its SP") {
        const outcome a = parse_every_way<http_response>("HTTP/1.1 101\r\n\r\n");
        CHECK_FALSE(a.ec);
        CHECK(a.start_a == "101");
        CHECK(a.start_b.empty());
        const outcome b = parse_every_way<http_response>("HTTP/1.0 404 \r\n\r\n");
        CHECK_FALSE(b.ec);
        CHECK(b.start_a == "404");
        CHECK(b.start_b.empty());
        CHECK(b.minor == 0);
        const outcome c = parse_every_way<http_response>("HTTP/1.1 400 Bad  Request \xC3\xA9\r\n\r\n");
        CHECK_FALSE(c.ec);
        CHECK(c.start_b == "Bad  Request \xC3\xA9");
    }
    SECTION("malformed status lines") {
        const std::pair<std::string, error> cases[] = {
            {"HTTP/1.1 10 OK\r\n\r\n", error::handshake_bad_response},
            {"HTTP/1.1 1010 OK\r\n\r\n", error::handshake_bad_response},
            {"HTTP/1.1 1O1 OK\r\n\r\n", error::handshake_bad_response},
            {"HTTP/1.1 099 OK\r\n\r\n", error::handshake_bad_response},
            {"HTTP/1.1  101 OK\r\n\r\n", error::handshake_bad_response},
            {"HTTP/1.1\r\n\r\n", error::handshake_bad_response},
            {"\r\n\r\n", error::handshake_bad_response},
            {"HTTP/1.1 101 OK\x01\r\n\r\n", error::handshake_bad_response},
            {"HTTP/1.1 101 OK\n\r\n", error::handshake_bad_response},
            {"HTTP/2 101 OK\r\n\r\n", error::handshake_bad_response},
            {"http/1.1 101 OK\r\n\r\n", error::handshake_bad_response},
            {"HTTP/1.10 101 OK\r\n\r\n", error::handshake_bad_response},
            {"HTTP/1 101 OK\r\n\r\n", error::handshake_bad_response},
            {"HTTP/1.1 101 OK\r\nX : y\r\n\r\n", error::http_bad_header},
        };
        for (const auto& c : cases) {
            INFO(c.first);
            CHECK(parse_every_way<http_response>(c.first).ec == c.second);
        }
    }
}

TEST_CASE("http: header queries", "[http]") {
    const std::string in = "GET / HTTP/1.1\r\n"
                           "Host: a\r\n"
                           "Connection: keep-alive\r\n"
                           "connection: Upgrade\r\n"
                           "Sec-WebSocket-Protocol: chat, , superchat,\r\n"
                           "Sec-WebSocket-Protocol:  v2.chat \r\n"
                           "Sec-WebSocket-Extensions: permessage-deflate; x=\"a,b\\\",c\", foo\r\n"
                           "X-Upgraded: upgraded\r\n"
                           "\r\n";
    http_request req;
    std::error_code ec;
    REQUIRE(req.parse(in, ec) == in.size());
    REQUIRE_FALSE(ec);
    REQUIRE(req.complete());

    CHECK(req.header("HOST") == "a");
    CHECK(req.header("connection") == "keep-alive");
    CHECK(req.count("CONNECTION") == 2);
    CHECK(req.count("Missing") == 0);
    CHECK(req.header("Missing").empty());
    CHECK(req.has_token("Connection", "UPGRADE"));
    CHECK(req.has_token("connection", "Keep-Alive"));
    CHECK_FALSE(req.has_token("Connection", "close"));
    CHECK_FALSE(req.has_token("X-Upgraded", "upgrade"));
    CHECK_FALSE(req.has_token("Missing", "x"));

    const std::vector<std::string_view> protocols = req.list("sec-websocket-protocol");
    CHECK(protocols == std::vector<std::string_view>{"chat", "superchat", "v2.chat"});
    const std::vector<std::string_view> extensions = req.list("Sec-WebSocket-Extensions");
    CHECK(extensions == std::vector<std::string_view>{"permessage-deflate; x=\"a,b\\\",c\"", "foo"});
    CHECK(req.list("Missing").empty());

    // Names come back as sent, in order.
    auto range = req.headers();
    REQUIRE(range.size() == 7);
    CHECK(range[2].name == "connection");
    std::vector<std::string_view> names;
    for (auto h : range) names.push_back(h.name);
    CHECK(names.front() == "Host");
    CHECK(names.back() == "X-Upgraded");
}

TEST_CASE("http: a parsed message can be copied and moved and outlive its source", "[http]") {
    http_request copy;
    http_request moved;
    {
        http_request req;
        std::error_code ec;
        req.parse(valid_request, ec);
        REQUIRE(req.complete());
        copy = req;
        CHECK(copy.raw().data() != req.raw().data());
        http_request tmp = req;
        moved = std::move(tmp);
        // A moved-from message reads as empty, not as views into nothing.
        CHECK(tmp.header_count() == 0); // NOLINT(bugprone-use-after-move)
        CHECK(tmp.method().empty());
        CHECK(tmp.header("Host").empty());
        CHECK_FALSE(tmp.complete());
        http_request constructed(std::move(req));
        CHECK(req.raw().empty()); // NOLINT(bugprone-use-after-move)
        CHECK(req.target().empty());
        CHECK(constructed.target() == "/chat?room=1");
    }
    for (const http_request* r : {&copy, &moved}) {
        CHECK(r->complete());
        CHECK(r->method() == "GET");
        CHECK(r->target() == "/chat?room=1");
        CHECK(r->header("Sec-WebSocket-Key") == "dGhlIHNhbXBsZSBub25jZQ==");
        CHECK(r->raw() == valid_request);
    }
}

TEST_CASE("http: errors are sticky until reset, and reset allows reuse", "[http]") {
    http_request req;
    std::error_code ec;
    req.parse("GET / HTTP/1.1\r\nbad\r\n", ec);
    CHECK(ec == error::http_bad_header);
    CHECK(req.error() == error::http_bad_header);
    CHECK(req.parse(valid_request, ec) == 0);
    CHECK(ec == error::http_bad_header);

    req.reset();
    CHECK_FALSE(req.error());
    CHECK(req.header_count() == 0);
    CHECK(req.raw().empty());

    // Two requests back to back on one connection (keep-alive).
    const std::string two = valid_request + "GET /second HTTP/1.1\r\nHost: b\r\n\r\n";
    std::size_t n = req.parse(two, ec);
    REQUIRE_FALSE(ec);
    REQUIRE(n == valid_request.size());
    CHECK(req.parse(std::string_view(two).substr(n), ec) == 0); // complete: takes nothing
    req.reset();
    CHECK(req.parse(std::string_view(two).substr(n), ec) == two.size() - n);
    CHECK_FALSE(ec);
    CHECK(req.complete());
    CHECK(req.target() == "/second");
    CHECK(req.header("Host") == "b");
    CHECK(req.count("Upgrade") == 0);
}

TEST_CASE("http: zero-length input is a no-op", "[http]") {
    http_request req;
    std::error_code ec = make_error_code(error::closed);
    CHECK(req.parse(nullptr, 0, ec) == 0);
    CHECK_FALSE(ec);
    CHECK_FALSE(req.complete());
}
