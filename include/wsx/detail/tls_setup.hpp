// Copyright (c) 2026 wsx developers. Distributed under the Boost Software License, Version 1.0.
#ifndef WSX_DETAIL_TLS_SETUP_HPP
#define WSX_DETAIL_TLS_SETUP_HPP

// What transport::tls's contexts are made of: OpenSSL context options,
// certificates and keys from PEM text or files, the CAs client certificates
// must chain to, and the SNI table. All of it runs at setup, never per
// connection, and a failure throws std::system_error naming what and why.
// Part of transport/tls.hpp (needs OpenSSL: include that header).

#include <wsx/error.hpp>
#include <wsx/tls_options.hpp>

#include <asio/error.hpp>
#include <asio/ssl/context.hpp>
#include <asio/ssl/error.hpp>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <cerrno>
#include <cstddef>
#include <cstdio>
#include <cstring>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

namespace wsx::detail {

// Setup errors are the programmer's: throw, naming what and why
// (std::system_error appends the reason, ec.message()).
[[noreturn]] inline void tls_setup_failed(std::error_code ec, const std::string& what) {
    ERR_clear_error();
    throw std::system_error(ec, "wsx: " + what);
}

// OpenSSL's first (root-cause) error, with OpenSSL's text as its message.
inline std::error_code tls_openssl_error() {
    unsigned long e = ERR_get_error();
    ERR_clear_error();
    return std::error_code(static_cast<int>(e), asio::error::get_ssl_category());
}

// Reads a whole (small) PEM file; a missing or unreadable file says so
// with errno's text rather than an OpenSSL library code.
inline std::string tls_read_file(const std::string& path, const std::string& what) {
    std::FILE* f = std::fopen(path.c_str(), "rb");
    if (!f) tls_setup_failed(std::error_code(errno, std::generic_category()), "cannot read the " + what + " \"" + path + "\"");
    std::string out;
    char chunk[4096];
    std::size_t n;
    while ((n = std::fread(chunk, 1, sizeof chunk, f)) > 0) out.append(chunk, n);
    const bool failed = std::ferror(f) != 0;
    const int err = errno;
    std::fclose(f);
    if (failed) tls_setup_failed(std::error_code(err, std::generic_category()), "cannot read the " + what + " \"" + path + "\"");
    return out;
}

inline void tls_configure(asio::ssl::context& ctx, tls_version min, const std::string& ciphers,
                          const std::string& suites, bool server) {
    ctx.set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_compression |
                    asio::ssl::context::single_dh_use);
    SSL_CTX* c = ctx.native_handle();
    // Renegotiation is an attack surface WebSocket never needs.
    SSL_CTX_set_options(c, SSL_OP_NO_RENEGOTIATION | (server ? SSL_OP_CIPHER_SERVER_PREFERENCE : 0));
    SSL_CTX_set_min_proto_version(c, min == tls_version::tls1_3 ? TLS1_3_VERSION : TLS1_2_VERSION);
    if (!ciphers.empty() && SSL_CTX_set_cipher_list(c, ciphers.c_str()) != 1)
        tls_setup_failed(make_error_code(error::bad_argument), "the TLS cipher list \"" + ciphers + "\" names no usable cipher");
    if (!suites.empty() && SSL_CTX_set_ciphersuites(c, suites.c_str()) != 1)
        tls_setup_failed(make_error_code(error::bad_argument),
                         "the TLS 1.3 cipher suites \"" + suites + "\" name no usable suite");
    ERR_clear_error();
}

// Hands OpenSSL the passphrase of an encrypted key. Always installed: with
// no callback OpenSSL would ask on the terminal and block the program;
// with no password this answers "" and loading fails with a message.
inline int tls_password_callback(char* buf, int size, int, void* user) {
    auto* password = static_cast<const std::function<std::string()>*>(user);
    if (!password || !*password || size <= 0) return 0;
    std::string p;
    try {
        p = (*password)();
    } catch (...) {
        return 0;
    }
    int n = p.size() < static_cast<std::size_t>(size) ? static_cast<int>(p.size()) : size;
    std::memcpy(buf, p.data(), static_cast<std::size_t>(n));
    return n;
}

struct tls_bio_deleter {
    void operator()(BIO* b) const noexcept { BIO_free(b); }
};
using tls_bio_ptr = std::unique_ptr<BIO, tls_bio_deleter>;

