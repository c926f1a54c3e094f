// Copyright (c) 2026 wsx developers. Distributed under the Boost Software License, Version 1.0.
// wss:// through an HTTP CONNECT proxy (a real tinyproxy, tinyproxy.hpp):
// TLS runs end to end inside the tunnel, and SNI and the certificate check
// use the target's name, never the proxy's. Each test names the proxy and
// the target differently (one by name, one by address), so that using the
// wrong one shows: a client sends no SNI for an address.

#include "wsx_catch.hpp"
#include "tinyproxy.hpp"
#include "tls_fixture.hpp"

#include <string>

using namespace wsx_test;

TEST_CASE("tls proxy: wss://localhost through a proxy at 127.0.0.1 asks for localhost", "[tls][proxy]") {
    asio::io_context io;
    tls_echo_server server(io, wsx::tls_server_options(cert_of(pki().server)));
    tinyproxy_process proxy;
    tls_probe p(io, trusting_test_ca());
    p.client.proxy(proxy.url());
    REQUIRE(p.connect(wss_url(server.port(), "localhost")));
    INFO(p.first_error().message());
    REQUIRE(p.opened);
    p.client.send("secret through the tunnel");
    REQUIRE(run_until(io, [&] { return !p.received.empty(); }));
    CHECK(p.received[0] == "secret through the tunnel");
    REQUIRE(server.asked_names.size() == 1);
    CHECK(server.asked_names[0] == "localhost");
    CHECK(proxy.count_in_log("CONNECT localhost:" + std::to_string(server.port()) + " ") == 1);
    p.client.close();
    REQUIRE(run_until(io, [&] { return p.closes > 0; }));
    CHECK(p.close.code == 1000);
}

TEST_CASE("tls proxy: wss://127.0.0.1 through a proxy named localhost sends no SNI", "[tls][proxy]") {
    asio::io_context io;
    tls_echo_server server(io, wsx::tls_server_options(cert_of(pki().server)));
    tinyproxy_process proxy;
    tls_probe p(io, trusting_test_ca());
    p.client.proxy("http://localhost:" + std::to_string(proxy.port()));
    REQUIRE(p.connect(wss_url(server.port(), "127.0.0.1")));
    INFO(p.first_error().message());
    REQUIRE(p.opened);
    REQUIRE(server.asked_names.size() == 1);
    CHECK(server.asked_names[0].empty());
    p.client.close();
    REQUIRE(run_until(io, [&] { return p.closes > 0; }));
}

TEST_CASE("tls proxy: the certificate is still checked against the target's name", "[tls][proxy]") {
    asio::io_context io;
    // A certificate for other.test only, served to a client that asks for localhost.
    tls_echo_server server(io, wsx::tls_server_options(cert_of(pki().other)));
    tinyproxy_process proxy;
    tls_probe p(io, trusting_test_ca());
    p.client.proxy(proxy.url());
    REQUIRE(p.connect(wss_url(server.port(), "localhost")));
    CHECK_FALSE(p.opened);
    CHECK(p.first_error() == wsx::tls_error::host_name_mismatch);
    CHECK(p.close.code == 1006);
    CHECK(server.opens == 0);
}
