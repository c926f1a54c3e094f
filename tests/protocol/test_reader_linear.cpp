// Copyright (c) 2026 wsx developers. Distributed under the Boost Software License, Version 1.0.
// Reassembling a fragmented message costs O(its size), however it is cut
// into fragments and however the fragments are cut by feed() (issue 13: it
// was quadratic, each fragment copying the whole message so far).
//
// Cost is counted, not timed: this executable replaces operator new to count
// the bytes allocated while the reader assembles a message. Each growth of
// the assembly buffer allocates it anew and copies it, so the bytes
// allocated bound the bytes copied; the old growth rule allocated about
// size^2 / (2 x fragment size). The same counter tracks the bytes held at
// once, for the peak-memory bound docs/limits.md states.

#include <wsx/protocol/reader.hpp>

#include "allocation_count.hpp"
#include "reassembly.hpp"
#include "wsx_catch.hpp"
#include "../deflate/deflate_test_data.hpp"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <new>
#include <random>
#include <string>
#include <vector>

namespace {

using namespace wsx::protocol;
using wsx_test::encode_frame;
using wsx_test::fragmented;
namespace op = wsx_test::op;

constexpr std::size_t kib = 1024;
constexpr std::size_t mib = 1024 * kib;

namespace allocations = wsx_test::allocations;
constexpr bool counted = allocations::counted;

// Fragment sizes from 0 (an empty continuation frame) to ~3 KiB, with a
// 200 KiB one now and then.
std::vector<std::size_t> mixed_sizes() {
    std::mt19937 g(13);
    std::vector<std::size_t> v(1000);
    for (auto& n : v) n = g() % 50 == 0 ? 200 * kib : g() % 3000;
    v.front() = 1;
    return v;
}

// How feed() is called: pieces of these sizes, cycled ("whole": one call).
struct schedule {
    const char* name;
    std::vector<std::size_t> pieces;
};
const std::vector<schedule>& schedules() {
    static const std::vector<schedule> s = {
        {"whole", {SIZE_MAX}},
        {"32 KiB reads", {32 * kib}},
        // Cuts headers, masking keys and payloads at every kind of place.
        {"awkward", {1, 2, 5, 13, 4093, 1, 65537, 7, 3, 300001, 11}},
    };
    return s;
}

struct result {
    std::size_t messages = 0;
    bool identical = true;
    bool compressed = false;
    std::error_code ec;
    bool over = false; // stopped early: more than the bound was allocated
    allocations::cost c;
};

// Feeds `wire` (a copy: feed() unmasks in place) to a reader and counts
// what reassembly allocates. Stops as soon as more than `bound` bytes would
// be allocated.
result reassemble(reader_options o, std::string wire, const std::string& expected, const schedule& how,
                  std::size_t bound) {
    struct visitor {
        const std::string* expected;
        result* r;
        void on_message(opcode, const std::uint8_t* data, std::size_t size, bool compressed) {
            ++r->messages;
            r->compressed = compressed;
            r->identical = r->identical && size == expected->size() && std::memcmp(data, expected->data(), size) == 0;
        }
        void on_ping(const std::uint8_t*, std::size_t) {}
        void on_pong(const std::uint8_t*, std::size_t) {}
        void on_close(std::uint16_t, std::string_view) {}
    };
    result r;
    visitor v{&expected, &r};
    auto* p = reinterpret_cast<std::uint8_t*>(wire.data());
    std::size_t left = wire.size();
    allocations::window count(bound);
    try {
        reader rd(o);
        for (std::size_t i = 0; left != 0 && !r.ec; ++i) {
            const std::size_t n = std::min(how.pieces[i % how.pieces.size()], left);
            r.ec = rd.feed(p, n, v);
            p += n;
            left -= n;
        }
    } catch (const std::bad_alloc&) {
        r.over = true;
    }
    r.c = count.now();
    return r;
}

reader_options server_options() { return reader_options{}; }
reader_options client_options() {
    reader_options o;
    o.local_role = role::client;
    return o;
}

void check_linear(const result& r, std::size_t size) {
    INFO("allocated " << r.c.bytes << " bytes in " << r.c.count << " allocations for a message of " << size
                      << " bytes");
    REQUIRE_FALSE(r.over);
    REQUIRE_FALSE(r.ec);
    CHECK(r.messages == 1);
    CHECK(r.identical);
    if (!counted) return;
    // The growth steps allocate about 2x these messages; 4x leaves room and
    // still fails the old rule by orders of magnitude.
    CHECK(r.c.bytes <= 4 * size);
    CHECK(r.c.count <= 32);
}

} // namespace

TEST_CASE("a 4 MiB message in 1-byte, 1 KiB and mixed fragments is assembled with O(size) allocation",
          "[reader][linear]") {
    const std::string text = wsx_test::text_message(4 * mib); // multi-byte UTF-8 cut by the fragments
    const auto bin = wsx_test::random_bytes(4 * mib);
    const std::string binary(bin.begin(), bin.end());
    struct shape {
        const char* name;
        std::vector<std::size_t> sizes;
        const std::string* msg;
        std::uint8_t opcode;
        std::size_t ping_every;
    };
    const std::vector<shape> shapes = {
        {"1-byte fragments, text", {1}, &text, op::text, 0},
        {"1 KiB fragments, binary", {kib}, &binary, op::binary, 0},
        {"mixed fragments with pings between, text", mixed_sizes(), &text, op::text, 100},
    };
    for (const bool masked : {true, false}) {
        const reader_options o = masked ? server_options() : client_options();
        for (const auto& sh : shapes) {
            const std::string wire = fragmented(sh.opcode, *sh.msg, sh.sizes, masked, false, sh.ping_every);
            for (const auto& how : schedules()) {
                INFO((masked ? "server" : "client") << ", " << sh.name << ", fed " << how.name);
                check_linear(reassemble(o, wire, *sh.msg, how, 4 * sh.msg->size()), sh.msg->size());
            }
        }
    }
}

