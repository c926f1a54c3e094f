// Copyright (c) 2026 wsx developers. Distributed under the Boost Software License, Version 1.0.
// The end of a wss connection at the TLS level (RFC 8446 6.1): after the
// WebSocket close handshake each side sends close_notify before it closes
// TCP, so the peer can tell a finished conversation from a cut one. Seen
// from a raw OpenSSL peer, both for the wsx server and the wsx client.

#include "wsx_catch.hpp"
#include "raw_tls_peer.hpp"
#include "tls_fixture.hpp"

#include <string>

using namespace wsx_test;

TEST_CASE("tls close_notify: the server sends close_notify after a client-initiated close", "[tls][close]") {
    asio::io_context io;
    tls_echo_server server(io, cert_of(pki().server));
    io_threads threads(io);

    raw_tls_peer peer;
    peer.connect(server.port());
    REQUIRE(peer.upgrade(server.port()));
    peer.send_frame(op::close, close_payload(1000, "done"));
    auto echo = peer.read_frame();
    REQUIRE(echo);
    CHECK(echo->opcode == op::close);
    CHECK(echo->close_code() == 1000);
    CHECK(peer.read_to_end() == raw_tls_peer::end::close_notify);
    peer.shutdown();
    CHECK(eventually([&] { return server.server.session_count() == 0; }));
}

TEST_CASE("tls close_notify: the server sends close_notify after its own close (shutdown)", "[tls][close]") {
    asio::io_context io;
    tls_echo_server server(io, cert_of(pki().server));
    io_threads threads(io);

    raw_tls_peer peer;
    peer.connect(server.port());
    REQUIRE(peer.upgrade(server.port()));
    REQUIRE(eventually([&] { return server.server.session_count() == 1; }));
    server.server.stop();
    auto close = peer.read_frame();
    REQUIRE(close);
    CHECK(close->opcode == op::close);
    CHECK(close->close_code() == 1001);
    peer.send_frame(op::close, close_payload(1001));
    CHECK(peer.read_to_end() == raw_tls_peer::end::close_notify);
    peer.shutdown();
    CHECK(eventually([&] { return server.server.session_count() == 0; }));
}

TEST_CASE("tls close_notify: the client answers the server's close_notify with its own", "[tls][close]") {
    raw_listener listener;
    asio::io_context io;
    event_log log;
    wsx::client client(io, trusting_test_ca());
    client.on_open([&](wsx::session&) { log.add("open"); })
        .on_error([&](wsx::session&, std::error_code ec) { log.add("error " + ec.message()); })
        .on_close([&](wsx::session&, const wsx::close_reason& r) { log.add("close " + std::to_string(r.code)); });
    client.connect(wss_url(listener.port()));
    io_threads threads(io);

    raw_tls_peer peer;
    REQUIRE(listener.acceptor.is_open());
    peer.accept(listener.acceptor, pki().server);
    REQUIRE(peer.accept_upgrade());
    REQUIRE(log.wait_for("open"));

    peer.send_frame(op::close, close_payload(1000, "bye"));
    auto echo = peer.read_frame();
    REQUIRE(echo);
    CHECK(echo->opcode == op::close);
    CHECK(echo->close_code() == 1000);
    peer.shutdown(); // the server ends first (RFC 6455 7.1.1): close_notify, TCP after
    CHECK(peer.read_to_end() == raw_tls_peer::end::close_notify);
    REQUIRE(log.wait_for("close 1000"));
    for (auto& e : log.events()) CHECK(e.rfind("error", 0) != 0);
}

TEST_CASE("tls close_notify: a peer that never answers close_notify is let go after the close timeout",
          "[tls][close]") {
    asio::io_context io;
    wsx::session_options so;
    so.close_timeout = std::chrono::milliseconds(300);
    tls_echo_server server(io, cert_of(pki().server), so);
    io_threads threads(io);

    raw_tls_peer peer;
    peer.connect(server.port());
    REQUIRE(peer.upgrade(server.port()));
    peer.send_frame(op::close, close_payload(1000, "done"));
    auto echo = peer.read_frame();
    REQUIRE(echo);
    CHECK(echo->close_code() == 1000);
    CHECK(peer.read_to_end() == raw_tls_peer::end::close_notify);
    // No close_notify back, TCP left open: the server stops waiting on its own.
    CHECK(eventually([&] { return server.server.session_count() == 0; }));
    threads.stop();
    // The WebSocket close completed, so this is a normal close, not an error.
    REQUIRE(server.closes.size() == 1);
    CHECK(server.closes[0].code == 1000);
    CHECK(server.errors.empty());
}
