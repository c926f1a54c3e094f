// Copyright (c) 2026 wsx developers. Distributed under the Boost Software License, Version 1.0.
// Compress then inflate: text and binary from 16 B to 128 KiB, every window
// size, with and without context takeover, messages given in parts, the
// 256-byte window promise, memory per connection, and the per-connection
// codec made from negotiated parameters.

#include <wsx/deflate.hpp>

#include "deflate_test_data.hpp"
#include "wsx_catch.hpp"

#include <zlib.h>

#include <cstdint>
#include <memory>
#include <string>
#include <system_error>
#include <vector>

using wsx::error;
using namespace wsx::protocol;
using wsx_test::bytes_of;
using wsx_test::random_bytes;
using wsx_test::text_message;

namespace {

using bytes = std::vector<std::uint8_t>;

const std::size_t sizes[] = {16, 100, 1000, 4096, 65536, 131072};

} // namespace

TEST_CASE("round trips of text and binary, 16 B to 128 KiB, each window") {
    for (int bits = 8; bits <= 15; ++bits)
        for (bool no_context : {false, true}) {
            INFO("window bits " << bits << ", no context takeover " << no_context);
            deflater d(bits, no_context);
            inflater in(bits, no_context);
            bytes wire;
            bytes out;
            std::uint32_t seed = 1;
            // Each size twice, so the second message can refer to the first.
            for (std::size_t n : sizes)
                for (int round = 0; round < 2; ++round) {
                    INFO("size " << n << " round " << round);
                    const bytes text = bytes_of(text_message(n, seed));
                    d.compress(text.data(), text.size(), wire);
                    REQUIRE_FALSE(in.inflate(wire.data(), wire.size(), out, n, true));
                    REQUIRE(out == text);
                    if (n >= 1000) CHECK(wire.size() < text.size() / 2);

                    const bytes bin = random_bytes(n, seed++);
                    d.compress(bin.data(), bin.size(), wire);
                    REQUIRE_FALSE(in.inflate(wire.data(), wire.size(), out, n, false));
                    REQUIRE(out == bin);
                    // Incompressible data costs only block overhead (more
                    // blocks with the small windows).
                    CHECK(wire.size() <= n + n / 16 + 32);
                }
        }
}

TEST_CASE("context takeover makes a repeat cheap; a reset forgets") {
    const bytes msg = bytes_of(text_message(2000, 9));
    deflater keep;
    deflater reset_each(15, true);
    bytes first;
    bytes again;
    keep.compress(msg.data(), msg.size(), first);
    keep.compress(msg.data(), msg.size(), again);
    CHECK(again.size() < 64); // back-references of at most 258 bytes each

    bytes fresh1;
    bytes fresh2;
    reset_each.compress(msg.data(), msg.size(), fresh1);
    reset_each.compress(msg.data(), msg.size(), fresh2);
    CHECK(fresh1 == fresh2);
    CHECK(fresh1 == first);

    // A receiver that keeps its window reads either sender; one that resets
    // reads only the resetting sender.
    inflater keeps;
    inflater resets(15, true);
    bytes out;
    REQUIRE_FALSE(keeps.inflate(first.data(), first.size(), out, 1 << 20, true));
    REQUIRE_FALSE(keeps.inflate(again.data(), again.size(), out, 1 << 20, true));
    CHECK(out == msg);
    REQUIRE_FALSE(resets.inflate(fresh1.data(), fresh1.size(), out, 1 << 20, true));
    REQUIRE_FALSE(resets.inflate(fresh2.data(), fresh2.size(), out, 1 << 20, true));
    CHECK(out == msg);
    REQUIRE_FALSE(resets.inflate(first.data(), first.size(), out, 1 << 20, true));
    CHECK(resets.inflate(again.data(), again.size(), out, 1 << 20, true) ==
          make_error_code(error::bad_compressed_data));

    // reset() on the deflater forgets too.
    keep.reset();
    keep.compress(msg.data(), msg.size(), again);
    CHECK(again == first);
}

// zlib's choices (and so the bytes) may differ with the cut; the message
// may not.
TEST_CASE("a message compressed in parts, split anywhere, inflates whole") {
    const bytes msg = bytes_of(text_message(3000, 10));
    for (std::size_t cut = 0; cut <= msg.size(); cut += 37) {
        deflater d;
        bytes wire;
        d.compress_part(msg.data(), cut, false, wire);
        const std::size_t first_fragment = wire.size();
        d.compress_part(msg.data() + cut, msg.size() - cut, true, wire);
        INFO("cut " << cut << ", first fragment " << first_fragment);
        inflater in;
        bytes out;
        REQUIRE_FALSE(in.inflate(wire.data(), wire.size(), out, 1 << 20, true));
        REQUIRE(out == msg);
    }
}

