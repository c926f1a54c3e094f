// Copyright (c) 2026 wsx developers. Distributed under the Boost Software License, Version 1.0.
// The opening handshake of RFC 6455 section 4: the accept key, each rule of
// an upgrade request, the responses a server builds, the request a client
// builds, and each way a server's answer can fail the client's checks.

#include <wsx/protocol/handshake.hpp>

#include "wsx_catch.hpp"

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

using wsx::error;
using namespace wsx::protocol;

namespace {

const std::string key = "dGhlIHNhbXBsZSBub25jZQ==";
const std::string key_accept = "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=";

http_request parse_request(const std::string& in) {
    http_request req;
    std::error_code ec;
    const std::size_t n = req.parse(in, ec);
    INFO(in);
    REQUIRE_FALSE(ec);
    REQUIRE(req.complete());
    REQUIRE(n == in.size());
    return req;
}

// Parses a response and returns what follows its header section (the body).
http_response parse_response(const std::string& in, std::string* rest = nullptr) {
    http_response res;
    std::error_code ec;
    const std::size_t n = res.parse(in, ec);
    INFO(in);
    REQUIRE_FALSE(ec);
    REQUIRE(res.complete());
    if (rest != nullptr) *rest = in.substr(n);
    return res;
}

// The RFC 6455 1.3 example request, one header per entry so that a test can
// drop or replace one.
std::vector<std::pair<std::string, std::string>> base_headers() {
    return {
        {"Host", "server.example.com"},
        {"Upgrade", "websocket"},
        {"Connection", "Upgrade"},
        {"Sec-WebSocket-Key", key},
        {"Origin", "http://example.com"},
        {"Sec-WebSocket-Protocol", "chat, superchat"},
        {"Sec-WebSocket-Version", "13"},
    };
}

std::string request_text(const std::vector<std::pair<std::string, std::string>>& headers,
                         const std::string& start_line = "GET /chat HTTP/1.1") {
    std::string s = start_line + "\r\n";
    for (const auto& h : headers) s += h.first + ": " + h.second + "\r\n";
    return s + "\r\n";
}

std::vector<std::pair<std::string, std::string>> without(std::string_view name) {
    auto h = base_headers();
    for (auto it = h.begin(); it != h.end();)
        it = it->first == name ? h.erase(it) : it + 1;
    return h;
}

std::vector<std::pair<std::string, std::string>> with(std::string_view name, const std::string& value) {
    auto h = without(name);
    h.emplace_back(std::string(name), value);
    return h;
}

std::vector<std::pair<std::string, std::string>> plus(std::string_view name, const std::string& value) {
    auto h = base_headers();
    h.emplace_back(std::string(name), value);
    return h;
}

std::error_code validate(const std::string& text) { return validate_upgrade(parse_request(text)); }

// The base request with these raw header lines added at the end.
std::string upgrade_with(const std::string& lines, const std::string& start_line = "GET /chat HTTP/1.1") {
    std::string s = request_text(base_headers(), start_line);
    return s.insert(s.size() - 2, lines);
}

// Parses whole and one byte at a time, requires both to agree, and returns
// the message parsed whole with the parser's error.
template <class Message>
Message parse_both_ways(const std::string& text, std::error_code& ec) {
    Message whole;
    whole.parse(text, ec);
    Message bytes;
    std::error_code ec_bytes;
    for (std::size_t i = 0; i < text.size(); ++i) bytes.parse(text.data() + i, 1, ec_bytes);
    INFO(text);
    REQUIRE(ec_bytes == ec);
    REQUIRE(bytes.complete() == whole.complete());
    REQUIRE(bytes.raw() == whole.raw());
    return whole;
}

// What a server makes of these bytes: the parser's error if there is one,
// else validate_upgrade's, the same in any split.
std::error_code judge(const std::string& text) {
    std::error_code ec;
    const http_request req = parse_both_ways<http_request>(text, ec);
    if (ec) return ec;
    REQUIRE(req.complete());
    return validate_upgrade(req);
}

std::string accept_response_text(const std::string& extra_lines = "", const std::string& status_line =
                                                                          "HTTP/1.1 101 Switching Protocols") {
    return status_line + "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: " + key_accept +
           "\r\n" + extra_lines + "\r\n";
}

std::error_code verify(const std::string& text, const std::vector<std::string>& offered = {},
                       bool extensions_offered = false, std::string* chosen = nullptr) {
    return verify_response(parse_response(text), key, offered, extensions_offered, chosen);
}

// The same, parsed one byte at a time.
std::error_code verify_bytes(const std::string& text, const std::vector<std::string>& offered = {}) {
    std::error_code ec;
    const http_response res = parse_both_ways<http_response>(text, ec);
    REQUIRE_FALSE(ec);
    REQUIRE(res.complete());
    return verify_response(res, key, offered, false, nullptr);
}

template <class F>
std::error_code thrown_code(F&& f) {
    try {
        f();
    } catch (const std::system_error& e) {
        return e.code();
    }
    return {};
}

} // namespace

