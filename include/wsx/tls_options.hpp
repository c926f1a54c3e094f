// Copyright (c) 2026 wsx developers. Distributed under the Boost Software License, Version 1.0.
#ifndef WSX_TLS_OPTIONS_HPP
#define WSX_TLS_OPTIONS_HPP

// What a wss:// server or client is made from: certificates, whom to trust,
// and the protocol floor. The defaults are the safe ones: TLS 1.2 or later,
// forward-secret AEAD ciphers only, and a client that verifies the
// server's certificate and host name against the system's trusted CAs.

#include <cstdint>
#include <functional>
#include <string>
#include <utility>
#include <vector>

namespace wsx {

enum class tls_version : std::uint8_t { tls1_2, tls1_3 };

// TLS 1.2 ciphers: ECDHE key exchange with an AEAD cipher, nothing else
// (no RSA key exchange, no CBC). TLS 1.3 has only such suites anyway.
inline constexpr const char* tls_default_ciphers = "ECDHE-ECDSA-AES128-GCM-SHA256:"
                                                   "ECDHE-RSA-AES128-GCM-SHA256:"
                                                   "ECDHE-ECDSA-AES256-GCM-SHA384:"
                                                   "ECDHE-RSA-AES256-GCM-SHA384:"
                                                   "ECDHE-ECDSA-CHACHA20-POLY1305:"
                                                   "ECDHE-RSA-CHACHA20-POLY1305";

// A certificate chain and its private key, from PEM files or PEM text.
// The chain is the certificate first, then the intermediates (not the root).
struct tls_certificate {
    std::string chain_file;
    std::string key_file;
    std::string chain_pem; // used instead of the files when not empty
    std::string key_pem;

    static tls_certificate from_files(std::string chain_file, std::string key_file) {
        tls_certificate c;
        c.chain_file = std::move(chain_file);
        c.key_file = std::move(key_file);
        return c;
    }
    static tls_certificate from_pem(std::string chain_pem, std::string key_pem) {
        tls_certificate c;
        c.chain_pem = std::move(chain_pem);
        c.key_pem = std::move(key_pem);
        return c;
    }
    bool empty() const noexcept {
        return chain_file.empty() && key_file.empty() && chain_pem.empty() && key_pem.empty();
    }
};

struct tls_server_options {
    // Sent to clients that ask for no name (SNI) or for a name not listed below.
    tls_certificate certificate;
    // More certificates, chosen by the host name the client asks for (SNI):
    // "example.com" matches that name (case-insensitively), "*.example.com"
    // any one label in front of example.com.
    std::vector<std::pair<std::string, tls_certificate>> sni_certificates;
    // Returns the passphrase of encrypted private keys.
    std::function<std::string()> password;
    tls_version min_version = tls_version::tls1_2;
    // OpenSSL cipher list for TLS 1.2, and TLS 1.3 suites ("" keeps OpenSSL's).
    std::string ciphers = tls_default_ciphers;
    std::string ciphersuites;

    tls_server_options() = default;
    // The common case, one certificate (implicit, so that a tls_certificate
    // can be passed wherever options are expected).
    tls_server_options(tls_certificate c) : certificate(std::move(c)) {}

    tls_server_options& add_sni_certificate(std::string host, tls_certificate c) {
        sni_certificates.emplace_back(std::move(host), std::move(c));
        return *this;
    }
};

struct tls_client_options {
    // The CAs to trust instead of the system's (a PEM file, or PEM text with
    // one or more certificates). Both empty: the system's trust store.
    std::string ca_file;
    std::string ca_pem;
    // The host name to ask for (SNI) and to check the certificate against,
    // instead of the URL's host. For a server reached by IP address or
    // through a tunnel whose certificate names another host.
    std::string server_name;
    tls_version min_version = tls_version::tls1_2;
    std::string ciphers = tls_default_ciphers;
    std::string ciphersuites;

    // DANGER: accept any certificate from anyone, for any host: expired,
    // self-signed, issued for another name. The connection is encrypted but
    // not authenticated, so anyone on the path can read and change it.
    // For a throwaway test setup only; never in a program that ships.
    bool insecure_skip_verify = false;
};

} // namespace wsx

#endif
