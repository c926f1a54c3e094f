// Copyright (c) 2026 wsx developers. Distributed under the Boost Software License, Version 1.0.
// The examples of RFC 7692 section 7.2.3, byte for byte: what the deflater
// produces and what the inflater accepts.

#include <wsx/protocol/deflate.hpp>

#include "wsx_catch.hpp"

#include <cstdint>
#include <string>
#include <system_error>
#include <vector>

using wsx::error;
using namespace wsx::protocol;

namespace {

using bytes = std::vector<std::uint8_t>;

const std::string hello = "Hello";

const std::uint8_t* data_of(const std::string& s) { return reinterpret_cast<const std::uint8_t*>(s.data()); }

bytes compress(deflater& d, const std::string& s) {
    bytes out;
    d.compress(data_of(s), s.size(), out);
    return out;
}

std::string inflate_ok(inflater& in, const bytes& payload) {
    bytes out;
    const std::error_code ec = in.inflate(payload.data(), payload.size(), out, 1024, true);
    REQUIRE_FALSE(ec);
    return std::string(out.begin(), out.end());
}

} // namespace

TEST_CASE("7.2.3.1 a message compressed in one block") {
    const bytes expected = {0xf2, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00};
    deflater d;
    CHECK(compress(d, hello) == expected);
    inflater in;
    CHECK(inflate_ok(in, expected) == hello);

    // The same message as two fragments: 0xf2 0x48 0xcd | 0xc9 0xc9 0x07 0x00.
    inflater pieces;
    bytes out;
    pieces.begin(1024, true);
    REQUIRE_FALSE(pieces.update(expected.data(), 3, out));
    REQUIRE_FALSE(pieces.update(expected.data() + 3, 4, out));
    REQUIRE_FALSE(pieces.finish(out));
    CHECK(std::string(out.begin(), out.end()) == hello);
}

TEST_CASE("7.2.3.2 sharing the LZ77 window between messages") {
    const bytes first = {0xf2, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00};
    const bytes second = {0xf2, 0x00, 0x11, 0x00, 0x00};

    deflater d; // context takeover
    CHECK(compress(d, hello) == first);
    CHECK(compress(d, hello) == second);

    inflater in;
    CHECK(inflate_ok(in, first) == hello);
    CHECK(inflate_ok(in, second) == hello);

    // Without context takeover each message stands alone...
    deflater fresh(15, true);
    CHECK(compress(fresh, hello) == first);
    CHECK(compress(fresh, hello) == first);
    // ...and a receiver that reset cannot resolve the back-reference.
    inflater reset_each(15, true);
    CHECK(inflate_ok(reset_each, first) == hello);
    bytes out;
    CHECK(reset_each.inflate(second.data(), second.size(), out, 1024, true) ==
          make_error_code(error::bad_compressed_data));
}

TEST_CASE("7.2.3.3 a DEFLATE block with no compression") {
    const bytes stored = {0x00, 0x05, 0x00, 0xfa, 0xff, 0x48, 0x65, 0x6c, 0x6c, 0x6f, 0x00};
    inflater in;
    CHECK(inflate_ok(in, stored) == hello);
    deflater level0(15, false, 0);
    CHECK(compress(level0, hello) == stored);
}

TEST_CASE("7.2.3.4 a DEFLATE block with BFINAL set") {
    const bytes final_block = {0xf3, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00, 0x00};
    inflater in;
    CHECK(inflate_ok(in, final_block) == hello);
    // The LZ77 window outlives the ended zlib stream: the next message may
    // refer to "Hello" (the second message of 7.2.3.2).
    CHECK(inflate_ok(in, {0xf2, 0x00, 0x11, 0x00, 0x00}) == hello);
    // A sender that leaves out the trailing 0x00 is understood too.
    CHECK(inflate_ok(in, {0xf3, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00}) == hello);
    CHECK(inflate_ok(in, {0xf2, 0x00, 0x11, 0x00, 0x00}) == hello);

    // Fed one byte at a time, the result is the same.
    inflater pieces;
    bytes out;
    pieces.begin(1024, true);
    for (std::uint8_t b : final_block) REQUIRE_FALSE(pieces.update(&b, 1, out));
    REQUIRE_FALSE(pieces.finish(out));
    CHECK(std::string(out.begin(), out.end()) == hello);
}

TEST_CASE("7.2.3.5 two DEFLATE blocks in one message") {
    const bytes two_blocks = {0xf2, 0x48, 0x05, 0x00, 0x00, 0x00, 0xff, 0xff, 0xca, 0xc9, 0xc9, 0x07, 0x00};
    inflater in;
    CHECK(inflate_ok(in, two_blocks) == hello);

    // The deflater makes exactly this when "He" and "llo" arrive as parts
    // with a flush between them.
    deflater d;
    bytes out;
    d.compress_part(data_of("He"), 2, true, out);
    bytes part2;
    d.compress_part(data_of("llo"), 3, true, part2);
    // Each flush's 00 00 ff ff is stripped; the first one is put back where
    // it sits inside the message.
    bytes joined = out;
    joined.insert(joined.end(), {0x00, 0x00, 0xff, 0xff});
    joined.insert(joined.end(), part2.begin(), part2.end());
    CHECK(joined == two_blocks);
}

TEST_CASE("7.2.3.6 an empty message") {
    deflater d;
    CHECK(compress(d, "") == bytes{0x00});
    CHECK(compress(d, hello) == bytes{0xf2, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00});
    // Right after a flush zlib writes nothing; the payload still holds 0x00.
    CHECK(compress(d, "") == bytes{0x00});
    CHECK(compress(d, "") == bytes{0x00});

    inflater in;
    CHECK(inflate_ok(in, {0x00}).empty());
    CHECK(inflate_ok(in, {}).empty());
    CHECK(inflate_ok(in, {0xf2, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00}) == hello);
    CHECK(inflate_ok(in, {0x00}).empty());
    CHECK(inflate_ok(in, {0xf2, 0x00, 0x11, 0x00, 0x00}) == hello);
}
