// Copyright (c) 2026 wsx developers. Distributed under the Boost Software License, Version 1.0.
// The pure parts of going through an HTTP proxy: the CONNECT request, the
// parser of the proxy's answer (fed whole, byte by byte and split at every
// point), proxy URLs, no_proxy matching and the environment variables.

#include "wsx_catch.hpp"

#include <wsx/proxy.hpp>
#include <wsx/protocol/proxy_connect.hpp>

#include <map>
#include <string>
#include <system_error>

using wsx::protocol::connect_response;

namespace {

// Feeds `bytes` in pieces of `step` (0: all at once); returns the bytes
// that belong to the head and the error.
std::size_t feed(connect_response& p, const std::string& bytes, std::size_t step, std::error_code& ec) {
    std::size_t used = 0;
    if (step == 0) step = bytes.size() ? bytes.size() : 1;
    for (std::size_t at = 0; at < bytes.size() && !p.complete(); at += step) {
        std::size_t n = std::min(step, bytes.size() - at);
        std::size_t u = p.parse(bytes.data() + at, n, ec);
        used += u;
        if (ec) return used;
        if (u < n) break;
    }
    return used;
}

std::error_code error_of(const std::string& bytes, std::size_t limit = connect_response::default_limit) {
    connect_response p(limit);
    std::error_code ec;
    feed(p, bytes, 0, ec);
    return ec;
}

} // namespace

TEST_CASE("proxy: the CONNECT request names the target and carries Basic credentials", "[proxy][protocol]") {
    CHECK(wsx::protocol::build_connect_request("example.com", 443) ==
          "CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n");
    CHECK(wsx::protocol::build_connect_request("::1", 8080) == "CONNECT [::1]:8080 HTTP/1.1\r\nHost: [::1]:8080\r\n\r\n");
    // RFC 7617's example: Aladdin / open sesame.
    CHECK(wsx::protocol::build_connect_request("127.0.0.1", 80, "Aladdin:open sesame") ==
          "CONNECT 127.0.0.1:80 HTTP/1.1\r\nHost: 127.0.0.1:80\r\n"
          "Proxy-Authorization: Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==\r\n\r\n");
    for (const char* bad : {"", "a b", "a\r\nX: y", "a/b", "user@host"}) {
        INFO(bad);
        CHECK_THROWS_AS(wsx::protocol::build_connect_request(bad, 80), std::system_error);
    }
}

TEST_CASE("proxy: the parser reads a 200 answer split anywhere and stops at the head", "[proxy][protocol]") {
    const std::string head = "HTTP/1.1 200 Connection established\r\nProxy-agent: tinyproxy/1.11.1\r\n\r\n";
    const std::string tunnel = "\x81\x05hello"; // the server's first bytes, which are not the proxy's
    for (std::size_t step : {std::size_t(0), std::size_t(1), std::size_t(2), std::size_t(7), head.size() - 1}) {
        INFO("step " << step);
        connect_response p;
        std::error_code ec;
        std::size_t used = feed(p, head + tunnel, step, ec);
        REQUIRE_FALSE(ec);
        REQUIRE(p.complete());
        CHECK(used == head.size());
        CHECK(p.status() == 200);
        CHECK(p.tunnel_open());
        CHECK(p.reason() == "Connection established");
        CHECK(p.header("proxy-agent") == "tinyproxy/1.11.1");
        CHECK(p.header("Server").empty());
    }
    // Every split point into two pieces.
    for (std::size_t cut = 1; cut < head.size(); ++cut) {
        connect_response p;
        std::error_code ec;
        std::size_t a = p.parse(head.data(), cut, ec);
        REQUIRE_FALSE(ec);
        REQUIRE(a == cut);
        REQUIRE_FALSE(p.complete());
        std::string rest = head.substr(cut) + tunnel;
        std::size_t b = p.parse(rest.data(), rest.size(), ec);
        REQUIRE_FALSE(ec);
        REQUIRE(p.complete());
        REQUIRE(a + b == head.size());
    }
}

