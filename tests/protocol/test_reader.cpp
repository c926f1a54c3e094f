// Copyright (c) 2026 wsx developers. Distributed under the Boost Software License, Version 1.0.
// The incremental frame reader. Every test input is fed whole, one byte at a
// time, at every split in two (and three, for short inputs) or at many random
// splits (long inputs), and must give the same events and the same error.

#include <wsx/protocol/reader.hpp>

#include "wsx_catch.hpp"

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <cstdlib>
#include <new>
#include <random>
#include <sstream>
#include <string>
#include <vector>

// Counts heap allocations, to prove the steady state does not allocate.
// (noinline: inlined into callers, GCC 12 mistakes malloc/free for a
// new/free mismatch.) Sanitizers bring their own operator new, so under
// them nothing is counted and the allocation checks are skipped.
#if defined(__SANITIZE_ADDRESS__)
#define WSX_TEST_NO_ALLOCATION_COUNT 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(memory_sanitizer) || __has_feature(thread_sanitizer)
#define WSX_TEST_NO_ALLOCATION_COUNT 1
#endif
#endif

static std::atomic<std::size_t> g_allocations{0};
#ifndef WSX_TEST_NO_ALLOCATION_COUNT
constexpr bool g_counting_allocations = true;
__attribute__((noinline)) void* operator new(std::size_t n) {
    ++g_allocations;
    if (void* p = std::malloc(n ? n : 1)) return p;
    throw std::bad_alloc();
}
__attribute__((noinline)) void operator delete(void* p) noexcept { std::free(p); }
__attribute__((noinline)) void operator delete(void* p, std::size_t) noexcept { std::free(p); }
#else
constexpr bool g_counting_allocations = false;
#endif

namespace {

using namespace wsx::protocol;
using bytes = std::vector<std::uint8_t>;
using wsx::error;

// ---------------------------------------------------------------- frames

std::array<std::uint8_t, 4> g_key{0x37, 0xfa, 0x21, 0x3d};

// A frame with first byte b0 (FIN, RSV, opcode) and the given payload,
// masked with a key that changes from frame to frame if `masked`.
bytes frame(std::uint8_t b0, const std::string& payload, bool masked) {
    bytes out{b0};
    const std::uint64_t n = payload.size();
    const std::uint8_t m = masked ? 0x80 : 0;
    if (n < 126) {
        out.push_back(static_cast<std::uint8_t>(m | n));
    } else if (n <= 0xFFFF) {
        out.push_back(m | 126);
        out.push_back(static_cast<std::uint8_t>(n >> 8));
        out.push_back(static_cast<std::uint8_t>(n));
    } else {
        out.push_back(m | 127);
        for (int i = 7; i >= 0; --i) out.push_back(static_cast<std::uint8_t>(n >> (8 * i)));
    }
    const std::size_t start = out.size() + (masked ? 4 : 0);
    if (masked) {
        out.insert(out.end(), g_key.begin(), g_key.end());
        for (auto& k : g_key) k = static_cast<std::uint8_t>(k * 5 + 1);
    }
    out.insert(out.end(), payload.begin(), payload.end());
    if (masked)
        for (std::size_t i = 0; i < payload.size(); ++i) out[start + i] ^= out[start - 4 + i % 4];
    return out;
}

bytes cat(std::initializer_list<bytes> parts) {
    bytes out;
    for (const auto& p : parts) out.insert(out.end(), p.begin(), p.end());
    return out;
}

constexpr std::uint8_t fin = 0x80, rsv1 = 0x40, rsv2 = 0x20, rsv3 = 0x10;
constexpr std::uint8_t op_cont = 0x0, op_text = 0x1, op_bin = 0x2, op_close = 0x8, op_ping = 0x9, op_pong = 0xA;

std::string close_payload(std::uint16_t code, const std::string& reason) {
    std::string s;
    s.push_back(static_cast<char>(code >> 8));
    s.push_back(static_cast<char>(code & 0xFF));
    return s + reason;
}

// ---------------------------------------------------------------- events

struct event {
    enum kind_t { message, begin, data, end, ping, pong, close } kind;
    opcode op = opcode::text;
    bool compressed = false;
    std::string payload;
    std::uint16_t code = 0;
};

std::string hex(const std::string& s) {
    std::ostringstream o;
    for (unsigned char c : s) {
        if (c >= 0x20 && c < 0x7F && c != '\\') o << c;
        else o << "\\x" << "0123456789abcdef"[c >> 4] << "0123456789abcdef"[c & 15];
    }
    return o.str();
}

struct outcome {
    std::vector<event> events;
    std::error_code ec;
    bool closed = false;

    std::string describe() const {
        std::ostringstream o;
        for (const auto& e : events) {
            static const char* names[] = {"message", "begin", "data", "end", "ping", "pong", "close"};
            o << names[e.kind];
            if (e.kind == event::message || e.kind == event::begin)
                o << "(" << static_cast<int>(e.op) << (e.compressed ? ",z" : "") << ")";
            if (e.kind == event::close) o << "(" << e.code << ")";
            if (e.kind != event::begin && e.kind != event::end) o << "[" << hex(e.payload) << "]";
            o << " ";
        }
        o << "| error=" << (ec ? ec.message() : std::string("none")) << " closed=" << closed;
        return o.str();
    }
};

// Adds a data event, merging it with a data event just before: how data is
// cut depends on the split of the input, the bytes do not.
void add_data(std::vector<event>& ev, const std::string& d) {
    if (d.empty()) return;
    if (!ev.empty() && ev.back().kind == event::data) ev.back().payload += d;
    else ev.push_back({event::data, opcode::text, false, d, 0});
}

struct recorder {
    std::vector<event> events;
    bool empty_data = false;
    const std::uint8_t* last_message_data = nullptr;

