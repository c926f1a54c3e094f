// Copyright (c) 2026 wsx developers. Distributed under the Boost Software License, Version 1.0.
#ifndef WSX_TRANSPORT_TLS_HPP
#define WSX_TRANSPORT_TLS_HPP

// TLS (wss://) over OpenSSL, in the shape every transport has (see tcp.hpp):
// the session layer does not know it is encrypted. The server context holds
// the certificates (one per host name with SNI) and, for mutual TLS, the
// CAs client certificates must chain to; the client context holds whom to
// trust and its own certificate, and each client stream checks the
// server's certificate against the host it connects to. A rejected
// certificate reaches on_error as a wsx::tls_error naming the reason
// (expired, unknown issuer, wrong host).
//
// The stream drives OpenSSL directly on the non-blocking socket rather than
// through asio::ssl::stream, for memory: Asio's stream gives every
// connection about 68 KiB of buffers of its own, this one none (see stream).
// The contract every transport keeps is transport/README.md.

#include <wsx/detail/thread_buffer.hpp>
#include <wsx/detail/tls_peer_identity.hpp>
#include <wsx/error.hpp>
#include <wsx/peer_certificate.hpp>
#include <wsx/tls_error.hpp>
#include <wsx/tls_options.hpp>
#include <wsx/transport/socket.hpp>

#include <asio/associated_executor.hpp>
#include <asio/error.hpp>
#include <asio/bind_executor.hpp>
#include <asio/buffer.hpp>
#include <asio/io_context.hpp>
#include <asio/ip/address.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/post.hpp>
#include <asio/ssl/context.hpp>
#include <asio/ssl/error.hpp>
#include <asio/socket_base.hpp>
#include <asio/write.hpp>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <sys/socket.h>
#include <sys/types.h>

#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <functional>
#include <new>
#include <memory>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

namespace wsx {
namespace detail {

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

// The certificate-related alerts a peer sends when it refuses ours (and
// the server's "no certificate" check), as errors that say so; the
// handshake fails with them under TLS 1.2, the first read after it under
// TLS 1.3, where the server verifies the client after the client is done.
inline std::error_code tls_refusal_error(unsigned long err) noexcept {
    if (ERR_GET_LIB(err) != ERR_LIB_SSL) return {};
    switch (ERR_GET_REASON(err)) {
    case SSL_R_TLSV13_ALERT_CERTIFICATE_REQUIRED:
    case SSL_R_PEER_DID_NOT_RETURN_A_CERTIFICATE:
        return make_error_code(tls_error::certificate_required);
    case SSL_R_SSLV3_ALERT_BAD_CERTIFICATE:
    case SSL_R_SSLV3_ALERT_UNSUPPORTED_CERTIFICATE:
    case SSL_R_SSLV3_ALERT_CERTIFICATE_REVOKED:
    case SSL_R_SSLV3_ALERT_CERTIFICATE_EXPIRED:
    case SSL_R_SSLV3_ALERT_CERTIFICATE_UNKNOWN:
    case SSL_R_TLSV1_ALERT_UNKNOWN_CA:
        return make_error_code(tls_error::certificate_rejected_by_peer);
    default:
        return {};
    }
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

// The socket under a TLS connection as an OpenSSL BIO: send and recv on
// the descriptor. Not OpenSSL's own socket BIO, which writes with write(2):
// a peer gone mid-write would raise SIGPIPE and end the program; send with
// MSG_NOSIGNAL reports EPIPE instead (where there is no MSG_NOSIGNAL, as on
// macOS, Asio has set SO_NOSIGPIPE on the socket). POSIX sockets only.
#ifdef MSG_NOSIGNAL
inline constexpr int tls_send_flags = MSG_NOSIGNAL;
#else
inline constexpr int tls_send_flags = 0;
#endif

inline BIO_METHOD* tls_socket_bio() {
    static BIO_METHOD* const method = [] {
        BIO_METHOD* m = BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK, "wsx socket");
        if (!m) return m;
        BIO_meth_set_write(m, [](BIO* b, const char* data, int len) -> int {
            BIO_clear_retry_flags(b);
            const int fd = static_cast<int>(reinterpret_cast<std::intptr_t>(BIO_get_data(b)));
            ssize_t n;
            do {
                n = ::send(fd, data, static_cast<std::size_t>(len), tls_send_flags);
            } while (n < 0 && errno == EINTR);
            if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) BIO_set_retry_write(b);
            return static_cast<int>(n);
        });
        BIO_meth_set_read(m, [](BIO* b, char* data, int len) -> int {
            BIO_clear_retry_flags(b);
            const int fd = static_cast<int>(reinterpret_cast<std::intptr_t>(BIO_get_data(b)));
            ssize_t n;
            do {
                n = ::recv(fd, data, static_cast<std::size_t>(len), 0);
            } while (n < 0 && errno == EINTR);
            if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) BIO_set_retry_read(b);
            return static_cast<int>(n);
        });
        // OpenSSL flushes after each handshake flight; nothing is buffered here.
        BIO_meth_set_ctrl(m, [](BIO*, int cmd, long, void*) -> long { return cmd == BIO_CTRL_FLUSH ? 1 : 0; });
        BIO_meth_set_create(m, [](BIO* b) -> int {
            BIO_set_init(b, 1);
            return 1;
        });
        return m;
    }();
    if (!method) throw std::bad_alloc();
    return method;
}

