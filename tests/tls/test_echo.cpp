// Copyright (c) 2026 wsx developers. Distributed under the Boost Software License, Version 1.0.
// wss:// loopback: a wsx::client against a wsx::server's listen_tls() port on 127.0.0.1.
// Payload sizes straddle the frame-length encodings and the TLS record size
// (16 KiB), up to 1 MiB; a burst checks order across coalesced writes; both
// sides close cleanly.

#include "wsx_catch.hpp"
#include "tls_fixture.hpp"

#include <cstddef>
#include <string>
#include <vector>

using namespace wsx_test;

namespace {

constexpr std::size_t mib = 1024 * 1024;

struct received {
    bool binary;
    std::string bytes;
};

struct echo_pair {
    asio::io_context io;
    tls_echo_server server{io, cert_of(pki().server)};
    wsx::client client{io, trusting_test_ca()};
    bool open = false;
    std::vector<received> got;
    std::vector<std::error_code> errors;
    wsx::close_reason close;
    int closes = 0;

    explicit echo_pair(const std::string& host = "127.0.0.1") {
        client.on_open([this](wsx::session&) { open = true; })
            .on_message([this](wsx::session&, const wsx::message& m) {
                got.push_back({m.is_binary(), std::string(m.text())});
            })
            .on_error([this](wsx::session&, std::error_code ec) { errors.push_back(ec); })
            .on_close([this](wsx::session&, const wsx::close_reason& r) {
                close = r;
                ++closes;
            });
        client.connect(wss_url(server.port(), host));
        REQUIRE(run_until(io, [&] { return open || closes > 0; }));
        INFO("first error: " << (errors.empty() ? std::string("none") : errors.front().message()));
        REQUIRE(open);
    }
};

} // namespace

TEST_CASE("tls echo: text and binary round trip at every length boundary up to 1 MiB", "[tls][echo]") {
    echo_pair p;
    const std::vector<std::size_t> sizes = {0,     1,     125,   126,   127,       16383,   16384,
                                            16385, 65535, 65536, 65537, 100'000, mib};
    std::size_t expected = 0;
    for (std::size_t n : sizes) {
        for (bool binary : {false, true}) {
            INFO("size " << n << (binary ? " binary" : " text"));
            std::string payload = binary ? pattern_bytes(n, static_cast<unsigned>(n)) : pattern_text(n, static_cast<unsigned>(n));
            if (binary)
                p.client.send(wsx::message::binary(payload));
            else
                p.client.send(payload);
            ++expected;
            REQUIRE(run_until(p.io, [&] { return p.got.size() == expected || p.closes > 0; }));
            REQUIRE(p.closes == 0);
            REQUIRE(p.got.size() == expected);
            CHECK(p.got.back().binary == binary);
            CHECK(p.got.back().bytes.size() == n);
            CHECK(p.got.back().bytes == payload);
        }
    }
    CHECK(p.errors.empty());
}

TEST_CASE("tls echo: a burst of messages comes back complete and in order", "[tls][echo]") {
    echo_pair p;
    constexpr int count = 2000;
    for (int i = 0; i < count; ++i) p.client.send("message " + std::to_string(i) + " " + pattern_text(static_cast<std::size_t>(i % 300)));
    REQUIRE(run_until(p.io, [&] { return p.got.size() == count || p.closes > 0; }));
    REQUIRE(p.got.size() == count);
    for (int i = 0; i < count; ++i)
        REQUIRE(p.got[static_cast<std::size_t>(i)].bytes ==
                "message " + std::to_string(i) + " " + pattern_text(static_cast<std::size_t>(i % 300)));
}

TEST_CASE("tls echo: the URL's host name is what the certificate is checked against", "[tls][echo]") {
    // wss://localhost resolves to 127.0.0.1 here; the certificate names
    // both, so this exercises the DNS-name path (with SNI) as the default
    // fixture exercises the IP-address path (without SNI).
    echo_pair p("localhost");
    CHECK(p.server.asked_names.back() == "localhost");
    echo_pair q("127.0.0.1");
    CHECK(q.server.asked_names.back().empty()); // RFC 6066 3: no SNI for an IP address
}

TEST_CASE("tls echo: a client close ends both sides cleanly with 1000", "[tls][close]") {
    echo_pair p;
    p.client.close(wsx::close_code::normal, "bye");
    REQUIRE(run_until(p.io, [&] { return p.closes > 0 && !p.server.closes.empty(); }));
    CHECK(p.close.code == wsx::close_code::normal); // the server's echo of our code
    CHECK(p.server.closes.front().code == wsx::close_code::normal);
    CHECK(p.server.closes.front().reason == "bye");
    CHECK(p.errors.empty());
    CHECK(p.server.errors.empty());
    CHECK(run_until(p.io, [&] { return p.server.server.session_count() == 0; }));
}

TEST_CASE("tls echo: a server shutdown closes with 1001 and the io_context runs dry", "[tls][close]") {
    echo_pair p;
    p.server.server.stop();
    REQUIRE(run_until(p.io, [&] { return p.closes > 0; }));
    CHECK(p.close.code == wsx::close_code::going_away);
    CHECK(p.errors.empty());
    CHECK(run_to_completion(p.io));
}

TEST_CASE("tls echo: many clients at once against a server run by several threads", "[tls][echo][threads]") {
    asio::io_context server_io;
    tls_echo_server server(server_io, cert_of(pki().server));
    io_threads threads(server_io, 4);

    asio::io_context io;
    constexpr int clients = 16;
    constexpr int messages = 50;
    std::vector<std::unique_ptr<tls_probe>> probes;
    for (int i = 0; i < clients; ++i) {
        probes.push_back(std::make_unique<tls_probe>(io, trusting_test_ca()));
        auto* p = probes.back().get();
        p->client.on_open([p, i](wsx::session& s) {
            p->opened = true;
            for (int m = 0; m < messages; ++m) s.send(std::to_string(i) + ":" + std::to_string(m) + ":" + pattern_text(static_cast<std::size_t>(m * 97)));
        });
        p->client.connect(wss_url(server.port()));
    }
    REQUIRE(run_until(io, [&] {
        for (auto& p : probes)
            if (p->received.size() < messages && p->closes == 0) return false;
        return true;
    }));
    for (int i = 0; i < clients; ++i) {
        auto& p = *probes[static_cast<std::size_t>(i)];
        INFO("client " << i << ": " << p.first_error().message());
        REQUIRE(p.received.size() == messages);
        for (int m = 0; m < messages; ++m)
            CHECK(p.received[static_cast<std::size_t>(m)] ==
                  std::to_string(i) + ":" + std::to_string(m) + ":" + pattern_text(static_cast<std::size_t>(m * 97)));
        p.client.close();
    }
    REQUIRE(run_until(io, [&] {
        for (auto& p : probes)
            if (p->closes == 0) return false;
        return true;
    }));
    for (auto& p : probes) CHECK(p->errors.empty());
    CHECK(eventually([&] { return server.server.session_count() == 0; }));
}
