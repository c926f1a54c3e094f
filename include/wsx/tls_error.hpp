// Copyright (c) 2026 wsx developers. Distributed under the Boost Software License, Version 1.0.
#ifndef WSX_TLS_ERROR_HPP
#define WSX_TLS_ERROR_HPP

// Why a TLS connection failed, as a std::error_code whose message a person
// can act on. OpenSSL reports a rejected certificate only as "certificate
// verify failed"; the reason (expired, unknown issuer, wrong host) sits in
// the connection's verify result, so wsx turns that result into the error
// on_error receives. The values of the certificate errors are OpenSSL's
// X509_V_ERR_* codes, so any verify result fits in this category, also
// the ones without a name below.

#include <openssl/x509_vfy.h>

#include <string>
#include <system_error>
#include <type_traits>

namespace wsx {

enum class tls_error {
    // --- the peer's certificate was rejected (values are X509_V_ERR_*) ---
    unknown_issuer_certificate = X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT,
    certificate_not_yet_valid = X509_V_ERR_CERT_NOT_YET_VALID,
    certificate_expired = X509_V_ERR_CERT_HAS_EXPIRED,
    self_signed_certificate = X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT,
    self_signed_certificate_in_chain = X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN,
    unknown_issuer = X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY,
    certificate_revoked = X509_V_ERR_CERT_REVOKED,
    certificate_wrong_purpose = X509_V_ERR_INVALID_PURPOSE,
    certificate_untrusted = X509_V_ERR_CERT_UNTRUSTED,
    host_name_mismatch = X509_V_ERR_HOSTNAME_MISMATCH,
    ip_address_mismatch = X509_V_ERR_IP_ADDRESS_MISMATCH,

    // --- the connection itself (well above every X509_V_ERR_* value) ---
    not_tls = 10'000,        // the peer answered with something that is not TLS (a ws:// port?)
    closed_during_handshake, // the peer hung up before the TLS handshake finished
    no_common_version,       // the peers accept no TLS version in common
    no_common_cipher,        // the peers accept no cipher in common
};

const std::error_category& tls_category() noexcept;

inline std::error_code make_error_code(tls_error e) noexcept { return {static_cast<int>(e), tls_category()}; }

// True for an error that says the peer's certificate was rejected.
inline bool is_certificate_error(std::error_code ec) noexcept {
    return ec.category() == tls_category() && ec.value() > 0 && ec.value() < static_cast<int>(tls_error::not_tls);
}

namespace detail {
class tls_category_impl final : public std::error_category {
public:
    const char* name() const noexcept override { return "wsx.tls"; }
    std::string message(int ev) const override {
        // The first words say what failed, the parenthesis what to check.
        switch (static_cast<tls_error>(ev)) {
        case tls_error::not_tls:
            return "the peer does not speak TLS (is it a plain ws:// port?)";
        case tls_error::closed_during_handshake:
            return "the peer closed the connection during the TLS handshake (does it accept this TLS version, "
                   "cipher and server name?)";
        case tls_error::no_common_version:
            return "no TLS version in common with the peer (see tls_version min_version)";
        case tls_error::no_common_cipher:
            return "no TLS cipher in common with the peer (see the ciphers option)";
        case tls_error::certificate_expired:
            return "TLS certificate verification failed: certificate has expired";
        case tls_error::certificate_not_yet_valid:
            return "TLS certificate verification failed: certificate is not yet valid (check the clock)";
        case tls_error::self_signed_certificate:
            return "TLS certificate verification failed: self-signed certificate (not in the trusted CAs)";
        case tls_error::self_signed_certificate_in_chain:
            return "TLS certificate verification failed: self-signed certificate in the chain (its root is not "
                   "a trusted CA)";
        case tls_error::unknown_issuer:
        case tls_error::unknown_issuer_certificate:
            return "TLS certificate verification failed: unknown issuer (the certificate is not signed by a "
                   "trusted CA)";
        case tls_error::host_name_mismatch:
            return "TLS certificate verification failed: host name mismatch (the certificate is not for this "
                   "host name)";
        case tls_error::ip_address_mismatch:
            return "TLS certificate verification failed: IP address mismatch (the certificate does not list this "
                   "IP address)";
        default:
            break;
        }
        const char* reason = X509_verify_cert_error_string(ev);
        return std::string("TLS certificate verification failed: ") + (reason ? reason : "unknown reason");
    }
};
} // namespace detail

inline const std::error_category& tls_category() noexcept {
    static const detail::tls_category_impl cat;
    return cat;
}

} // namespace wsx

namespace std {
template <> struct is_error_code_enum<wsx::tls_error> : true_type {};
} // namespace std

#endif