// Where small pieces of a gather write are put together into one record.
inline std::uint8_t* tls_write_scratch() {
    thread_local std::uint8_t scratch[16 * 1024];
    return scratch;
}

} // namespace detail


namespace transport {

/// TLS over OpenSSL, for wss://: what server::listen_tls() ports and wss://
/// URLs use (include <wsx/tls.hpp>, link wsx::tls). The session sees the
/// same shape as every transport (transport/README.md); only the stream encrypts.
struct tls {
    /// TLS state of one listener: the default certificate and the SNI
    /// ones, made from tls_server_options by server::listen_tls().
    /// Loading does all the checking up front, so that a bad file fails the
    /// program at startup rather than the first client.
    class server_context {
    public:
        /// Loads every certificate in `o`. Throws std::system_error (naming
        /// the file or the SNI host, and OpenSSL's reason) when there is no
        /// certificate, a file cannot be read, a key is encrypted and the
        /// password is missing or wrong, a key does not match its
        /// certificate, an SNI entry has no host name, the cipher list
        /// names nothing usable (error::bad_argument), or client_auth and
        /// the client CAs do not fit together (one set without the other,
        /// or a CA that cannot be read or parsed).
        explicit server_context(const tls_server_options& o) : ctx_(asio::ssl::context::tls_server) {
            if (o.certificate.empty())
                detail::tls_setup_failed(make_error_code(error::bad_argument),
                                         "a TLS server needs a certificate: set tls_server_options::certificate");
            const bool client_auth = o.client_auth != tls_client_auth::none;
            const bool client_cas = !o.client_ca_file.empty() || !o.client_ca_pem.empty();
            if (client_auth && !client_cas)
                detail::tls_setup_failed(make_error_code(error::bad_argument),
                                         "client_auth asks for client certificates, but no CA to verify them is "
                                         "given: set tls_server_options::client_ca_file or client_ca_pem");
            // A CA without a mode would look like mutual TLS and let everyone in.
            if (!client_auth && client_cas)
                detail::tls_setup_failed(make_error_code(error::bad_argument),
                                         "client CAs are given but client_auth is none, so no client would be "
                                         "asked for a certificate: set tls_server_options::client_auth to "
                                         "optional or required");
            std::vector<detail::tls_x509_ptr> cas;
            if (client_auth) cas = detail::tls_client_cas(o);
            detail::tls_configure(ctx_, o.min_version, o.ciphers, o.ciphersuites, true);
            detail::tls_use_certificate(ctx_, o.certificate, o.password, "default certificate");
            if (client_auth) detail::tls_use_client_auth(ctx_.native_handle(), o.client_auth, cas);
            if (o.configure) o.configure(ctx_.native_handle());
            if (o.sni_certificates.empty()) return;
            sni_ = std::make_unique<detail::tls_sni_table>();
            for (auto& [host, cert] : o.sni_certificates) {
                if (host.empty())
                    detail::tls_setup_failed(make_error_code(error::bad_argument), "an SNI certificate needs a host name");
                auto e = std::make_unique<detail::tls_sni_table::entry>(
                    detail::tls_sni_table::entry{detail::tls_lower(host), asio::ssl::context(asio::ssl::context::tls_server)});
                detail::tls_configure(e->ctx, o.min_version, o.ciphers, o.ciphersuites, true);
                detail::tls_use_certificate(e->ctx, cert, o.password, "SNI host \"" + host + "\"");
                if (client_auth) detail::tls_use_client_auth(e->ctx.native_handle(), o.client_auth, cas);
                if (o.configure) o.configure(e->ctx.native_handle());
                sni_->entries.push_back(std::move(e));
            }
            SSL_CTX_set_tlsext_servername_callback(ctx_.native_handle(), &detail::tls_sni_table::on_servername);
            SSL_CTX_set_tlsext_servername_arg(ctx_.native_handle(), sni_.get());
        }
        /// One certificate, no SNI, the other options at their defaults:
        /// `tls_server server{io, tls_certificate::from_files(...)}`. Throws
        /// as the constructor above.
        explicit server_context(const tls_certificate& c) : server_context(tls_server_options(c)) {}

