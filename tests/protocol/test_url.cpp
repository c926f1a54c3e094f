// Copyright (c) 2026 wsx developers. Distributed under the Boost Software License, Version 1.0.
#include <wsx/url.hpp>

#include "wsx_catch.hpp"

#include <string>
#include <system_error>

using wsx::parse_url;
using wsx::url;

namespace {

// Parses `text` with both entry points and checks they agree.
url parse_ok(const std::string& text) {
    INFO("URL: " << text);
    url out;
    out.host = "sentinel";
    std::error_code ec = wsx::try_parse_url(text, out);
    CHECK_FALSE(ec);
    url thrown;
    REQUIRE_NOTHROW(thrown = parse_url(text));
    CHECK(thrown.scheme == out.scheme);
    CHECK(thrown.host == out.host);
    CHECK(thrown.port == out.port);
    CHECK(thrown.target == out.target);
    CHECK(thrown.secure == out.secure);
    CHECK(thrown.ipv6_literal == out.ipv6_literal);
    return thrown;
}

// Checks that `text` is refused with `e` by both entry points, that the
// non-throwing one leaves its output alone, and that what() quotes the URL
// (as `quoted`, which defaults to the URL in double quotes) and contains
// `problem`.
void check_bad(const std::string& text, wsx::error e, const std::string& problem, std::string quoted = {}) {
    INFO("URL: " << text);
    if (quoted.empty()) quoted = "\"" + text + "\"";
    url out;
    out.host = "sentinel";
    out.port = 7;
    std::error_code ec = wsx::try_parse_url(text, out);
    CHECK(ec == e);
    CHECK(out.host == "sentinel");
    CHECK(out.port == 7);
    CHECK(out.target == "/");
    try {
        (void)parse_url(text);
        FAIL("the URL was accepted");
    } catch (const std::system_error& ex) {
        CHECK(ex.code() == e);
        std::string what = ex.what();
        INFO("what(): " << what);
        CHECK(what.find(quoted) != std::string::npos);
        CHECK(what.find(problem) != std::string::npos);
    }
}

void check_bad_url(const std::string& text, const std::string& problem) {
    check_bad(text, wsx::error::bad_url, problem);
}

} // namespace

TEST_CASE("url: defaults") {
    url u;
    CHECK(u.scheme.empty());
    CHECK(u.host.empty());
    CHECK(u.port == 0);
    CHECK(u.target == "/");
    CHECK_FALSE(u.secure);
    CHECK_FALSE(u.ipv6_literal);
}

TEST_CASE("url: ws and wss with default ports") {
    url u = parse_ok("ws://example.com");
    CHECK(u.scheme == "ws");
    CHECK(u.host == "example.com");
    CHECK(u.port == 80);
    CHECK(u.target == "/");
    CHECK_FALSE(u.secure);
    CHECK_FALSE(u.ipv6_literal);

    u = parse_ok("wss://example.com");
    CHECK(u.scheme == "wss");
    CHECK(u.host == "example.com");
    CHECK(u.port == 443);
    CHECK(u.target == "/");
    CHECK(u.secure);

    u = parse_ok("ws://example.com/");
    CHECK(u.target == "/");
}

TEST_CASE("url: scheme and host are case-insensitive and lowercased, the path is not") {
    url u = parse_ok("WS://EXAMPLE.Com/Chat/Lobby?Name=Bob");
    CHECK(u.scheme == "ws");
    CHECK(u.host == "example.com");
    CHECK(u.target == "/Chat/Lobby?Name=Bob");
    CHECK_FALSE(u.secure);

    u = parse_ok("WsS://H");
    CHECK(u.scheme == "wss");
    CHECK(u.host == "h");
    CHECK(u.secure);
    CHECK(u.port == 443);
}

