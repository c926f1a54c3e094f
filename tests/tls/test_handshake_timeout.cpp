// Copyright (c) 2026 wsx developers. Distributed under the Boost Software License, Version 1.0.
// A peer that stalls inside the TLS handshake is dropped by the handshake
// timeout (the TLS handshake counts against it, like the HTTP upgrade):
// silent after connecting, half a ClientHello, a whole ClientHello and then
// nothing. The client side likewise gives up on a server that never answers.
// Stalled peers never hold up anyone else.

#include "wsx_catch.hpp"
#include "tls_fixture.hpp"

#include <openssl/bio.h>
#include <openssl/ssl.h>

#include <string>

using namespace wsx_test;

namespace {

// The bytes a real TLS client opens with, made by OpenSSL on memory BIOs.
std::string client_hello() {
    SSL_CTX* ctx = SSL_CTX_new(TLS_client_method());
    SSL* ssl = SSL_new(ctx);
    BIO* in = BIO_new(BIO_s_mem());
    BIO* out = BIO_new(BIO_s_mem());
    SSL_set_bio(ssl, in, out);
    SSL_set_tlsext_host_name(ssl, "localhost");
    SSL_connect(ssl); // wants to read the ServerHello: the ClientHello is in `out`
    char* data = nullptr;
    long n = BIO_get_mem_data(out, &data);
    std::string hello(data, static_cast<std::size_t>(n));
    SSL_free(ssl);
    SSL_CTX_free(ctx);
    return hello;
}

wsx::session_options short_handshake() {
    wsx::session_options o;
    o.handshake_timeout = std::chrono::milliseconds(300);
    return o;
}

} // namespace

TEST_CASE("tls handshake timeout: stalled peers are dropped, others are served meanwhile", "[tls][timeout]") {
    const std::string hello = client_hello();
    REQUIRE(hello.size() > 50);
    REQUIRE(hello[0] == '\x16'); // a handshake record

    asio::io_context io;
    tls_echo_server server(io, cert_of(pki().server), short_handshake());
    io_threads threads(io);

    raw_peer silent;
    silent.connect(server.port());
    raw_peer half;
    half.connect(server.port());
    half.write(hello.substr(0, hello.size() / 2));
    raw_peer whole;
    whole.connect(server.port());
    whole.write(hello);

    // While they stall, a real client is served (its own io_context, so the
    // server's thread is the only one running the server).
    {
        asio::io_context cio;
        tls_probe probe(cio, trusting_test_ca());
        REQUIRE(probe.connect(wss_url(server.port())));
        INFO(probe.first_error().message());
        CHECK(probe.opened);
        probe.client.close();
        CHECK(run_until(cio, [&] { return probe.closes > 0; }));
    }

    // The server answered the whole ClientHello (ServerHello and the rest of
    // its flight), then waits for a client Finished that never comes.
    bool eof = false;
    std::string flight = whole.read_some(default_limit, eof);
    CHECK_FALSE(flight.empty());
    CHECK(flight[0] == '\x16');

    CHECK(silent.wait_closed());
    CHECK(half.wait_closed());
    CHECK(whole.wait_closed());
    CHECK(eventually([&] { return server.server.session_count() == 0; }));
    CHECK(server.opens.load() == 1);
}

TEST_CASE("tls handshake timeout: a client gives up on a server that never answers the ClientHello",
          "[tls][timeout]") {
    raw_listener listener;
    asio::io_context io;
    tls_probe probe(io, trusting_test_ca());
    probe.client.options(short_handshake());
    probe.client.connect(wss_url(listener.port()));

    raw_peer server_end;
    // Accept and read the ClientHello while the client's io runs.
    std::thread t([&] {
        if (server_end.accept(listener.acceptor)) {
            bool eof = false;
            (void)server_end.read_some(default_limit, eof);
        }
    });
    bool ended = run_until(io, [&] { return probe.closes > 0; });
    t.join();
    REQUIRE(ended);
    CHECK_FALSE(probe.opened);
    REQUIRE(probe.errors.size() == 1);
    CHECK(probe.errors[0] == wsx::error::handshake_timeout);
    CHECK(probe.close.code == wsx::close_code::abnormal);
    // The client hung up: the raw server sees the end of the stream.
    CHECK(server_end.wait_closed());
}
