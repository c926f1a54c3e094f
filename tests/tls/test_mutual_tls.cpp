// Copyright (c) 2026 wsx developers. Distributed under the Boost Software License, Version 1.0.
// Mutual TLS: a server that asks for client certificates (required or
// optional) and verifies them against a CA of its own; the verified
// identity in on_handshake and in the session; a wsx client that presents
// a certificate; and each way a client certificate can be wrong failing
// the handshake with an error that says so, before any handler runs.

#include "wsx_catch.hpp"
#include "tls_fixture.hpp"

#include <openssl/ssl.h>

#include <functional>
#include <optional>
#include <string>
#include <system_error>
#include <vector>

using namespace wsx_test;

namespace {

// An echo server (one listen_tls() port) that records what its handshake
// handler and on_open saw of the client's certificate. Everything runs on
// the test's thread.
struct mtls_server {
    wsx::server server;
    int handshakes = 0;
    int opens = 0;
    std::optional<wsx::peer_certificate> at_handshake; // a copy of upgrade_request::peer_certificate()
    std::optional<wsx::peer_certificate> at_open;      // a copy of session::peer_certificate()
    const void* handshake_ptr = nullptr;
    const void* open_ptr = nullptr;
    bool open_secure = false;
    std::function<void(wsx::upgrade_request&)> decide; // the authorization; unset: everyone in