    void on_message(opcode op, const std::uint8_t* d, std::size_t n, bool compressed) {
        last_message_data = d;
        events.push_back({event::message, op, compressed, std::string(reinterpret_cast<const char*>(d), n), 0});
    }
    void on_message_begin(opcode op, bool compressed) { events.push_back({event::begin, op, compressed, {}, 0}); }
    void on_message_data(const std::uint8_t* d, std::size_t n) {
        if (n == 0) empty_data = true;
        add_data(events, std::string(reinterpret_cast<const char*>(d), n));
    }
    void on_message_end() { events.push_back({event::end, opcode::text, false, {}, 0}); }
    void on_ping(const std::uint8_t* d, std::size_t n) {
        events.push_back({event::ping, opcode::ping, false, std::string(reinterpret_cast<const char*>(d), n), 0});
    }
    void on_pong(const std::uint8_t* d, std::size_t n) {
        events.push_back({event::pong, opcode::pong, false, std::string(reinterpret_cast<const char*>(d), n), 0});
    }
    void on_close(std::uint16_t code, std::string_view reason) {
        events.push_back({event::close, opcode::close, false, std::string(reason), code});
    }
};

// Feeds `input` cut at `cuts` (sorted), each piece from its own buffer that
// is scribbled over after the call, so a reader that kept a pointer into an
// old piece gives wrong events.
outcome run(const bytes& input, const reader_options& opts, const std::vector<std::size_t>& cuts) {
    reader r(opts);
    recorder rec;
    outcome out;
    std::size_t pos = 0;
    auto feed_piece = [&](std::size_t to) {
        bytes piece(input.begin() + static_cast<std::ptrdiff_t>(pos), input.begin() + static_cast<std::ptrdiff_t>(to));
        const std::error_code ec = r.feed(piece.data(), piece.size(), rec);
        if (out.ec) REQUIRE(ec == out.ec); // a failed reader keeps failing the same way
        else out.ec = ec;
        std::fill(piece.begin(), piece.end(), 0xCD);
        pos = to;
    };
    for (std::size_t c : cuts) feed_piece(c);
    feed_piece(input.size());
    REQUIRE_FALSE(rec.empty_data);
    out.events = rec.events;
    out.closed = r.closed();
    return out;
}

void expect_same(const outcome& got, const outcome& want, const std::string& how) {
    if (got.describe() != want.describe()) {
        INFO("feeding " << how);
        CHECK(got.describe() == want.describe());
    }
}

// The heart of these tests: one input, every way of cutting it.
void check_splits(const bytes& input, const reader_options& opts, const outcome& want) {
    const std::size_t n = input.size();
    expect_same(run(input, opts, {}), want, "whole");
    if (n <= 100000) {
        std::vector<std::size_t> ones;
        for (std::size_t i = 1; i < n; ++i) ones.push_back(i);
        expect_same(run(input, opts, ones), want, "one byte at a time");
    }
    if (n <= 64) {
        for (std::size_t a = 0; a <= n; ++a) expect_same(run(input, opts, {a}), want, "split at " + std::to_string(a));
    }
    if (n <= 24) {
        for (std::size_t a = 0; a <= n; ++a)
            for (std::size_t b = a; b <= n; ++b)
                expect_same(run(input, opts, {a, b}), want,
                            "split at " + std::to_string(a) + "," + std::to_string(b));
    }
    std::mt19937 rng(static_cast<unsigned>(n));
    const int tries = n <= 64 ? 20 : 100;
    for (int t = 0; t < tries; ++t) {
        std::vector<std::size_t> cuts;
        std::size_t pos = 0;
        const std::size_t mean = 1 + rng() % (n / 4 + 2);
        while (pos < n) {
            pos += rng() % (2 * mean); // includes empty pieces
            if (pos > n) pos = n;
            cuts.push_back(pos);
        }
        std::ostringstream how;
        how << "random split";
        for (auto c : cuts) how << " " << c;
        expect_same(run(input, opts, cuts), want, how.str());
    }
}

reader_options server() { return {}; }
reader_options client() {
    reader_options o;
    o.local_role = role::client;
    return o;
}
reader_options streaming(reader_options o) {
    o.streaming = true;
    return o;
}
reader_options with_rsv1(reader_options o) {
    o.allow_rsv1 = true;
    return o;
}

event msg(opcode op, const std::string& payload, bool compressed = false) {
    return {event::message, op, compressed, payload, 0};
}
event begin_msg(opcode op, bool compressed = false) { return {event::begin, op, compressed, {}, 0}; }
event chunk(const std::string& d) { return {event::data, opcode::text, false, d, 0}; }
event end_msg() { return {event::end, opcode::text, false, {}, 0}; }
event ping(const std::string& d) { return {event::ping, opcode::ping, false, d, 0}; }
event pong(const std::string& d) { return {event::pong, opcode::pong, false, d, 0}; }
event close_ev(std::uint16_t code, const std::string& reason = {}) {
    return {event::close, opcode::close, false, reason, code};
}

outcome ok(std::vector<event> ev, bool closed = false) { return {std::move(ev), {}, closed}; }
outcome failed(std::vector<event> ev, error e) { return {std::move(ev), make_error_code(e), false}; }

// Checks one input in both roles (masked for a server, unmasked for a
// client), given a function making the input from the masking flag.
template <class MakeInput>
void check_both_roles(MakeInput make, reader_options base, const outcome& want) {
    reader_options s = base;
    s.local_role = role::server;
    check_splits(make(true), s, want);
    reader_options c = base;
    c.local_role = role::client;
    check_splits(make(false), c, want);
}

} // namespace

