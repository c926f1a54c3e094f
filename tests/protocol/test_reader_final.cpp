// Copyright (c) 2026 wsx developers. Distributed under the Boost Software License, Version 1.0.
// The streaming reader's `final` flag (on_message_data with a third
// argument): true exactly on the data that ends a message, whatever the
// feed() splits, never on data a later check refuses, and never when the
// message ends with an empty frame (on_message_end then stands alone).

#include <wsx/protocol/reader.hpp>

#include "wsx_catch.hpp"

#include <cstdint>
#include <string>
#include <vector>

using namespace wsx::protocol;

namespace {

// An unmasked frame, as a server sends it (the reader below is a client's).
std::vector<std::uint8_t> frame(std::uint8_t b0, const std::string& payload) {
    std::vector<std::uint8_t> f{b0};
    if (payload.size() < 126) {
        f.push_back(static_cast<std::uint8_t>(payload.size()));
    } else {
        f.push_back(126);
        f.push_back(static_cast<std::uint8_t>(payload.size() >> 8));
        f.push_back(static_cast<std::uint8_t>(payload.size() & 0xFF));
    }
    f.insert(f.end(), payload.begin(), payload.end());
    return f;
}

struct events {
    std::string data;
    int finals = 0;       // data calls with final set
    bool final_last = false; // the last data call had it
    int ends = 0;
    int begins = 0;
    void on_message_begin(opcode, bool) { ++begins; }
    void on_message_data(const std::uint8_t* p, std::size_t n, bool final) {
        data.append(reinterpret_cast<const char*>(p), n);
        finals += final ? 1 : 0;
        final_last = final;
    }
    void on_message_end() { ++ends; }
    void on_ping(const std::uint8_t*, std::size_t) {}
    void on_pong(const std::uint8_t*, std::size_t) {}
    void on_close(std::uint16_t, std::string_view) {}
};

reader streaming_client() {
    reader_options o;
    o.local_role = role::client;
    o.streaming = true;
    return reader(o);
}

// Feeds `bytes` in pieces of `step` bytes.
std::error_code feed_in(reader& r, std::vector<std::uint8_t> bytes, std::size_t step, events& e) {
    for (std::size_t at = 0; at < bytes.size(); at += step) {
        const std::size_t n = bytes.size() - at < step ? bytes.size() - at : step;
        if (auto ec = r.feed(bytes.data() + at, n, e)) return ec;
    }
    return {};
}

std::vector<std::uint8_t> cat(std::vector<std::vector<std::uint8_t>> parts) {
    std::vector<std::uint8_t> all;
    for (auto& p : parts) all.insert(all.end(), p.begin(), p.end());
    return all;
}

} // namespace

TEST_CASE("reader final flag: set once, on the data that ends the message, for any split", "[protocol][reader]") {
    const auto fragmented = cat({frame(0x01, "hello "), frame(0x00, "wor"), frame(0x80, "ld \xE2\x82\xAC")});
    for (std::size_t step : {std::size_t{1}, std::size_t{2}, std::size_t{3}, std::size_t{7}, fragmented.size()}) {
        reader r = streaming_client();
        events e;
        REQUIRE(!feed_in(r, fragmented, step, e));
        CHECK(e.data == "hello world \xE2\x82\xAC");
        CHECK(e.finals == 1);
        CHECK(e.final_last);
        CHECK(e.ends == 1);
    }
}

TEST_CASE("reader final flag: an empty final frame leaves it to on_message_end", "[protocol][reader]") {
    reader r = streaming_client();
    events e;
    REQUIRE(!feed_in(r, cat({frame(0x02, "abc"), frame(0x80, "")}), 1, e));
    CHECK(e.data == "abc");
    CHECK(e.finals == 0);
    CHECK(e.ends == 1);
    // An empty message: no data at all, one end.
    events empty;
    reader r2 = streaming_client();
    REQUIRE(!feed_in(r2, frame(0x81, ""), 1, empty));
    CHECK(empty.begins == 1);
    CHECK(empty.finals == 0);
    CHECK(empty.ends == 1);
}

TEST_CASE("reader final flag: never on text that ends in the middle of a code point", "[protocol][reader]") {
    for (std::size_t step : {std::size_t{1}, std::size_t{64}}) {
        reader r = streaming_client();
        events e;
        CHECK(feed_in(r, frame(0x81, "ab\xE2\x82"), step, e) == wsx::error::invalid_utf8);
        CHECK(e.finals == 0);
        CHECK(e.ends == 0);
    }
}
