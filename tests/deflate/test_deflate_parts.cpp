// Copyright (c) 2026 wsx developers. Distributed under the Boost Software License, Version 1.0.
// Messages in parts with permessage-deflate: a compressed message reaches
// on_message_part inflated piece by piece (chunks bounded, text cut only
// between code points, the size limit on the inflated bytes), and a
// send_stream() message goes out uncompressed on a compressing connection.

#include "wsx_catch.hpp"
#include "loopback.hpp"

#include <wsx/deflate.hpp>
#include <wsx/detail/session_access.hpp>
#include <wsx/wsx.hpp>

#include <algorithm>
#include <string>
#include <vector>

using namespace wsx_test;

namespace {

// Compressible text with two- and three-byte code points.
std::string long_text(std::size_t n) {
    const std::string words[] = {"alpha ", "\xC3\xA9t\xC3\xA9 ", "\xE2\x82\xAC" "42 ", "line\n", "omega "};
    std::string s;
    for (std::size_t i = 0; s.size() < n; ++i) s += words[(i * 7 + i / 3) % 5];
    return s;
}

bool whole_utf8(std::string_view s) {
    wsx::protocol::utf8_validator v;
    return v.feed(reinterpret_cast<const std::uint8_t*>(s.data()), s.size()) && v.complete();
}

} // namespace

TEST_CASE("deflate parts: a compressed message is inflated as it arrives, in whole code points",
          "[deflate][parts]") {
    asio::io_context io;
    wsx::server server{io};
    server.default_options().deflate = wsx::enable_deflate();
    std::string got;
    std::size_t lasts = 0, max_chunk = 0, max_held = 0, broken = 0;
    std::vector<std::error_code> errors;
    server.endpoint("/p")
        .on_message_part([&](wsx::session& s, std::string_view chunk, bool last) {
            if (!whole_utf8(chunk)) ++broken;
            got += chunk;
            max_chunk = std::max(max_chunk, chunk.size());
            max_held = std::max(max_held, wsx::detail::session_access::memory_held(s));
            if (last) {
                ++lasts;
                s.send("size " + std::to_string(got.size()));
            }
        })
        .on_error([&](wsx::session&, std::error_code ec) { errors.push_back(ec); });
    server.listen("127.0.0.1", 0);

    const std::string text = long_text(8u << 20);
    wsx::client c{io};
    c.options().deflate = wsx::enable_deflate();
    c.options().deflate.compress_threshold = 0;
    std::string reply;
    c.on_open([&](wsx::session& s) { s.send(text); })
        .on_message([&](wsx::session&, const wsx::message& m) { reply = std::string(m.text()); });
    c.connect(url_for(server, "/p"));
    REQUIRE(run_until(io, [&] { return !reply.empty() || !errors.empty(); }));
    CHECK(errors.empty());
    CHECK(reply == "size " + std::to_string(text.size()));
    CHECK(got == text);
    CHECK(lasts == 1);
    CHECK(broken == 0);
    // One inflate step's output at most (1 KiB of input), never the message.
    CHECK(max_chunk <= (1u << 20) + 64 * 1024);
    CHECK(max_held < (4u << 20));
    c.close();
    server.stop();
    CHECK(run_to_completion(io));
}

TEST_CASE("deflate parts: the size limit counts inflated bytes (1009)", "[deflate][parts]") {
    asio::io_context io;
    wsx::server server{io};
    server.default_options().deflate = wsx::enable_deflate();
    server.default_options().max_message_size = 64 * 1024;
    std::size_t delivered = 0, lasts = 0;
    std::vector<std::error_code> errors;
    server.endpoint("/p")
        .on_message_part([&](wsx::session&, wsx::byte_view chunk, bool last) {
            delivered += chunk.size();
            lasts += last ? 1 : 0;
        })
        .on_error([&](wsx::session&, std::error_code ec) { errors.push_back(ec); });
    server.listen("127.0.0.1", 0);

    wsx::client c{io};
    c.options().deflate = wsx::enable_deflate();
    c.options().deflate.compress_threshold = 0;
    int closed = 0;
    c.on_open([](wsx::session& s) { s.send_binary(std::string(1u << 20, 'z')); }) // ~1 KiB compressed
        .on_close([&](wsx::session&, const wsx::close_reason& r) { closed = r.code; });
    c.connect(url_for(server, "/p"));
    REQUIRE(run_until(io, [&] { return closed != 0; }));
    CHECK(closed == 1009);
    REQUIRE(errors.size() == 1);
    CHECK(errors[0] == wsx::error::message_too_big);
    CHECK(delivered <= 64 * 1024);
    CHECK(lasts == 0);
    server.stop();
    CHECK(run_to_completion(io));
}

TEST_CASE("deflate parts: a stream on a compressing connection is sent uncompressed, and arrives whole",
          "[deflate][stream]") {
    asio::io_context io;
    wsx::server server{io};
    server.default_options().deflate = wsx::enable_deflate();
    server.default_options().deflate.compress_threshold = 0;
    const std::string a = long_text(100'000), b = long_text(5'000);
    server.endpoint("/s").on_open([&](wsx::session& s) {
        auto w = s.send_stream();
        w.write(a);
        s.send("compressed, after"); // waits for the stream, then goes compressed
        w.write(b);
        w.finish();
    });
    server.listen("127.0.0.1", 0);

    wsx::client c{io};
    c.options().deflate = wsx::enable_deflate();
    std::vector<std::string> got;
    std::string extensions;
    c.on_open([&](wsx::session& s) { extensions = s.extensions(); })
        .on_message([&](wsx::session&, const wsx::message& m) { got.emplace_back(m.text()); });
    c.connect(url_for(server, "/s"));
    REQUIRE(run_until(io, [&] { return got.size() == 2; }));
    CHECK(extensions.find("permessage-deflate") != std::string::npos);
    CHECK(got[0] == a + b);
    CHECK(got[1] == "compressed, after");
    c.close();
    server.stop();
    CHECK(run_to_completion(io));
}
