// Copyright (c) 2026 wsx developers. Distributed under the Boost Software License, Version 1.0.
#ifndef WSX_TESTS_TLS_CERT_FACTORY_HPP
#define WSX_TESTS_TLS_CERT_FACTORY_HPP

// Certificates for the TLS tests, made when the tests run (OpenSSL's API,
// P-256 keys: a few milliseconds each), so that no private key is ever
// committed and none expires in the repository. A throwaway CA signs the
// server certificates; a second CA that nobody trusts signs the "unknown
// issuer" one; a third signs the client certificates of the mutual-TLS
// tests, so that a server can trust it for clients only.

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

namespace wsx_test {

struct x509_deleter {
    void operator()(X509* x) const noexcept { X509_free(x); }
};
struct pkey_deleter {
    void operator()(EVP_PKEY* k) const noexcept { EVP_PKEY_free(k); }
};

// A certificate with its key, as objects (to sign others) and as PEM.
struct issued {
    std::shared_ptr<X509> cert;
    std::shared_ptr<EVP_PKEY> key;
    std::string cert_pem;
    std::string key_pem;
};

struct cert_spec {
    std::string common_name;
    std::vector<std::string> dns;  // subjectAltName DNS entries
    std::vector<std::string> ips;  // subjectAltName IP entries
    long valid_from_days = -1;     // relative to now
    long valid_until_days = 30;
    bool is_ca = false;
    std::string ext_key_usage = "serverAuth,clientAuth"; // for a leaf; "" for none
    std::vector<std::string> emails = {};                // subjectAltName email entries
    std::vector<std::string> uris = {};                  // subjectAltName URI entries
};

namespace detail_certs {

[[noreturn]] inline void fail(const char* what) { throw std::runtime_error(std::string("cert_factory: ") + what); }

inline std::string bio_text(BIO* b) {
    char* data = nullptr;
    long n = BIO_get_mem_data(b, &data);
    return std::string(data, static_cast<std::size_t>(n));
}

inline void add_ext(X509* cert, X509* issuer, int nid, const std::string& value) {
    X509V3_CTX ctx;
    X509V3_set_ctx_nodb(&ctx);
    X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
    X509_EXTENSION* ext = X509V3_EXT_nconf_nid(nullptr, &ctx, nid, value.c_str());
    if (!ext) fail("extension");
    X509_add_ext(cert, ext, -1);
    X509_EXTENSION_free(ext);
}

} // namespace detail_certs

inline std::shared_ptr<EVP_PKEY> make_key() {
    EVP_PKEY* k = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256");
    if (!k) detail_certs::fail("key generation");
    return std::shared_ptr<EVP_PKEY>(k, pkey_deleter{});
}

inline std::string key_to_pem(EVP_PKEY* key, const std::string& passphrase = {}) {
    BIO* b = BIO_new(BIO_s_mem());
    int ok = passphrase.empty()
                 ? PEM_write_bio_PrivateKey(b, key, nullptr, nullptr, 0, nullptr, nullptr)
                 : PEM_write_bio_PrivateKey(b, key, EVP_aes_128_cbc(),
                                            reinterpret_cast<const unsigned char*>(passphrase.data()),
                                            static_cast<int>(passphrase.size()), nullptr, nullptr);
    if (ok != 1) detail_certs::fail("key PEM");
    std::string out = detail_certs::bio_text(b);
    BIO_free(b);
    return out;
}

// Makes a certificate for spec, signed by issuer (self-signed when null).
inline issued make_certificate(const cert_spec& spec, const issued* issuer = nullptr) {
    issued out;
    out.key = make_key();
    X509* x = X509_new();
    if (!x) detail_certs::fail("X509_new");
    out.cert = std::shared_ptr<X509>(x, x509_deleter{});
    X509_set_version(x, 2); // v3

    unsigned char serial[16];
    RAND_bytes(serial, sizeof serial);
    serial[0] &= 0x7F; // positive
    BIGNUM* bn = BN_bin2bn(serial, sizeof serial, nullptr);
    BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(x));
    BN_free(bn);

    X509_gmtime_adj(X509_getm_notBefore(x), spec.valid_from_days * 86400L);
    X509_gmtime_adj(X509_getm_notAfter(x), spec.valid_until_days * 86400L);
    X509_set_pubkey(x, out.key.get());

    X509_NAME* name = X509_get_subject_name(x);
    X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC, reinterpret_cast<const unsigned char*>("wsx tests"), -1, -1, 0);
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                               reinterpret_cast<const unsigned char*>(spec.common_name.c_str()), -1, -1, 0);
    X509* signer = issuer ? issuer->cert.get() : x;
    X509_set_issuer_name(x, X509_get_subject_name(signer));

    using detail_certs::add_ext;
    if (spec.is_ca) {
        add_ext(x, signer, NID_basic_constraints, "critical,CA:TRUE");
        add_ext(x, signer, NID_key_usage, "critical,keyCertSign,cRLSign");
    } else {
        add_ext(x, signer, NID_basic_constraints, "critical,CA:FALSE");
        add_ext(x, signer, NID_key_usage, "critical,digitalSignature");
        if (!spec.ext_key_usage.empty()) add_ext(x, signer, NID_ext_key_usage, spec.ext_key_usage);
    }
    add_ext(x, signer, NID_subject_key_identifier, "hash");
    add_ext(x, signer, NID_authority_key_identifier, "keyid:always");
    std::string san;
    for (auto& d : spec.dns) san += (san.empty() ? "" : ",") + std::string("DNS:") + d;
    for (auto& i : spec.ips) san += (san.empty() ? "" : ",") + std::string("IP:") + i;
    for (auto& e : spec.emails) san += (san.empty() ? "" : ",") + std::string("email:") + e;
    for (auto& u : spec.uris) san += (san.empty() ? "" : ",") + std::string("URI:") + u;
    if (!san.empty()) add_ext(x, signer, NID_subject_alt_name, san);

    EVP_PKEY* signing_key = issuer ? issuer->key.get() : out.key.get();
    if (X509_sign(x, signing_key, EVP_sha256()) == 0) detail_certs::fail("X509_sign");

    BIO* b = BIO_new(BIO_s_mem());
    PEM_write_bio_X509(b, x);
    out.cert_pem = detail_certs::bio_text(b);
    BIO_free(b);
    out.key_pem = key_to_pem(out.key.get());
    return out;
}