        /// The Asio SSL context of the default certificate, for what wsx has
        /// no option for (ALPN, session tickets, revocation lists).
        /// Change it before listen(): a stream takes its settings when it is made.
        asio::ssl::context& native() noexcept { return ctx_; }

    private:
        asio::ssl::context ctx_;
        std::unique_ptr<detail::tls_sni_table> sni_;
    };

    /// Client-wide TLS state, one per client: whom to trust and which
    /// versions and ciphers to offer. Verification of the server's
    /// certificate and host name is on unless the one option that says
    /// DANGER (tls_client_options::insecure_skip_verify) turns it off.
    class client_context {
    public:
        /// Trusts the system's CAs (OpenSSL's default paths), TLS 1.2 or
        /// later. Throws std::system_error if the system's CAs cannot be loaded.
        client_context() : client_context(tls_client_options{}) {}
        /// Trusts the CAs of `o` (or the system's when it names none), and
        /// loads o.certificate to present when a server asks. Throws
        /// std::system_error naming the file or the PEM text and the reason
        /// when a CA or the certificate cannot be read or parsed, the key
        /// does not match the certificate or its password is missing or
        /// wrong, or the cipher list names nothing usable (error::bad_argument).
        explicit client_context(const tls_client_options& o)
            : ctx_(asio::ssl::context::tls_client), server_name_(o.server_name), verify_(!o.insecure_skip_verify) {
            detail::tls_configure(ctx_, o.min_version, o.ciphers, o.ciphersuites, false);
            // OpenSSL sends it only to a server that asks (mutual TLS).
            if (!o.certificate.empty())
                detail::tls_use_certificate(ctx_, o.certificate, o.password, "client certificate");
            std::error_code ec;
            if (!verify_) {
                ctx_.set_verify_mode(asio::ssl::verify_none);
                if (o.configure) o.configure(ctx_.native_handle());
                return;
            }
            if (!o.ca_pem.empty()) {
                ctx_.add_certificate_authority(asio::buffer(o.ca_pem), ec);
                if (ec) detail::tls_setup_failed(ec, "cannot load the trusted CA certificates given as PEM text");
            }
            if (!o.ca_file.empty()) {
                detail::tls_read_file(o.ca_file, "trusted CA file"); // a clear message if it is missing
                ctx_.load_verify_file(o.ca_file, ec);
                if (ec) detail::tls_setup_failed(ec, "cannot load the trusted CA file \"" + o.ca_file + "\"");
            }
            if (o.ca_pem.empty() && o.ca_file.empty()) {
                ctx_.set_default_verify_paths(ec);
                if (ec) detail::tls_setup_failed(ec, "cannot load the system's trusted CAs");
            }
            ctx_.set_verify_mode(asio::ssl::verify_peer);
            ERR_clear_error();
            if (o.configure) o.configure(ctx_.native_handle());
        }

