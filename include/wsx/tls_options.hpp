// Copyright (c) 2026 wsx developers. Distributed under the Boost Software License, Version 1.0.
#ifndef WSX_TLS_OPTIONS_HPP
#define WSX_TLS_OPTIONS_HPP

// What a wss:// server or client is made from: certificates, whom to trust
// (on a server also which client certificates, for mutual TLS), and the
// protocol floor. The defaults are the safe ones: TLS 1.2 or later,
// forward-secret AEAD ciphers only, and a client that verifies the
// server's certificate and host name against the system's trusted CAs.

#include <cstdint>
#include <functional>
#include <string>
#include <utility>
#include <vector>

// OpenSSL's SSL_CTX, named without including OpenSSL: a plain build sees
// only this declaration.
struct ssl_ctx_st;

namespace wsx {

/// The oldest TLS version a server or client accepts (min_version).
/// TLS 1.0 and 1.1 are not offered at all: they are deprecated (RFC 8996).
enum class tls_version : std::uint8_t {
    tls1_2, ///< TLS 1.2 or 1.3: the default, what every current browser and library speaks
    tls1_3, ///< TLS 1.3 only: for when every peer is known to be recent
};

/// Whether a wss:// server asks clients for a certificate (mutual TLS),
/// tls_server_options::client_auth. A presented certificate is always
/// verified against tls_server_options::client_ca_file / client_ca_pem;
/// one that fails (unknown CA, expired, not for client authentication)
/// fails the TLS handshake, before any HTTP is read.
enum class tls_client_auth : std::uint8_t {
    none,     ///< do not ask (the default): any client may connect, as with https
    optional, ///< ask; a client without a certificate is let in with no identity
    required, ///< ask; a client without a certificate fails the TLS handshake
};

/// The default TLS 1.2 cipher list (OpenSSL syntax): ECDHE key exchange
/// with an AEAD cipher, nothing else, so every connection has forward
/// secrecy and authenticated encryption (no RSA key exchange, no CBC).
/// TLS 1.3 has only such suites anyway.
inline constexpr const char* tls_default_ciphers = "ECDHE-ECDSA-AES128-GCM-SHA256:"
                                                   "ECDHE-RSA-AES128-GCM-SHA256:"
                                                   "ECDHE-ECDSA-AES256-GCM-SHA384:"
                                                   "ECDHE-RSA-AES256-GCM-SHA384:"
                                                   "ECDHE-ECDSA-CHACHA20-POLY1305:"
                                                   "ECDHE-RSA-CHACHA20-POLY1305";

/// A certificate chain and its private key, from PEM files or PEM text.
/// The chain is the certificate first, then the intermediates (not the
/// root: the peer has it, and sending it only costs bytes). Nothing is read
/// here; the server (or client) reads and checks it when it is made, and
/// throws std::system_error naming the file and the reason if it cannot.
struct tls_certificate {
    /// Path of the PEM chain file (certificate, then intermediates).
    std::string chain_file;
    /// Path of the PEM private key file (an encrypted key needs the password
    /// option of tls_server_options or tls_client_options).
    std::string key_file;
    /// The chain as PEM text; used instead of chain_file when not empty.
    std::string chain_pem;
    /// The private key as PEM text; used instead of key_file when not empty.
    std::string key_pem;

    /// The chain and key from files, read when the server is made.
    static tls_certificate from_files(std::string chain_file, std::string key_file) {
        tls_certificate c;
        c.chain_file = std::move(chain_file);
        c.key_file = std::move(key_file);
        return c;
    }
    /// The chain and key as PEM text, say from a secret store, so that no
    /// key need lie in a file.
    static tls_certificate from_pem(std::string chain_pem, std::string key_pem) {
        tls_certificate c;
        c.chain_pem = std::move(chain_pem);
        c.key_pem = std::move(key_pem);
        return c;
    }
    /// True when nothing at all is set (a server refuses to start with it;
    /// a client then presents no certificate).
    bool empty() const noexcept {
        return chain_file.empty() && key_file.empty() && chain_pem.empty() && key_pem.empty();
    }
};

/// What a wss:// listener (server::listen_tls) is made from. Every certificate is
/// loaded and checked by listen_tls(); anything wrong throws
/// std::system_error there, naming the file or SNI host and the reason.
struct tls_server_options {
    /// Sent to clients that ask for no name (SNI) or for a name not listed
    /// in sni_certificates. Required.
    tls_certificate certificate;
    /// More certificates, chosen by the host name the client asks for (SNI):
    /// "example.com" matches that name (case-insensitively), "*.example.com"
    /// any one label in front of example.com. Empty by default.
    std::vector<std::pair<std::string, tls_certificate>> sni_certificates;
    /// Returns the passphrase of encrypted private keys. Unset by default:
    /// an encrypted key then fails to load with a message, rather than
    /// OpenSSL asking on the terminal and blocking the program.
    std::function<std::string()> password;
    /// The oldest TLS version accepted; TLS 1.2 by default.
    tls_version min_version = tls_version::tls1_2;
    /// OpenSSL cipher list for TLS 1.2; tls_default_ciphers by default. A
    /// list that names no usable cipher throws (error::bad_argument).
    std::string ciphers = tls_default_ciphers;
    /// TLS 1.3 suites (OpenSSL syntax); "" (the default) keeps OpenSSL's,
    /// which are all forward-secret AEAD already.
    std::string ciphersuites;

