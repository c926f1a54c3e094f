// Copyright (c) 2026 wsx developers. Distributed under the Boost Software License, Version 1.0.
// The wrong protocol on the port: a ws:// client at a wss:// server, a
// wss:// client at a ws:// server, and bytes that are neither. Each ends
// at once with a clean error (never a hang, never a wait for a timeout:
// the handshake timeouts here are far longer than the tests' deadlines),
// and a TLS connection already open on the same server is unaffected.

#include "wsx_catch.hpp"
#include "tls_fixture.hpp"

#include <openssl/ssl.h>

#include <string>
#include <thread>
#include <vector>

using namespace wsx_test;

namespace {

// Long enough that only the protocol error, not the timeout, can end a
// connection within the tests' deadlines.
wsx::session_options patient() {
    wsx::session_options o;
    o.handshake_timeout = std::chrono::minutes(10);
    return o;
}

} // namespace

TEST_CASE("tls wrong protocol: a ws:// client at a wss:// port gets an error at once", "[tls][wrong]") {
    asio::io_context io;
    tls_echo_server server(io, cert_of(pki().server), patient());

    tls_probe good(io, trusting_test_ca());
    REQUIRE(good.connect(wss_url(server.port())));
    REQUIRE(good.opened);

    wsx::client plain(io);
    plain.options(patient());
    bool opened = false;
    int closes = 0;
    std::vector<std::error_code> errors;
    wsx::close_reason close;
    plain.on_open([&](wsx::session&) { opened = true; })
        .on_error([&](wsx::session&, std::error_code ec) { errors.push_back(ec); })
        .on_close([&](wsx::session&, const wsx::close_reason& r) {
            close = r;
            ++closes;
        });
    plain.connect("ws://127.0.0.1:" + std::to_string(server.port()) + "/echo");
    REQUIRE(run_until(io, [&] { return opened || closes > 0; }));
    CHECK_FALSE(opened);
    REQUIRE(errors.size() == 1);
    INFO("error: " << errors[0].message());
    // The server answers a plain HTTP request with a plain 400 before
    // closing, so the client can say what happened.
    CHECK(wsx::handshake_status(errors[0]) == 400);
    CHECK(close.code == wsx::close_code::abnormal);

    good.client.send("after the plain client");
    REQUIRE(run_until(io, [&] { return !good.received.empty() || good.closes > 0; }));
    CHECK(good.received == std::vector<std::string>{"after the plain client"});
    CHECK(server.opens.load() == 1);
}

TEST_CASE("tls wrong protocol: a wss:// client at a ws:// port is told the server does not speak TLS",
          "[tls][wrong]") {
    asio::io_context io;
    wsx::server server(io);
    server.default_options() = patient();
    int server_opens = 0;
    server.endpoint("/echo").on_open([&](wsx::session&) { ++server_opens; });
    server.listen("127.0.0.1", 0);

    tls_probe probe(io, trusting_test_ca());
    probe.client.options(patient());
    REQUIRE(probe.connect(wss_url(server.port())));
    CHECK_FALSE(probe.opened);
    REQUIRE(probe.errors.size() == 1);
    INFO("error: " << probe.errors[0].message());
    CHECK(probe.errors[0] == wsx::tls_error::not_tls);
    CHECK(probe.errors[0].message().find("does not speak TLS") != std::string::npos);
    CHECK(probe.closes == 1);
    CHECK(probe.close.code == wsx::close_code::abnormal);
    CHECK(server_opens == 0);
}

TEST_CASE("tls wrong protocol: garbage at a wss:// port is dropped at once", "[tls][wrong]") {
    asio::io_context io;
    tls_echo_server server(io, cert_of(pki().server), patient());
    io_threads threads(io);

    for (std::string junk : {std::string("\x16\x03\x01\x00\x05hello", 10), std::string(300, '\xff'),
                             std::string("SSH-2.0-OpenSSH_9.2\r\n")}) {
        raw_peer peer;
        peer.connect(server.port());
        (void)peer.try_write(junk);
        CHECK(peer.wait_closed());
    }
    CHECK(eventually([&] { return server.server.session_count() == 0; }));
    CHECK(server.opens.load() == 0);
}

TEST_CASE("tls wrong protocol: a server that hangs up during the TLS handshake", "[tls][wrong]") {
    raw_listener listener;
    asio::io_context io;
    tls_probe probe(io, trusting_test_ca());
    probe.client.options(patient());
    probe.client.connect(wss_url(listener.port()));
    raw_peer server_end;
    std::thread t([&] {
        if (server_end.accept(listener.acceptor)) {
            bool eof = false;
            (void)server_end.read_some(default_limit, eof); // the ClientHello
            server_end.close();
        }
    });
    bool ended = run_until(io, [&] { return probe.closes > 0; });
    t.join();
    REQUIRE(ended);
    CHECK_FALSE(probe.opened);
    REQUIRE(probe.errors.size() == 1);
    INFO("error: " << probe.errors[0].message());
    CHECK(probe.errors[0] == wsx::tls_error::closed_during_handshake);
}

TEST_CASE("tls wrong protocol: no TLS version in common is a clear error on the client", "[tls][wrong]") {
    asio::io_context io;
    // The server stops at TLS 1.2 (an option wsx does not have: through configure).
    wsx::tls_server_options so(cert_of(pki().server));
    so.configure = [](SSL_CTX* ctx) { SSL_CTX_set_max_proto_version(ctx, TLS1_2_VERSION); };
    tls_echo_server server(io, so, patient());
    auto opts = trusting_test_ca();
    opts.min_version = wsx::tls_version::tls1_3;
    tls_probe probe(io, opts);
    probe.client.options(patient());
    REQUIRE(probe.connect(wss_url(server.port())));
    CHECK_FALSE(probe.opened);
    REQUIRE(probe.errors.size() == 1);
    INFO("error: " << probe.errors[0].message());
    CHECK(probe.errors[0] == wsx::tls_error::no_common_version);
    CHECK_FALSE(wsx::is_certificate_error(probe.errors[0]));
    CHECK(server.opens.load() == 0);
}

TEST_CASE("tls wrong protocol: no cipher in common is a clear error on the client", "[tls][wrong]") {
    asio::io_context io;
    wsx::tls_server_options so(cert_of(pki().server));
    so.ciphers = "ECDHE-ECDSA-AES256-GCM-SHA384";
    so.configure = [](SSL_CTX* ctx) { SSL_CTX_set_max_proto_version(ctx, TLS1_2_VERSION); };
    tls_echo_server server(io, so, patient());
    auto opts = trusting_test_ca();
    opts.ciphers = "ECDHE-ECDSA-CHACHA20-POLY1305";
    tls_probe probe(io, opts);
    probe.client.options(patient());
    REQUIRE(probe.connect(wss_url(server.port())));
    CHECK_FALSE(probe.opened);
    REQUIRE(probe.errors.size() == 1);
    INFO("error: " << probe.errors[0].message());
    // The server refuses with a handshake_failure alert: the client only
    // learns that much; OpenSSL's own words are kept.
    CHECK_FALSE(wsx::is_certificate_error(probe.errors[0]));
    CHECK(probe.errors[0].message().find("handshake failure") != std::string::npos);
    CHECK(server.opens.load() == 0);
}
