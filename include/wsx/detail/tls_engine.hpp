// Copyright (c) 2026 wsx developers. Distributed under the Boost Software License, Version 1.0.
#ifndef WSX_DETAIL_TLS_ENGINE_HPP
#define WSX_DETAIL_TLS_ENGINE_HPP

// One TLS connection's OpenSSL side, without waiting: the SSL object on the
// socket (through a BIO that sends with MSG_NOSIGNAL), one handshake step,
// decrypting into a buffer, encrypting a buffer sequence record by record,
// close_notify, and OpenSSL's failures as error codes that name the reason.
// transport::tls::stream adds the waits and the handlers on top (the
// transport contract, transport/README.md). Part of transport/tls.hpp
// (needs OpenSSL: include that header).

#include <wsx/detail/thread_buffer.hpp>
#include <wsx/error.hpp>
#include <wsx/tls_error.hpp>

#include <asio/buffer.hpp>
#include <asio/error.hpp>
#include <asio/ip/address.hpp>
#include <asio/ssl/context.hpp>
#include <asio/ssl/error.hpp>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <sys/socket.h>
#include <sys/types.h>

#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <new>
#include <string>
#include <string_view>
#include <system_error>

namespace wsx::detail {

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

/// The OpenSSL state of one TLS connection, and the calls that drive it
/// without waiting. Every call comes from the connection's strand.
class tls_engine {
public:
    /// A new connection's state from the context's settings. Throws
    /// std::bad_alloc if OpenSSL cannot make it.
    explicit tls_engine(asio::ssl::context& ctx) : ssl_(make_ssl(ctx)) {}

    /// OpenSSL's connection.
    SSL* native() const noexcept { return ssl_.get(); }
    /// Bytes OpenSSL took off the socket and has not delivered, or an
    /// error kept for the next read: a read must not wait for the socket.
    bool has_buffered() const noexcept { return read_error_ || SSL_has_pending(ssl_.get()); }
    /// What the last read that would block waits for (SSL_ERROR_WANT_READ or _WRITE).
    int read_wants() const noexcept { return read_wants_; }

    /// One step of the handshake: 1 when it is done, SSL_ERROR_WANT_READ
    /// or _WRITE when it waits for the socket, else 0 with the error in
    /// `ec` (not yet explained, see explain_handshake_error) and OpenSSL's
    /// reason code in `ssl_reason` (0 if the error is not OpenSSL's).
    int handshake_step(std::error_code& ec, int& ssl_reason) {
        ERR_clear_error();
        errno = 0;
        int r = SSL_do_handshake(ssl_.get());
        if (r == 1) {
            established_ = true;
            return 1;
        }
        int e = SSL_get_error(ssl_.get(), r);
        if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) return e;
        ssl_reason = e == SSL_ERROR_SSL ? ERR_GET_REASON(ERR_peek_error()) : 0;
        ec = failure(e);
        return 0;
    }

    std::error_code attach_socket(int fd) {
        BIO* bio = BIO_new(detail::tls_socket_bio());
        if (!bio) {
            ERR_clear_error();
            return std::make_error_code(std::errc::not_enough_memory);
        }
        BIO_set_data(bio, reinterpret_cast<void*>(static_cast<std::intptr_t>(fd)));
        SSL_set_bio(ssl_.get(), bio, bio); // one reference, owned by the SSL
        return {};
    }

    // Client: SNI (never for an IP address, RFC 6066 3) and the name the
    // certificate must carry (`verify`: the server's certificate is checked): a DNS name or an IP address in its SAN.
    std::error_code prepare_client(const std::string& name, bool verify) {
        SSL* ssl = ssl_.get();
        std::error_code not_ip;
        asio::ip::make_address(name, not_ip);
        const bool is_ip = !not_ip;
        if (!is_ip && !name.empty() && SSL_set_tlsext_host_name(ssl, name.c_str()) != 1) {
            ERR_clear_error();
            return make_error_code(error::bad_url);
        }
        if (!verify) return {};
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
        constexpr std::size_t cap = thread_buffer_size;
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
                std::uint8_t* scratch = tls_write_scratch();
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

    // OpenSSL says only "certificate verify failed"; the reason is in
    // the verify result. A peer that answers in plain text (an HTTP
    // error from a ws:// port) shows up as a bad record version.
    std::error_code explain_handshake_error(std::error_code ec, bool verifying) {
        // Only when verifying (the caller says): with verification off
        // OpenSSL still records a result, which is not why the handshake failed.
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

    std::unique_ptr<SSL, ssl_deleter> ssl_;
    std::error_code read_error_;
    int read_wants_ = SSL_ERROR_WANT_READ;
    bool established_ = false;
    bool fatal_ = false;
};

} // namespace wsx::detail

#endif
