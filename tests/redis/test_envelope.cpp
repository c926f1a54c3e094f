// Copyright (c) 2026 wsx developers. Distributed under the Boost Software License, Version 1.0.
// The envelope a publication travels in between nodes: what goes in comes
// out (opcode, node id, every byte), and what is not one is refused.

#include "wsx_catch.hpp"

#include <wsx/detail/redis_envelope.hpp>

#include <string>

using wsx::detail::decode_envelope;
using wsx::detail::encode_envelope;
using wsx::protocol::opcode;

TEST_CASE("envelope: round trip keeps the opcode, the node and every byte", "[redis]") {
    std::string bytes;
    for (int i = 0; i < 256; ++i) bytes += static_cast<char>(i);
    for (auto op : {opcode::text, opcode::binary}) {
        const std::string node(255, 'n');
        const std::string env = encode_envelope(node, op, bytes.data(), bytes.size());
        auto e = decode_envelope(env);
        REQUIRE(e);
        CHECK(e->op == op);
        CHECK(e->node == node);
        CHECK(e->payload == bytes);
    }
    const std::string none = encode_envelope("a", opcode::text, nullptr, 0);
    auto empty = decode_envelope(none); // views into `none`
    REQUIRE(empty);
    CHECK(empty->node == "a");
    CHECK(empty->payload.empty());
}

TEST_CASE("envelope: foreign bytes are refused", "[redis]") {
    CHECK_FALSE(decode_envelope(""));
    CHECK_FALSE(decode_envelope("W1t"));
    CHECK_FALSE(decode_envelope("hello world"));
    CHECK_FALSE(decode_envelope(std::string("W2t\x01" "a", 5)));
    CHECK_FALSE(decode_envelope(std::string("W1x\x01" "a", 5)));
    CHECK_FALSE(decode_envelope(std::string("W1t\x00" "a", 5)));  // no node id
    CHECK_FALSE(decode_envelope(std::string("W1t\x05" "abc", 7))); // shorter than its node id
    CHECK(decode_envelope(std::string("W1b\x01" "a", 5)));
}