// The certificate, then every further certificate in the text as the
// chain sent with it.
inline void tls_load_chain(SSL_CTX* ctx, const std::string& pem, const std::string& source, const std::string& which) {
    const std::string what = "cannot load the TLS certificate chain " + source + " (for the " + which + ")";
    ERR_clear_error();
    tls_bio_ptr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
    X509* cert = PEM_read_bio_X509_AUX(bio.get(), nullptr, nullptr, nullptr);
    if (!cert) tls_setup_failed(tls_openssl_error(), what);
    const int used = SSL_CTX_use_certificate(ctx, cert);
    X509_free(cert);
    if (used != 1) tls_setup_failed(tls_openssl_error(), what);
    SSL_CTX_clear_chain_certs(ctx);
    while (X509* ca = PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr)) {
        if (SSL_CTX_add0_chain_cert(ctx, ca) != 1) {
            X509_free(ca);
            tls_setup_failed(tls_openssl_error(), what);
        }
    }
    // The loop ends at the end of the text ("no start line") or at a
    // broken certificate, which is an error.
    unsigned long last = ERR_peek_last_error();
    if (last != 0 && !(ERR_GET_LIB(last) == ERR_LIB_PEM && ERR_GET_REASON(last) == PEM_R_NO_START_LINE))
        tls_setup_failed(tls_openssl_error(), what);
    ERR_clear_error();
}

inline void tls_load_key(SSL_CTX* ctx, const std::string& pem, const std::string& source,
                         const std::function<std::string()>& password, const std::string& which) {
    ERR_clear_error();
    tls_bio_ptr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
    auto* user = const_cast<void*>(static_cast<const void*>(&password));
    EVP_PKEY* key = PEM_read_bio_PrivateKey(bio.get(), nullptr, &tls_password_callback, user);
    if (!key) {
        const bool encrypted = pem.find("ENCRYPTED") != std::string::npos;
        std::string what = "cannot load the TLS private key " + source + " (for the " + which + ")";
        if (encrypted) what += password ? ", which is encrypted: is the password right?" : ", which is encrypted: set the password callback";
        else if (pem.find("PRIVATE KEY-----") == std::string::npos) what += ", which holds no PEM private key";
        tls_setup_failed(tls_openssl_error(), what);
    }
    const int used = SSL_CTX_use_PrivateKey(ctx, key);
    EVP_PKEY_free(key);
    if (used != 1 || SSL_CTX_check_private_key(ctx) != 1)
        tls_setup_failed(tls_openssl_error(), "the TLS private key " + source + " does not match its certificate (for the " + which + ")");
    ERR_clear_error();
}

inline void tls_use_certificate(asio::ssl::context& ctx, const tls_certificate& c,
                                const std::function<std::string()>& password, const std::string& which) {
    if (!c.chain_pem.empty())
        tls_load_chain(ctx.native_handle(), c.chain_pem, "given as PEM text", which);
    else if (!c.chain_file.empty())
        tls_load_chain(ctx.native_handle(), tls_read_file(c.chain_file, "TLS certificate chain file"),
                       "\"" + c.chain_file + "\"", which);
    else
        tls_setup_failed(make_error_code(error::bad_argument),
                         "no TLS certificate chain given for the " + which + " (set chain_file or chain_pem)");
    if (!c.key_pem.empty())
        tls_load_key(ctx.native_handle(), c.key_pem, "given as PEM text", password, which);
    else if (!c.key_file.empty())
        tls_load_key(ctx.native_handle(), tls_read_file(c.key_file, "TLS private key file"), "\"" + c.key_file + "\"",
                     password, which);
    else
        tls_setup_failed(make_error_code(error::bad_argument),
                         "no TLS private key given for the " + which + " (set key_file or key_pem)");
}

struct tls_x509_deleter {
    void operator()(X509* x) const noexcept { X509_free(x); }
};
using tls_x509_ptr = std::unique_ptr<X509, tls_x509_deleter>;