// ================================================================ valid input

TEST_CASE("RFC 6455 5.7 examples") {
    SECTION("masked 'Hello' to a server") {
        const bytes in{0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58};
        check_splits(in, server(), ok({msg(opcode::text, "Hello")}));
        check_splits(in, streaming(server()), ok({begin_msg(opcode::text), chunk("Hello"), end_msg()}));
    }
    SECTION("unmasked 'Hello' to a client") {
        const bytes in{0x81, 0x05, 0x48, 0x65, 0x6c, 0x6c, 0x6f};
        check_splits(in, client(), ok({msg(opcode::text, "Hello")}));
    }
    SECTION("fragmented 'Hel' + 'lo'") {
        const bytes in{0x01, 0x03, 0x48, 0x65, 0x6c, 0x80, 0x02, 0x6c, 0x6f};
        check_splits(in, client(), ok({msg(opcode::text, "Hello")}));
        check_splits(in, streaming(client()), ok({begin_msg(opcode::text), chunk("Hello"), end_msg()}));
    }
    SECTION("unmasked ping, masked pong") {
        const bytes ping_in{0x89, 0x05, 0x48, 0x65, 0x6c, 0x6c, 0x6f};
        check_splits(ping_in, client(), ok({ping("Hello")}));
        const bytes pong_in{0x8a, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58};
        check_splits(pong_in, server(), ok({pong("Hello")}));
    }
    SECTION("256-byte and 64 KiB binary messages") {
        std::string p256(256, '\0'), p64k(65536, '\0');
        for (std::size_t i = 0; i < p256.size(); ++i) p256[i] = static_cast<char>(i);
        for (std::size_t i = 0; i < p64k.size(); ++i) p64k[i] = static_cast<char>(i * 7);
        const bytes a = frame(fin | op_bin, p256, false);
        REQUIRE(bytes(a.begin(), a.begin() + 4) == bytes{0x82, 0x7E, 0x01, 0x00});
        const bytes b = frame(fin | op_bin, p64k, false);
        REQUIRE(bytes(b.begin(), b.begin() + 10) == bytes{0x82, 0x7F, 0, 0, 0, 0, 0, 1, 0, 0});
        check_splits(cat({a, b}), client(), ok({msg(opcode::binary, p256), msg(opcode::binary, p64k)}));
        check_both_roles([&](bool m) { return frame(fin | op_bin, p64k, m); }, streaming({}),
                         ok({begin_msg(opcode::binary), chunk(p64k), end_msg()}));
    }
}

TEST_CASE("every length form") {
    for (std::size_t n : {0, 1, 125, 126, 127, 65535, 65536}) {
        INFO("payload " << n);
        std::string p(n, 'a');
        for (std::size_t i = 0; i < n; ++i) p[i] = static_cast<char>('a' + i % 26);
        check_both_roles([&](bool m) { return frame(fin | op_text, p, m); }, {}, ok({msg(opcode::text, p)}));
    }
}

TEST_CASE("empty messages and empty fragments") {
    check_both_roles([](bool m) { return frame(fin | op_text, "", m); }, {}, ok({msg(opcode::text, "")}));
    check_both_roles([](bool m) { return frame(fin | op_bin, "", m); }, streaming({}),
                     ok({begin_msg(opcode::binary), end_msg()}));
    auto frags = [](bool m) {
        return cat({frame(op_text, "", m), frame(op_cont, "", m), frame(op_cont, "ab", m), frame(op_cont, "", m),
                    frame(fin | op_cont, "", m)});
    };
    check_both_roles(frags, {}, ok({msg(opcode::text, "ab")}));
    check_both_roles(frags, streaming({}), ok({begin_msg(opcode::text), chunk("ab"), end_msg()}));
}

TEST_CASE("control frames between fragments") {
    auto in = [](bool m) {
        return cat({frame(op_text, "Hel", m), frame(fin | op_ping, "p1", m), frame(op_cont, "l", m),
                    frame(fin | op_pong, "", m), frame(fin | op_ping, std::string(125, 'x'), m),
                    frame(fin | op_cont, "o", m), frame(fin | op_bin, "\x01\x02", m)});
    };
    check_both_roles(in, {}, ok({ping("p1"), pong(""), ping(std::string(125, 'x')), msg(opcode::text, "Hello"),
                                msg(opcode::binary, "\x01\x02")}));
    check_both_roles(in, streaming({}),
                     ok({begin_msg(opcode::text), chunk("Hel"), ping("p1"), chunk("l"), pong(""),
                         ping(std::string(125, 'x')), chunk("o"), end_msg(), begin_msg(opcode::binary), chunk("\x01\x02"),
                         end_msg()}));
}

