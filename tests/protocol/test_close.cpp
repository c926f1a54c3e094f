// Copyright (c) 2026 wsx developers. Distributed under the Boost Software License, Version 1.0.
// Close codes (RFC 6455 7.4) and the close frame payload.

#include <wsx/protocol/close.hpp>

#include "wsx_catch.hpp"

#include <cstdint>
#include <string>
#include <system_error>
#include <vector>

namespace {

using namespace wsx::protocol;
using bytes = std::vector<std::uint8_t>;

bool expected_valid(unsigned code) {
    if (code >= 1000 && code <= 1003) return true;
    if (code >= 1007 && code <= 1014) return true;
    if (code >= 3000 && code <= 4999) return true;
    return false;
}

bytes payload(std::uint16_t code, const std::string& reason) {
    std::string s;
    s.push_back(static_cast<char>(code >> 8));
    s.push_back(static_cast<char>(code & 0xFF));
    s += reason;
    return bytes(s.begin(), s.end());
}

} // namespace

TEST_CASE("every close code 0..5000 and beyond is classified") {
    for (unsigned code = 0; code <= 65535; ++code) {
        INFO("code " << code);
        REQUIRE(is_valid_close_code(static_cast<std::uint16_t>(code)) == expected_valid(code));
    }
    // spot checks of the named constants
    CHECK(is_valid_close_code(close_code::normal));
    CHECK(is_valid_close_code(close_code::bad_gateway));
    CHECK_FALSE(is_valid_close_code(close_code::no_status));
    CHECK_FALSE(is_valid_close_code(close_code::abnormal));
    CHECK_FALSE(is_valid_close_code(close_code::tls_handshake));
    CHECK_FALSE(is_valid_close_code(1004));
    CHECK_FALSE(is_valid_close_code(1016));
    CHECK_FALSE(is_valid_close_code(2999));
    CHECK(is_valid_close_code(3000));
    CHECK(is_valid_close_code(4999));
    CHECK_FALSE(is_valid_close_code(5000));
}

TEST_CASE("parse_close_payload") {
    std::uint16_t code = 0;
    std::string_view reason = "junk";

    SECTION("empty payload means 1005 and no error") {
        CHECK_FALSE(parse_close_payload(nullptr, 0, code, reason));
        CHECK(code == close_code::no_status);
        CHECK(reason.empty());
    }
    SECTION("one byte is an error") {
        const std::uint8_t p[] = {0x03};
        CHECK(parse_close_payload(p, 1, code, reason) == wsx::error::bad_close_payload);
    }
    SECTION("code only") {
        const bytes p = payload(1000, "");
        CHECK_FALSE(parse_close_payload(p.data(), p.size(), code, reason));
        CHECK(code == 1000);
        CHECK(reason.empty());
    }
    SECTION("code and UTF-8 reason") {
        const bytes p = payload(4001, "bye \xC3\xA9t\xC3\xA9");
        CHECK_FALSE(parse_close_payload(p.data(), p.size(), code, reason));
        CHECK(code == 4001);
        CHECK(reason == "bye \xC3\xA9t\xC3\xA9");
        CHECK(reinterpret_cast<const std::uint8_t*>(reason.data()) == p.data() + 2); // a view, not a copy
    }
    SECTION("invalid codes") {
        for (unsigned c : {0u, 999u, 1004u, 1005u, 1006u, 1015u, 1016u, 2000u, 2999u, 5000u, 65535u}) {
            INFO("code " << c);
            const bytes p = payload(static_cast<std::uint16_t>(c), "x");
            CHECK(parse_close_payload(p.data(), p.size(), code, reason) == wsx::error::bad_close_code);
        }
    }
    SECTION("reason that is not UTF-8") {
        for (const char* bad : {"\xFF", "ok\xC0\x80", "\xED\xA0\x80", "trunc\xE2\x82"}) {
            INFO(bad);
            const bytes p = payload(1000, bad);
            CHECK(parse_close_payload(p.data(), p.size(), code, reason) == wsx::error::bad_close_reason);
        }
    }
    SECTION("every valid code parses") {
        for (unsigned c = 0; c <= 5000; ++c) {
            const bytes p = payload(static_cast<std::uint16_t>(c), "r");
            const std::error_code ec = parse_close_payload(p.data(), p.size(), code, reason);
            REQUIRE(static_cast<bool>(ec) == !expected_valid(c));
            if (!ec) REQUIRE(code == c);
        }
    }
}

TEST_CASE("build_close_payload") {
    std::uint8_t out[125];

    SECTION("round trip through parse") {
        for (std::uint16_t c : {std::uint16_t{1000}, std::uint16_t{1001}, std::uint16_t{1011}, std::uint16_t{3000},
                                std::uint16_t{4999}}) {
            for (const std::string& r : {std::string(), std::string("normal"), std::string(123, 'x'),
                                         std::string("\xE2\x82\xAC\xF0\x9F\x98\x80")}) {
                const std::size_t n = build_close_payload(c, r, out);
                CHECK(n == 2 + r.size());
                CHECK(out[0] == (c >> 8));
                CHECK(out[1] == (c & 0xFF));
                std::uint16_t code = 0;
                std::string_view reason;
                REQUIRE_FALSE(parse_close_payload(out, n, code, reason));
                CHECK(code == c);
                CHECK(reason == r);
            }
        }
    }
    SECTION("1005 means an empty payload") {
        CHECK(build_close_payload(close_code::no_status, "", out) == 0);
        CHECK_THROWS_AS(build_close_payload(close_code::no_status, "why", out), std::system_error);
    }
    SECTION("programmer errors throw bad_argument") {
        auto code_of = [&](std::uint16_t c, const std::string& r) {
            try {
                build_close_payload(c, r, out);
            } catch (const std::system_error& e) {
                CHECK(std::string(e.what()).find("wsx") != std::string::npos);
                return e.code();
            }
            return std::error_code();
        };
        CHECK(code_of(1000, std::string(124, 'x')) == wsx::error::bad_argument);
        CHECK(code_of(1006, "") == wsx::error::bad_argument);
        CHECK(code_of(1015, "") == wsx::error::bad_argument);
        CHECK(code_of(999, "") == wsx::error::bad_argument);
        CHECK(code_of(5000, "") == wsx::error::bad_argument);
        CHECK(code_of(1000, "\xC0\x80") == wsx::error::bad_argument);
        CHECK_FALSE(code_of(1000, std::string(123, 'x')));
    }
}

TEST_CASE("close_reason defaults to no status") {
    close_reason r;
    CHECK(r.code == 1005);
    CHECK(r.reason.empty());
}