TEST_CASE("handshake: RFC 6455 1.3 key and accept", "[handshake]") {
    // RFC 6455 1.3 gives the SHA-1 bytes as well as their base64.
    const std::string joined = key + std::string(websocket_guid);
    const auto digest = sha1_digest(joined.data(), joined.size());
    const std::array<std::uint8_t, 20> rfc_digest = {0xb3, 0x7a, 0x4f, 0x2c, 0xc0, 0x62, 0x4f, 0x16, 0x90, 0xf6,
                                                     0x46, 0x06, 0xcf, 0x38, 0x59, 0x45, 0xb2, 0xbe, 0xc4, 0xea};
    CHECK(digest == rfc_digest);
    CHECK(accept_key(key) == key_accept);
    CHECK(accept_key("x3JJHMbDL1EzLkh9GBhXDw==") == "HSmrc0sMlYUkAGmm5OPpG2HaGWk=");
    CHECK(is_valid_client_key(key));
}

TEST_CASE("handshake: the RFC 6455 1.3 request is valid", "[handshake][server]") {
    const http_request req = parse_request(request_text(base_headers()));
    CHECK_FALSE(validate_upgrade(req));

    // Case and list variations that are equally valid.
    CHECK_FALSE(validate(request_text(with("Upgrade", "WebSocket"))));
    CHECK_FALSE(validate(request_text(with("Upgrade", "h2c, websocket"))));
    CHECK_FALSE(validate(request_text(with("Connection", "keep-alive, UPGRADE"))));
    CHECK_FALSE(validate(request_text(plus("connection", "upgrade"))));
    CHECK_FALSE(validate(request_text(base_headers(), "GET /chat?room=1&x=%20 HTTP/1.1")));
}

TEST_CASE("handshake: each upgrade rule has its own error", "[handshake][server]") {
    struct bad_case {
        const char* what;
        std::string request;
        error expected;
    };
    const bad_case cases[] = {
        {"POST", request_text(base_headers(), "POST /chat HTTP/1.1"), error::http_bad_method},
        {"lower-case get", request_text(base_headers(), "get /chat HTTP/1.1"), error::http_bad_method},
        {"HTTP/1.0", request_text(base_headers(), "GET /chat HTTP/1.0"), error::http_bad_version},
        {"HTTP/0.9", request_text(base_headers(), "GET /chat HTTP/0.9"), error::http_bad_version},
        {"asterisk target", request_text(base_headers(), "GET * HTTP/1.1"), error::http_bad_target},
        {"absolute ftp target", request_text(base_headers(), "GET ftp://server.example.com/chat HTTP/1.1"),
         error::http_bad_target},
        {"absolute target without authority", request_text(base_headers(), "GET http:///chat HTTP/1.1"),
         error::http_bad_target},
        {"no Host", request_text(without("Host")), error::handshake_missing_host},
        {"empty Host", request_text(with("Host", "")), error::handshake_missing_host},
        {"two Hosts", request_text(plus("Host", "other.example.com")), error::handshake_duplicate_header},
        {"Upgrade not websocket", request_text(with("Upgrade", "h2c")), error::handshake_missing_upgrade},
        {"Upgrade websocket2", request_text(with("Upgrade", "websocket2")), error::handshake_missing_upgrade},
        {"no Upgrade but a key", request_text(without("Upgrade")), error::handshake_missing_upgrade},
        {"no Connection", request_text(without("Connection")), error::handshake_missing_connection},
        {"Connection: keep-alive", request_text(with("Connection", "keep-alive")),
         error::handshake_missing_connection},
        {"Connection: upgraded", request_text(with("Connection", "upgraded")), error::handshake_missing_connection},
        {"no key", request_text(without("Sec-WebSocket-Key")), error::handshake_missing_key},
        {"two keys", request_text(plus("Sec-WebSocket-Key", key)), error::handshake_duplicate_header},
        {"key too short", request_text(with("Sec-WebSocket-Key", "AAAAAAAAAAAAAAAAAAAA")), error::handshake_bad_key},
        {"key of 17 bytes", request_text(with("Sec-WebSocket-Key", "AAAAAAAAAAAAAAAAAAAAAAA=")),
         error::handshake_bad_key},
        {"key not base64", request_text(with("Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ!!")),
         error::handshake_bad_key},
        {"key non-canonical", request_text(with("Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZR==")),
         error::handshake_bad_key},
        {"empty key", request_text(with("Sec-WebSocket-Key", "")), error::handshake_bad_key},
        {"no version", request_text(without("Sec-WebSocket-Version")), error::handshake_bad_version},
        {"version 8", request_text(with("Sec-WebSocket-Version", "8")), error::handshake_bad_version},
        {"version list", request_text(with("Sec-WebSocket-Version", "13, 8")), error::handshake_bad_version},
        {"two versions", request_text(plus("Sec-WebSocket-Version", "13")), error::handshake_duplicate_header},
    };
    for (const bad_case& c : cases) {
        INFO(c.what);
        CHECK(validate(c.request) == c.expected);
    }
}