TEST_CASE("a compressed message of many empty deflate blocks is assembled with O(size) allocation",
          "[reader][linear]") {
    // What a sender that sync-flushes after every few bytes sends (RFC 7692
    // 7.2.1): empty stored blocks (00 00 00 ff ff before the data; after it,
    // 00 00 ff ff completes the block the previous piece began, and 00 begins
    // the next), one per fragment. The reader only reassembles the bytes;
    // tests/deflate/test_deflate_reassembly.cpp inflates them.
    std::string payload;
    for (int i = 0; i < 200000; ++i) payload += std::string("\x00\x00\x00\xff\xff", 5);
    payload += std::string("\xf2\x48\xcd\xc9\xc9\x07\x00", 7); // "Hello", RFC 7692 7.2.3.1
    for (int i = 0; i < 200000; ++i) payload += std::string("\x00\x00\xff\xff\x00", 5);
    reader_options o = server_options();
    o.allow_rsv1 = true;
    const std::string wire = fragmented(op::text, payload, {5, 5, 5, 7, 5, 0}, true, true);
    for (const auto& how : schedules()) {
        INFO("fed " << how.name);
        const result r = reassemble(o, wire, payload, how, 4 * payload.size());
        check_linear(r, payload.size());
        CHECK(r.compressed);
    }
}

TEST_CASE("while a message grows, at most 1.5x the limit is held", "[reader][linear]") {
    if (!counted) {
        WARN("allocations are not counted in a sanitizer build");
        return;
    }
    // The message is exactly the limit, so its last growth ends at the
    // limit: a power of two, an odd size, and one just past a power of two
    // (where doubling up from 4 KiB would hold almost 2x).
    for (const std::size_t limit : {std::size_t{4 * mib}, std::size_t{3000001}, std::size_t{2 * mib + 1}}) {
        for (const std::size_t fragment : {std::size_t{kib}, std::size_t{100 * kib}, limit}) {
            INFO("limit " << limit << ", fragments of " << fragment);
            const std::string msg = wsx_test::pattern_bytes(limit);
            reader_options o = server_options();
            o.max_message_size = limit;
            const std::string wire = fragmented(op::binary, msg, {fragment}, true);
            const result r = reassemble(o, wire, msg, schedules()[1], 4 * limit);
            check_linear(r, limit);
            CHECK(r.c.peak <= limit + (limit + 1) / 2);
        }
    }
}

TEST_CASE("memory follows the bytes that arrived, not the sizes announced", "[reader][linear]") {
    if (!counted) {
        WARN("allocations are not counted in a sanitizer build");
        return;
    }
    // A first fragment that announces 10 MiB and sends 5,000 bytes of it,
    // after a fragment that announced and sent 3,000.
    reader_options o = client_options();
    const std::string head = encode_frame(op::binary, std::string(3000, 'a'), false, false);
    std::string wire = head + encode_frame(op::continuation, std::string(10 * mib, 'b'), false, true);
    wire.resize(head.size() + 10 + 5000);
    const std::string never; // the message never ends
    const result r = reassemble(o, wire, never, schedules()[0], 10 * mib);
    REQUIRE_FALSE(r.ec);
    CHECK(r.messages == 0);
    CHECK(r.c.peak <= 16 * kib);
}

TEST_CASE("a fragmented message up to retained_capacity leaves a buffer the next one reuses", "[reader][linear]") {
    if (!counted) {
        WARN("allocations are not counted in a sanitizer build");
        return;
    }
    struct quiet {
        std::size_t messages = 0;
        void on_message(opcode, const std::uint8_t*, std::size_t, bool) { ++messages; }
        void on_ping(const std::uint8_t*, std::size_t) {}
        void on_pong(const std::uint8_t*, std::size_t) {}
        void on_close(std::uint16_t, std::string_view) {}
    };
    // 10,000,000 is an odd limit: its steps (..., 625,000, 1,250,000) skip
    // over 1 MiB, so a 700 KB message must stop at retained_capacity to be
    // kept. The single-frame one arrives in pieces and stops at its size.
    for (const std::uint64_t limit : {std::uint64_t{16 * mib}, std::uint64_t{10000000}}) {
        for (const std::size_t fragment : {std::size_t{kib}, std::size_t{700000}}) {
            INFO("limit " << limit << ", fragments of " << fragment);
            reader_options o = server_options();
            o.max_message_size = limit;
            const std::string wire = fragmented(op::binary, std::string(700000, 'm'), {fragment}, true);
            std::string first = wire, second = wire;
            reader r(o);
            quiet v;
            for (std::size_t at = 0; at < first.size(); at += 32 * kib)
                REQUIRE_FALSE(r.feed(reinterpret_cast<std::uint8_t*>(first.data()) + at,
                                     std::min(32 * kib, first.size() - at), v));
            const allocations::window count;
            for (std::size_t at = 0; at < second.size(); at += 32 * kib)
                REQUIRE_FALSE(r.feed(reinterpret_cast<std::uint8_t*>(second.data()) + at,
                                     std::min(32 * kib, second.size() - at), v));
            CHECK(v.messages == 2);
            CHECK(count.now().count == 0);
        }
    }
}