    /// Mutual TLS: whether clients are asked for a certificate. none by
    /// default. optional and required need client_ca_file or client_ca_pem
    /// (the system's CAs are never trusted for this: they would admit
    /// anyone who can buy a certificate), or the server throws when made.
    tls_client_auth client_auth = tls_client_auth::none;
    /// A PEM file of the CAs whose client certificates are accepted; their
    /// names are also sent to clients, so that a client holding several
    /// certificates can pick the right one. Empty by default.
    std::string client_ca_file;
    /// The same as PEM text (one or more certificates); both may be given,
    /// and every CA in either is trusted. Empty by default.
    std::string client_ca_pem;

    /// Runs on each OpenSSL context the server makes (the default
    /// certificate's and every SNI one's) after wsx has set it up, for what
    /// wsx has no option for: a maximum version, ALPN, session tickets,
    /// revocation lists. Unset by default.
    std::function<void(::ssl_ctx_st*)> configure;

    /// Options with no certificate yet (set `certificate` before use).
    tls_server_options() = default;
    /// The common case, one certificate (implicit, so that a tls_certificate
    /// can be passed wherever options are expected).
    tls_server_options(tls_certificate c) : certificate(std::move(c)) {}

    /// Adds the certificate for `host` (SNI; "*.example.com" for a
    /// wildcard); returns *this to chain. An empty host throws when the
    /// server is made.
    tls_server_options& add_sni_certificate(std::string host, tls_certificate c) {
        sni_certificates.emplace_back(std::move(host), std::move(c));
        return *this;
    }
};

/// What a client's wss:// connections are made with (client::tls()): whom to trust, and the
/// certificate to show a server that asks for one. The defaults verify the
/// server's certificate and host name against the system's trusted CAs and
/// present no certificate. A CA or certificate that cannot be loaded throws
/// std::system_error when the client is made.
struct tls_client_options {
    /// A PEM file of CAs to trust instead of the system's. Empty by default.
    std::string ca_file;
    /// PEM text with one or more CA certificates to trust instead of the
    /// system's. With both ca_file and ca_pem empty (the default): the
    /// system's trust store.
    std::string ca_pem;
    /// The host name to ask for (SNI) and to check the certificate against,
    /// instead of the URL's host; "" (the default) uses the URL's host. For a
    /// server reached by IP address or through a tunnel whose certificate
    /// names another host.
    std::string server_name;
    /// The oldest TLS version offered; TLS 1.2 by default.
    tls_version min_version = tls_version::tls1_2;
    /// OpenSSL cipher list for TLS 1.2; tls_default_ciphers by default.
    std::string ciphers = tls_default_ciphers;
    /// TLS 1.3 suites; "" (the default) keeps OpenSSL's.
    std::string ciphersuites;

    /// The client's own certificate and key, for servers that ask for one
    /// (mutual TLS). Empty by default: a server that requires a certificate
    /// then fails the connection with tls_error::certificate_required.
    /// Loaded and checked when the client is made; a file that cannot be
    /// read or a key that does not match throws std::system_error there.
    tls_certificate certificate;
    /// Returns the passphrase of an encrypted certificate.key_file or
    /// key_pem. Unset by default: an encrypted key then fails to load with
    /// a message, rather than OpenSSL asking on the terminal.
    std::function<std::string()> password;

    /// DANGER: accept any certificate from anyone, for any host: expired,
    /// self-signed, issued for another name. The connection is encrypted but
    /// not authenticated, so anyone on the path can read and change it.
    /// For a throwaway test setup only; never in a program that ships.
    /// False by default.
    bool insecure_skip_verify = false;

    /// Runs on the client's OpenSSL context after wsx has set it up, for
    /// what wsx has no option for (a maximum version, ALPN, session
    /// resumption). Unset by default.
    std::function<void(::ssl_ctx_st*)> configure;
};

} // namespace wsx

#endif