TEST_CASE("handshake: a body or a version other than HTTP/1.1 is refused, in any split",
          "[handshake][server][strict]") {
    const std::pair<std::string, error> cases[] = {
        // An upgrade announcing a body (RFC 9112 6.3): the body would be read as frames.
        {upgrade_with("Content-Length: 5\r\n") + "hello", error::http_request_body},
        {upgrade_with("content-length: 1\r\n") + "x", error::http_request_body},
        {upgrade_with("Content-Length: " + std::string(40, '9') + "\r\n"), error::http_request_body},
        {upgrade_with("Transfer-Encoding: chunked\r\n") + "5\r\nhello\r\n0\r\n\r\n", error::http_request_body},
        {upgrade_with("Transfer-Encoding: identity\r\n"), error::http_request_body},
        {upgrade_with("TRANSFER-ENCODING:\r\n"), error::http_request_body},
        {upgrade_with("Transfer-Encoding: chunked\r\nContent-Length: 0\r\n"), error::http_request_body},
        {upgrade_with("Content-Length: x\r\nTransfer-Encoding: gzip, chunked\r\n"), error::http_request_body},
        // A Content-Length that is not one decimal number, even when every
        // value says 0 (RFC 9110 8.6 lets a recipient refuse a repeat).
        {upgrade_with("Content-Length: 0\r\nContent-Length: 0\r\n"), error::http_bad_content_length},
        {upgrade_with("Content-Length: 5\r\ncontent-length: 6\r\n") + "hello", error::http_bad_content_length},
        {upgrade_with("Content-Length: 0, 0\r\n"), error::http_bad_content_length},
        {upgrade_with("Content-Length: 5, 5\r\n"), error::http_bad_content_length},
        {upgrade_with("Content-Length:\r\n"), error::http_bad_content_length},
        {upgrade_with("Content-Length: -1\r\n"), error::http_bad_content_length},
        {upgrade_with("Content-Length: +0\r\n"), error::http_bad_content_length},
        {upgrade_with("Content-Length: 0x0\r\n"), error::http_bad_content_length},
        {upgrade_with("Content-Length: 1 0\r\n"), error::http_bad_content_length},
        // Plain HTTP is held to the same framing before any fallback handler
        // sees it: wsx reads no request bodies.
        {"POST /form HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhello", error::http_request_body},
        {"POST /form HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", error::http_request_body},
        {"GET / HTTP/1.1\r\nContent-Length: 0\r\nContent-Length: 0\r\n\r\n", error::http_bad_content_length},
        {"GET / HTTP/1.1\r\nContent-Length: 0\r\n\r\n", error::not_websocket_request},
        // A well-formed version other than HTTP/1.1: 505 for an upgrade, and
        // for any request that is not HTTP/1.x at all.
        {upgrade_with("", "GET /chat HTTP/1.0"), error::http_bad_version},
        {upgrade_with("", "GET /chat HTTP/1.2"), error::http_bad_version},
        {upgrade_with("", "GET /chat HTTP/2.0"), error::http_bad_version},
        {upgrade_with("", "GET /chat HTTP/9.9"), error::http_bad_version},
        {"GET / HTTP/2.0\r\nHost: a\r\n\r\n", error::http_bad_version},
        {"GET / HTTP/9.9\r\n\r\n", error::http_bad_version},
        {"GET / HTTP/0.9\r\n\r\n", error::http_bad_version},
        {"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", error::http_bad_version}, // the HTTP/2 preface
        // A plain HTTP/1.0 or 1.2 request may be answered in 1.1 (RFC 9110
        // 2.5): it reaches the HTTP handler.
        {"GET / HTTP/1.0\r\n\r\n", error::not_websocket_request},
        {"GET / HTTP/1.2\r\nHost: a\r\n\r\n", error::not_websocket_request},
        // Not "HTTP/" DIGIT "." DIGIT: a malformed request line (400).
        {upgrade_with("", "GET /chat HTTP/1.10"), error::http_bad_request_line},
        {upgrade_with("", "GET /chat HTTP/1"), error::http_bad_request_line},
        {upgrade_with("", "GET /chat http/1.1"), error::http_bad_request_line},
        {"GET / HTTP/2\r\n\r\n", error::http_bad_request_line},
    };
    for (const auto& c : cases) {
        INFO(c.first);
        CHECK(judge(c.first) == c.second);
    }
    // What passes, passes in any split too.
    CHECK_FALSE(judge(upgrade_with("Content-Length: 0\r\n")));
    CHECK_FALSE(judge(upgrade_with("Content-Length:  00 \r\n")));
    CHECK_FALSE(judge(upgrade_with("")));

    // The statuses, and refusals that say what to do.
    const std::pair<error, int> statuses[] = {{error::http_request_body, 400},
                                              {error::http_bad_content_length, 400},
                                              {error::http_bad_request_line, 400},
                                              {error::http_bad_version, 505}};
    for (const auto& st : statuses) {
        INFO(make_error_code(st.first).message());
        CHECK(http_status_for(st.first) == st.second);
        CHECK(build_error_response(st.first).rfind("HTTP/1.1 " + std::to_string(st.second) + " ", 0) == 0);
    }
    CHECK(build_error_response(error::http_bad_version).find("HTTP/1.1 only") != std::string::npos);
    CHECK(build_error_response(error::http_request_body).find("Content-Length") != std::string::npos);
}