        /// The Asio SSL context, for what wsx has no option for (ALPN,
        /// session resumption). Change it before connect().
        asio::ssl::context& native() noexcept { return ctx_; }
        /// tls_client_options::server_name: the name asked for (SNI) and
        /// checked instead of the URL's host; "" to use the URL's host.
        const std::string& server_name() const noexcept { return server_name_; }
        /// False only with tls_client_options::insecure_skip_verify.
        bool verifies_peer() const noexcept { return verify_; }

    private:
        asio::ssl::context ctx_;
        std::string server_name_;
        bool verify_;
    };

    /// One connection: OpenSSL straight on the non-blocking socket, waiting
    /// with the socket's async_wait when OpenSSL wants to read or write.
    /// Compared with asio::ssl::stream it keeps no buffers of its own (Asio's
    /// adds 2 x 17 KiB plus a 2 x 17 KiB BIO pair to every connection), reads
    /// into the per-thread buffer like tcp::stream, and lets close() send
    /// close_notify at once: an idle connection costs OpenSSL's SSL object
    /// only.
    class stream {
    public:
        /// The executor of the socket.
        using executor_type = asio::io_context::executor_type;

        /// A server-side TLS stream over an accepted socket. Throws
        /// std::bad_alloc if OpenSSL cannot make the connection's state.
        stream(transport::socket sock, server_context& ctx) : sock_(std::move(sock)), ssl_(make_ssl(ctx.native())) {}
        /// A client-side TLS stream whose socket will connect. Throws
        /// std::bad_alloc if OpenSSL cannot make the connection's state.
        /// The stream shares the context: a client may change its TLS
        /// settings (client::tls()) while this connection still needs them.
        stream(asio::io_context& io, std::shared_ptr<client_context> ctx)
            : sock_(io), ssl_(make_ssl(ctx->native())), client_(std::move(ctx)) {}

        /// Always true: the connection is encrypted (wss://).
        static constexpr bool is_secure() noexcept { return true; }

        /// The TCP socket under TLS (for its addresses and options; reading
        /// or writing it directly would corrupt the TLS connection).
        transport::socket& socket() noexcept { return sock_; }
        /// Client: the host name to ask for (SNI) and to check the
        /// certificate against, from the URL (set by wsx::client).
        void set_host(const std::string& host) { host_ = host; }
        /// Server: the host name the client asked for with SNI, so that one
        /// port can tell its virtual hosts apart; "" when the client sent
        /// none (clients send none for an IP address) and on a client.
        /// Valid once the handshake is done (in on_open and later).
        std::string_view requested_server_name() const noexcept {
            const char* n = SSL_get_servername(ssl_.get(), TLSEXT_NAMETYPE_host_name);
            return n ? std::string_view(n) : std::string_view();
        }
        /// Server: the client certificate the handshake verified (mutual
        /// TLS, tls_server_options::client_auth), or null when the server
        /// did not ask for one, the client presented none (client_auth
        /// optional), and on a client. Read once when the
        /// handshake ends; valid from then (the handshake handler, on_open)
        /// for the stream's life.
        const wsx::peer_certificate* peer_certificate() const noexcept { return peer_.get(); }
        /// The socket's descriptor (-1 once closed).
        int descriptor() const noexcept { return sock_.is_open() ? static_cast<int>(const_cast<transport::socket&>(sock_).native_handle()) : -1; }
        /// OpenSSL's connection, for what wsx has no call for (the cipher in
        /// use, the peer's whole certificate chain).
        SSL* native_handle() noexcept { return ssl_.get(); }