namespace {

// Inflates with plain zlib and a window of exactly 2^bits bytes (8 is
// allowed for inflating), one output byte per call: zlib then checks every
// distance against that window alone, not against output it still holds.
bool strict_inflate(int bits, bytes payload, const bytes& expected) {
    z_stream zs{};
    if (inflateInit2(&zs, -bits) != Z_OK) return false;
    payload.insert(payload.end(), {0x00, 0x00, 0xff, 0xff});
    bytes out(expected.size() + 1);
    zs.next_in = payload.data();
    zs.avail_in = static_cast<uInt>(payload.size());
    std::size_t n = 0;
    bool ok = true;
    while (ok && n < out.size()) {
        zs.next_out = out.data() + n;
        zs.avail_out = 1;
        const int r = inflate(&zs, Z_SYNC_FLUSH);
        n += 1 - zs.avail_out;
        if (r == Z_BUF_ERROR && zs.avail_out == 1) break; // done
        ok = r == Z_OK;
    }
    inflateEnd(&zs);
    out.resize(n);
    return ok && out == expected;
}

} // namespace

TEST_CASE("output fits the window it was made for, 8 bits included") {
    // zlib compresses with 512 bytes for 8 bits; its matches never reach
    // back more than (1 << bits) - 262, so a real 256-byte window (and any
    // window of the deflater's size or more: broadcast sharing) inflates it.
    for (int bits : {8, 9, 10, 12}) {
        INFO("window bits " << bits);
        // A random block repeated just past the window: the only match for
        // it lies too far back for this window, and tempts the matcher.
        const std::size_t w = std::size_t{1} << bits;
        const bytes block = random_bytes(300, static_cast<std::uint32_t>(bits));
        bytes msg = block;
        const bytes filler = bytes_of(text_message(w - 100, 1));
        msg.insert(msg.end(), filler.begin(), filler.end());
        msg.insert(msg.end(), block.begin(), block.end());
        msg.insert(msg.end(), filler.begin(), filler.end());
        deflater d(bits, true);
        bytes wire;
        d.compress(msg.data(), msg.size(), wire);
        for (int receiver = bits; receiver <= 15; ++receiver) CHECK(strict_inflate(receiver, wire, msg));
        // The check has teeth: a deflater with a larger window is refused.
        deflater big(15, true);
        big.compress(msg.data(), msg.size(), wire);
        CHECK_FALSE(strict_inflate(bits, wire, msg));
    }
}

TEST_CASE("memory per connection follows zlib's formulas, taken lazily") {
    for (int bits : {9, 12, 15})
        for (int mem_level : {1, 5, 8, 9}) {
            INFO("bits " << bits << " mem_level " << mem_level);
            deflater d(bits, false, 6, mem_level);
            inflater in(bits);
            CHECK(d.memory_usage() == 0);
            CHECK(in.memory_usage() == 0);
            bytes wire;
            bytes out;
            const bytes msg = bytes_of(text_message(5000, 11));
            d.compress(msg.data(), msg.size(), wire);
            REQUIRE_FALSE(in.inflate(wire.data(), wire.size(), out, 1 << 20, true));
            const std::size_t deflate_formula = (std::size_t{1} << (bits + 2)) + (std::size_t{1} << (mem_level + 9));
            const std::size_t inflate_formula = std::size_t{1} << bits;
            CHECK(d.memory_usage() >= deflate_formula);
            CHECK(d.memory_usage() <= deflate_formula + 8 * 1024);
            CHECK(in.memory_usage() >= inflate_formula);
            CHECK(in.memory_usage() <= inflate_formula + 8 * 1024);
        }
}