TEST_CASE("url: explicit ports") {
    CHECK(parse_ok("ws://h:9001").port == 9001);
    CHECK(parse_ok("ws://h:1/").port == 1);
    CHECK(parse_ok("ws://h:65535/").port == 65535);
    CHECK(parse_ok("ws://h:080").port == 80);
    CHECK(parse_ok("ws://h:0000000000443").port == 443);
    url u = parse_ok("wss://h:80/x");
    CHECK(u.port == 80);
    CHECK(u.secure);
    u = parse_ok("ws://h:443");
    CHECK(u.port == 443);
    CHECK_FALSE(u.secure);
    u = parse_ok("ws://127.0.0.1:8080/chat");
    CHECK(u.host == "127.0.0.1");
    CHECK(u.port == 8080);
    CHECK(u.target == "/chat");
}

TEST_CASE("url: path and query") {
    CHECK(parse_ok("ws://h:9001/chat/lobby?x=1&y=2").target == "/chat/lobby?x=1&y=2");
    CHECK(parse_ok("ws://h?x=1").target == "/?x=1");
    CHECK(parse_ok("ws://h:81?x=1").target == "/?x=1");
    CHECK(parse_ok("ws://h/?").target == "/?");
    CHECK(parse_ok("ws://h//a//").target == "//a//");
    CHECK(parse_ok("ws://h/a?b?c/d").target == "/a?b?c/d");
    CHECK(parse_ok("ws://h/a%20b%2Fc?q=%41").target == "/a%20b%2Fc?q=%41"); // escapes kept as written
    CHECK(parse_ok("ws://h/-._~!$&'()*+,;=:@").target == "/-._~!$&'()*+,;=:@");
    CHECK(parse_ok("ws://h/a?x=[1]").target == "/a?x=%5B1%5D");
}

TEST_CASE("url: bytes a request line may not carry are percent-encoded") {
    CHECK(parse_ok("ws://h/caf\xC3\xA9").target == "/caf%C3%A9");
    CHECK(parse_ok("ws://h/?q=\xE2\x9C\x93").target == "/?q=%E2%9C%93");
    CHECK(parse_ok("ws://h/a|b").target == "/a%7Cb");
    CHECK(parse_ok("ws://h/{x}").target == "/%7Bx%7D");
    CHECK(parse_ok("ws://h/?q=a\"b").target == "/?q=a%22b");
    CHECK(parse_ok("ws://h/<>").target == "/%3C%3E");
    CHECK(parse_ok("ws://h/a\\b").target == "/a%5Cb");
    CHECK(parse_ok("ws://h/^`").target == "/%5E%60");
}

TEST_CASE("url: host names") {
    CHECK(parse_ok("ws://my_host.local").host == "my_host.local");
    CHECK(parse_ok("ws://example.com.").host == "example.com.");
    CHECK(parse_ok("ws://xn--bcher-kva.de").host == "xn--bcher-kva.de");
    CHECK(parse_ok("ws://a-b.c-d").host == "a-b.c-d");
    CHECK(parse_ok("ws://" + std::string(253, 'a')).host.size() == 253);
}

TEST_CASE("url: IPv6 literals") {
    url u = parse_ok("ws://[::1]:9001/x");
    CHECK(u.host == "::1");
    CHECK(u.port == 9001);
    CHECK(u.target == "/x");
    CHECK(u.ipv6_literal);
    CHECK_FALSE(u.secure);

    u = parse_ok("wss://[2001:DB8::1]");
    CHECK(u.host == "2001:db8::1");
    CHECK(u.port == 443);
    CHECK(u.target == "/");
    CHECK(u.ipv6_literal);

    u = parse_ok("ws://[::1]?q");
    CHECK(u.host == "::1");
    CHECK(u.target == "/?q");

    for (const char* ok : {"::", "::1", "1::", "1:2:3:4:5:6:7:8", "1::8", "1:2:3:4:5:6::8", "1::3:4:5:6:7:8",
                           "::ffff:192.0.2.1", "1:2:3:4:5:6:1.2.3.4", "::1.2.3.4", "fe80::abcd:ef01", "ABCD::",
                           "0:0:0:0:0:0:0:0", "::255.255.255.255"}) {
        INFO(ok);
        url v = parse_ok(std::string("ws://[") + ok + "]/");
        CHECK(v.ipv6_literal);
        std::string lower;
        for (const char* c = ok; *c; ++c) lower += (*c >= 'A' && *c <= 'Z') ? static_cast<char>(*c - 'A' + 'a') : *c;
        CHECK(v.host == lower);
    }
}

