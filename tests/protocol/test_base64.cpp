// Copyright (c) 2026 wsx developers. Distributed under the Boost Software License, Version 1.0.
// Base64 against RFC 4648 section 10, round trips, and the inputs the strict
// decoder must refuse.

#include <wsx/protocol/base64.hpp>

#include "wsx_catch.hpp"

#include <cstddef>
#include <string>
#include <string_view>
#include <utility>

using wsx::protocol::base64_decode;
using wsx::protocol::base64_encode;

namespace {

std::string encode(std::string_view s) { return base64_encode(s.data(), s.size()); }

} // namespace

TEST_CASE("base64: RFC 4648 section 10 vectors, both ways", "[base64]") {
    const std::pair<const char*, const char*> vecs[] = {
        {"", ""},         {"f", "Zg=="},         {"fo", "Zm8="},        {"foo", "Zm9v"},
        {"foob", "Zm9vYg=="}, {"fooba", "Zm9vYmE="}, {"foobar", "Zm9vYmFy"},
    };
    for (const auto& v : vecs) {
        INFO(v.first);
        CHECK(encode(v.first) == v.second);
        std::string out = "left over";
        CHECK(base64_decode(v.second, out));
        CHECK(out == v.first);
    }
}

TEST_CASE("base64: the whole alphabet and every byte value round-trip", "[base64]") {
    std::string all;
    for (int i = 0; i < 256; ++i) all += static_cast<char>(i);
    const std::string enc = encode(all);
    CHECK(enc.size() == wsx::protocol::base64_encoded_size(256));
    // 0x00 0x10 0x83 encodes to the first four letters, 0xFF 0xFF 0xFF to "////".
    CHECK(encode(std::string("\x00\x10\x83", 3)) == "ABCD");
    CHECK(encode("\xFB\xEF\xBE") == "++++");
    CHECK(encode("\xFF\xFF\xFF") == "////");

    for (std::size_t n = 0; n <= all.size(); ++n) {
        const std::string part = all.substr(all.size() - n);
        std::string out;
        INFO("length " << n);
        REQUIRE(base64_decode(encode(part), out));
        REQUIRE(out == part);
    }
}

TEST_CASE("base64: raw-buffer decoder reports the decoded size", "[base64]") {
    unsigned char buf[8] = {};
    CHECK(base64_decode("Zm9vYg==", buf) == 4);
    CHECK(std::string(reinterpret_cast<char*>(buf), 4) == "foob");
    CHECK(base64_decode("", buf) == 0);
    CHECK(base64_decode("Zm9", buf) == static_cast<std::size_t>(-1));
}

TEST_CASE("base64: invalid inputs are refused and leave the output empty", "[base64]") {
    const char* bad[] = {
        "Zg",        // missing padding
        "Zg=",       // short padding
        "Zm9vY",     // length not a multiple of 4
        "Z===",      // three '='
        "====",      // nothing but padding
        "=Zm9",      // padding first
        "Zg==Zg==",  // padding before the end
        "Zm=v",      // '=' between data characters
        "Zm9v\n",    // whitespace
        " Zm9v",     // leading space
        "Zm 9v",     // inner space
        "Zm9-",      // URL-safe alphabet
        "Zm9_",      // URL-safe alphabet
        "Zm9\x80",   // non-ASCII
        "Zh==",      // non-zero bits after the last byte ("Zg==" is canonical)
        "Zm9=",      // non-zero bits after the last byte ("Zm8=" is canonical)
    };
    for (const char* in : bad) {
        INFO(in);
        std::string out = "left over";
        CHECK_FALSE(base64_decode(in, out));
        CHECK(out.empty());
    }
    std::string nul_inside;
    CHECK_FALSE(base64_decode(std::string_view("Zm\0v", 4), nul_inside));
}
