// Copyright (c) 2026 wsx developers. Distributed under the Boost Software License, Version 1.0.
// Frame header encoding and decoding: the RFC 6455 5.7 examples byte for byte,
// every length form, and the length-encoding errors.

#include <wsx/protocol/frame.hpp>
#include <wsx/protocol/mask.hpp>

#include "wsx_catch.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace {

using namespace wsx::protocol;
using bytes = std::vector<std::uint8_t>;

bytes encode(const frame_header& h) {
    bytes out(max_header_size + 1, 0xEE);
    const std::size_t n = encode_header(h, out.data());
    REQUIRE(n == header_size(h));
    REQUIRE(out[n] == 0xEE); // wrote no more than it said
    out.resize(n);
    return out;
}

bytes frame_bytes(const frame_header& h, const std::string& payload) {
    bytes out = encode(h);
    out.insert(out.end(), payload.begin(), payload.end());
    if (h.masked) mask_in_place(out.data() + out.size() - payload.size(), payload.size(), h.key);
    return out;
}

frame_header make(opcode op, std::uint64_t size, bool fin = true) {
    frame_header h;
    h.op = op;
    h.payload_size = size;
    h.fin = fin;
    return h;
}

frame_header masked(frame_header h, std::array<std::uint8_t, 4> key) {
    h.masked = true;
    h.key = key;
    return h;
}

// Decodes `in` and checks the result against `want` and the header length.
void check_decode(const bytes& in, const frame_header& want) {
    frame_header got;
    got.op = opcode::pong; // make sure decoding overwrites everything
    got.fin = !want.fin;
    const decode_result r = decode_header(in.data(), in.size(), got);
    REQUIRE(r.status == decode_status::ok);
    REQUIRE(r.size == header_size(want));
    CHECK(got.fin == want.fin);
    CHECK(got.rsv1 == want.rsv1);
    CHECK(got.rsv2 == want.rsv2);
    CHECK(got.rsv3 == want.rsv3);
    CHECK(got.op == want.op);
    CHECK(got.masked == want.masked);
    if (want.masked) CHECK(got.key == want.key);
    CHECK(got.payload_size == want.payload_size);
    // Every shorter prefix asks for more and never claims success.
    for (std::size_t k = 0; k < r.size; ++k) {
        frame_header tmp;
        const decode_result m = decode_header(in.data(), k, tmp);
        CHECK(m.status == decode_status::need_more);
        CHECK(m.size > k);
        CHECK(m.size <= r.size);
    }
}

const std::array<std::uint8_t, 4> rfc_key{0x37, 0xfa, 0x21, 0x3d};

} // namespace

TEST_CASE("opcode classification") {
    for (unsigned v = 0; v < 16; ++v) {
        const auto op = static_cast<opcode>(v);
        CHECK(is_control(op) == (v >= 8));
        CHECK(is_data(op) == (v < 8));
        CHECK(is_reserved(op) == !(v == 0 || v == 1 || v == 2 || v == 8 || v == 9 || v == 10));
    }
}

TEST_CASE("RFC 6455 5.7: single-frame unmasked text 'Hello'") {
    const bytes want{0x81, 0x05, 0x48, 0x65, 0x6c, 0x6c, 0x6f};
    CHECK(frame_bytes(make(opcode::text, 5), "Hello") == want);
    check_decode(want, make(opcode::text, 5));
}

TEST_CASE("RFC 6455 5.7: single-frame masked text 'Hello'") {
    const bytes want{0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58};
    const frame_header h = masked(make(opcode::text, 5), rfc_key);
    CHECK(frame_bytes(h, "Hello") == want);
    check_decode(want, h);
    bytes payload(want.begin() + 6, want.end());
    mask_in_place(payload.data(), payload.size(), rfc_key);
    CHECK(std::string(payload.begin(), payload.end()) == "Hello");
}

TEST_CASE("RFC 6455 5.7: fragmented unmasked text 'Hel' + 'lo'") {
    const bytes first{0x01, 0x03, 0x48, 0x65, 0x6c};
    const bytes second{0x80, 0x02, 0x6c, 0x6f};
    CHECK(frame_bytes(make(opcode::text, 3, false), "Hel") == first);
    CHECK(frame_bytes(make(opcode::continuation, 2, true), "lo") == second);
    check_decode(first, make(opcode::text, 3, false));
    check_decode(second, make(opcode::continuation, 2, true));
}

TEST_CASE("RFC 6455 5.7: unmasked ping and masked pong 'Hello'") {
    const bytes ping{0x89, 0x05, 0x48, 0x65, 0x6c, 0x6c, 0x6f};
    const bytes pong{0x8a, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58};
    CHECK(frame_bytes(make(opcode::ping, 5), "Hello") == ping);
    CHECK(frame_bytes(masked(make(opcode::pong, 5), rfc_key), "Hello") == pong);
    check_decode(ping, make(opcode::ping, 5));
    check_decode(pong, masked(make(opcode::pong, 5), rfc_key));
}