TEST_CASE("handshake: an absolute http(s) URI names the resource (RFC 6455 4.2.1)", "[handshake][server]") {
    CHECK(wsx::protocol::resource_name("/chat?x=1") == "/chat?x=1");
    CHECK(wsx::protocol::resource_name("http://server.example.com/chat?x=1") == "/chat?x=1");
    CHECK(wsx::protocol::resource_name("HTTPS://server.example.com:8443/a/b") == "/a/b");
    CHECK(wsx::protocol::resource_name("http://server.example.com") == "/");
    CHECK(wsx::protocol::resource_name("http://server.example.com#frag").empty());
    CHECK(wsx::protocol::resource_name("*").empty());
    CHECK(wsx::protocol::resource_name("").empty());
    wsx::protocol::http_request req;
    std::error_code ec;
    std::string text = request_text(base_headers(), "GET http://server.example.com/chat HTTP/1.1");
    req.parse(text.data(), text.size(), ec);
    REQUIRE_FALSE(ec);
    REQUIRE(req.complete());
    CHECK_FALSE(wsx::protocol::validate_upgrade(req));
}

TEST_CASE("handshake: plain HTTP requests are told apart from broken upgrades", "[handshake][server]") {
    // Neither an Upgrade naming websocket nor a key: plain HTTP, whatever else.
    CHECK(validate("GET / HTTP/1.1\r\nHost: a\r\n\r\n") == error::not_websocket_request);
    CHECK(validate("POST /form HTTP/1.1\r\nHost: a\r\n\r\n") == error::not_websocket_request);
    CHECK(validate("GET / HTTP/1.0\r\n\r\n") == error::not_websocket_request);
    CHECK(validate("GET / HTTP/1.1\r\nHost: a\r\nConnection: Upgrade\r\nUpgrade: h2c\r\n\r\n") ==
          error::not_websocket_request);
    CHECK(validate("GET / HTTP/1.1\r\nHost: a\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n\r\n") ==
          error::not_websocket_request);
    // Either sign alone makes it a WebSocket attempt with a precise error.
    CHECK(validate("GET / HTTP/1.1\r\nHost: a\r\nUpgrade: websocket\r\n\r\n") == error::handshake_missing_connection);
    CHECK(validate("GET / HTTP/1.1\r\nHost: a\r\nSec-WebSocket-Key: " + key + "\r\n\r\n") ==
          error::handshake_missing_upgrade);
    CHECK(validate("POST / HTTP/1.1\r\nHost: a\r\nUpgrade: websocket\r\n\r\n") == error::http_bad_method);
}

TEST_CASE("handshake: subprotocol selection follows the client's order", "[handshake][server]") {
    const http_request req = parse_request(request_text(with("Sec-WebSocket-Protocol", "wamp, , chat ")));
    CHECK(offered_subprotocols(req) == std::vector<std::string_view>{"wamp", "chat"});

    const std::vector<std::string> supported = {"chat", "wamp"};
    const std::string_view chosen = select_subprotocol(req, supported);
    CHECK(chosen == "wamp");
    CHECK(chosen.data() == supported[1].data()); // a view into `supported`

    CHECK(select_subprotocol(req, {"chat"}) == "chat");
    CHECK(select_subprotocol(req, {"CHAT", "mqtt"}).empty()); // case-sensitive
    CHECK(select_subprotocol(req, {}).empty());
    const http_request none = parse_request(request_text(without("Sec-WebSocket-Protocol")));
    CHECK(offered_subprotocols(none).empty());
    CHECK(select_subprotocol(none, supported).empty());

    // Spread over two headers, the order still counts.
    const http_request two = parse_request(request_text(plus("Sec-WebSocket-Protocol", "mqtt")));
    CHECK(offered_subprotocols(two) == std::vector<std::string_view>{"chat", "superchat", "mqtt"});
    CHECK(select_subprotocol(two, {"mqtt", "superchat"}) == "superchat");
}

