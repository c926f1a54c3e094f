// Copyright (c) 2026 wsx developers. Distributed under the Boost Software License, Version 1.0.
// SNI: one server, several certificates, chosen by the host name the
// client asks for. Every client connects to 127.0.0.1; the name it asks
// for comes from the URL (wss://localhost) or from tls_client_options::
// server_name. Each test reads back which certificate was presented: the
// client's tls_client_options::configure installs an OpenSSL info callback
// that, when the client's handshake is done, records the common name of
// the certificate the server sent (and the client's host-name check, where
// it is on, confirms the same from the other side).

#include "wsx_catch.hpp"
#include "tls_fixture.hpp"

#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <string>

using namespace wsx_test;

namespace {

wsx::tls_server_options sni_options() {
    wsx::tls_server_options o(cert_of(pki().server)); // localhost, 127.0.0.1
    o.add_sni_certificate("other.test", cert_of(pki().other));
    o.add_sni_certificate("*.wild.test", cert_of(pki().wildcard));
    return o;
}

// Where each client context records the presented certificate's name: an
// ex_data slot of the SSL_CTX pointing at the test's string.
int presented_slot() {
    static const int slot = SSL_CTX_get_ex_new_index(0, nullptr, nullptr, nullptr, nullptr);
    return slot;
}

// The common name of the certificate the server presented, once the
// client's handshake is done ("<none>" if it presented none).
void record_presented(const SSL* ssl, int where, int /*ret*/) {
    if (!(where & SSL_CB_HANDSHAKE_DONE)) return;
    auto* out = static_cast<std::string*>(SSL_CTX_get_ex_data(SSL_get_SSL_CTX(ssl), presented_slot()));
    if (!out) return;
    X509* cert = SSL_get1_peer_certificate(ssl);
    if (!cert) {
        *out = "<none>";
        return;
    }
    char cn[256] = {};
    X509_NAME_get_text_by_NID(X509_get_subject_name(cert), NID_commonName, cn, sizeof cn);
    X509_free(cert);
    *out = cn;
}

// Client options that record into `out` the common name of every
// certificate a server presents to them.
void record_presented_into(wsx::tls_client_options& o, std::string& out) {
    o.configure = [&out](SSL_CTX* ctx) {
        REQUIRE(presented_slot() >= 0);
        REQUIRE(SSL_CTX_set_ex_data(ctx, presented_slot(), &out) == 1);
        SSL_CTX_set_info_callback(ctx, &record_presented);
    };
}

struct sni_result {
    bool opened = false;
    std::error_code error;
    std::string presented; // common name of the server's certificate
    std::string asked;     // what the server saw in SNI
};

sni_result connect_with(const std::string& url_host, const std::string& server_name, bool verify = true) {
    sni_result r;
    std::string presented; // written by record_presented during the handshake
    asio::io_context io;
    tls_echo_server server(io, sni_options());
    wsx::tls_client_options opts = trusting_test_ca();
    opts.server_name = server_name;
    opts.insecure_skip_verify = !verify;
    record_presented_into(opts, presented);
    tls_probe probe(io, opts);
    std::string at_open; // what had been recorded when on_open ran
    probe.client.on_open([&](wsx::session& s) {
        probe.opened = true;
        CHECK(s.is_secure());
        at_open = presented;
    });
    REQUIRE(probe.connect(wss_url(server.port(), url_host)));
    r.opened = probe.opened;
    r.presented = at_open;
    // A handshake that failed never finished: nothing was recorded.
    if (!probe.opened) CHECK(presented.empty());
    r.error = probe.first_error();
    if (probe.opened) {
        REQUIRE(run_until(io, [&] { return server.opens.load() == 1; }));
        r.asked = server.asked_names.at(0);
    }
    return r;
}

} // namespace

TEST_CASE("tls sni: the name from the URL selects the default certificate for localhost", "[tls][sni]") {
    auto r = connect_with("localhost", "");
    INFO(r.error.message());
    REQUIRE(r.opened);
    CHECK(r.asked == "localhost");
    CHECK(r.presented == "localhost");
}

TEST_CASE("tls sni: server_name selects the certificate of another name on the same address", "[tls][sni]") {
    auto r = connect_with("127.0.0.1", "other.test");
    INFO(r.error.message());
    REQUIRE(r.opened);
    CHECK(r.asked == "other.test");
    CHECK(r.presented == "other.test");
}

TEST_CASE("tls sni: names match without regard to case", "[tls][sni]") {
    auto r = connect_with("127.0.0.1", "Other.TEST");
    INFO(r.error.message());
    REQUIRE(r.opened);
    CHECK(r.presented == "other.test");
}

TEST_CASE("tls sni: a wildcard entry covers one label", "[tls][sni]") {
    auto one = connect_with("127.0.0.1", "a.wild.test");
    INFO(one.error.message());
    REQUIRE(one.opened);
    CHECK(one.presented == "*.wild.test");

    // Two labels down is not covered: the server falls back to its default
    // certificate, which the client rejects for that name.
    auto two = connect_with("127.0.0.1", "a.b.wild.test");
    CHECK_FALSE(two.opened);
    CHECK(two.error == wsx::tls_error::host_name_mismatch);
    auto seen = connect_with("127.0.0.1", "a.b.wild.test", false);
    REQUIRE(seen.opened);
    CHECK(seen.presented == "localhost");
}

TEST_CASE("tls sni: an unlisted name gets the default certificate and the client's check decides",
          "[tls][sni]") {
    auto checked = connect_with("127.0.0.1", "unknown.test");
    CHECK_FALSE(checked.opened);
    CHECK(checked.error == wsx::tls_error::host_name_mismatch);

    auto unchecked = connect_with("127.0.0.1", "unknown.test", false);
    REQUIRE(unchecked.opened);
    CHECK(unchecked.asked == "unknown.test");
    CHECK(unchecked.presented == "localhost");
}

TEST_CASE("tls sni: no SNI (an IP address) gets the default certificate", "[tls][sni]") {
    auto r = connect_with("127.0.0.1", "");
    INFO(r.error.message());
    REQUIRE(r.opened);
    CHECK(r.asked.empty());
    CHECK(r.presented == "localhost");
}