TEST_CASE("url: malformed IPv6 literals") {
    check_bad_url("ws://[::1", "missing ']'");
    check_bad_url("ws://[::1/x]", "missing ']'");
    check_bad_url("ws://[]", "the host is empty");
    check_bad_url("ws://[]:80", "the host is empty");
    check_bad_url("ws://[fe80::1%25eth0]/", "zone identifiers");
    check_bad_url("ws://[::1]x", "unexpected \"x\" after the IPv6 address");
    check_bad_url("ws://[::1]]", "unexpected \"]\" after the IPv6 address");
    check_bad_url("ws://[::1]:", "empty port");
    check_bad_url("ws://[::1]:0", "out of range");
    check_bad_url("ws://[::1]:x", "not a number");
    check_bad_url("ws://::1/", "must be written in brackets");
    check_bad_url("ws://1:2:3:4:5:6:7:8/", "must be written in brackets");
    for (const char* bad : {"1:2:3:4:5:6:7:8:9", "1:2:3:4:5:6:7", "1::2::3", "12345::", ":1", "1:", ":", ":::",
                            "1:::2", "g::1", "::1.2.3.256", "::01.2.3.4", "::1.2.3", "::1.2.3.4.5",
                            "1:2:3:4:5:6:7:1.2.3.4", "1:2:3:4:5:6:7::8", "::1.2.3.4:1", "v1.x", "1.2.3.4",
                            "::-1", "::1 "}) {
        std::string text = std::string("ws://[") + bad + "]/";
        std::string why = std::string(bad) == "::1 " ? "space or control character" : "is not a valid IPv6 address";
        check_bad_url(text, why);
    }
}

TEST_CASE("url: ports out of range or not numbers") {
    check_bad_url("ws://h:0", "port \"0\" is out of range (1-65535)");
    check_bad_url("ws://h:00", "port \"00\" is out of range");
    check_bad_url("ws://h:65536", "port \"65536\" is out of range");
    check_bad_url("ws://h:99999999999999999999999/", "is out of range");
    check_bad_url("ws://h:", "empty port after ':'");
    check_bad_url("ws://h:/x", "empty port after ':'");
    check_bad_url("ws://h:8a", "port \"8a\" is not a number");
    check_bad_url("ws://h:-1", "port \"-1\" is not a number");
    check_bad_url("ws://h:+80", "port \"+80\" is not a number");
    check_bad_url("ws://h:0x50", "port \"0x50\" is not a number");
    check_bad_url("ws://h:80:81", "more than one ':'");
}

TEST_CASE("url: fragments are refused (RFC 6455 3)") {
    check_bad_url("ws://h/#frag", "fragment");
    check_bad_url("ws://h#", "RFC 6455");
    check_bad_url("ws://h/a?b#c", "fragment");
    check_bad_url("wss://h:9001/chat#top", "fragment");
    check_bad_url("ws://[::1]#x", "fragment");
}

TEST_CASE("url: user information is refused") {
    check_bad_url("ws://user@h/", "user information");
    check_bad_url("ws://user:pw@h:9001/", "user information");
    check_bad_url("ws://@h", "user information");
    check_bad_url("ws://[::1]@h", "user information");
}

TEST_CASE("url: missing scheme or host") {
    check_bad_url("", "the URL is empty");
    check_bad_url("example.com", "no scheme");
    check_bad_url("localhost:8080", "no scheme");
    check_bad_url("/chat", "no scheme");
    check_bad_url("://h", "no scheme");
    check_bad_url("1ws://h", "no scheme");
    check_bad_url("w_s://h", "no scheme");
    check_bad_url("ws:/h", "no scheme");
    check_bad_url("ws:h", "no scheme");
    check_bad_url("ws:", "no scheme");
    check_bad_url("//h/x", "no scheme");
    check_bad_url("ws://", "the host is empty");
    check_bad_url("ws:///path", "the host is empty");
    check_bad_url("ws://?q", "the host is empty");
    check_bad_url("ws://:80/", "the host is empty");
}