        /// Runs the TLS handshake (server or client side) on the connected
        /// socket; the handler gets the error_code. Errors: a wsx::tls_error
        /// that names the reason where OpenSSL's own would not (a rejected
        /// certificate, a peer that is not TLS), else OpenSSL's (the
        /// asio::error::get_ssl_category()) or the socket's. A plain HTTP
        /// request on a TLS port is answered with a 400 before the failure.
        template <class Handler> void async_handshake(bool as_server, Handler&& h) {
            auto ex = asio::get_associated_executor(h, sock_.get_executor());
            std::error_code ec;
            sock_.non_blocking(true, ec);
            if (!ec) sock_.set_option(asio::ip::tcp::no_delay(true), ec);
            if (!ec && !as_server) ec = prepare_client();
            if (!ec) ec = attach_socket();
            if (!ec) {
                if (as_server)
                    SSL_set_accept_state(ssl_.get());
                else
                    SSL_set_connect_state(ssl_.get());
            }
            asio::post(ex, [this, as_server, ec, h = std::forward<Handler>(h)]() mutable {
                if (ec) return h(ec);
                handshake_step(as_server, std::move(h));
            });
        }

        /// Waits until the socket is readable, then decrypts what is there
        /// into the thread's buffer. The handler gets (ec, data, size); the
        /// bytes stay valid until the handler returns. asio::error::eof is
        /// the end of the stream, with or without the peer's close_notify.
        template <class Handler> void async_read(Handler&& h) {
            auto ex = asio::get_associated_executor(h, sock_.get_executor());
            // Records OpenSSL has already taken off the socket would wait for
            // readability forever.
            if (read_error_ || SSL_has_pending(ssl_.get())) {
                asio::post(ex, [this, h = std::forward<Handler>(h)]() mutable { read_step(std::move(h)); });
                return;
            }
            wait(SSL_ERROR_WANT_READ, std::forward<Handler>(h), [this](auto&& handler) { this->read_step(std::move(handler)); },
                 [](auto& handler, std::error_code ec) { handler(ec, nullptr, 0); });
        }

        /// Decrypts more without waiting, into the thread's buffer (`data`
        /// points there); 0 and asio::error::would_block when nothing is there.
        std::size_t read_now(std::uint8_t*& data, std::error_code& ec) {
            data = wsx::detail::thread_buffer();
            return read_some(data, ec);
        }

        /// Encrypts and writes every buffer; the handler gets (ec,
        /// bytes_written) and never runs inside this call. Small buffers are
        /// gathered into one TLS record, so a frame header and its short
        /// payload go out as one record, not two.
        template <class Buffers, class Handler> void async_write(const Buffers& bufs, Handler&& h) {
            write_step(bufs, 0, std::forward<Handler>(h), true);
        }

        /// close_notify, then the TCP half-close: the peer reads our last
        /// frame and then learns the stream ended on purpose, not cut off.
        void shutdown_send() noexcept {
            send_close_notify();
            std::error_code ec;
            sock_.shutdown(asio::ip::tcp::socket::shutdown_send, ec);
        }
        /// Closes the socket, cancelling every pending operation; sends
        /// close_notify first if the connection is established and healthy
        /// (RFC 8446 6.1: each side sends it before closing).
        void close() noexcept {
            send_close_notify();
            std::error_code ec;
            sock_.close(ec);
        }

    private:
        struct ssl_deleter {
            void operator()(SSL* s) const noexcept { SSL_free(s); }
        };

        static SSL* make_ssl(asio::ssl::context& ctx) {
            SSL* s = SSL_new(ctx.native_handle());
            if (!s) {
                ERR_clear_error();
                throw std::bad_alloc();
            }
            // Partial writes: one record per SSL_write, so progress is
            // counted exactly. Moving buffer: a write retried after the
            // socket was full may come from another thread's scratch buffer
            // with the same bytes. Release buffers: an idle connection keeps
            // no 17 KiB record buffers. Read ahead: one recv takes several
            // records instead of one recv per header and per body.
            SSL_set_mode(s, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER | SSL_MODE_RELEASE_BUFFERS);
            SSL_set_read_ahead(s, 1);
            return s;
        }

        std::error_code attach_socket() {
            BIO* bio = BIO_new(detail::tls_socket_bio());
            if (!bio) {
                ERR_clear_error();
                return std::make_error_code(std::errc::not_enough_memory);
            }
            BIO_set_data(bio, reinterpret_cast<void*>(static_cast<std::intptr_t>(sock_.native_handle())));
            SSL_set_bio(ssl_.get(), bio, bio); // one reference, owned by the SSL
            return {};
        }

