// permessage-deflate end to end: a wsx client and server over loopback
// negotiate it, exchange compressed messages both ways (with context
// takeover across messages), and enforce the message limit on the inflated
// size, so a small compressed frame cannot become a huge message.

#include "wsx_catch.hpp"
#include "loopback.hpp"

#include <wsx/deflate.hpp>
#include <wsx/wsx.hpp>

#include <string>
#include <vector>

using namespace wsx_test;

namespace {
std::string url(wsx::server& s, const char* path) { return "ws://127.0.0.1:" + std::to_string(s.port()) + path; }
} // namespace

TEST_CASE("deflate session: negotiated, messages round trip compressed both ways", "[deflate][session]") {
    asio::io_context io;
    wsx::server server{io};
    server.default_options().deflate = wsx::enable_deflate();
    server.default_options().deflate.compress_threshold = 0;
    std::string server_ext;
    server.endpoint("/z")
        .on_open([&](wsx::session& s) { server_ext = s.extensions(); })
        .on_message([](wsx::session& s, const wsx::message& m) { s.send(m); });
    server.listen("127.0.0.1", 0);

    wsx::client c{io};
    c.options().deflate = wsx::enable_deflate();
    c.options().deflate.compress_threshold = 0;
    const std::vector<std::string> sent = {"hello", "hello", std::string(100000, 'a'), "", "héllo wörld ✓",
                                           std::string(70000, 'z') + "end"};
    std::vector<std::string> got;
    std::string client_ext;
    bool closed = false;
    c.on_open([&](wsx::session& s) {
         client_ext = s.extensions();
         for (auto& m : sent) s.send(m);
         s.send_binary(std::string("\x00\x01\x02", 3));
     })
        .on_message([&](wsx::session& s, const wsx::message& m) {
            got.emplace_back(m.text());
            if (got.size() == sent.size() + 1) s.close();
        })
        .on_close([&](wsx::session&, const wsx::close_reason&) { closed = true; });
    c.connect(url(server, "/z"));
    REQUIRE(run_until(io, [&] { return closed; }));
    CHECK(client_ext.find("permessage-deflate") == 0);
    CHECK(server_ext.find("permessage-deflate") == 0);
    REQUIRE(got.size() == sent.size() + 1);
    for (std::size_t i = 0; i < sent.size(); ++i) CHECK(got[i] == sent[i]);
    CHECK(got.back() == std::string("\x00\x01\x02", 3));
    server.stop();
    CHECK(run_to_completion(io));
}

TEST_CASE("deflate session: not offered or not enabled means no extension", "[deflate][session]") {
    asio::io_context io;
    wsx::server server{io};
    server.default_options().deflate = wsx::enable_deflate();
    server.endpoint("/z").on_message([](wsx::session& s, const wsx::message& m) { s.send(m); });
    server.listen("127.0.0.1", 0);

    wsx::client c{io}; // deflate not enabled on the client: no offer
    std::string ext = "unset";
    bool echoed = false;
    c.on_open([&](wsx::session& s) {
         ext = s.extensions();
         s.send("plain");
     })
        .on_message([&](wsx::session& s, const wsx::message& m) {
            echoed = m.text() == "plain";
            s.close();
        });
    c.connect(url(server, "/z"));
    REQUIRE(run_until(io, [&] { return echoed; }));
    CHECK(ext.empty());
    server.stop();
    CHECK(run_to_completion(io));
}

TEST_CASE("deflate session: the size limit applies to the inflated message (1009)", "[deflate][session]") {
    asio::io_context io;
    wsx::server server{io};
    server.default_options().deflate = wsx::enable_deflate();
    server.default_options().max_message_size = 64 * 1024;
    std::vector<std::string> errors;
    std::vector<std::uint16_t> closes;
    server.endpoint("/z")
        .on_error([&](wsx::session&, std::error_code ec) { errors.push_back(ec.message()); })
        .on_close([&](wsx::session&, const wsx::close_reason& r) { closes.push_back(r.code); });
    server.listen("127.0.0.1", 0);

    wsx::client c{io};
    c.options().deflate = wsx::enable_deflate();
    std::uint16_t client_close = 0;
    c.on_open([](wsx::session& s) { s.send(std::string(4 * 1024 * 1024, 'x')); }) // ~4 KiB compressed
        .on_close([&](wsx::session&, const wsx::close_reason& r) { client_close = r.code; });
    c.connect(url(server, "/z"));
    REQUIRE(run_until(io, [&] { return client_close != 0 && !closes.empty(); }));
    CHECK(client_close == 1009);
    CHECK(closes == std::vector<std::uint16_t>{1009});
    REQUIRE(errors.size() == 1);
    server.stop();
    CHECK(run_to_completion(io));
}