TEST_CASE("url: invalid host characters") {
    check_bad_url("ws://h%41", "invalid character '%' in the host");
    check_bad_url("ws://h!/", "invalid character '!' in the host");
    check_bad_url("ws://a]/", "invalid character ']' in the host");
    check_bad_url("ws://a[b]/", "invalid character '[' in the host");
    check_bad_url("ws://a,b/", "invalid character ',' in the host");
    check_bad(std::string("ws://h\\x/"), wsx::error::bad_url, "invalid character '\\' in the host",
              "\"ws://h\\x5cx/\"");
    check_bad_url("ws://b\xC3\xBC" "cher.de/", "IDNA");
    // The message shows only the start of a long URL.
    check_bad("ws://" + std::string(254, 'a'), wsx::error::bad_url, "longer than 253", "\"ws://aaaa");
}

TEST_CASE("url: spaces and control characters are refused anywhere") {
    check_bad(" ws://h", wsx::error::bad_url, "space or control character at offset 0");
    check_bad("ws://h ", wsx::error::bad_url, "at offset 6");
    check_bad("ws://h/a b", wsx::error::bad_url, "at offset 8");
    check_bad("ws://h/\n", wsx::error::bad_url, "at offset 7", "\"ws://h/\\x0a\"");
    check_bad("ws://h/\t", wsx::error::bad_url, "at offset 7", "\"ws://h/\\x09\"");
    check_bad("ws://h/\x7f", wsx::error::bad_url, "at offset 7", "\"ws://h/\\x7f\"");
    check_bad(std::string("ws://h/\0x", 9), wsx::error::bad_url, "at offset 7", "\"ws://h/\\x00x\"");
    check_bad("ws://h/\r\n", wsx::error::bad_url, "at offset 7", "\"ws://h/\\x0d\\x0a\"");
}

TEST_CASE("url: invalid percent-escapes in the target") {
    check_bad_url("ws://h/%", "invalid percent-escape at offset 7");
    check_bad_url("ws://h/%4", "invalid percent-escape");
    check_bad_url("ws://h/%zz", "invalid percent-escape");
    check_bad_url("ws://h/%4g", "invalid percent-escape");
    check_bad_url("ws://h/?q=100%", "invalid percent-escape at offset 13");
    check_bad_url("ws://h/?q=100%", "write %25 for a literal '%'");
    check_bad_url("ws://h:81/a%", "at offset 11");
}

TEST_CASE("url: schemes other than ws and wss") {
    check_bad("http://h/", wsx::error::unsupported_scheme, "use ws://");
    check_bad("https://h/", wsx::error::unsupported_scheme, "use wss://");
    check_bad("HTTP://h/", wsx::error::unsupported_scheme, "\"http\" is not a WebSocket scheme");
    check_bad("Https://h/", wsx::error::unsupported_scheme, "use wss://");
    check_bad("ftp://h/", wsx::error::unsupported_scheme, "scheme \"ftp\" is not supported; use ws:// or wss://");
    check_bad("wsx://h/", wsx::error::unsupported_scheme, "\"wsx\"");
    check_bad("ws+unix://h/", wsx::error::unsupported_scheme, "\"ws+unix\"");
    check_bad("w://h/", wsx::error::unsupported_scheme, "use ws:// or wss://");
    // The scheme is judged first: an http URL with a fragment says "use ws://".
    check_bad("http://h/#x", wsx::error::unsupported_scheme, "use ws://");
}