TEST_CASE("the per-connection codec from negotiated parameters") {
    wsx::deflate_options opts = wsx::enable_deflate();
    REQUIRE(opts.enabled);
    REQUIRE(opts.make_codec != nullptr);
    opts.client_max_window_bits = 10;
    opts.server_no_context_takeover = true;

    // Client offers, server agrees, client verifies.
    std::string response;
    const auto server_view = negotiate_deflate(make_deflate_offer(opts), opts, response);
    REQUIRE(server_view.has_value());
    std::optional<deflate_params> client_view;
    REQUIRE_FALSE(verify_deflate_response(response, opts, client_view));
    REQUIRE(client_view == server_view);

    std::unique_ptr<deflate_codec> server = opts.make_codec(*server_view, role::server, opts);
    std::unique_ptr<deflate_codec> client = opts.make_codec(*client_view, role::client, opts);
    CHECK_FALSE(server->should_compress(63));
    CHECK(server->should_compress(64));

    bytes wire;
    bytes out;
    for (std::uint32_t i = 0; i < 20; ++i) {
        const bytes msg = bytes_of(text_message(100 + 500 * i, i));
        server->compress(msg.data(), msg.size(), wire);
        REQUIRE_FALSE(client->decompress(wire.data(), wire.size(), out, 1 << 20, true));
        REQUIRE(out == msg);
        client->compress(msg.data(), msg.size(), wire);
        REQUIRE_FALSE(server->decompress(wire.data(), wire.size(), out, 1 << 20, true));
        REQUIRE(out == msg);
    }
    // The client compresses with a 1 KiB window (agreed 10 bits): its
    // compressor and the server's decompressor are small.
    auto& concrete = static_cast<permessage_deflate&>(*client);
    CHECK(concrete.sender().window_bits() == 10);
    CHECK(concrete.receiver().window_bits() == 15);
    CHECK(concrete.receiver().no_context_takeover());
    CHECK_FALSE(concrete.sender().no_context_takeover());
    CHECK(server->memory_usage() < (std::size_t{1} << 17) + (std::size_t{1} << 17) + (std::size_t{1} << 10) + 16 * 1024);
}

TEST_CASE("bad deflater parameters throw") {
    CHECK_THROWS_AS(deflater(7), std::system_error);
    CHECK_THROWS_AS(deflater(16), std::system_error);
    CHECK_THROWS_AS(deflater(15, false, 10), std::system_error);
    CHECK_THROWS_AS(deflater(15, false, 6, 0), std::system_error);
    CHECK_THROWS_AS(deflater(15, false, 6, 10), std::system_error);
    wsx::deflate_options bad;
    bad.mem_level = 12;
    CHECK_THROWS_AS(wsx::enable_deflate(bad), std::system_error);
}

TEST_CASE("without context takeover a codec's output can be shared: same key, same bytes, no own compressor") {
    deflate_options opts;
    opts.compress_threshold = 0;
    deflate_params reset_each;
    reset_each.server_no_context_takeover = true;
    deflate_params small = reset_each;
    small.server_max_window_bits = 10;
    deflate_params eight = reset_each;
    eight.server_max_window_bits = 8;
    deflate_params nine = reset_each;
    nine.server_max_window_bits = 9;

    permessage_deflate a(reset_each, role::server, opts);
    permessage_deflate b(reset_each, role::server, opts);
    permessage_deflate c(small, role::server, opts);
    permessage_deflate keep(deflate_params{}, role::server, opts);
    CHECK(a.shared_key() != 0);
    CHECK(a.shared_key() == b.shared_key());
    CHECK(a.shared_key() != c.shared_key());
    CHECK(keep.shared_key() == 0);
    // zlib compresses with 9 bits when 8 was agreed: the same bytes.
    CHECK(permessage_deflate(eight, role::server, opts).shared_key() ==
          permessage_deflate(nine, role::server, opts).shared_key());
    deflate_options other_level = opts;
    other_level.compression_level = 1;
    CHECK(permessage_deflate(reset_each, role::server, other_level).shared_key() != a.shared_key());
    // The client's no_context_takeover is about the client's compressor.
    CHECK(permessage_deflate(reset_each, role::client, opts).shared_key() == 0);

    bytes own, detached, out;
    for (std::uint32_t i = 0; i < 5; ++i) {
        const bytes msg = bytes_of(text_message(300 + 4000 * i, i));
        a.compress(msg.data(), msg.size(), own);
        b.compress_detached(msg.data(), msg.size(), detached);
        CHECK(own == detached);
        c.compress_detached(msg.data(), msg.size(), detached);
        inflater in(10, true);
        REQUIRE_FALSE(in.inflate(detached.data(), detached.size(), out, 1 << 20, true));
        CHECK(out == msg);
    }
    // The work was done by the thread's compressor: this connection's own
    // was never allocated.
    CHECK(a.sender().memory_usage() == 0);
}
