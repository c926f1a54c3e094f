// Copyright (c) 2026 wsx developers. Distributed under the Boost Software License, Version 1.0.
// One session type whatever the transport: one wsx::server with one
// endpoint, whose handlers (an ordinary function among them) take
// wsx::session&, listens on a ws:// port (listen) and a wss:// port
// (listen_tls); one wsx::client, given its TLS options once, connects to
// the ws:// URL and to the wss:// URL in turn, and gets its echo on each.
// Each session, on the server and on the client, says whether it is
// encrypted. A wss:// URL on a client that was never given TLS options
// uses the defaults: the system's CAs, which know nothing of the test CA.

#include "wsx_catch.hpp"
#include "tls_fixture.hpp"

#include <string>
#include <system_error>
#include <type_traits>
#include <vector>

using namespace wsx_test;

// The server's handlers and the client's take the same type.
static_assert(std::is_same_v<wsx::server::session_type, wsx::session>);
static_assert(std::is_same_v<wsx::client::session_type, wsx::session>);

namespace {

// One handler for both ports: no template, no auto&, no second overload.
void echo_with_scheme(wsx::session& s, const wsx::message& m) {
    s.send(std::string(s.is_secure() ? "wss:" : "ws:") + std::string(m.text()));
}

} // namespace

TEST_CASE("one session type: one server and one client speak ws:// and wss:// with the same handlers",
          "[tls][plain]") {
    asio::io_context io;

    wsx::server server(io);
    std::vector<bool> server_secure; // each server session's is_secure(), in on_open
    std::vector<std::string> server_names; // requested_server_name() of each
    std::vector<wsx::close_reason> server_closes;
    std::vector<std::error_code> server_errors;
    server.endpoint("/echo")
        .on_open([&](wsx::session& s) {
            server_secure.push_back(s.is_secure());
            server_names.emplace_back(s.requested_server_name());
        })
        .on_message(&echo_with_scheme)
        .on_error([&](wsx::session&, std::error_code ec) { server_errors.push_back(ec); })
        .on_close([&](wsx::session&, const wsx::close_reason& r) { server_closes.push_back(r); });
    server.listen("127.0.0.1", 0);
    server.listen_tls("127.0.0.1", 0, cert_of(pki().server));
    const auto ports = server.ports();
    REQUIRE(ports.size() == 2);
    REQUIRE(ports[0] != ports[1]);
    const std::string ws = "ws://127.0.0.1:" + std::to_string(ports[0]) + "/echo";
    const std::string wss = wss_url(ports[1], "localhost");

    wsx::client client(io);
    client.tls(trusting_test_ca());
    std::vector<bool> client_secure; // the client session's is_secure(), in on_open
    std::vector<std::string> received;
    std::vector<std::error_code> client_errors;
    std::vector<wsx::close_reason> client_closes;
    client.on_open([&](wsx::session& s) {
              client_secure.push_back(s.is_secure());
              s.send("hello " + std::to_string(client_secure.size()));
          })
        .on_message([&](wsx::session& s, const wsx::message& m) {
            received.emplace_back(m.text());
            s.close(wsx::close_code::normal, "done");
        })
        .on_error([&](wsx::session&, std::error_code ec) { client_errors.push_back(ec); })
        .on_close([&](wsx::session&, const wsx::close_reason& r) { client_closes.push_back(r); });

    // The same client object, one URL after the other, each scheme twice.
    const std::vector<std::string> urls = {ws, wss, ws, wss};
    for (std::size_t i = 0; i < urls.size(); ++i) {
        INFO("connection " << i + 1 << " to " << urls[i]);
        client.connect(urls[i]);
        REQUIRE(run_until(io, [&] { return client_closes.size() == i + 1 && server_closes.size() == i + 1; }));
        INFO("client error: " << (client_errors.empty() ? std::string("none") : client_errors.front().message()));
        REQUIRE(client_errors.empty());
        CHECK(client_closes.back().code == wsx::close_code::normal);
        CHECK(server_closes.back().code == wsx::close_code::normal);
        CHECK(server_closes.back().reason == "done");
    }

    CHECK(received == std::vector<std::string>{"ws:hello 1", "wss:hello 2", "ws:hello 3", "wss:hello 4"});
    CHECK(client_secure == std::vector<bool>{false, true, false, true});
    CHECK(server_secure == std::vector<bool>{false, true, false, true});
    // SNI only where there is TLS (wss://localhost asks for "localhost").
    CHECK(server_names == std::vector<std::string>{"", "localhost", "", "localhost"});
    CHECK(server_errors.empty());
    CHECK(run_until(io, [&] { return server.session_count() == 0; }));
}

TEST_CASE("one session type: a wss:// URL without tls() verifies against the system's CAs", "[tls][verify]") {
    asio::io_context io;
    wsx::server server(io);
    server.endpoint("/echo").on_message(&echo_with_scheme);
    server.listen_tls("127.0.0.1", 0, cert_of(pki().server));

    // Never given TLS options: the defaults (system CAs, certificate and
    // host name checked), which do not know the throwaway test CA.
    wsx::client client(io);
    bool opened = false;
    int closes = 0;
    std::vector<std::error_code> errors;
    client.on_open([&](wsx::session&) { opened = true; })
        .on_error([&](wsx::session&, std::error_code ec) { errors.push_back(ec); })
        .on_close([&](wsx::session&, const wsx::close_reason&) { ++closes; });
    client.connect(wss_url(server.port()));
    REQUIRE(run_until(io, [&] { return closes > 0; }));
    CHECK_FALSE(opened);
    REQUIRE(errors.size() == 1);
    INFO("error: " << errors[0].message());
    CHECK(errors[0] == wsx::tls_error::unknown_issuer);

    // The same client, given the test CA, connects to the same URL.
    client.tls(trusting_test_ca());
    client.connect(wss_url(server.port()));
    REQUIRE(run_until(io, [&] { return opened || closes > 1; }));
    CHECK(opened);
    CHECK(errors.size() == 1);
}