    explicit mtls_server(asio::io_context& io, const wsx::tls_server_options& o) : server(io) {
        server.endpoint("/echo")
            .on_handshake([this](wsx::upgrade_request& u) {
                ++handshakes;
                handshake_ptr = u.peer_certificate();
                if (u.peer_certificate()) at_handshake = *u.peer_certificate();
                if (decide) decide(u);
            })
            .on_open([this](wsx::session& s) {
                ++opens;
                open_ptr = s.peer_certificate();
                open_secure = s.is_secure();
                if (s.peer_certificate()) at_open = *s.peer_certificate();
            })
            .on_message([](wsx::session& s, const wsx::message& m) { s.send(m); });
        server.listen_tls("127.0.0.1", 0, o);
    }
    std::uint16_t port() const { return server.port(); }
};

struct attempt {
    bool opened = false;
    bool echoed = false;
    std::error_code error;
    int errors = 0;
    int closes = 0;
    std::uint16_t close_code = 0;
};

// Connects once with c; if the connection opens, checks one echo and
// closes. Every wait is bounded; afterwards the server holds no session.
attempt connect_once(asio::io_context& io, mtls_server& srv, const wsx::tls_client_options& c,
                     bool tls12_only = false, const std::string& host = "127.0.0.1") {
    wsx::tls_client_options opts = c;
    if (tls12_only) opts.configure = [](SSL_CTX* ctx) { SSL_CTX_set_max_proto_version(ctx, TLS1_2_VERSION); };
    tls_probe probe(io, opts);
    REQUIRE(probe.connect(wss_url(srv.port(), host)));
    attempt a;
    a.opened = probe.opened;
    if (probe.opened) {
        probe.client.send("who am i");
        REQUIRE(run_until(io, [&] { return !probe.received.empty() || probe.closes > 0; }));
        a.echoed = probe.received.size() == 1 && probe.received[0] == "who am i";
        probe.client.close();
    }
    REQUIRE(run_until(io, [&] { return probe.closes > 0; }));
    REQUIRE(run_until(io, [&] { return srv.server.session_count() == 0; }));
    a.error = probe.first_error();
    a.errors = static_cast<int>(probe.errors.size());
    a.closes = probe.closes;
    a.close_code = probe.close.code;
    return a;
}

attempt connect_once(const wsx::tls_server_options& o, const wsx::tls_client_options& c, bool tls12_only = false) {
    asio::io_context io;
    mtls_server srv(io, o);
    attempt a = connect_once(io, srv, c, tls12_only);
    // A refused certificate never reaches a handler.
    if (!a.opened) {
        CHECK(srv.handshakes == 0);
        CHECK(srv.opens == 0);
    }
    return a;
}

// As the browser reports a failed connect: on_error once, then on_close 1006.
void check_refused(const attempt& a, wsx::tls_error expected) {
    INFO("client error: " << a.error.message());
    CHECK_FALSE(a.opened);
    CHECK(a.errors == 1);
    CHECK(a.error == expected);
    CHECK(a.closes == 1);
    CHECK(a.close_code == wsx::close_code::abnormal);
}

void check_alice(const wsx::peer_certificate& p) {
    CHECK(p.subject == "CN=alice,O=wsx tests");
    CHECK(p.common_name == "alice");
    CHECK(p.issuer == "CN=wsx client CA,O=wsx tests");
    CHECK(p.dns_names == std::vector<std::string>{"alice.test"});
    CHECK(p.ip_addresses == std::vector<std::string>{"10.1.2.3", "::1"});
    CHECK(p.emails == std::vector<std::string>{"alice@wsx.test"});
    CHECK(p.uris == std::vector<std::string>{"spiffe://wsx.test/alice"});
    CHECK(p.sha256_fingerprint == sha256_hex(pki().client.cert.get()));
    CHECK(p.serial.size() >= 2);
    CHECK(p.serial.find_first_not_of("0123456789ABCDEF") == std::string::npos);
    CHECK(p.has_dns_name("Alice.TEST"));
    CHECK_FALSE(p.has_dns_name("alice.tes"));
    CHECK(p.has_uri("spiffe://wsx.test/alice"));
    CHECK_FALSE(p.has_uri("spiffe://wsx.test/bob"));
}

template <class F> std::string thrown_message(F&& f) {
    try {
        f();
    } catch (const std::system_error& e) {
        return e.what();
    }
    return {};
}

bool contains(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

} // namespace

TEST_CASE("mutual tls: required, a client without a certificate fails the handshake", "[tls][mtls]") {
    check_refused(connect_once(mutual_tls(), trusting_test_ca()), wsx::tls_error::certificate_required);
}

TEST_CASE("mutual tls: required, a certificate from a CA not trusted for clients fails", "[tls][mtls]") {
    // Issued by the CA the server's own certificate comes from: trusted by
    // clients for servers, not by this server for clients.
    check_refused(connect_once(mutual_tls(), presenting(pki().client_foreign)),
                  wsx::tls_error::certificate_rejected_by_peer);
}

TEST_CASE("mutual tls: required, an expired client certificate fails", "[tls][mtls]") {
    check_refused(connect_once(mutual_tls(), presenting(pki().client_expired)),
                  wsx::tls_error::certificate_rejected_by_peer);
}

TEST_CASE("mutual tls: a certificate not meant for client authentication fails", "[tls][mtls]") {
    // extendedKeyUsage serverAuth only, from the right CA.
    check_refused(connect_once(mutual_tls(), presenting(pki().client_server_only)),
                  wsx::tls_error::certificate_rejected_by_peer);
}

TEST_CASE("mutual tls: required, a good certificate: on_handshake and the session see who it is",
          "[tls][mtls]") {
    asio::io_context io;
    mtls_server srv(io, mutual_tls());
    srv.decide = [](wsx::upgrade_request& u) {
        if (!u.peer_certificate() || u.peer_certificate()->common_name != "alice") u.reject(403, "not alice\n");
    };
    attempt a = connect_once(io, srv, presenting(pki().client));
    INFO("client error: " << a.error.message());
    REQUIRE(a.opened);
    CHECK(a.echoed);
    CHECK(a.errors == 0);
    CHECK(srv.handshakes == 1);
    CHECK(srv.opens == 1);
    CHECK(srv.open_secure);
    REQUIRE(srv.at_handshake);
    REQUIRE(srv.at_open);
    check_alice(*srv.at_handshake);
    check_alice(*srv.at_open);
    // Read once per connection: the hook and the session share one object.
    CHECK(srv.handshake_ptr == srv.open_ptr);
}

TEST_CASE("mutual tls: on_handshake refuses a verified identity with 403", "[tls][mtls]") {
    asio::io_context io;
    mtls_server srv(io, mutual_tls());
    srv.decide = [](wsx::upgrade_request& u) {
        if (!u.peer_certificate() || !u.peer_certificate()->has_uri("spiffe://wsx.test/bob")) u.reject(403, "not bob\n");
    };
    attempt a = connect_once(io, srv, presenting(pki().client));
    INFO("client error: " << a.error.message());
    CHECK_FALSE(a.opened);
    CHECK(wsx::handshake_status(a.error) == 403);
    CHECK(a.closes == 1);
    CHECK(srv.handshakes == 1);
    CHECK(srv.opens == 0);
    REQUIRE(srv.at_handshake);
    CHECK(srv.at_handshake->common_name == "alice");
}

TEST_CASE("mutual tls: optional, a client without a certificate connects with no identity", "[tls][mtls]") {
    asio::io_context io;
    mtls_server srv(io, mutual_tls(wsx::tls_client_auth::optional));
    attempt a = connect_once(io, srv, trusting_test_ca());
    INFO("client error: " << a.error.message());
    REQUIRE(a.opened);
    CHECK(a.echoed);
    CHECK(srv.handshakes == 1);
    CHECK(srv.opens == 1);
    CHECK(srv.handshake_ptr == nullptr);
    CHECK(srv.open_ptr == nullptr);
}

TEST_CASE("mutual tls: optional, a good certificate gives the identity", "[tls][mtls]") {
    asio::io_context io;
    mtls_server srv(io, mutual_tls(wsx::tls_client_auth::optional));
    attempt a = connect_once(io, srv, presenting(pki().client));
    INFO("client error: " << a.error.message());
    REQUIRE(a.opened);
    REQUIRE(srv.at_open);
    check_alice(*srv.at_open);
}

TEST_CASE("mutual tls: optional, a bad certificate still fails the handshake", "[tls][mtls]") {
    auto o = mutual_tls(wsx::tls_client_auth::optional);
    check_refused(connect_once(o, presenting(pki().client_foreign)), wsx::tls_error::certificate_rejected_by_peer);
    check_refused(connect_once(o, presenting(pki().client_expired)), wsx::tls_error::certificate_rejected_by_peer);
}

TEST_CASE("mutual tls: a server that does not ask gets no certificate and shows none", "[tls][mtls]") {
    asio::io_context io;
    mtls_server srv(io, wsx::tls_server_options(cert_of(pki().server)));
    attempt a = connect_once(io, srv, presenting(pki().client));
    INFO("client error: " << a.error.message());
    REQUIRE(a.opened);
    CHECK(srv.handshake_ptr == nullptr);
    CHECK(srv.open_ptr == nullptr);
}

TEST_CASE("mutual tls: over TLS 1.2 too", "[tls][mtls]") {
    SECTION("a good certificate gives the identity") {
        asio::io_context io;
        mtls_server srv(io, mutual_tls());
        attempt a = connect_once(io, srv, presenting(pki().client), true);
        INFO("client error: " << a.error.message());
        REQUIRE(a.opened);
        REQUIRE(srv.at_open);
        check_alice(*srv.at_open);
    }
    SECTION("a certificate from another CA is refused during the handshake") {
        check_refused(connect_once(mutual_tls(), presenting(pki().client_foreign), true),
                      wsx::tls_error::certificate_rejected_by_peer);
    }
    SECTION("no certificate fails (TLS 1.2 has no alert that names the reason)") {
        attempt a = connect_once(mutual_tls(), trusting_test_ca(), true);
        CHECK_FALSE(a.opened);
        CHECK(a.errors == 1);
        CHECK(a.closes == 1);
    }
}

TEST_CASE("mutual tls: every SNI certificate asks for and verifies client certificates", "[tls][mtls]") {
    auto o = mutual_tls();
    o.add_sni_certificate("other.test", cert_of(pki().other));
    auto asking_for_other = [](const issued& cert) {
        wsx::tls_client_options c = presenting(cert);
        c.server_name = "other.test";
        return c;
    };
    {
        asio::io_context io;
        mtls_server srv(io, o);
        attempt a = connect_once(io, srv, asking_for_other(pki().client));
        INFO("client error: " << a.error.message());
        REQUIRE(a.opened);
        REQUIRE(srv.at_open);
        check_alice(*srv.at_open);
    }
    check_refused(connect_once(o, asking_for_other(pki().client_foreign)), wsx::tls_error::certificate_rejected_by_peer);
    wsx::tls_client_options none = trusting_test_ca();
    none.server_name = "other.test";
    check_refused(connect_once(o, none), wsx::tls_error::certificate_required);
}

TEST_CASE("mutual tls: a plain port of the same server has no certificate", "[tls][mtls]") {
    asio::io_context io;
    mtls_server srv(io, mutual_tls());
    srv.server.listen("127.0.0.1", 0);
    wsx::client plain(io);
    bool opened = false, closed = false;
    plain.on_open([&](wsx::session& s) {
             opened = true;
             s.close();
         })
        .on_close([&](wsx::session&) { closed = true; });
    plain.connect("ws://127.0.0.1:" + std::to_string(srv.server.ports().at(1)) + "/echo");
    REQUIRE(run_until(io, [&] { return closed; }));
    CHECK(opened);
    CHECK(srv.opens == 1);
    CHECK_FALSE(srv.open_secure);
    CHECK(srv.handshake_ptr == nullptr);
    CHECK(srv.open_ptr == nullptr);
}

TEST_CASE("mutual tls: certificates, keys and CAs from files", "[tls][mtls]") {
    temp_dir dir;
    wsx::tls_server_options o(cert_of(pki().server));
    o.client_auth = wsx::tls_client_auth::required;
    o.client_ca_file = dir.write("client-ca.pem", pki().client_ca.cert_pem);
    wsx::tls_client_options c = trusting_test_ca();
    c.certificate = wsx::tls_certificate::from_files(dir.write("alice.pem", pki().client.cert_pem),
                                                     dir.write("alice.key", pki().client.key_pem));
    asio::io_context io;
    mtls_server srv(io, o);
    attempt a = connect_once(io, srv, c);
    INFO("client error: " << a.error.message());
    REQUIRE(a.opened);
    REQUIRE(srv.at_open);
    check_alice(*srv.at_open);
}

TEST_CASE("mutual tls: an encrypted client key with its password", "[tls][mtls]") {
    wsx::tls_client_options c = trusting_test_ca();
    c.certificate = wsx::tls_certificate::from_pem(pki().client.cert_pem, key_to_pem(pki().client.key.get(), "s3cret"));
    asio::io_context io;
    CHECK(contains(thrown_message([&] { wsx::client client(io, c); }), "encrypted"));
    CHECK(contains(thrown_message([&] { wsx::client client(io); client.tls(c); }), "encrypted"));
    c.password = [] { return std::string("s3cret"); };
    mtls_server srv(io, mutual_tls());
    attempt a = connect_once(io, srv, c);
    INFO("client error: " << a.error.message());
    CHECK(a.opened);
}

TEST_CASE("mutual tls: setup mistakes throw with a message that says what to fix", "[tls][mtls]") {
    asio::io_context io;
    auto server_message = [&](const wsx::tls_server_options& o) {
        return thrown_message([&] {
            wsx::server server(io);
            server.listen_tls("127.0.0.1", 0, o);
        });
    };

    auto no_ca = mutual_tls();
    no_ca.client_ca_pem.clear();
    std::string m = server_message(no_ca);
    CHECK(contains(m, "client_ca_file or client_ca_pem"));

    auto no_mode = mutual_tls(wsx::tls_client_auth::none);
    m = server_message(no_mode);
    CHECK(contains(m, "client_auth"));

    auto missing = mutual_tls();
    missing.client_ca_pem.clear();
    missing.client_ca_file = "/nonexistent/wsx-client-ca.pem";
    m = server_message(missing);
    CHECK(contains(m, "/nonexistent/wsx-client-ca.pem"));
    CHECK(contains(m, "No such file"));

    auto garbage = mutual_tls();
    garbage.client_ca_pem = "not a certificate";
    m = server_message(garbage);
    CHECK(contains(m, "client CA"));
    CHECK(contains(m, "no PEM certificate"));

    wsx::tls_client_options mismatched = trusting_test_ca();
    mismatched.certificate = wsx::tls_certificate::from_pem(pki().client.cert_pem, pki().client_expired.key_pem);
    m = thrown_message([&] { wsx::client client(io, mismatched); });
    CHECK(contains(m, "does not match"));
    CHECK(contains(m, "client certificate"));

    wsx::tls_client_options unreadable = trusting_test_ca();
    unreadable.certificate = wsx::tls_certificate::from_files("/nonexistent/alice.pem", "/nonexistent/alice.key");
    m = thrown_message([&] {
        wsx::client client(io);
        client.tls(unreadable); // tls() throws as the constructor does
    });
    CHECK(contains(m, "/nonexistent/alice.pem"));
}

TEST_CASE("mutual tls: the errors say what to do", "[tls][mtls]") {
    std::error_code required = wsx::tls_error::certificate_required;
    std::error_code rejected = wsx::tls_error::certificate_rejected_by_peer;
    CHECK(contains(required.message(), "tls_client_options::certificate"));
    CHECK(contains(rejected.message(), "rejected our TLS certificate"));
    CHECK(required != rejected);
    // Not a verdict on the peer's certificate: ours was the problem.
    CHECK_FALSE(wsx::is_certificate_error(required));
    CHECK_FALSE(wsx::is_certificate_error(rejected));
}