TEST_CASE("close frames") {
    SECTION("empty close means 1005") {
        check_both_roles([](bool m) { return frame(fin | op_close, "", m); }, {}, ok({close_ev(1005)}, true));
    }
    SECTION("code and reason") {
        check_both_roles([](bool m) { return frame(fin | op_close, close_payload(1000, "bye \xC3\xA9"), m); }, {},
                         ok({close_ev(1000, "bye \xC3\xA9")}, true));
        check_both_roles([](bool m) { return frame(fin | op_close, close_payload(4999, std::string(123, 'r')), m); },
                         {}, ok({close_ev(4999, std::string(123, 'r'))}, true));
    }
    SECTION("every byte after a close is ignored, even garbage") {
        auto in = [](bool m) {
            bytes b = cat({frame(fin | op_text, "a", m), frame(fin | op_close, close_payload(1001, ""), m),
                           frame(fin | op_text, "after", m)});
            b.insert(b.end(), {0xFF, 0xFF, 0x00, 0x13});
            return b;
        };
        check_both_roles(in, {}, ok({msg(opcode::text, "a"), close_ev(1001)}, true));
        check_both_roles(in, streaming({}), ok({begin_msg(opcode::text), chunk("a"), end_msg(), close_ev(1001)}, true));
    }
    SECTION("close inside a fragmented message") {
        check_both_roles([](bool m) { return cat({frame(op_text, "ab", m), frame(fin | op_close, "", m)}); }, {},
                         ok({close_ev(1005)}, true));
    }
    SECTION("bad close payloads") {
        check_both_roles([](bool m) { return frame(fin | op_close, "\x03", m); }, {},
                         failed({}, error::bad_close_payload));
        for (std::uint16_t c : {std::uint16_t{999}, std::uint16_t{1005}, std::uint16_t{1006}, std::uint16_t{1015},
                                std::uint16_t{2000}, std::uint16_t{5000}})
            check_both_roles([&](bool m) { return frame(fin | op_close, close_payload(c, ""), m); }, {},
                             failed({}, error::bad_close_code));
        check_both_roles([](bool m) { return frame(fin | op_close, close_payload(1000, "\xC0\xAF"), m); }, {},
                         failed({}, error::bad_close_reason));
    }
}

TEST_CASE("UTF-8 across fragments and feeds") {
    // U+1F600 cut inside the code point at every fragment boundary.
    const std::string smile = "\xF0\x9F\x98\x80";
    for (std::size_t cut = 0; cut <= smile.size(); ++cut) {
        auto in = [&](bool m) {
            return cat({frame(op_text, "a" + smile.substr(0, cut), m), frame(fin | op_cont, smile.substr(cut) + "b", m)});
        };
        check_both_roles(in, {}, ok({msg(opcode::text, "a" + smile + "b")}));
        check_both_roles(in, streaming({}), ok({begin_msg(opcode::text), chunk("a" + smile + "b"), end_msg()}));
    }
    // Binary messages are not UTF-8 checked.
    check_both_roles([](bool m) { return frame(fin | op_bin, "\xFF\xC0", m); }, {}, ok({msg(opcode::binary, "\xFF\xC0")}));
}

TEST_CASE("compressed messages (RSV1 after permessage-deflate)") {
    // Not inflated here, so not UTF-8 checked here either.
    auto in = [](bool m) {
        return cat({frame(rsv1 | op_text, "\xFF\x01", m), frame(fin | op_cont, "\x02", m),
                    frame(fin | rsv1 | op_bin, "z", m), frame(fin | op_text, "plain", m)});
    };
    check_both_roles(in, with_rsv1({}),
                     ok({msg(opcode::text, "\xFF\x01\x02", true), msg(opcode::binary, "z", true),
                         msg(opcode::text, "plain")}));
    check_both_roles(in, streaming(with_rsv1({})),
                     ok({begin_msg(opcode::text, true), chunk("\xFF\x01\x02"), end_msg(), begin_msg(opcode::binary, true),
                         chunk("z"), end_msg(), begin_msg(opcode::text), chunk("plain"), end_msg()}));
}

TEST_CASE("random valid streams: events match what was sent, for every split") {
    std::mt19937 rng(2026);
    const char* pieces[] = {"a", "Z", " ", "\xC3\xA9", "\xE2\x82\xAC", "\xF0\x9F\x98\x80", "\xED\x9F\xBF"};
    for (int iter = 0; iter < 60; ++iter) {
        const bool streaming_mode = iter % 2 == 1;
        const bool masked = iter % 4 < 2;
        reader_options o = masked ? server() : client();
        o.streaming = streaming_mode;
        bytes input;
        std::vector<event> want;
        const int messages = 1 + static_cast<int>(rng() % 4);
        for (int k = 0; k < messages; ++k) {
            const bool text = rng() % 2 == 0;
            std::string payload;
            const std::size_t target = rng() % 3 == 0 ? rng() % 3000 : rng() % 40;
            while (payload.size() < target) {
                if (text) payload += pieces[rng() % 7];
                else payload.push_back(static_cast<char>(rng()));
            }
            // Cut anywhere, even inside code points.
            std::vector<std::size_t> cuts{0};
            for (unsigned f = rng() % 4; f > 0; --f) cuts.push_back(payload.empty() ? 0 : rng() % (payload.size() + 1));
            std::sort(cuts.begin(), cuts.end());
            cuts.push_back(payload.size());
            const opcode op = text ? opcode::text : opcode::binary;
            if (streaming_mode) want.push_back(begin_msg(op));
            for (std::size_t f = 0; f + 1 < cuts.size(); ++f) {
                const bool last = f + 2 == cuts.size();
                const std::string part = payload.substr(cuts[f], cuts[f + 1] - cuts[f]);
                const std::uint8_t b0 = static_cast<std::uint8_t>((last ? fin : 0) | (f == 0 ? (text ? op_text : op_bin) : op_cont));
                input = cat({input, frame(b0, part, masked)});
                if (streaming_mode) add_data(want, part);
                if (last) want.push_back(streaming_mode ? end_msg() : msg(op, payload));
                if (rng() % 3 == 0) {
                    const std::string cp(rng() % 126, 'c');
                    const bool is_ping = rng() % 2 == 0;
                    input = cat({input, frame(fin | (is_ping ? op_ping : op_pong), cp, masked)});
                    want.push_back(is_ping ? ping(cp) : pong(cp));
                }
            }
        }
        INFO("iteration " << iter);
        check_splits(input, o, ok(want));
    }
}