TEST_CASE("url: error messages") {
    SECTION("what() carries the category message too") {
        try {
            (void)parse_url("ws://h:0");
            FAIL("accepted");
        } catch (const std::system_error& e) {
            std::string what = e.what();
            CHECK(what.find("URL \"ws://h:0\"") != std::string::npos);
            CHECK(what.find(wsx::make_error_code(wsx::error::bad_url).message()) != std::string::npos);
        }
    }
    SECTION("a very long URL is cut short in the message") {
        std::string text = "ws://h/" + std::string(5000, 'a') + "#";
        try {
            (void)parse_url(text);
            FAIL("accepted");
        } catch (const std::system_error& e) {
            std::string what = e.what();
            CHECK(e.code() == wsx::error::bad_url);
            CHECK(what.size() < 600);
            CHECK(what.find("\"ws://h/aaaa") != std::string::npos);
            CHECK(what.find("aaa...\"") != std::string::npos);
            CHECK(what.find("fragment") != std::string::npos);
        }
    }
    SECTION("quotes in the URL are escaped") {
        check_bad("ws://h\"/", wsx::error::bad_url, "invalid character '\"'", "\"ws://h\\x22/\"");
    }
}

TEST_CASE("url: try_parse_url overwrites the output on success") {
    url u;
    u.host = "old";
    u.target = "/old?x";
    u.ipv6_literal = true;
    u.secure = true;
    REQUIRE_FALSE(wsx::try_parse_url("ws://new:81", u));
    CHECK(u.scheme == "ws");
    CHECK(u.host == "new");
    CHECK(u.port == 81);
    CHECK(u.target == "/");
    CHECK_FALSE(u.secure);
    CHECK_FALSE(u.ipv6_literal);
    CHECK(wsx::try_parse_url("ws://h#", u) == wsx::error::bad_url);
    CHECK(u.host == "new");
    CHECK(wsx::try_parse_url("http://h", u) == wsx::error::unsupported_scheme);
    CHECK(u.host == "new");
}

TEST_CASE("url: Host header value") {
    CHECK(wsx::host_header_value(parse_url("ws://h")) == "h");
    CHECK(wsx::host_header_value(parse_url("ws://H:80/x")) == "h");
    CHECK(wsx::host_header_value(parse_url("ws://h:8080")) == "h:8080");
    CHECK(wsx::host_header_value(parse_url("ws://h:443")) == "h:443");
    CHECK(wsx::host_header_value(parse_url("wss://h:443")) == "h");
    CHECK(wsx::host_header_value(parse_url("wss://h:80")) == "h:80");
    CHECK(wsx::host_header_value(parse_url("ws://[::1]:9001")) == "[::1]:9001");
    CHECK(wsx::host_header_value(parse_url("wss://[::1]")) == "[::1]");
}

TEST_CASE("url: any prefix or single-byte change of a URL gives a result or a wsx error") {
    const std::string base = "wss://[2001:db8::1]:9001/chat/lobby?x=%41&y=2";
    auto check_one = [](std::string_view text) {
        url u;
        std::error_code ec = wsx::try_parse_url(text, u);
        if (ec) {
            CHECK(ec.category() == wsx::category());
            CHECK((ec == wsx::error::bad_url || ec == wsx::error::unsupported_scheme));
        } else {
            CHECK((u.scheme == "ws" || u.scheme == "wss"));
            CHECK(u.secure == (u.scheme == "wss"));
            CHECK(u.port != 0);
            CHECK_FALSE(u.host.empty());
            REQUIRE_FALSE(u.target.empty());
            CHECK(u.target[0] == '/');
            for (char c : u.target) {
                auto uc = static_cast<unsigned char>(c);
                CHECK((uc > 0x20 && uc < 0x7f && c != '#'));
            }
        }
    };
    for (std::size_t n = 0; n <= base.size(); ++n) check_one(std::string_view(base).substr(0, n));
    for (std::size_t i = 0; i < base.size(); ++i) {
        for (int b = 0; b < 256; ++b) {
            std::string t = base;
            t[i] = static_cast<char>(b);
            check_one(t);
        }
    }
}