        // Runs next(h) once the socket is ready for what OpenSSL wants
        // (want: SSL_ERROR_WANT_READ or _WRITE), or fail(h, ec) if the wait
        // ends with an error (close() cancels it).
        template <class Handler, class Next, class Fail> void wait(int want, Handler&& h, Next next, Fail fail) {
            auto ex = asio::get_associated_executor(h, sock_.get_executor());
            sock_.async_wait(want == SSL_ERROR_WANT_WRITE ? asio::socket_base::wait_write : asio::socket_base::wait_read,
                             asio::bind_executor(ex, [h = std::forward<Handler>(h), next, fail](std::error_code ec) mutable {
                                 if (ec) return fail(h, ec);
                                 next(std::move(h));
                             }));
        }

        template <class Handler> void handshake_step(bool as_server, Handler h) {
            ERR_clear_error();
            errno = 0;
            int r = SSL_do_handshake(ssl_.get());
            if (r == 1) {
                established_ = true;
                // Only a server that asked for certificates pays for reading one.
                if (as_server && (SSL_get_verify_mode(ssl_.get()) & SSL_VERIFY_PEER))
                    peer_ = detail::tls_peer_identity(ssl_.get());
                return h(std::error_code{});
            }
            int e = SSL_get_error(ssl_.get(), r);
            if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE)
                return wait(e, std::move(h), [this, as_server](auto&& handler) { this->handshake_step(as_server, std::move(handler)); },
                            [](auto& handler, std::error_code ec) { handler(ec); });
            const int ssl_reason = e == SSL_ERROR_SSL ? ERR_GET_REASON(ERR_peek_error()) : 0;
            std::error_code ec = explain_handshake_error(failure(e));
            // A ws:// client (or a browser on http://) at this port: say so in
            // its own protocol, a plain 400, rather than just hang up.
            if (as_server && (ssl_reason == SSL_R_HTTP_REQUEST || ssl_reason == SSL_R_HTTPS_PROXY_REQUEST))
                send_plain(plain_http_answer());
            h(ec);
        }

        template <class Handler> void read_step(Handler h) {
            std::uint8_t* buf = wsx::detail::thread_buffer();
            std::error_code ec;
            std::size_t n = read_some(buf, ec);
            if (n == 0 && ec == asio::error::would_block)
                return wait(read_wants_, std::move(h), [this](auto&& handler) { this->read_step(std::move(handler)); },
                            [](auto& handler, std::error_code e) { handler(e, nullptr, 0); });
            h(ec, buf, n);
        }

        // Decrypts records into buf until it is full or OpenSSL holds no
        // more. An error after some bytes is kept for the next call, so the
        // bytes before it are delivered first.
        static constexpr std::size_t max_record = 16 * 1024; // TLS plaintext per record (RFC 8446 5.1)

        std::size_t read_some(std::uint8_t* buf, std::error_code& ec) {
            ec = {};
            if (read_error_) {
                ec = read_error_;
                return 0;
            }
            std::size_t total = 0;
            constexpr std::size_t cap = wsx::detail::thread_buffer_size;
            while (total < cap) {
                ERR_clear_error();
                errno = 0;
                int r = SSL_read(ssl_.get(), buf + total, static_cast<int>(cap - total));
                if (r > 0) {
                    total += static_cast<std::size_t>(r);
                    // Nothing left inside OpenSSL: deliver now rather than try
                    // a recv that mostly says EAGAIN. (Reading on while
                    // records come full measured slower: the frames wait
                    // longer for the session.)
                    if (!SSL_has_pending(ssl_.get())) break;
                    continue;
                }
                int e = SSL_get_error(ssl_.get(), r);
                if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) {
                    read_wants_ = e;
                    if (total == 0) ec = asio::error::would_block;
                    break;
                }
                std::error_code err = failure(e);
                if (total == 0)
                    ec = err;
                else
                    read_error_ = err;
                break;
            }
            return total;
        }