TEST_CASE("handshake: the 101 response", "[handshake][server]") {
    SECTION("minimal") {
        const std::string text = build_accept_response(key);
        CHECK(text == "HTTP/1.1 101 Switching Protocols\r\n"
                      "Upgrade: websocket\r\n"
                      "Connection: Upgrade\r\n"
                      "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n"
                      "\r\n");
        std::string chosen = "stale";
        CHECK_FALSE(verify(text, {}, false, &chosen));
        CHECK(chosen.empty());
    }
    SECTION("from a request, with subprotocol, extensions and extra headers") {
        const http_request req = parse_request(request_text(base_headers()));
        const std::string text = build_accept_response(req, "chat", "permessage-deflate; client_max_window_bits=10",
                                                       {{"Set-Cookie", "id=1"}, {"Server", "wsx"}});
        std::string body;
        const http_response res = parse_response(text, &body);
        CHECK(body.empty());
        CHECK(res.status() == 101);
        CHECK(res.header("Sec-WebSocket-Accept") == key_accept);
        CHECK(res.header("Sec-WebSocket-Protocol") == "chat");
        CHECK(res.header("Sec-WebSocket-Extensions") == "permessage-deflate; client_max_window_bits=10");
        CHECK(res.header("Set-Cookie") == "id=1");
        CHECK(res.header("Server") == "wsx");
        CHECK(res.count("Content-Length") == 0);
        std::string chosen;
        CHECK_FALSE(verify_response(res, key, {"chat", "superchat"}, true, &chosen));
        CHECK(chosen == "chat");
    }
    SECTION("malformed arguments throw bad_argument") {
        CHECK(thrown_code([] { build_accept_response(key, {}, {}, {{"X-Evil", "a\r\nSet-Cookie: x"}}); }) ==
              error::bad_argument);
        CHECK(thrown_code([] { build_accept_response(key, {}, {}, {{"X-Evil", "a\nb"}}); }) == error::bad_argument);
        CHECK(thrown_code([] { build_accept_response(key, {}, {}, {{"X-Evil\r\n", "a"}}); }) == error::bad_argument);
        CHECK(thrown_code([] { build_accept_response(key, {}, {}, {{"", "a"}}); }) == error::bad_argument);
        CHECK(thrown_code([] { build_accept_response(key, {}, {}, {{"connection", "close"}}); }) ==
              error::bad_argument);
        CHECK(thrown_code([] { build_accept_response(key, "chat\r\n"); }) == error::bad_argument);
        CHECK(thrown_code([] { build_accept_response(key, "two words"); }) == error::bad_argument);
        CHECK(thrown_code([] { build_accept_response(key, {}, "x\r\ny"); }) == error::bad_argument);
        try {
            build_accept_response(key, {}, {}, {{"X-Evil", "a\r\n"}});
            FAIL("no exception");
        } catch (const std::system_error& e) {
            CHECK(std::string(e.what()).find("X-Evil") != std::string::npos);
        }
    }
}