TEST_CASE("long text frames cross the reader's internal validation pieces") {
    // 3-byte code points, so the 16 KiB piece boundaries fall inside them.
    std::string text;
    while (text.size() < 50000) text += "\xE2\x82\xAC";
    check_both_roles([&](bool m) { return frame(fin | op_text, text, m); }, {}, ok({msg(opcode::text, text)}));
    // A bad byte after the first piece: streaming hands out exactly the bytes before it.
    std::string bad = text;
    bad[20000] = '\xFF';
    check_both_roles([&](bool m) { return frame(fin | op_text, bad, m); }, streaming({}),
                     failed({begin_msg(opcode::text), chunk(bad.substr(0, 20000))}, error::invalid_utf8));
    check_both_roles([&](bool m) { return frame(fin | op_text, bad, m); }, {}, failed({}, error::invalid_utf8));
}

// ================================================================ the rules

TEST_CASE("masking must match the role") {
    check_splits(frame(fin | op_text, "hi", false), server(), failed({}, error::unmasked_frame));
    check_splits(frame(fin | op_text, "hi", true), client(), failed({}, error::masked_frame));
    check_splits(frame(fin | op_ping, "", false), server(), failed({}, error::unmasked_frame));
    check_splits(frame(fin | op_close, "", true), client(), failed({}, error::masked_frame));
    // The error comes after the events of the frames before it.
    check_splits(cat({frame(fin | op_text, "ok", true), frame(fin | op_text, "hi", false)}), server(),
                 failed({msg(opcode::text, "ok")}, error::unmasked_frame));
}

TEST_CASE("reserved bits") {
    const reader_options plain{};
    SECTION("RSV1 without a negotiated extension") {
        check_both_roles([](bool m) { return frame(fin | rsv1 | op_text, "x", m); }, plain,
                         failed({}, error::bad_reserved_bits));
    }
    SECTION("RSV2 and RSV3 never, even with RSV1 allowed") {
        for (std::uint8_t bit : {rsv2, rsv3}) {
            check_both_roles([&](bool m) { return frame(fin | bit | op_text, "x", m); }, with_rsv1({}),
                             failed({}, error::bad_reserved_bits));
            check_both_roles([&](bool m) { return frame(fin | bit | op_ping, "x", m); }, plain,
                             failed({}, error::bad_reserved_bits));
        }
    }
    SECTION("RSV1 on a continuation frame") {
        check_both_roles(
            [](bool m) { return cat({frame(rsv1 | op_text, "a", m), frame(fin | rsv1 | op_cont, "b", m)}); },
            with_rsv1({}), failed({}, error::bad_reserved_bits));
    }
    SECTION("RSV1 on control frames") {
        for (std::uint8_t op : {op_ping, op_pong, op_close})
            check_both_roles([&](bool m) { return frame(fin | rsv1 | op, "", m); }, with_rsv1({}),
                             failed({}, error::bad_reserved_bits));
    }
    SECTION("set_allow_rsv1 switches it on") {
        reader r(client());
        recorder rec;
        bytes in = frame(fin | rsv1 | op_bin, "q", false);
        r.set_allow_rsv1(true);
        CHECK(r.options().allow_rsv1);
        CHECK_FALSE(r.feed(in.data(), in.size(), rec));
        REQUIRE(rec.events.size() == 1);
        CHECK(rec.events[0].compressed);
    }
}

TEST_CASE("reserved opcodes") {
    for (std::uint8_t op : {3, 4, 5, 6, 7, 11, 12, 13, 14, 15}) {
        INFO("opcode " << int(op));
        check_both_roles([&](bool m) { return frame(static_cast<std::uint8_t>(fin | op), "", m); }, {},
                         failed({}, error::bad_opcode));
        // Inside a fragmented message too.
        check_both_roles([&](bool m) { return cat({frame(op_text, "a", m), frame(static_cast<std::uint8_t>(fin | op), "", m)}); },
                         {}, failed({}, error::bad_opcode));
    }
}

TEST_CASE("control frame rules") {
    SECTION("payload over 125 bytes") {
        for (std::uint8_t op : {op_ping, op_pong, op_close})
            check_both_roles([&](bool m) { return frame(fin | op, std::string(126, 'x'), m); }, {},
                             failed({}, error::bad_control_frame_size));
        // found from the first two bytes alone (fail fast)
        check_splits(bytes{0x89, 0xFE}, server(), failed({}, error::bad_control_frame_size));
        check_splits(bytes{0x89, 0x7F}, client(), failed({}, error::bad_control_frame_size));
    }
    SECTION("FIN clear") {
        for (std::uint8_t op : {op_ping, op_pong, op_close})
            check_both_roles([&](bool m) { return frame(op, "x", m); }, {}, failed({}, error::fragmented_control_frame));
    }
}

TEST_CASE("fragmentation order") {
    check_both_roles([](bool m) { return frame(fin | op_cont, "x", m); }, {},
                     failed({}, error::unexpected_continuation));
    check_both_roles([](bool m) { return cat({frame(fin | op_text, "a", m), frame(op_cont, "x", m)}); }, {},
                     failed({msg(opcode::text, "a")}, error::unexpected_continuation));
    for (std::uint8_t op : {op_text, op_bin}) {
        check_both_roles([&](bool m) { return cat({frame(op_text, "a", m), frame(fin | op, "b", m)}); }, {},
                         failed({}, error::expected_continuation));
        check_both_roles([&](bool m) { return cat({frame(op_bin, "a", m), frame(op, "b", m)}); }, streaming({}),
                         failed({begin_msg(opcode::binary), chunk("a")}, error::expected_continuation));
    }
}

