// Copyright (c) 2026 wsx developers. Distributed under the Boost Software License, Version 1.0.
#ifndef WSX_PEER_CERTIFICATE_HPP
#define WSX_PEER_CERTIFICATE_HPP

// Who is on the other end of a mutual-TLS connection, as plain data: what
// the handshake handler and the session show of the client certificate a
// tls_server verified (tls_server_options::client_auth). Kept free of
// OpenSSL so that code which only reads an identity (an authorization
// check, a log line) needs neither OpenSSL's headers nor wsx::tls.

#include <algorithm>
#include <string>
#include <string_view>
#include <vector>

namespace wsx {

/// The identity in a verified client certificate, read once when the TLS
/// handshake ends. Every string is UTF-8. Reached through
/// `upgrade_request::peer_certificate()` and `basic_session::peer_certificate()`,
/// which are null when the client presented no certificate, on a plain
/// connection, and on a server that did not ask for client certificates.
///
/// A certificate is only present here once it chains to one of
/// tls_server_options::client_ca_file / client_ca_pem, is within its
/// validity period and allowed for client authentication; which of those
/// identities may use an endpoint is the program's decision, typically in
/// on_handshake.
struct peer_certificate {
    /// The subject in RFC 2253 form, most specific part first:
    /// "CN=alice,OU=ops,O=Example Corp". Special characters are escaped as
    /// RFC 2253 says (`\,`, `\+`, ...); other text is UTF-8.
    std::string subject;
    /// The subject's common name (the last CN if there are several; "" for
    /// none), unescaped: the part most setups name users or services by.
    std::string common_name;
    /// The issuing CA's name, in the same form as subject.
    std::string issuer;
    /// The serial number in upper-case hexadecimal ("0A1B..."), unique per
    /// issuer: with issuer it names one certificate (say, for a revocation list).
    std::string serial;
    /// The SHA-256 of the whole certificate (DER) in lower-case hexadecimal
    /// without separators, 64 digits: pins one exact certificate.
    std::string sha256_fingerprint;
    /// subjectAltName DNS names ("host.example.com", "*.example.com"), in
    /// certificate order.
    std::vector<std::string> dns_names;
    /// subjectAltName IP addresses, as text ("10.0.0.7", "2001:db8::1").
    std::vector<std::string> ip_addresses;
    /// subjectAltName e-mail addresses (rfc822Name).
    std::vector<std::string> emails;
    /// subjectAltName URIs ("spiffe://example.org/service/api").
    std::vector<std::string> uris;

    /// True when `name` is one of dns_names, compared as DNS names are
    /// (ASCII case-insensitively). Wildcard entries match only literally:
    /// a client certificate names its holder, not a set of hosts.
    bool has_dns_name(std::string_view name) const noexcept {
        return std::any_of(dns_names.begin(), dns_names.end(), [name](const std::string& d) {
            return d.size() == name.size() && std::equal(d.begin(), d.end(), name.begin(), [](char a, char b) {
                       return lower(a) == lower(b);
                   });
        });
    }
    /// True when `uri` is one of uris (exact comparison).
    bool has_uri(std::string_view uri) const noexcept {
        return std::any_of(uris.begin(), uris.end(), [uri](const std::string& u) { return u == uri; });
    }

private:
    static constexpr char lower(char c) noexcept { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }
};

} // namespace wsx

#endif