        // Encrypts from `done` bytes into bufs on; completes the handler
        // (never from inside async_write itself) when all is written or on
        // an error, else waits for the socket.
        template <class Buffers, class Handler> void write_step(const Buffers& bufs, std::size_t done, Handler h, bool first) {
            std::error_code ec;
            int wants = 0;
            done += write_some(bufs, done, ec, wants);
            if (ec == asio::error::would_block) {
                return wait(wants, std::move(h),
                            [this, bufs, done](auto&& handler) { this->write_step(bufs, done, std::move(handler), false); },
                            [done](auto& handler, std::error_code e) { handler(e, done); });
            }
            if (!first) return h(ec, done);
            auto ex = asio::get_associated_executor(h, sock_.get_executor());
            asio::post(ex, [h = std::move(h), ec, done]() mutable { h(ec, done); });
        }

        // One record per SSL_write. A piece of at least a record, or the
        // last piece, is encrypted where it is; smaller pieces (a frame
        // header, short frames) are gathered into one record first, so a
        // small message is one record, not two.
        template <class Buffers>
        std::size_t write_some(const Buffers& bufs, std::size_t from, std::error_code& ec, int& wants) {
            constexpr std::size_t record = max_record;
            auto it = asio::buffer_sequence_begin(bufs);
            const auto end = asio::buffer_sequence_end(bufs);
            std::size_t skip = from; // offset into *it
            std::size_t written = 0;
            for (;;) {
                while (it != end && skip >= asio::const_buffer(*it).size()) {
                    skip -= asio::const_buffer(*it).size();
                    ++it;
                }
                if (it == end) return written;
                asio::const_buffer piece(*it);
                const void* src = static_cast<const std::uint8_t*>(piece.data()) + skip;
                std::size_t len = piece.size() - skip;
                auto next = it;
                ++next;
                if (len < record && next != end) {
                    std::uint8_t* scratch = detail::tls_write_scratch();
                    std::size_t n = 0, at_skip = skip;
                    for (auto at = it; at != end && n < record; ++at, at_skip = 0) {
                        asio::const_buffer b(*at);
                        std::size_t m = b.size() - at_skip;
                        if (m > record - n) m = record - n;
                        if (m) std::memcpy(scratch + n, static_cast<const std::uint8_t*>(b.data()) + at_skip, m);
                        n += m;
                    }
                    src = scratch;
                    len = n;
                }
                if (len > (1u << 30)) len = 1u << 30;
                ERR_clear_error();
                errno = 0;
                int r = SSL_write(ssl_.get(), src, static_cast<int>(len));
                if (r > 0) {
                    written += static_cast<std::size_t>(r);
                    skip += static_cast<std::size_t>(r); // the loop head moves on to the right piece
                    continue;
                }
                int e = SSL_get_error(ssl_.get(), r);
                if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) {
                    wants = e;
                    ec = asio::error::would_block;
                } else {
                    ec = failure(e);
                }
                return written;
            }
        }

        // An OpenSSL failure as an error code. After SSL_ERROR_SYSCALL or
        // SSL_ERROR_SSL the connection may not be used again, not even for
        // close_notify.
        std::error_code failure(int e) {
            const int saved_errno = errno;
            std::error_code ec;
            if (e == SSL_ERROR_ZERO_RETURN) {
                ec = asio::error::eof; // the peer's close_notify
            } else if (e == SSL_ERROR_SYSCALL) {
                fatal_ = true;
                ec = saved_errno ? std::error_code(saved_errno, std::system_category()) : std::error_code(asio::error::eof);
            } else {
                fatal_ = true;
                unsigned long err = ERR_peek_error();
                if (ERR_GET_REASON(err) == SSL_R_UNEXPECTED_EOF_WHILE_READING)
                    ec = asio::error::eof; // TCP ended without close_notify: to the session, the end of the stream
                else if (std::error_code refused = detail::tls_refusal_error(err))
                    ec = refused;
                else
                    ec = std::error_code(static_cast<int>(err), asio::error::get_ssl_category());
            }
            ERR_clear_error();
            return ec;
        }

        void send_close_notify() noexcept {
            if (!established_ || fatal_ || (SSL_get_shutdown(ssl_.get()) & SSL_SENT_SHUTDOWN)) return;
            ERR_clear_error();
            SSL_shutdown(ssl_.get()); // non-blocking: the alert leaves now, or never
            ERR_clear_error();
        }

        void send_plain(std::string_view text) noexcept {
            std::error_code ec;
            sock_.send(asio::buffer(text.data(), text.size()), 0, ec);
        }
        static std::string_view plain_http_answer() noexcept {
            return "HTTP/1.1 400 Bad Request\r\n"
                   "Connection: close\r\n"
                   "Content-Type: text/plain; charset=utf-8\r\n"
                   "Content-Length: 45\r\n"
                   "\r\n"
                   "This port speaks TLS: use wss:// or https://\n";
        }

        // SNI (never for an IP address, RFC 6066 3) and the name the
        // certificate must carry: a DNS name or an IP address in its SAN.
        std::error_code prepare_client() {
            const std::string& name = client_->server_name().empty() ? host_ : client_->server_name();
            SSL* ssl = ssl_.get();
            std::error_code not_ip;
            asio::ip::make_address(name, not_ip);
            const bool is_ip = !not_ip;
            if (!is_ip && !name.empty() && SSL_set_tlsext_host_name(ssl, name.c_str()) != 1) {
                ERR_clear_error();
                return make_error_code(error::bad_url);
            }
            if (!client_->verifies_peer()) return {};
            // An empty name would switch the host check off: refuse instead.
            if (name.empty()) return make_error_code(error::bad_url);
            X509_VERIFY_PARAM* p = SSL_get0_param(ssl);
            X509_VERIFY_PARAM_set_hostflags(p, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
            int ok = is_ip ? X509_VERIFY_PARAM_set1_ip_asc(p, name.c_str())
                           : X509_VERIFY_PARAM_set1_host(p, name.c_str(), name.size());
            if (ok != 1) {
                ERR_clear_error();
                return make_error_code(error::bad_url);
            }
            return {};
        }

        // OpenSSL says only "certificate verify failed"; the reason is in
        // the verify result. A peer that answers in plain text (an HTTP
        // error from a ws:// port) shows up as a bad record version.
        std::error_code explain_handshake_error(std::error_code ec) {
            // Only when verifying: with verification off OpenSSL still
            // records a result, which is not why the handshake failed.
            const bool verifying =
                client_ ? client_->verifies_peer() : (SSL_get_verify_mode(ssl_.get()) & SSL_VERIFY_PEER) != 0;
            if (verifying) {
                long v = SSL_get_verify_result(ssl_.get());
                if (v != X509_V_OK) return std::error_code(static_cast<int>(v), tls_category());
            }
            if (ec == asio::error::eof) return make_error_code(tls_error::closed_during_handshake);
            if (ec.category() != asio::error::get_ssl_category()) return ec;
            switch (ERR_GET_REASON(static_cast<unsigned long>(static_cast<unsigned int>(ec.value())))) {
            case SSL_R_WRONG_VERSION_NUMBER:
            case SSL_R_HTTP_REQUEST:
            case SSL_R_HTTPS_PROXY_REQUEST:
                return make_error_code(tls_error::not_tls);
            case SSL_R_TLSV1_ALERT_PROTOCOL_VERSION:
            case SSL_R_UNSUPPORTED_PROTOCOL:
            case SSL_R_NO_PROTOCOLS_AVAILABLE:
            case SSL_R_VERSION_TOO_LOW:
            case SSL_R_VERSION_TOO_HIGH:
                return make_error_code(tls_error::no_common_version);
            case SSL_R_NO_SHARED_CIPHER:
            case SSL_R_NO_CIPHERS_AVAILABLE:
                return make_error_code(tls_error::no_common_cipher);
            default:
                return ec;
            }
        }

        transport::socket sock_;
        std::unique_ptr<SSL, ssl_deleter> ssl_;
        std::unique_ptr<wsx::peer_certificate> peer_; // mutual TLS only: one pointer on every other connection
        std::shared_ptr<client_context> client_;
        std::string host_;
        std::error_code read_error_;
        int read_wants_ = SSL_ERROR_WANT_READ;
        bool established_ = false;
        bool fatal_ = false;
    };
};

} // namespace transport
} // namespace wsx

#endif
