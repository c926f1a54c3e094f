// Copyright (c) 2026 wsx developers. Distributed under the Boost Software License, Version 1.0.
#ifndef WSX_DETAIL_TLS_PEER_IDENTITY_HPP
#define WSX_DETAIL_TLS_PEER_IDENTITY_HPP

// Reads a verified client certificate into wsx::peer_certificate, once, when
// the TLS handshake ends: handlers then read plain strings, and the
// connection keeps no OpenSSL object alive for them.

#include <wsx/peer_certificate.hpp>

#include <asio/ip/address_v4.hpp>
#include <asio/ip/address_v6.hpp>

#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <array>
#include <cstddef>
#include <cstring>
#include <memory>
#include <string>

namespace wsx::detail {

// The bytes of an ASN.1 string as they are: a name with an embedded NUL
// stays longer than the name it imitates, so it never compares equal to it.
inline std::string tls_asn1_bytes(const ASN1_STRING* s) {
    if (!s) return {};
    return std::string(reinterpret_cast<const char*>(ASN1_STRING_get0_data(s)),
                       static_cast<std::size_t>(ASN1_STRING_length(s)));
}

// RFC 2253, but with UTF-8 left as it is rather than escaped byte by byte,
// so that "CN=Jürgen" reads as such.
inline std::string tls_name_text(X509_NAME* name) {
    if (!name) return {};
    BIO* b = BIO_new(BIO_s_mem());
    if (!b) return {};
    std::string out;
    if (X509_NAME_print_ex(b, name, 0, XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB) >= 0) {
        char* data = nullptr;
        long n = BIO_get_mem_data(b, &data);
        if (n > 0 && data) out.assign(data, static_cast<std::size_t>(n));
    }
    BIO_free(b);
    return out;
}

inline std::string tls_common_name(X509_NAME* name) {
    int last = -1;
    for (int i = X509_NAME_get_index_by_NID(name, NID_commonName, -1); i >= 0;
         i = X509_NAME_get_index_by_NID(name, NID_commonName, i))
        last = i;
    if (last < 0) return {};
    ASN1_STRING* data = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, last));
    unsigned char* utf8 = nullptr;
    int n = ASN1_STRING_to_UTF8(&utf8, data);
    if (n < 0) return {};
    std::string out(reinterpret_cast<const char*>(utf8), static_cast<std::size_t>(n));
    OPENSSL_free(utf8);
    return out;
}

inline std::string tls_hex(const unsigned char* p, std::size_t n) {
    static constexpr char digits[] = "0123456789abcdef";
    std::string out(n * 2, '\0');
    for (std::size_t i = 0; i < n; ++i) {
        out[2 * i] = digits[p[i] >> 4];
        out[2 * i + 1] = digits[p[i] & 0x0F];
    }
    return out;
}

inline std::string tls_serial_text(const X509* x) {
    std::string out;
    BIGNUM* bn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(x), nullptr);
    if (!bn) return out;
    if (char* hex = BN_bn2hex(bn)) {
        out = hex;
        OPENSSL_free(hex);
    }
    BN_free(bn);
    return out;
}

inline void tls_read_alt_names(X509* x, peer_certificate& p) {
    auto* names = static_cast<GENERAL_NAMES*>(X509_get_ext_d2i(x, NID_subject_alt_name, nullptr, nullptr));
    if (!names) return;
    for (int i = 0; i < sk_GENERAL_NAME_num(names); ++i) {
        const GENERAL_NAME* g = sk_GENERAL_NAME_value(names, i);
        switch (g->type) {
        case GEN_DNS:
            p.dns_names.push_back(tls_asn1_bytes(g->d.dNSName));
            break;
        case GEN_EMAIL:
            p.emails.push_back(tls_asn1_bytes(g->d.rfc822Name));
            break;
        case GEN_URI:
            p.uris.push_back(tls_asn1_bytes(g->d.uniformResourceIdentifier));
            break;
        case GEN_IPADD: {
            const ASN1_OCTET_STRING* ip = g->d.iPAddress;
            const unsigned char* b = ASN1_STRING_get0_data(ip);
            const int n = ASN1_STRING_length(ip);
            if (n == 4) {
                asio::ip::address_v4::bytes_type v4;
                std::memcpy(v4.data(), b, 4);
                p.ip_addresses.push_back(asio::ip::address_v4(v4).to_string());
            } else if (n == 16) {
                asio::ip::address_v6::bytes_type v6;
                std::memcpy(v6.data(), b, 16);
                p.ip_addresses.push_back(asio::ip::address_v6(v6).to_string());
            }
            break;
        }
        default:
            break; // directory names, other names: rare in client certificates
        }
    }
    GENERAL_NAMES_free(names);
}

// The verified peer certificate of a finished handshake, or null when the
// peer presented none (or it is not verified, which a handshake that
// verifies never lets through). Allocation failure throws std::bad_alloc.
inline std::unique_ptr<peer_certificate> tls_peer_identity(SSL* ssl) {
#if OPENSSL_VERSION_NUMBER >= 0x30000000L
    X509* x = SSL_get0_peer_certificate(ssl);
#else
    std::unique_ptr<X509, void (*)(X509*)> held(SSL_get_peer_certificate(ssl), &X509_free);
    X509* x = held.get();
#endif
    if (!x || SSL_get_verify_result(ssl) != X509_V_OK) return nullptr;
    auto p = std::make_unique<peer_certificate>();
    p->subject = tls_name_text(X509_get_subject_name(x));
    p->common_name = tls_common_name(X509_get_subject_name(x));
    p->issuer = tls_name_text(X509_get_issuer_name(x));
    p->serial = tls_serial_text(x);
    std::array<unsigned char, EVP_MAX_MD_SIZE> md;
    unsigned int md_len = 0;
    if (X509_digest(x, EVP_sha256(), md.data(), &md_len) == 1) p->sha256_fingerprint = tls_hex(md.data(), md_len);
    tls_read_alt_names(x, *p);
    ERR_clear_error();
    return p;
}

} // namespace wsx::detail

#endif