TEST_CASE("handshake: error responses", "[handshake][server]") {
    SECTION("426 carries the version we speak") {
        std::string body;
        const http_response res = parse_response(build_error_response(426, "upgrade required"), &body);
        CHECK(res.status() == 426);
        CHECK(res.reason() == "Upgrade Required");
        CHECK(res.header("Sec-WebSocket-Version") == "13");
        CHECK(res.has_token("Upgrade", "websocket"));
        CHECK(res.has_token("Connection", "close"));
        CHECK(res.has_token("Connection", "upgrade"));
        CHECK(res.header("Content-Length") == "16");
        CHECK(body == "upgrade required");
    }
    SECTION("from an error code") {
        std::string body;
        const http_response res = parse_response(build_error_response(error::handshake_bad_version), &body);
        CHECK(res.status() == 426);
        CHECK(res.header("Sec-WebSocket-Version") == "13");
        CHECK(body == make_error_code(error::handshake_bad_version).message() + "\n");
        CHECK(res.header("Content-Length") == std::to_string(body.size()));

        CHECK(parse_response(build_error_response(error::http_bad_method)).header("Allow") == "GET");
        CHECK(parse_response(build_error_response(error::http_line_too_long)).status() == 431);
        CHECK(parse_response(build_error_response(error::handshake_bad_key)).status() == 400);
        CHECK(parse_response(build_error_response(error::http_bad_version)).status() == 505);
    }
    SECTION("every error response closes and has a length") {
        for (int status : {400, 403, 404, 405, 431, 500, 503, 302, 499}) {
            INFO(status);
            std::string body;
            const http_response res = parse_response(build_error_response(status), &body);
            CHECK(res.status() == status);
            CHECK_FALSE(res.reason().empty());
            CHECK(res.has_token("Connection", "close"));
            CHECK(res.header("Content-Length") == "0");
            CHECK(res.count("Content-Type") == 0);
            CHECK(res.count("Sec-WebSocket-Version") == (status == 426 ? 1u : 0u));
            CHECK(body.empty());
        }
    }
    SECTION("extra headers and a caller's Content-Type") {
        std::string body;
        const http_response res = parse_response(
            build_error_response(401, "<p>no</p>", {{"WWW-Authenticate", "Basic"}, {"Content-Type", "text/html"}}),
            &body);
        CHECK(res.header("WWW-Authenticate") == "Basic");
        CHECK(res.count("Content-Type") == 1);
        CHECK(res.header("Content-Type") == "text/html");
        CHECK(body == "<p>no</p>");
        CHECK(parse_response(build_error_response(400, "x")).header("Content-Type") == "text/plain; charset=utf-8");
    }
    SECTION("bad arguments") {
        CHECK(thrown_code([] { build_error_response(101); }) == error::bad_argument);
        CHECK(thrown_code([] { build_error_response(200); }) == error::bad_argument);
        CHECK(thrown_code([] { build_error_response(600); }) == error::bad_argument);
        CHECK(thrown_code([] { build_error_response(400, {}, {{"Content-Length", "5"}}); }) == error::bad_argument);
        CHECK(thrown_code([] { build_error_response(400, {}, {{"X", "\r\n"}}); }) == error::bad_argument);
    }
}

TEST_CASE("handshake: client keys", "[handshake][client]") {
    const std::string a = generate_client_key();
    const std::string b = generate_client_key();
    CHECK(a.size() == 24);
    CHECK(is_valid_client_key(a));
    CHECK(is_valid_client_key(b));
    CHECK(a != b);
}