TEST_CASE("RFC 6455 5.7: 256-byte and 64 KiB binary headers") {
    const bytes h256{0x82, 0x7E, 0x01, 0x00};
    const bytes h64k{0x82, 0x7F, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00};
    CHECK(encode(make(opcode::binary, 256)) == h256);
    CHECK(encode(make(opcode::binary, 65536)) == h64k);
    check_decode(h256, make(opcode::binary, 256));
    check_decode(h64k, make(opcode::binary, 65536));
}

TEST_CASE("every length form, masked and unmasked, round trips with minimal encoding") {
    const std::uint64_t sizes[] = {0, 1, 125, 126, 127, 65535, 65536, 0xFFFFFFFFull, (1ull << 63) - 1};
    for (std::uint64_t size : sizes) {
        for (bool m : {false, true}) {
            INFO("size " << size << " masked " << m);
            frame_header h = make(opcode::binary, size);
            if (m) h = masked(h, {1, 2, 3, 4});
            const bytes enc = encode(h);
            const std::size_t len_field = size < 126 ? 0 : size <= 0xFFFF ? 2 : 8;
            CHECK(enc.size() == 2 + len_field + (m ? 4u : 0u));
            CHECK((enc[1] & 0x80) == (m ? 0x80 : 0));
            const unsigned len7 = enc[1] & 0x7F;
            CHECK(len7 == (size < 126 ? size : size <= 0xFFFF ? 126u : 127u));
            check_decode(enc, h);
        }
    }
}

TEST_CASE("flag bits round trip") {
    for (unsigned bits = 0; bits < 16; ++bits) {
        frame_header h = make(opcode::text, 3);
        h.fin = bits & 1;
        h.rsv1 = bits & 2;
        h.rsv2 = bits & 4;
        h.rsv3 = bits & 8;
        const bytes enc = encode(h);
        CHECK(enc[0] == ((h.fin ? 0x80 : 0) | (h.rsv1 ? 0x40 : 0) | (h.rsv2 ? 0x20 : 0) | (h.rsv3 ? 0x10 : 0) | 1));
        check_decode(enc, h);
    }
}

TEST_CASE("length encoding errors") {
    frame_header h;
    SECTION("16-bit length below 126 is not minimal") {
        for (unsigned v : {0u, 5u, 125u}) {
            const bytes in{0x82, 0x7E, 0x00, static_cast<std::uint8_t>(v)};
            const decode_result r = decode_header(in.data(), in.size(), h);
            CHECK(r.status == decode_status::error);
        }
        const bytes ok{0x82, 0x7E, 0x00, 126};
        CHECK(decode_header(ok.data(), ok.size(), h).status == decode_status::ok);
    }
    SECTION("64-bit length up to 65535 is not minimal") {
        for (std::uint64_t v : {0ull, 125ull, 126ull, 65535ull}) {
            bytes in{0x82, 0x7F};
            for (int i = 7; i >= 0; --i) in.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
            const decode_result r = decode_header(in.data(), in.size(), h);
            CHECK(r.status == decode_status::error);
        }
    }
    SECTION("64-bit length with the top bit set") {
        const bytes in{0x82, 0xFF, 0x80, 0, 0, 0, 0, 0, 0, 0, 1, 2, 3, 4};
        const decode_result r = decode_header(in.data(), in.size(), h);
        CHECK(r.status == decode_status::error);
        const bytes max{0x82, 0x7F, 0x7F, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF};
        REQUIRE(decode_header(max.data(), max.size(), h).status == decode_status::ok);
        CHECK(h.payload_size == (1ull << 63) - 1);
    }
}

TEST_CASE("need_more reports how many bytes to wait for") {
    frame_header h;
    const bytes in{0x82, 0xFF, 0, 0, 0, 0, 0, 1, 0, 0, 9, 9, 9, 9};
    CHECK(decode_header(in.data(), 0, h).size == 2);
    CHECK(decode_header(in.data(), 1, h).size == 2);
    for (std::size_t k = 2; k < 14; ++k) {
        const decode_result r = decode_header(in.data(), k, h);
        CHECK(r.status == decode_status::need_more);
        CHECK(r.size == 14);
    }
    CHECK(header_size_from_length_byte(0x05) == 2);
    CHECK(header_size_from_length_byte(0x85) == 6);
    CHECK(header_size_from_length_byte(0x7E) == 4);
    CHECK(header_size_from_length_byte(0xFE) == 8);
    CHECK(header_size_from_length_byte(0x7F) == 10);
    CHECK(header_size_from_length_byte(0xFF) == 14);
}