TEST_CASE("length encoding") {
    SECTION("16-bit form for a length below 126") {
        check_splits(bytes{0x82, 0x7E, 0x00, 0x7D}, client(), failed({}, error::bad_frame_length));
        check_splits(bytes{0x82, 0xFE, 0x00, 0x00, 1, 2, 3, 4}, server(), failed({}, error::bad_frame_length));
    }
    SECTION("64-bit form for a length up to 65535") {
        check_splits(bytes{0x82, 0x7F, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF}, client(), failed({}, error::bad_frame_length));
        check_splits(bytes{0x82, 0xFF, 0, 0, 0, 0, 0, 0, 0, 5, 1, 2, 3, 4}, server(),
                     failed({}, error::bad_frame_length));
    }
    SECTION("64-bit length with the top bit set") {
        check_splits(bytes{0x82, 0x7F, 0x80, 0, 0, 0, 0, 0, 0, 0}, client(), failed({}, error::bad_frame_length));
    }
    SECTION("a valid 16-bit length of 126") {
        check_both_roles([](bool m) { return frame(fin | op_bin, std::string(126, 'q'), m); }, {},
                         ok({msg(opcode::binary, std::string(126, 'q'))}));
    }
}

TEST_CASE("limits are checked from the header, before any payload is buffered") {
    reader_options o = client();
    o.max_frame_size = 10;
    o.max_message_size = 15;
    SECTION("frame size") {
        check_splits(frame(fin | op_bin, std::string(10, 'a'), false), o, ok({msg(opcode::binary, std::string(10, 'a'))}));
        check_splits(frame(fin | op_bin, std::string(11, 'a'), false), o, failed({}, error::frame_too_big));
        // Only the header of a huge frame: the error needs no payload at all.
        check_splits(bytes{0x82, 0x7F, 0, 0, 1, 0, 0, 0, 0, 0}, client(), failed({}, error::frame_too_big));
    }
    SECTION("message size") {
        auto in = [](std::size_t a, std::size_t b) {
            return cat({frame(op_text, std::string(a, 'a'), false), frame(fin | op_cont, std::string(b, 'b'), false)});
        };
        check_splits(in(10, 5), o, ok({msg(opcode::text, std::string(10, 'a') + std::string(5, 'b'))}));
        // header of the second fragment is enough to fail
        const bytes too_big = in(10, 6);
        check_splits(bytes(too_big.begin(), too_big.begin() + 14), o, failed({}, error::message_too_big));
        check_splits(too_big, o, failed({}, error::message_too_big));
        check_splits(too_big, streaming(o), failed({begin_msg(opcode::text), chunk(std::string(10, 'a'))}, error::message_too_big));
        o.max_frame_size = 100;
        check_splits(frame(fin | op_text, std::string(16, 'a'), false), o, failed({}, error::message_too_big));
    }
    SECTION("control frames are bounded by 125 bytes, not by the data frame limit") {
        check_splits(frame(fin | op_ping, std::string(100, 'p'), false), o, ok({ping(std::string(100, 'p'))}));
    }
}

TEST_CASE("invalid UTF-8 in text messages") {
    SECTION("single frame") {
        check_both_roles([](bool m) { return frame(fin | op_text, "ab\xFF" "cd", m); }, {},
                         failed({}, error::invalid_utf8));
    }
    SECTION("fails fast: the rest of the message is not needed") {
        check_both_roles([](bool m) { return frame(op_text, "ok\xED\xA0\x80", m); }, {}, failed({}, error::invalid_utf8));
        // only part of a frame's payload is there
        bytes in = frame(fin | op_text, "ok\xC0" + std::string(200, 'x'), false);
        in.resize(in.size() - 150);
        check_splits(in, client(), failed({}, error::invalid_utf8));
    }
    SECTION("truncated at the end of the message") {
        check_both_roles([](bool m) { return cat({frame(op_text, "a\xE2", m), frame(fin | op_cont, "\x82", m)}); },
                         {}, failed({}, error::invalid_utf8));
        check_both_roles([](bool m) { return frame(fin | op_text, "a\xE2\x82", m); }, streaming({}),
                         failed({begin_msg(opcode::text), chunk("a\xE2\x82")}, error::invalid_utf8));
    }
    SECTION("streaming hands out exactly the bytes before the bad one, whatever the split") {
        check_both_roles([](bool m) { return cat({frame(op_text, "abc", m), frame(fin | op_cont, "de\xE0\x80z", m)}); },
                         streaming({}), failed({begin_msg(opcode::text), chunk("abcde\xE0")}, error::invalid_utf8));
    }
    SECTION("valid messages before the bad one are delivered") {
        check_both_roles([](bool m) { return cat({frame(fin | op_text, "good", m), frame(fin | op_text, "\x80", m)}); },
                         {}, failed({msg(opcode::text, "good")}, error::invalid_utf8));
    }
}

// ================================================================ reader properties

TEST_CASE("a single-frame message fed in one piece is a view into that piece") {
    reader r(server());
    recorder rec;
    bytes in = cat({frame(fin | op_text, "zero copy", true), frame(fin | op_bin, std::string(70000, 'b'), true)});
    const std::size_t second = in.size() - 70000;
    REQUIRE_FALSE(r.feed(in.data(), in.size(), rec));
    REQUIRE(rec.events.size() == 2);
    CHECK(rec.events[0].payload == "zero copy");
    CHECK(rec.last_message_data == in.data() + second); // the 64 KiB message, unmasked in place
    CHECK(in[second] == 'b');

    // Cut inside the payload: assembled in the reader's own buffer instead.
    bytes in2 = frame(fin | op_text, "assembled", true);
    REQUIRE_FALSE(r.feed(in2.data(), 8, rec));
    REQUIRE_FALSE(r.feed(in2.data() + 8, in2.size() - 8, rec));
    REQUIRE(rec.events.size() == 3);
    CHECK(rec.events[2].payload == "assembled");
    CHECK((rec.last_message_data < in2.data() || rec.last_message_data >= in2.data() + in2.size()));
}

