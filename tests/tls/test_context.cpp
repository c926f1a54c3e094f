// Copyright (c) 2026 wsx developers. Distributed under the Boost Software License, Version 1.0.
// Making the TLS contexts: certificates and keys from files and from PEM
// text, a chain with an intermediate CA, encrypted keys, and every setup
// mistake thrown as std::system_error whose message names the file (or
// the certificate) and the reason: by server::listen_tls() on a server,
// by the constructor and tls() on a client.

#include "wsx_catch.hpp"
#include "tls_fixture.hpp"

#include <string>
#include <system_error>

using namespace wsx_test;

namespace {

// The message of the std::system_error that f throws ("" if none).
template <class F> std::string thrown_message(F&& f) {
    try {
        f();
    } catch (const std::system_error& e) {
        return e.what();
    }
    return {};
}

bool contains(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

// What listen_tls() with `o` throws ("" if it listens).
std::string listen_tls_error(const wsx::tls_server_options& o) {
    return thrown_message([&] {
        asio::io_context io;
        wsx::server server(io);
        server.listen_tls("127.0.0.1", 0, o);
    });
}

// What a client made with `o` throws ("" if none).
std::string client_error(const wsx::tls_client_options& o) {
    return thrown_message([&] {
        asio::io_context io;
        wsx::client client(io, o);
    });
}

// Serves o and connects one client with c; true if the connection opened.
bool serves(const wsx::tls_server_options& o, const wsx::tls_client_options& c, std::string host = "127.0.0.1") {
    asio::io_context io;
    tls_echo_server server(io, o);
    tls_probe probe(io, c);
    REQUIRE(probe.connect(wss_url(server.port(), host)));
    INFO("client error: " << probe.first_error().message());
    return probe.opened;
}

} // namespace

TEST_CASE("tls context: certificate, key and CA from files", "[tls][context]") {
    temp_dir dir;
    auto chain = dir.write("chain.pem", pki().server.cert_pem);
    auto key = dir.write("key.pem", pki().server.key_pem);
    wsx::tls_client_options c;
    c.ca_file = dir.write("ca.pem", pki().ca.cert_pem);
    CHECK(serves(wsx::tls_certificate::from_files(chain, key), c));
}

TEST_CASE("tls context: a chain with an intermediate CA verifies against the root", "[tls][context]") {
    issued intermediate = make_certificate({"wsx test intermediate", {}, {}, -1, 30, true}, &pki().ca);
    issued leaf = make_certificate({"localhost", {"localhost"}, {"127.0.0.1"}}, &intermediate);
    wsx::tls_server_options with_chain(wsx::tls_certificate::from_pem(leaf.cert_pem + intermediate.cert_pem, leaf.key_pem));
    CHECK(serves(with_chain, trusting_test_ca()));
    // Without the intermediate the client cannot build the chain.
    wsx::tls_server_options leaf_only(wsx::tls_certificate::from_pem(leaf.cert_pem, leaf.key_pem));
    CHECK_FALSE(serves(leaf_only, trusting_test_ca()));
}

TEST_CASE("tls context: several trusted CAs in one PEM text", "[tls][context]") {
    wsx::tls_client_options c;
    c.ca_pem = pki().rogue_ca.cert_pem + pki().ca.cert_pem;
    CHECK(serves(cert_of(pki().server), c));
    CHECK(serves(cert_of(pki().untrusted), c));
}

TEST_CASE("tls context: an encrypted key needs the password callback", "[tls][context]") {
    const std::string locked = key_to_pem(pki().server.key.get(), "correct horse");
    wsx::tls_server_options o(wsx::tls_certificate::from_pem(pki().server.cert_pem, locked));

    // No callback: an error, never a prompt on the terminal.
    std::string msg = listen_tls_error(o);
    INFO(msg);
    CHECK(contains(msg, "private key"));
    CHECK(contains(msg, "encrypted: set the password callback"));

    o.password = [] { return std::string("wrong"); };
    msg = listen_tls_error(o);
    INFO(msg);
    CHECK(contains(msg, "is the password right?"));
    CHECK(contains(msg, "bad decrypt"));

    o.password = [] { return std::string("correct horse"); };
    CHECK(serves(o, trusting_test_ca()));
}

TEST_CASE("tls context: setup mistakes throw std::system_error naming the file and the reason", "[tls][context]") {
    temp_dir dir;
    auto chain = dir.write("chain.pem", pki().server.cert_pem);
    auto key = dir.write("key.pem", pki().server.key_pem);
    auto junk = dir.write("junk.pem", "this is not a certificate\n");
    auto other_key = dir.write("other-key.pem", pki().other.key_pem);
    auto missing = (dir.path() / "missing.pem").string();

    SECTION("a missing certificate file") {
        std::string msg = listen_tls_error(wsx::tls_certificate::from_files(missing, key));
        INFO(msg);
        CHECK(contains(msg, missing));
        CHECK(contains(msg, "certificate chain"));
        CHECK(contains(msg, "No such file"));
        asio::io_context io;
        wsx::server server(io);
        bool thrown = false;
        try {
            server.listen_tls("127.0.0.1", 0, wsx::tls_certificate::from_files(missing, key));
        } catch (const std::system_error& e) {
            thrown = true;
            CHECK(e.code() == std::errc::no_such_file_or_directory);
        }
        CHECK(thrown);
    }
    SECTION("a missing key file") {
        std::string msg = listen_tls_error(wsx::tls_certificate::from_files(chain, missing));
        INFO(msg);
        CHECK(contains(msg, missing));
        CHECK(contains(msg, "private key"));
        CHECK(contains(msg, "No such file"));
    }
    SECTION("a certificate file that holds no certificate") {
        std::string msg = listen_tls_error(wsx::tls_certificate::from_files(junk, key));
        INFO(msg);
        CHECK(contains(msg, junk));
        CHECK(contains(msg, "no start line")); // OpenSSL's reason: no "-----BEGIN"
    }
    SECTION("a key file that holds no key") {
        std::string msg = listen_tls_error(wsx::tls_certificate::from_files(chain, junk));
        INFO(msg);
        CHECK(contains(msg, junk));
        CHECK(contains(msg, "private key"));
    }
    SECTION("a key that belongs to another certificate") {
        std::string msg = listen_tls_error(wsx::tls_certificate::from_files(chain, other_key));
        INFO(msg);
        CHECK(contains(msg, other_key));
        CHECK(contains(msg, "does not match"));
    }
    SECTION("PEM text that is not a certificate") {
        std::string msg = listen_tls_error(wsx::tls_certificate::from_pem("junk", pki().server.key_pem));
        INFO(msg);
        CHECK(contains(msg, "given as PEM text"));
        CHECK(contains(msg, "no start line"));
    }
    SECTION("no certificate at all") {
        std::string msg = listen_tls_error(wsx::tls_server_options{});
        INFO(msg);
        CHECK(contains(msg, "needs a certificate"));
    }
    SECTION("a certificate without its key") {
        wsx::tls_certificate half;
        half.chain_file = chain;
        std::string msg = listen_tls_error(half);
        INFO(msg);
        CHECK(contains(msg, "no TLS private key"));
    }
    SECTION("a broken SNI certificate names its host") {
        wsx::tls_server_options o(cert_of(pki().server));
        o.add_sni_certificate("broken.test", wsx::tls_certificate::from_files(junk, key));
        std::string msg = listen_tls_error(o);
        INFO(msg);
        CHECK(contains(msg, "broken.test"));
        CHECK(contains(msg, junk));
    }
    SECTION("a cipher list without a single known cipher") {
        wsx::tls_server_options o(cert_of(pki().server));
        o.ciphers = "NO-SUCH-CIPHER";
        std::string msg = listen_tls_error(o);
        INFO(msg);
        CHECK(contains(msg, "NO-SUCH-CIPHER"));
    }
    SECTION("a missing CA file on the client") {
        wsx::tls_client_options o;
        o.ca_file = missing;
        std::string msg = client_error(o);
        INFO(msg);
        CHECK(contains(msg, missing));
        CHECK(contains(msg, "No such file"));
    }
    SECTION("CA PEM text that holds no certificate") {
        wsx::tls_client_options o;
        o.ca_pem = "junk";
        std::string msg = client_error(o);
        INFO(msg);
        CHECK(contains(msg, "trusted CA"));
    }
    SECTION("the client's tls() throws the same as its constructor, and the client stays usable") {
        wsx::tls_client_options o;
        o.ca_file = missing;
        asio::io_context io;
        wsx::client client(io);
        std::string msg = thrown_message([&] { client.tls(o); });
        INFO(msg);
        CHECK(msg == client_error(o));
        CHECK(contains(msg, missing));
        CHECK(contains(msg, "No such file"));
        // The failed call changed nothing: good options still take.
        CHECK(thrown_message([&] { client.tls(trusting_test_ca()); }).empty());
    }
    SECTION("a failed listen_tls() leaves no listener, and the server goes on") {
        asio::io_context io;
        wsx::server server(io);
        server.endpoint("/echo").on_message([](wsx::session& s, const wsx::message& m) { s.send(m); });
        CHECK(contains(thrown_message([&] {
                           server.listen_tls("127.0.0.1", 0, wsx::tls_certificate::from_files(missing, key));
                       }),
                       missing));
        CHECK(server.ports().empty());
        server.listen_tls("127.0.0.1", 0, wsx::tls_certificate::from_files(chain, key));
        CHECK(server.ports().size() == 1);
        wsx::tls_client_options c;
        c.ca_pem = pki().ca.cert_pem;
        tls_probe probe(io, c);
        REQUIRE(probe.connect(wss_url(server.port())));
        INFO("client error: " << probe.first_error().message());
        CHECK(probe.opened);
    }
}

TEST_CASE("tls context: TLS 1.3 only on one side still meets TLS 1.2+ on the other", "[tls][context]") {
    wsx::tls_server_options o(cert_of(pki().server));
    o.min_version = wsx::tls_version::tls1_3;
    CHECK(serves(o, trusting_test_ca()));
    auto c = trusting_test_ca();
    c.min_version = wsx::tls_version::tls1_3;
    CHECK(serves(cert_of(pki().server), c));
}