// The fixed cast of the TLS tests. Made once per test program.
struct test_pki {
    issued ca;          // trusted by the tests' clients
    issued rogue_ca;    // trusted by nobody
    issued server;      // localhost + 127.0.0.1, signed by ca
    issued other;       // other.test only, signed by ca
    issued wildcard;    // *.wild.test, signed by ca
    issued expired;     // localhost + 127.0.0.1, signed by ca, expired yesterday
    issued untrusted;   // localhost + 127.0.0.1, signed by rogue_ca
    issued self_signed; // localhost + 127.0.0.1, signed by itself

    // Mutual TLS: client certificates (extendedKeyUsage clientAuth).
    issued client_ca;          // trusted by the mutual-TLS servers for clients
    issued client;             // CN=alice; DNS alice.test, IP 10.1.2.3 and ::1, email, URI; by client_ca
    issued client_expired;     // CN=alice, expired yesterday, by client_ca
    issued client_foreign;     // CN=mallory, by ca: a CA the servers trust for servers only
    issued client_server_only; // CN=alice, extendedKeyUsage serverAuth only, by client_ca

    test_pki() {
        ca = make_certificate({"wsx test CA", {}, {}, -1, 30, true});
        rogue_ca = make_certificate({"wsx rogue CA", {}, {}, -1, 30, true});
        server = make_certificate({"localhost", {"localhost"}, {"127.0.0.1", "::1"}}, &ca);
        other = make_certificate({"other.test", {"other.test"}, {}}, &ca);
        wildcard = make_certificate({"*.wild.test", {"*.wild.test"}, {}}, &ca);
        expired = make_certificate({"localhost", {"localhost"}, {"127.0.0.1"}, -30, -1}, &ca);
        untrusted = make_certificate({"localhost", {"localhost"}, {"127.0.0.1"}}, &rogue_ca);
        self_signed = make_certificate({"localhost", {"localhost"}, {"127.0.0.1"}});

        client_ca = make_certificate({"wsx client CA", {}, {}, -1, 30, true});
        cert_spec alice{"alice", {"alice.test"}, {"10.1.2.3", "::1"}};
        alice.ext_key_usage = "clientAuth";
        alice.emails = {"alice@wsx.test"};
        alice.uris = {"spiffe://wsx.test/alice"};
        client = make_certificate(alice, &client_ca);
        cert_spec old = alice;
        old.valid_from_days = -30;
        old.valid_until_days = -1;
        client_expired = make_certificate(old, &client_ca);
        cert_spec mallory = alice;
        mallory.common_name = "mallory";
        client_foreign = make_certificate(mallory, &ca);
        cert_spec server_only = alice;
        server_only.ext_key_usage = "serverAuth";
        client_server_only = make_certificate(server_only, &client_ca);
    }
};

// The SHA-256 of a certificate's DER, lower-case hex (as wsx::peer_certificate has it).
inline std::string sha256_hex(X509* cert) {
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    if (X509_digest(cert, EVP_sha256(), md, &n) != 1) detail_certs::fail("X509_digest");
    static const char digits[] = "0123456789abcdef";
    std::string out;
    for (unsigned int i = 0; i < n; ++i) {
        out += digits[md[i] >> 4];
        out += digits[md[i] & 0x0F];
    }
    return out;
}

inline const test_pki& pki() {
    static const test_pki p;
    return p;
}

// A directory under the system's temp dir, removed with everything in it
// when this object goes.
class temp_dir {
public:
    temp_dir() {
        std::random_device rd;
        auto base = std::filesystem::temp_directory_path();
        for (int i = 0; i < 100; ++i) {
            path_ = base / ("wsx-tls-" + std::to_string(rd()));
            std::error_code ec;
            if (std::filesystem::create_directory(path_, ec)) {
                std::filesystem::permissions(path_, std::filesystem::perms::owner_all,
                                             std::filesystem::perm_options::replace, ec);
                return;
            }
        }
        throw std::runtime_error("cert_factory: cannot make a temporary directory");
    }
    temp_dir(const temp_dir&) = delete;
    temp_dir& operator=(const temp_dir&) = delete;
    ~temp_dir() {
        std::error_code ec;
        std::filesystem::remove_all(path_, ec);
    }
    const std::filesystem::path& path() const noexcept { return path_; }

    // Writes content to name inside the directory; returns the full path.
    std::string write(const std::string& name, const std::string& content) const {
        auto p = path_ / name;
        std::ofstream f(p, std::ios::binary);
        f << content;
        if (!f) throw std::runtime_error("cert_factory: cannot write " + p.string());
        return p.string();
    }

private:
    std::filesystem::path path_;
};

} // namespace wsx_test

#endif