TEST_CASE("proxy: refusals are complete answers with their status", "[proxy][protocol]") {
    connect_response p;
    std::error_code ec;
    const std::string r = "HTTP/1.0 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm=\"x\"\r\n"
                          "Content-Length: 5\r\n\r\nbody!";
    std::size_t used = p.parse(r.data(), r.size(), ec);
    REQUIRE_FALSE(ec);
    CHECK(p.complete());
    CHECK(used == r.size() - 5); // the body is not the head's
    CHECK(p.status() == 407);
    CHECK_FALSE(p.tunnel_open());
    CHECK(p.header("proxy-authenticate") == "Basic realm=\"x\"");

    // Other 2xx statuses open the tunnel too; an empty reason is fine, with or without its space.
    for (const char* ok : {"HTTP/1.1 204 \r\n\r\n", "HTTP/1.1 299\r\n\r\n", "HTTP/1.0 200 OK\r\n\r\n"}) {
        connect_response q;
        std::string s = ok;
        q.parse(s.data(), s.size(), ec);
        INFO(ok);
        CHECK_FALSE(ec);
        CHECK(q.tunnel_open());
    }
}

TEST_CASE("proxy: malformed or endless answers are proxy_bad_response", "[proxy][protocol]") {
    for (const char* bad : {
             "SSH-2.0-OpenSSH_9\r\n\r\n",          // not HTTP at all: refused at its first byte
             "HTTP/2 200\r\n\r\n",                 // not HTTP/1.x
             "HTTP/1.1 20 OK\r\n\r\n",             // two-digit status
             "HTTP/1.1 2000 OK\r\n\r\n",           // four digits
             "HTTP/1.1 099 x\r\n\r\n",             // below 100
             "HTTP/1.1 600 x\r\n\r\n",             // above 599
             "HTTP/1.1 200 OK\n\n",                // bare LF
             "HTTP/1.1 200 OK\r\nNo colon here\r\n\r\n",
             "HTTP/1.1 200 OK\r\n: empty name\r\n\r\n",
             "HTTP/1.1 200 OK\r\nBad Name: x\r\n\r\n",
             "HTTP/1.1 200 OK\r\n folded: x\r\n\r\n",
             "HTTP/1.1 200 OK\r\nX: a\rb\r\n\r\n",  // a CR inside a value
             "HTTP/1.1 200 O\x01K\r\n\r\n",        // a control byte in the reason
         }) {
        INFO(bad);
        CHECK(error_of(bad) == wsx::error::proxy_bad_response);
    }
    // A head longer than the limit, however it arrives, and nothing is
    // taken past the limit.
    std::string endless = "HTTP/1.1 200 OK\r\n";
    while (endless.size() < 20'000) endless += "X-Filler: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n";
    CHECK(error_of(endless) == wsx::error::proxy_bad_response);
    connect_response p(100);
    std::error_code ec;
    std::size_t used = feed(p, endless, 1, ec);
    CHECK(ec == wsx::error::proxy_bad_response);
    CHECK(used <= 101);
    // After a failure the parser takes nothing more.
    CHECK(p.parse("x", 1, ec) == 0);
    CHECK(ec == wsx::error::proxy_bad_response);
    // A head of exactly the limit is fine.
    const std::string exact = "HTTP/1.1 200 OK\r\n\r\n";
    CHECK_FALSE(error_of(exact, exact.size()));
    CHECK(error_of(exact, exact.size() - 1) == wsx::error::proxy_bad_response);
}

TEST_CASE("proxy: the refusal's status travels in the error", "[proxy][errors]") {
    std::error_code ec = wsx::make_proxy_status_error(407);
    CHECK(wsx::proxy_status(ec) == 407);
    CHECK(ec.message().find("407") != std::string::npos);
    CHECK(wsx::handshake_status(ec) == 0);
    CHECK(wsx::proxy_status(wsx::make_status_error(407)) == 0);
    CHECK(wsx::make_proxy_status_error(42) == wsx::error::proxy_refused);
    CHECK(wsx::proxy_status(wsx::make_error_code(wsx::error::proxy_refused)) == 0);
}

TEST_CASE("proxy: proxy URLs", "[proxy][url]") {
    auto p = wsx::parse_proxy_url("http://127.0.0.1:3128");
    CHECK(p.host == "127.0.0.1");
    CHECK(p.port == 3128);
    CHECK_FALSE(p.has_credentials);
    CHECK(p.credentials().empty());

    p = wsx::parse_proxy_url("HTTP://user:p%40ss%3Aword@Proxy.Example:8080/");
    CHECK(p.host == "proxy.example");
    CHECK(p.port == 8080);
    CHECK(p.has_credentials);
    CHECK(p.username == "user");
    CHECK(p.password == "p@ss:word");
    CHECK(p.credentials() == "user:p@ss:word");

    p = wsx::parse_proxy_url("proxy.example"); // no scheme: http, port 80
    CHECK(p.host == "proxy.example");
    CHECK(p.port == 80);
    p = wsx::parse_proxy_url("http://[::1]:3128");
    CHECK(p.host == "::1");
    CHECK(p.port == 3128);
    p = wsx::parse_proxy_url("http://token@proxy:1");
    CHECK(p.has_credentials);
    CHECK(p.username == "token");
    CHECK(p.password.empty());

    for (const char* bad : {"", "http://", "http://:3128", "http://host:0", "http://host:99999", "http://host/path",
                            "http://host?q", "http://a b", "http://u:%zz@host", "http://host:port"}) {
        INFO(bad);
        try {
            wsx::parse_proxy_url(bad);
            FAIL("accepted");
        } catch (const std::system_error& e) {
            CHECK(e.code() == wsx::error::bad_url);
            CHECK(std::string(e.what()).find("proxy URL") != std::string::npos);
        }
    }
    for (const char* bad : {"https://host:443", "socks5://host:1080"}) {
        INFO(bad);
        try {
            wsx::parse_proxy_url(bad);
            FAIL("accepted");
        } catch (const std::system_error& e) {
            CHECK(e.code() == wsx::error::unsupported_scheme);
        }
    }
    // The password never appears in a message.
    try {
        wsx::parse_proxy_url("http://user:secret@host/path");
        FAIL("accepted");
    } catch (const std::system_error& e) {
        CHECK(std::string(e.what()).find("secret") == std::string::npos);
        CHECK(std::string(e.what()).find("***@host") != std::string::npos);
    }
}

TEST_CASE("proxy: no_proxy matching", "[proxy]") {
    using wsx::no_proxy_matches;
    CHECK(no_proxy_matches("*", "anything.example", 80));
    CHECK_FALSE(no_proxy_matches("", "example.com", 80));
    // A name matches itself and the names below it, never a longer name.
    for (const char* list : {"example.com", ".example.com", "*.example.com", "EXAMPLE.com"}) {
        INFO(list);
        CHECK(no_proxy_matches(list, "example.com", 443));
        CHECK(no_proxy_matches(list, "ws.example.com", 443));
        CHECK(no_proxy_matches(list, "a.b.example.com", 443));
        CHECK_FALSE(no_proxy_matches(list, "badexample.com", 443));
        CHECK_FALSE(no_proxy_matches(list, "example.com.evil", 443));
    }
    CHECK(no_proxy_matches("example.com", "example.com.", 80)); // a trailing dot is the same name
    // Lists: commas, blanks, empty entries.
    CHECK(no_proxy_matches(" other.test , ,localhost,example.com ", "localhost", 80));
    CHECK(no_proxy_matches("other.test,example.com", "x.example.com", 80));
    CHECK_FALSE(no_proxy_matches("other.test,example.com", "example.org", 80));
    // Ports.
    CHECK(no_proxy_matches("example.com:8080", "example.com", 8080));
    CHECK_FALSE(no_proxy_matches("example.com:8080", "example.com", 80));
    CHECK_FALSE(no_proxy_matches("example.com:http", "example.com", 80));
    // Addresses match only themselves.
    CHECK(no_proxy_matches("127.0.0.1", "127.0.0.1", 80));
    CHECK_FALSE(no_proxy_matches("0.0.1", "127.0.0.1", 80));
    CHECK(no_proxy_matches("127.0.0.1:9001", "127.0.0.1", 9001));
    CHECK_FALSE(no_proxy_matches("127.0.0.1:9001", "127.0.0.1", 9002));
    CHECK(no_proxy_matches("::1", "::1", 80));
    CHECK(no_proxy_matches("[::1]", "::1", 80));
    CHECK(no_proxy_matches("[::1]:8080", "::1", 8080));
    CHECK_FALSE(no_proxy_matches("[::1]:8080", "::1", 80));
    CHECK_FALSE(no_proxy_matches("10.0.0.0/8", "10.1.2.3", 80)); // CIDR is not understood
}

TEST_CASE("proxy: settings from the environment", "[proxy]") {
    std::map<std::string, std::string> env;
    auto get = [&](const char* name) -> const char* {
        auto it = env.find(name);
        return it == env.end() ? nullptr : it->second.c_str();
    };
    wsx::url ws_target = wsx::parse_url("ws://chat.example:8080/room");
    wsx::url wss_target = wsx::parse_url("wss://chat.example/room");

    auto s = wsx::proxy_settings::from_environment(get);
    CHECK(s.select(ws_target) == nullptr);
    CHECK(s.select(wss_target) == nullptr);

    env["http_proxy"] = "http://plain:3128";
    env["https_proxy"] = "http://u:p@secure:3129";
    s = wsx::proxy_settings::from_environment(get);
    REQUIRE(s.select(ws_target));
    CHECK(s.select(ws_target)->host == "plain");
    REQUIRE(s.select(wss_target));
    CHECK(s.select(wss_target)->host == "secure");
    CHECK(s.select(wss_target)->credentials() == "u:p");

    // Lowercase first; upper case as the fallback.
    env.clear();
    env["HTTP_PROXY"] = "upper:1";
    env["HTTPS_PROXY"] = "upper:2";
    s = wsx::proxy_settings::from_environment(get);
    REQUIRE(s.select(ws_target));
    CHECK(s.select(ws_target)->port == 1);
    REQUIRE(s.select(wss_target));
    CHECK(s.select(wss_target)->port == 2);
    env["http_proxy"] = "lower:3";
    s = wsx::proxy_settings::from_environment(get);
    CHECK(s.select(ws_target)->port == 3);

    // In a CGI program HTTP_PROXY may come from the request: ignored.
    env.erase("http_proxy");
    env["REQUEST_METHOD"] = "GET";
    s = wsx::proxy_settings::from_environment(get);
    CHECK(s.select(ws_target) == nullptr);
    CHECK(s.select(wss_target) != nullptr);
    env.erase("REQUEST_METHOD");

    // no_proxy (or NO_PROXY) sends those hosts direct.
    env["NO_PROXY"] = "example";
    s = wsx::proxy_settings::from_environment(get);
    CHECK(s.select(ws_target) == nullptr);
    env["no_proxy"] = "other.test";
    s = wsx::proxy_settings::from_environment(get);
    CHECK(s.select(ws_target) != nullptr);

    // An empty variable is unset; a bad one throws, naming the variable.
    env["http_proxy"] = "";
    s = wsx::proxy_settings::from_environment(get);
    CHECK(s.select(ws_target)->port == 1);
    env["https_proxy"] = "socks5://x:1";
    try {
        wsx::proxy_settings::from_environment(get);
        FAIL("accepted");
    } catch (const std::system_error& e) {
        CHECK(e.code() == wsx::error::unsupported_scheme);
        CHECK(std::string(e.what()).find("https_proxy") != std::string::npos);
    }

    // One proxy for everything.
    s = wsx::proxy_settings::for_all("http://127.0.0.1:3128");
    CHECK(s.select(ws_target)->port == 3128);
    CHECK(s.select(wss_target)->port == 3128);
}