TEST_CASE("streaming data always points into the fed buffer") {
    struct pointer_checker {
        const std::uint8_t* lo = nullptr;
        const std::uint8_t* hi = nullptr;
        bool all_inside = true;
        std::size_t bytes = 0;
        void on_message_begin(opcode, bool) {}
        void on_message_data(const std::uint8_t* d, std::size_t n) {
            all_inside = all_inside && d >= lo && d + n <= hi;
            bytes += n;
        }
        void on_message_end() {}
        void on_ping(const std::uint8_t*, std::size_t) {}
        void on_pong(const std::uint8_t*, std::size_t) {}
        void on_close(std::uint16_t, std::string_view) {}
    };
    reader r(streaming(server()));
    pointer_checker v;
    bytes in = cat({frame(op_text, std::string(300, 'x'), true), frame(fin | op_cont, std::string(5000, 'y'), true)});
    for (std::size_t pos = 0; pos < in.size(); pos += 97) {
        const std::size_t k = std::min<std::size_t>(97, in.size() - pos);
        v.lo = in.data() + pos;
        v.hi = v.lo + k;
        REQUIRE_FALSE(r.feed(in.data() + pos, k, v));
    }
    CHECK(v.all_inside);
    CHECK(v.bytes == 5300);
}

TEST_CASE("a failed reader keeps its error until reset") {
    reader r(server());
    recorder rec;
    bytes bad = frame(fin | op_text, "x", false);
    CHECK(r.feed(bad.data(), bad.size(), rec) == error::unmasked_frame);
    bytes good = frame(fin | op_text, "y", true);
    CHECK(r.feed(good.data(), good.size(), rec) == error::unmasked_frame);
    CHECK(r.feed(nullptr, 0, rec) == error::unmasked_frame);
    CHECK(rec.events.empty());
    r.reset();
    good = frame(fin | op_text, "y", true);
    CHECK_FALSE(r.feed(good.data(), good.size(), rec));
    REQUIRE(rec.events.size() == 1);
    CHECK(rec.events[0].payload == "y");
}

// A visitor that pauses the reader after every `every`-th event.
struct pausing_recorder : recorder {
    reader* r = nullptr;
    int every = 1, seen = 0;
    void count() {
        if (++seen % every == 0) r->pause();
    }
    void on_message(opcode op, const std::uint8_t* d, std::size_t n, bool compressed) {
        recorder::on_message(op, d, n, compressed);
        count();
    }
    void on_ping(const std::uint8_t* d, std::size_t n) {
        recorder::on_ping(d, n);
        count();
    }
};

TEST_CASE("feed_some stops after the event that paused it, and the rest goes on from there") {
    const bytes input = cat({frame(fin | op_text, "one", true), frame(fin | op_ping, "p", true),
                             frame(op_text, "tw", true), frame(fin | op_cont, "o", true),
                             frame(fin | op_bin, std::string(300, 'b'), true), frame(fin | op_text, "last", true)});
    for (int every : {1, 2, 3}) {
        reader r(server());
        pausing_recorder rec;
        rec.r = &r;
        rec.every = every;
        bytes buf = input;
        std::size_t at = 0, calls = 0;
        std::error_code ec;
        while (at < buf.size()) {
            const std::size_t before = rec.events.size();
            const std::size_t used = r.feed_some(buf.data() + at, buf.size() - at, rec, ec);
            REQUIRE_FALSE(ec);
            REQUIRE(used > 0);
            at += used;
            ++calls;
            // A paused call ended exactly on an event boundary: it made
            // `every` events (the last call may make fewer).
            if (at < buf.size()) CHECK(rec.events.size() - before == static_cast<std::size_t>(every));
        }
        CHECK(at == buf.size());
        CHECK(calls == (5 + static_cast<std::size_t>(every) - 1) / static_cast<std::size_t>(every));
        REQUIRE(rec.events.size() == 5);
        CHECK(rec.events[0].payload == "one");
        CHECK(rec.events[1].kind == event::ping);
        CHECK(rec.events[2].payload == "two");
        CHECK(rec.events[3].payload == std::string(300, 'b'));
        CHECK(rec.events[4].payload == "last");
    }
}

TEST_CASE("a pause in the last event of a buffer does not stop the next feed") {
    reader r(server());
    pausing_recorder rec;
    rec.r = &r;
    bytes a = frame(fin | op_text, "a", true);
    std::error_code ec;
    CHECK(r.feed_some(a.data(), a.size(), rec, ec) == a.size());
    bytes b = cat({frame(fin | op_text, "b", true), frame(fin | op_text, "c", true)});
    CHECK(r.feed_some(b.data(), b.size(), rec, ec) == b.size() / 2); // paused after "b", not before it
    CHECK_FALSE(ec);
    // feed() ignores pauses: it consumes everything.
    bytes c = cat({frame(fin | op_text, "d", true), frame(fin | op_text, "e", true)});
    CHECK_FALSE(r.feed(c.data(), c.size(), rec));
    REQUIRE(rec.events.size() == 4);
    CHECK(rec.events[3].payload == "e");
}

TEST_CASE("feed_some reports errors as feed does, and drops the rest") {
    reader r(server());
    pausing_recorder rec;
    rec.r = &r;
    rec.every = 100;
    bytes in = cat({frame(fin | op_text, "ok", true), frame(fin | op_text, "bad", false), frame(fin | op_text, "x", true)});
    std::error_code ec;
    CHECK(r.feed_some(in.data(), in.size(), rec, ec) == in.size());
    CHECK(ec == error::unmasked_frame);
    CHECK(rec.events.size() == 1);
}