// The CAs client certificates must chain to (tls_server_options::
// client_ca_file and client_ca_pem), parsed once and given to every
// context of the server: after SNI picks a context, OpenSSL verifies with
// that context's trust store, so each one needs them.
inline std::vector<tls_x509_ptr> tls_client_cas(const tls_server_options& o) {
    std::vector<tls_x509_ptr> cas;
    auto parse = [&](const std::string& pem, const std::string& source) {
        const std::string what = "cannot load the client CA certificates " + source;
        ERR_clear_error();
        tls_bio_ptr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
        std::size_t found = 0;
        while (X509* ca = PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr)) {
            cas.emplace_back(ca);
            ++found;
        }
        unsigned long last = ERR_peek_last_error();
        if (last != 0 && !(ERR_GET_LIB(last) == ERR_LIB_PEM && ERR_GET_REASON(last) == PEM_R_NO_START_LINE))
            tls_setup_failed(tls_openssl_error(), what);
        if (found == 0)
            tls_setup_failed(make_error_code(error::bad_argument), what + ": it holds no PEM certificate");
        ERR_clear_error();
    };
    if (!o.client_ca_pem.empty()) parse(o.client_ca_pem, "given as PEM text (client_ca_pem)");
    if (!o.client_ca_file.empty())
        parse(tls_read_file(o.client_ca_file, "client CA file"), "\"" + o.client_ca_file + "\" (client_ca_file)");
    return cas;
}

// Asks for and verifies client certificates on one context. The session
// id context lets a client resume a session (a TLS 1.3 ticket) on a server
// that verifies clients; without one OpenSSL refuses every resumption.
inline void tls_use_client_auth(SSL_CTX* ctx, tls_client_auth mode, const std::vector<tls_x509_ptr>& cas) {
    X509_STORE* store = SSL_CTX_get_cert_store(ctx);
    for (auto& ca : cas) {
        // The same CA listed twice is harmless (OpenSSL 1.1.0 calls it an error).
        if (X509_STORE_add_cert(store, ca.get()) != 1 &&
            ERR_GET_REASON(ERR_peek_last_error()) != X509_R_CERT_ALREADY_IN_HASH_TABLE)
            tls_setup_failed(tls_openssl_error(), "cannot add a client CA certificate to the trust store");
        if (SSL_CTX_add_client_CA(ctx, ca.get()) != 1)
            tls_setup_failed(tls_openssl_error(), "cannot add a client CA certificate to the list sent to clients");
    }
    int verify = SSL_VERIFY_PEER;
    if (mode == tls_client_auth::required) verify |= SSL_VERIFY_FAIL_IF_NO_PEER_CERT;
    SSL_CTX_set_verify(ctx, verify, nullptr);
    static constexpr unsigned char sid_ctx[] = {'w', 's', 'x'};
    SSL_CTX_set_session_id_context(ctx, sid_ctx, sizeof sid_ctx);
    ERR_clear_error();
}

inline std::string tls_lower(std::string_view s) {
    std::string out(s);
    for (auto& ch : out)
        if (ch >= 'A' && ch <= 'Z') ch = static_cast<char>(ch - 'A' + 'a');
    return out;
}

// The certificates a server chooses from by the name the client asks for.
// Kept on the heap: OpenSSL holds a pointer to it.
struct tls_sni_table {
    struct entry {
        std::string name; // lowercase; "*.example.com" for a wildcard
        asio::ssl::context ctx;
    };
    std::vector<std::unique_ptr<entry>> entries;

    SSL_CTX* find(std::string_view asked) const {
        std::string name = tls_lower(asked);
        if (!name.empty() && name.back() == '.') name.pop_back(); // "example.com." is example.com
        for (auto& e : entries)
            if (e->name == name) return e->ctx.native_handle();
        auto dot = name.find('.');
        if (dot != std::string::npos && dot > 0) {
            std::string wildcard = "*" + name.substr(dot);
            for (auto& e : entries)
                if (e->name == wildcard) return e->ctx.native_handle();
        }
        return nullptr;
    }

    // Runs inside the handshake: must not throw. An unlisted name gets the
    // default certificate, and the client's own check decides.
    static int on_servername(SSL* ssl, int*, void* arg) {
        const char* asked = SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name);
        if (asked && arg)
            if (SSL_CTX* c = static_cast<const tls_sni_table*>(arg)->find(asked)) SSL_set_SSL_CTX(ssl, c);
        return SSL_TLSEXT_ERR_OK;
    }
};

} // namespace wsx::detail

#endif
