// Copyright (c) 2026 wsx developers. Distributed under the Boost Software License, Version 1.0.
// The client checks the server's certificate: each way it can be wrong
// (expired, issued by a CA the client does not trust, self-signed, for
// another host name, for another IP address) fails the connection with its
// own error whose message names the reason; the one insecure option
// accepts them all; and a rejected connection leaves the server serving.

#include "wsx_catch.hpp"
#include "tls_fixture.hpp"

#include <set>
#include <string>

using namespace wsx_test;

namespace {

struct outcome {
    bool opened = false;
    std::error_code error;
    int errors = 0;
    int closes = 0;
    std::uint16_t close_code = 0;
};

// Serves cert on 127.0.0.1 and connects one client with opts to host.
outcome connect_to(const issued& cert, const wsx::tls_client_options& opts, const std::string& host = "127.0.0.1") {
    asio::io_context io;
    tls_echo_server server(io, cert_of(cert));
    tls_probe probe(io, opts);
    REQUIRE(probe.connect(wss_url(server.port(), host)));
    // Whatever happened, on_close follows within the same bounded wait.
    REQUIRE(run_until(io, [&] { return probe.closes > 0 || probe.opened; }));
    outcome o;
    o.opened = probe.opened;
    o.error = probe.first_error();
    o.errors = static_cast<int>(probe.errors.size());
    o.closes = probe.closes;
    o.close_code = probe.close.code;
    // The server never counts a connection whose handshake failed.
    CHECK(server.opens.load() == (probe.opened ? 1 : 0));
    return o;
}

void check_rejected(const outcome& o, wsx::tls_error expected, const std::string& words) {
    INFO("error: " << o.error.message());
    CHECK_FALSE(o.opened);
    CHECK(o.errors == 1);
    CHECK(o.error == expected);
    CHECK(wsx::is_certificate_error(o.error));
    CHECK(o.error.message().find("certificate verification failed") != std::string::npos);
    CHECK(o.error.message().find(words) != std::string::npos);
    // As in the browser: on_error, then on_close with 1006.
    CHECK(o.closes == 1);
    CHECK(o.close_code == wsx::close_code::abnormal);
}

} // namespace

TEST_CASE("tls verify: a certificate the test CA issued for this host is accepted", "[tls][verify]") {
    outcome o = connect_to(pki().server, trusting_test_ca());
    INFO("error: " << o.error.message());
    CHECK(o.opened);
    CHECK(o.errors == 0);
}

TEST_CASE("tls verify: an expired certificate is rejected as expired", "[tls][verify]") {
    check_rejected(connect_to(pki().expired, trusting_test_ca()), wsx::tls_error::certificate_expired, "expired");
}

TEST_CASE("tls verify: a certificate from an untrusted CA is rejected as unknown issuer", "[tls][verify]") {
    check_rejected(connect_to(pki().untrusted, trusting_test_ca()), wsx::tls_error::unknown_issuer, "unknown issuer");
}

TEST_CASE("tls verify: a self-signed certificate is rejected as self-signed", "[tls][verify]") {
    check_rejected(connect_to(pki().self_signed, trusting_test_ca()), wsx::tls_error::self_signed_certificate,
                   "self-signed");
}

TEST_CASE("tls verify: a certificate for another host name is rejected as a name mismatch", "[tls][verify]") {
    check_rejected(connect_to(pki().other, trusting_test_ca(), "localhost"), wsx::tls_error::host_name_mismatch,
                   "host name mismatch");
}

TEST_CASE("tls verify: a certificate without the IP address connected to is rejected as an IP mismatch",
          "[tls][verify]") {
    check_rejected(connect_to(pki().other, trusting_test_ca(), "127.0.0.1"), wsx::tls_error::ip_address_mismatch,
                   "IP address mismatch");
}

TEST_CASE("tls verify: server_name replaces the URL's host for the check", "[tls][verify]") {
    auto opts = trusting_test_ca();
    opts.server_name = "wrong.test";
    check_rejected(connect_to(pki().server, opts), wsx::tls_error::host_name_mismatch, "host name mismatch");
    opts.server_name = "localhost";
    CHECK(connect_to(pki().server, opts).opened);
}

TEST_CASE("tls verify: each failure has its own code and its own message", "[tls][verify]") {
    auto opts = trusting_test_ca();
    std::set<int> codes;
    std::set<std::string> messages;
    for (auto o : {connect_to(pki().expired, opts), connect_to(pki().untrusted, opts),
                   connect_to(pki().self_signed, opts), connect_to(pki().other, opts, "localhost"),
                   connect_to(pki().other, opts, "127.0.0.1")}) {
        codes.insert(o.error.value());
        messages.insert(o.error.message());
    }
    CHECK(codes.size() == 5);
    CHECK(messages.size() == 5);
}

TEST_CASE("tls verify: by default the client trusts only the system's CAs, not the test CA", "[tls][verify]") {
    // A default-constructed client verifies: the throwaway test CA is in no
    // system trust store, so its certificate is from an unknown issuer.
    check_rejected(connect_to(pki().server, wsx::tls_client_options{}), wsx::tls_error::unknown_issuer,
                   "unknown issuer");
}

TEST_CASE("tls verify: insecure_skip_verify accepts every bad certificate", "[tls][verify]") {
    wsx::tls_client_options opts;
    opts.insecure_skip_verify = true;
    CHECK(connect_to(pki().expired, opts).opened);
    CHECK(connect_to(pki().untrusted, opts).opened);
    CHECK(connect_to(pki().self_signed, opts).opened);
    CHECK(connect_to(pki().other, opts, "localhost").opened);
}

TEST_CASE("tls verify: a rejected client does not disturb an open connection or the next client", "[tls][verify]") {
    asio::io_context io;
    tls_echo_server server(io, cert_of(pki().server));
    tls_probe good(io, trusting_test_ca());
    REQUIRE(good.connect(wss_url(server.port())));
    REQUIRE(good.opened);

    // This client does not trust the server: its handshake fails with an
    // alert to the server, on the same io_context and thread.
    tls_probe bad(io, wsx::tls_client_options{});
    REQUIRE(bad.connect(wss_url(server.port())));
    CHECK_FALSE(bad.opened);
    CHECK(bad.first_error() == wsx::tls_error::unknown_issuer);

    good.client.send("still here");
    REQUIRE(run_until(io, [&] { return !good.received.empty() || good.closes > 0; }));
    REQUIRE(good.received.size() == 1);
    CHECK(good.received[0] == "still here");

    tls_probe next(io, trusting_test_ca());
    REQUIRE(next.connect(wss_url(server.port())));
    CHECK(next.opened);
    CHECK(server.opens.load() == 2);
    CHECK(server.errors.empty());
}