TEST_CASE("handshake: the client request", "[handshake][client]") {
    client_request r;
    r.host = "example.com";
    r.key = key;

    SECTION("minimal, exact bytes") {
        CHECK(build_client_request(r) == "GET / HTTP/1.1\r\n"
                                         "Host: example.com\r\n"
                                         "Upgrade: websocket\r\n"
                                         "Connection: Upgrade\r\n"
                                         "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                                         "Sec-WebSocket-Version: 13\r\n"
                                         "\r\n");
    }
    SECTION("everything, and the server accepts it") {
        r.port = 8080;
        r.target = "/chat?room=a%20b";
        r.subprotocols = {"chat", "superchat"};
        r.extensions = "permessage-deflate; client_max_window_bits";
        r.origin = "http://example.com";
        r.headers = {{"Authorization", "Bearer abc"}, {"User-Agent", "wsx"}};
        const http_request req = parse_request(build_client_request(r));
        CHECK_FALSE(validate_upgrade(req));
        CHECK(req.target() == "/chat?room=a%20b");
        CHECK(req.header("Host") == "example.com:8080");
        CHECK(req.header("Origin") == "http://example.com");
        CHECK(offered_subprotocols(req) == std::vector<std::string_view>{"chat", "superchat"});
        CHECK(req.header("Sec-WebSocket-Extensions") == "permessage-deflate; client_max_window_bits");
        CHECK(req.header("Authorization") == "Bearer abc");
        CHECK(req.header("User-Agent") == "wsx");
        CHECK(req.header("Sec-WebSocket-Key") == key);
    }
    SECTION("Host: default ports left out, IPv6 in brackets") {
        auto host_of = [](const client_request& c) {
            return std::string(parse_request(build_client_request(c)).header("Host"));
        };
        CHECK(host_of(r) == "example.com");
        r.port = 443;
        CHECK(host_of(r) == "example.com:443");
        r.secure = true;
        CHECK(host_of(r) == "example.com");
        r.port = 80;
        CHECK(host_of(r) == "example.com:80");
        r.secure = false;
        r.host = "::1";
        CHECK(host_of(r) == "[::1]");
        r.port = 9000;
        CHECK(host_of(r) == "[::1]:9000");
        r.host = "[fe80::1]";
        CHECK(host_of(r) == "[fe80::1]:9000");
        r.host = "127.0.0.1";
        CHECK(host_of(r) == "127.0.0.1:9000");
    }
    SECTION("an empty target means /") {
        r.target.clear();
        CHECK(parse_request(build_client_request(r)).target() == "/");
    }
    SECTION("malformed fields throw bad_argument") {
        auto code_for = [&](auto mutate) {
            client_request c = r;
            mutate(c);
            return thrown_code([&] { build_client_request(c); });
        };
        CHECK_FALSE(code_for([](client_request&) {}));
        CHECK(code_for([](client_request& c) { c.host.clear(); }) == error::bad_argument);
        CHECK(code_for([](client_request& c) { c.host = "a\r\nX: y"; }) == error::bad_argument);
        CHECK(code_for([](client_request& c) { c.host = "a b"; }) == error::bad_argument);
        CHECK(code_for([](client_request& c) { c.port = 0; }) == error::bad_argument);
        CHECK(code_for([](client_request& c) { c.target = "chat"; }) == error::bad_argument);
        CHECK(code_for([](client_request& c) { c.target = "/a b"; }) == error::bad_argument);
        CHECK(code_for([](client_request& c) { c.target = "/a\r\n"; }) == error::bad_argument);
        CHECK(code_for([](client_request& c) { c.key.clear(); }) == error::bad_argument);
        CHECK(code_for([](client_request& c) { c.key = "short"; }) == error::bad_argument);
        CHECK(code_for([](client_request& c) { c.subprotocols = {"a b"}; }) == error::bad_argument);
        CHECK(code_for([](client_request& c) { c.subprotocols = {""}; }) == error::bad_argument);
        CHECK(code_for([](client_request& c) { c.subprotocols = {"chat", "chat"}; }) == error::bad_argument);
        CHECK(code_for([](client_request& c) { c.extensions = "x\r\n"; }) == error::bad_argument);
        CHECK(code_for([](client_request& c) { c.origin = "x\ny"; }) == error::bad_argument);
        CHECK(code_for([](client_request& c) { c.headers = {{"X-A", "1\r\n2"}}; }) == error::bad_argument);
        CHECK(code_for([](client_request& c) { c.headers = {{"X A", "1"}}; }) == error::bad_argument);
        CHECK(code_for([](client_request& c) { c.headers = {{"sec-websocket-key", "x"}}; }) == error::bad_argument);
        CHECK(code_for([](client_request& c) { c.headers = {{"Host", "x"}}; }) == error::bad_argument);
    }
}