TEST_CASE("in_message, closed and reset") {
    reader r(client());
    recorder rec;
    bytes a = frame(op_text, "a", false);
    bytes b = frame(fin | op_cont, "b", false);
    bytes c = frame(fin | op_close, "", false);
    CHECK_FALSE(r.in_message());
    REQUIRE_FALSE(r.feed(a.data(), a.size(), rec));
    CHECK(r.in_message());
    REQUIRE_FALSE(r.feed(b.data(), b.size(), rec));
    CHECK_FALSE(r.in_message());
    CHECK_FALSE(r.closed());
    REQUIRE_FALSE(r.feed(c.data(), c.size(), rec));
    CHECK(r.closed());
    r.reset();
    CHECK_FALSE(r.closed());
    a = frame(op_text, "a", false);
    REQUIRE_FALSE(r.feed(a.data(), 3, rec)); // a frame half read...
    r.reset();                              // ...is forgotten
    CHECK_FALSE(r.in_message());
    bytes d = frame(fin | op_bin, "d", false);
    REQUIRE_FALSE(r.feed(d.data(), d.size(), rec));
    CHECK(rec.events.back().payload == "d");
}

TEST_CASE("visitors need only the members of their mode") {
    struct whole_only {
        int messages = 0;
        void on_message(opcode, const std::uint8_t*, std::size_t, bool) { ++messages; }
        void on_ping(const std::uint8_t*, std::size_t) {}
        void on_pong(const std::uint8_t*, std::size_t) {}
        void on_close(std::uint16_t, std::string_view) {}
    };
    struct streaming_only {
        int ends = 0;
        void on_message_begin(opcode, bool) {}
        void on_message_data(const std::uint8_t*, std::size_t) {}
        void on_message_end() { ++ends; }
        void on_ping(const std::uint8_t*, std::size_t) {}
        void on_pong(const std::uint8_t*, std::size_t) {}
        void on_close(std::uint16_t, std::string_view) {}
    };
    bytes in = frame(fin | op_text, "x", false);
    whole_only w;
    reader r1(client());
    CHECK_FALSE(r1.feed(in.data(), in.size(), w));
    CHECK(w.messages == 1);

    in = frame(fin | op_text, "x", false);
    streaming_only s;
    reader r2(streaming(client()));
    CHECK_FALSE(r2.feed(in.data(), in.size(), s));
    CHECK(s.ends == 1);

    reader r3(streaming(client()));
    try {
        r3.feed(in.data(), in.size(), w);
        FAIL("expected std::system_error");
    } catch (const std::system_error& e) {
        CHECK(e.code() == error::invalid_state);
    }
    reader r4(client());
    CHECK_THROWS_AS(r4.feed(in.data(), in.size(), s), std::system_error);
}

TEST_CASE("steady state does not allocate") {
    if (!g_counting_allocations) {
        WARN("allocations are not counted in a sanitizer build");
        return;
    }
    struct counting {
        std::size_t bytes = 0;
        void on_message(opcode, const std::uint8_t*, std::size_t n, bool) { bytes += n; }
        void on_ping(const std::uint8_t*, std::size_t) {}
        void on_pong(const std::uint8_t*, std::size_t) {}
        void on_close(std::uint16_t, std::string_view) {}
    };
    // A fragmented message with a ping inside, and a single-frame message cut
    // in the middle: both go through the assembly buffer.
    const bytes proto = cat({frame(op_text, std::string(3000, 'a'), true), frame(fin | op_ping, "p", true),
                             frame(fin | op_cont, std::string(2000, 'b'), true),
                             frame(fin | op_bin, std::string(4000, 'c'), true)});
    std::vector<bytes> copies(50, proto);
    reader r(server());
    counting v;
    REQUIRE_FALSE(r.feed(copies[0].data(), 5000, v)); // warm up: the buffer grows once
    REQUIRE_FALSE(r.feed(copies[0].data() + 5000, copies[0].size() - 5000, v));
    const std::size_t before = g_allocations.load();
    for (std::size_t i = 1; i < copies.size(); ++i) {
        REQUIRE_FALSE(r.feed(copies[i].data(), 5000, v));
        REQUIRE_FALSE(r.feed(copies[i].data() + 5000, copies[i].size() - 5000, v));
    }
    const std::size_t after = g_allocations.load();
    CHECK(after == before);
    CHECK(v.bytes == 50 * 9000);
}

TEST_CASE("a huge message's buffer is given back afterwards") {
    if (!g_counting_allocations) {
        WARN("allocations are not counted in a sanitizer build");
        return;
    }
    // Not observable through the API except as memory; checked by counting
    // allocations: the second large message must allocate again.
    struct counting {
        void on_message(opcode, const std::uint8_t*, std::size_t, bool) {}
        void on_ping(const std::uint8_t*, std::size_t) {}
        void on_pong(const std::uint8_t*, std::size_t) {}
        void on_close(std::uint16_t, std::string_view) {}
    };
    reader r(client());
    counting v;
    bytes big = frame(fin | op_bin, std::string(reader::retained_capacity * 2, 'x'), false);
    bytes big2 = big;
    REQUIRE_FALSE(r.feed(big.data(), 100, v));
    REQUIRE_FALSE(r.feed(big.data() + 100, big.size() - 100, v));
    const std::size_t before = g_allocations.load();
    REQUIRE_FALSE(r.feed(big2.data(), 100, v));
    REQUIRE_FALSE(r.feed(big2.data() + 100, big2.size() - 100, v));
    CHECK(g_allocations.load() > before);
}
