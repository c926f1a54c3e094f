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

/// Why a TLS connection failed, in the wsx.tls category (tls_category()):
/// what on_error receives for a failed TLS handshake, where OpenSSL alone
/// would say only "certificate verify failed". Compare with `==`
/// (`ec == wsx::tls_error::certificate_expired`), or ask
/// is_certificate_error() for any rejected certificate.
enum class tls_error {
    // --- the peer's certificate was rejected (values are X509_V_ERR_*) ---
    /// The issuer of a certificate in the chain was not found (an incomplete chain).
    unknown_issuer_certificate = X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT,
    /// The certificate's validity starts in the future (often a wrong clock).
    certificate_not_yet_valid = X509_V_ERR_CERT_NOT_YET_VALID,
    /// The certificate has expired.
    certificate_expired = X509_V_ERR_CERT_HAS_EXPIRED,
    /// A self-signed certificate that is not among the trusted CAs.
    self_signed_certificate = X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT,
    /// The chain ends in a self-signed root that is not trusted.
    self_signed_certificate_in_chain = X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN,
    /// Not signed by a trusted CA (the usual "unknown issuer"; set
    /// tls_client_options::ca_file for a private CA).
    unknown_issuer = X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY,
    /// The certificate was revoked (only with revocation checking set up
    /// through the native context).
    certificate_revoked = X509_V_ERR_CERT_REVOKED,
    /// The certificate may not be used for this (say, a client certificate
    /// presented by a server).
    certificate_wrong_purpose = X509_V_ERR_INVALID_PURPOSE,
    /// The root CA is not trusted for this purpose.
    certificate_untrusted = X509_V_ERR_CERT_UNTRUSTED,
    /// The certificate is not for the host name in the URL (or
    /// tls_client_options::server_name).
    host_name_mismatch = X509_V_ERR_HOSTNAME_MISMATCH,
    /// The URL names an IP address the certificate does not list.
    ip_address_mismatch = X509_V_ERR_IP_ADDRESS_MISMATCH,

    // --- the connection itself (well above every X509_V_ERR_* value) ---
    /// The peer answered with something that is not TLS: a wss:// URL that
    /// points at a ws:// port (or a listen_plain() port).
    not_tls = 10'000,
    /// The peer hung up before the TLS handshake finished: often it refused
    /// our version, cipher or server name without saying so.
    closed_during_handshake,
    /// The two sides accept no TLS version in common (see tls_version).
    no_common_version,
    /// The two sides accept no cipher in common (see the ciphers options).
    no_common_cipher,
    /// The server requires a client certificate (mutual TLS) and the
    /// client presented none: set tls_client_options::certificate.
    certificate_required,
    /// The peer refused the certificate this side presented: not issued by
    /// a CA it trusts for this, expired, or not meant for this use (say, a
    /// client certificate without the clientAuth purpose). Only the peer
    /// knows which; its own logs say.
    certificate_rejected_by_peer,
};

/// The wsx.tls error category. Its messages say what failed and what to
/// check; a certificate error without a name above gets OpenSSL's text.
const std::error_category& tls_category() noexcept;

/// Makes tls_error usable as a std::error_code (found by ADL).
inline std::error_code make_error_code(tls_error e) noexcept { return {static_cast<int>(e), tls_category()}; }

/// True for an error that says the peer's certificate was rejected (any
/// verify result, named above or not), false for every other failure: the
/// one test a program needs to tell "wrong or untrusted certificate" from
/// "network trouble".
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
        case tls_error::certificate_required:
            return "the server requires a TLS client certificate and none was presented (set "
                   "tls_client_options::certificate)";
        case tls_error::certificate_rejected_by_peer:
            return "the peer rejected our TLS certificate (is it issued by a CA the peer trusts, still valid, "
                   "and meant for this use?)";
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