TEST_CASE("handshake: each way the server's answer can fail", "[handshake][client]") {
    CHECK_FALSE(verify(accept_response_text()));
    // Token matching is case-insensitive and list-aware here too.
    CHECK_FALSE(verify("HTTP/1.1 101 OK\r\nupgrade: WebSocket\r\nconnection: keep-alive, upgrade\r\n"
                       "sec-websocket-accept: " + key_accept + "\r\n\r\n"));

    struct bad_case {
        const char* what;
        std::string response;
        std::vector<std::string> offered;
        bool extensions_offered;
        error expected;
    };
    const bad_case cases[] = {
        {"200", accept_response_text("", "HTTP/1.1 200 OK"), {}, false, error::handshake_bad_status},
        {"426", "HTTP/1.1 426 Upgrade Required\r\nSec-WebSocket-Version: 13\r\n\r\n", {}, false,
         error::handshake_bad_status},
        {"1.0", accept_response_text("", "HTTP/1.0 101 OK"), {}, false, error::handshake_bad_response_version},
        {"1.2", accept_response_text("", "HTTP/1.2 101 OK"), {}, false, error::handshake_bad_response_version},
        {"2.0", accept_response_text("", "HTTP/2.0 101 OK"), {}, false, error::handshake_bad_response_version},
        {"9.9", accept_response_text("", "HTTP/9.9 101 OK"), {}, false, error::handshake_bad_response_version},
        // A 1xx response ends with its headers (RFC 9112 6.3): a body
        // announced on a 101 could only be misread as frames.
        {"CL 5", accept_response_text("Content-Length: 5\r\n") + "hello", {}, false, error::handshake_response_body},
        {"TE", accept_response_text("Transfer-Encoding: chunked\r\n"), {}, false, error::handshake_response_body},
        {"TE, CL 0", accept_response_text("transfer-encoding: identity\r\nContent-Length: 0\r\n"), {}, false,
         error::handshake_response_body},
        {"CL 0 twice", accept_response_text("Content-Length: 0\r\ncontent-length: 0\r\n"), {}, false,
         error::handshake_bad_response},
        {"CL 0, 0", accept_response_text("Content-Length: 0, 0\r\n"), {}, false, error::handshake_bad_response},
        {"CL none", accept_response_text("Content-Length: none\r\n"), {}, false, error::handshake_bad_response},
        // The version and body of a refusal are not the handshake's business.
        {"1.0 200", "HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nhi", {}, false, error::handshake_bad_status},
        {"no Upgrade",
         "HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: " + key_accept + "\r\n\r\n",
         {}, false, error::handshake_missing_upgrade_response},
        {"Upgrade not websocket",
         "HTTP/1.1 101 Switching Protocols\r\nUpgrade: h2c\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: " +
             key_accept + "\r\n\r\n",
         {}, false, error::handshake_missing_upgrade_response},
        {"no Connection",
         "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nSec-WebSocket-Accept: " + key_accept + "\r\n\r\n",
         {}, false, error::handshake_missing_upgrade_response},
        {"no Accept", "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n", {},
         false, error::handshake_bad_accept},
        {"wrong Accept",
         "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
         "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOO=\r\n\r\n",
         {}, false, error::handshake_bad_accept},
        {"key echoed instead of Accept",
         "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
         "Sec-WebSocket-Accept: " + key + "\r\n\r\n",
         {}, false, error::handshake_bad_accept},
        {"two Accepts", accept_response_text("Sec-WebSocket-Accept: " + key_accept + "\r\n"), {}, false,
         error::handshake_bad_accept},
        {"subprotocol not offered", accept_response_text("Sec-WebSocket-Protocol: mqtt\r\n"), {"chat"}, false,
         error::handshake_bad_subprotocol},
        {"subprotocol when none offered", accept_response_text("Sec-WebSocket-Protocol: chat\r\n"), {}, false,
         error::handshake_bad_subprotocol},
        {"subprotocol in another case", accept_response_text("Sec-WebSocket-Protocol: CHAT\r\n"), {"chat"}, false,
         error::handshake_bad_subprotocol},
        {"two subprotocols in one header", accept_response_text("Sec-WebSocket-Protocol: chat, wamp\r\n"),
         {"chat", "wamp"}, false, error::handshake_bad_subprotocol},
        {"two subprotocol headers",
         accept_response_text("Sec-WebSocket-Protocol: chat\r\nSec-WebSocket-Protocol: chat\r\n"), {"chat"}, false,
         error::handshake_bad_subprotocol},
        {"extension when none offered", accept_response_text("Sec-WebSocket-Extensions: permessage-deflate\r\n"), {},
         false, error::handshake_bad_extension},
    };
    for (const bad_case& c : cases) {
        INFO(c.what);
        std::string chosen = "untouched";
        CHECK(verify(c.response, c.offered, c.extensions_offered, &chosen) == c.expected);
        CHECK(chosen == "untouched");
        if (!c.extensions_offered) CHECK(verify_bytes(c.response, c.offered) == c.expected);
    }
    CHECK_FALSE(verify(accept_response_text("Content-Length: 0\r\n")));
    CHECK_FALSE(verify_bytes(accept_response_text("Content-Length: 0\r\n")));

    std::string chosen;
    CHECK_FALSE(verify(accept_response_text("Sec-WebSocket-Protocol: wamp\r\n"), {"chat", "wamp"}, false, &chosen));
    CHECK(chosen == "wamp");
    CHECK_FALSE(verify(accept_response_text("Sec-WebSocket-Protocol:\r\n"), {"chat"}, false, &chosen));
    CHECK(chosen.empty());
    CHECK_FALSE(verify(accept_response_text("Sec-WebSocket-Extensions: permessage-deflate\r\n"), {}, true));
    // An empty Sec-WebSocket-Extensions names no extension.
    CHECK_FALSE(verify(accept_response_text("Sec-WebSocket-Extensions: \r\n"), {}, false));
}

TEST_CASE("handshake: client and server agree end to end", "[handshake]") {
    client_request r;
    r.host = "::1";
    r.port = 8443;
    r.secure = true;
    r.target = "/chat/lobby";
    r.key = generate_client_key();
    r.subprotocols = {"v2.chat", "v1.chat"};

    const http_request req = parse_request(build_client_request(r));
    REQUIRE_FALSE(validate_upgrade(req));
    const std::vector<std::string> supported = {"v1.chat", "v2.chat"};
    const std::string_view sub = select_subprotocol(req, supported);
    CHECK(sub == "v2.chat");

    std::string chosen;
    const http_response res = parse_response(build_accept_response(req, sub));
    CHECK_FALSE(verify_response(res, r.key, r.subprotocols, false, &chosen));
    CHECK(chosen == "v2.chat");
    // Another key's accept fails.
    CHECK(verify_response(res, generate_client_key(), r.subprotocols, false, &chosen) == error::handshake_bad_accept);
}
