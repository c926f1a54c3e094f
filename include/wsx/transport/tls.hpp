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
// The contract every transport keeps is transport/README.md. Three files,
// one idea each: detail/tls_setup.hpp builds the OpenSSL contexts from the
// options, detail/tls_engine.hpp drives one connection's SSL object without
// waiting, and this header is the transport: the contexts and the stream
// that waits for the socket and completes the session's handlers.

#include <wsx/detail/thread_buffer.hpp>
#include <wsx/detail/tls_engine.hpp>
#include <wsx/detail/tls_peer_identity.hpp>
#include <wsx/detail/tls_setup.hpp>
#include <wsx/error.hpp>
#include <wsx/peer_certificate.hpp>
#include <wsx/tls_error.hpp>
#include <wsx/tls_options.hpp>
#include <wsx/transport/socket.hpp>

#include <asio/associated_executor.hpp>
#include <asio/bind_executor.hpp>
#include <asio/buffer.hpp>
#include <asio/error.hpp>
#include <asio/io_context.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/post.hpp>
#include <asio/socket_base.hpp>
#include <asio/ssl/context.hpp>

#include <openssl/ssl.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

namespace wsx {
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
        stream(transport::socket sock, server_context& ctx) : sock_(std::move(sock)), engine_(ctx.native()) {}
        /// A client-side TLS stream whose socket will connect. Throws
        /// std::bad_alloc if OpenSSL cannot make the connection's state.
        /// The stream shares the context: a client may change its TLS
        /// settings (client::tls()) while this connection still needs them.
        stream(asio::io_context& io, std::shared_ptr<client_context> ctx)
            : sock_(io), engine_(ctx->native()), client_(std::move(ctx)) {}

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
            const char* n = SSL_get_servername(engine_.native(), TLSEXT_NAMETYPE_host_name);
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
        SSL* native_handle() noexcept { return engine_.native(); }

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
            if (!ec && !as_server)
                ec = engine_.prepare_client(client_->server_name().empty() ? host_ : client_->server_name(),
                                            client_->verifies_peer());
            if (!ec) ec = engine_.attach_socket(static_cast<int>(sock_.native_handle()));
            if (!ec) {
                if (as_server)
                    SSL_set_accept_state(engine_.native());
                else
                    SSL_set_connect_state(engine_.native());
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
            if (engine_.has_buffered()) {
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
            return engine_.read_some(data, ec);
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
            engine_.send_close_notify();
            std::error_code ec;
            sock_.shutdown(asio::ip::tcp::socket::shutdown_send, ec);
        }
        /// Closes the socket, cancelling every pending operation; sends
        /// close_notify first if the connection is established and healthy
        /// (RFC 8446 6.1: each side sends it before closing).
        void close() noexcept {
            engine_.send_close_notify();
            std::error_code ec;
            sock_.close(ec);
        }

    private:
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
            std::error_code ec;
            int ssl_reason = 0;
            const int r = engine_.handshake_step(ec, ssl_reason);
            if (r == 1) {
                // Only a server that asked for certificates pays for reading one.
                if (as_server && (SSL_get_verify_mode(engine_.native()) & SSL_VERIFY_PEER))
                    peer_ = detail::tls_peer_identity(engine_.native());
                return h(std::error_code{});
            }
            if (r == SSL_ERROR_WANT_READ || r == SSL_ERROR_WANT_WRITE)
                return wait(r, std::move(h), [this, as_server](auto&& handler) { this->handshake_step(as_server, std::move(handler)); },
                            [](auto& handler, std::error_code e) { handler(e); });
            const bool verifying =
                client_ ? client_->verifies_peer() : (SSL_get_verify_mode(engine_.native()) & SSL_VERIFY_PEER) != 0;
            ec = engine_.explain_handshake_error(ec, verifying);
            // A ws:// client (or a browser on http://) at this port: say so in
            // its own protocol, a plain 400, rather than just hang up.
            if (as_server && (ssl_reason == SSL_R_HTTP_REQUEST || ssl_reason == SSL_R_HTTPS_PROXY_REQUEST))
                send_plain(plain_http_answer());
            h(ec);
        }

        template <class Handler> void read_step(Handler h) {
            std::uint8_t* buf = wsx::detail::thread_buffer();
            std::error_code ec;
            std::size_t n = engine_.read_some(buf, ec);
            if (n == 0 && ec == asio::error::would_block)
                return wait(engine_.read_wants(), std::move(h), [this](auto&& handler) { this->read_step(std::move(handler)); },
                            [](auto& handler, std::error_code e) { handler(e, nullptr, 0); });
            h(ec, buf, n);
        }

        // Encrypts from `done` bytes into bufs on; completes the handler
        // (never from inside async_write itself) when all is written or on
        // an error, else waits for the socket.
        template <class Buffers, class Handler> void write_step(const Buffers& bufs, std::size_t done, Handler h, bool first) {
            std::error_code ec;
            int wants = 0;
            done += engine_.write_some(bufs, done, ec, wants);
            if (ec == asio::error::would_block) {
                return wait(wants, std::move(h),
                            [this, bufs, done](auto&& handler) { this->write_step(bufs, done, std::move(handler), false); },
                            [done](auto& handler, std::error_code e) { handler(e, done); });
            }
            if (!first) return h(ec, done);
            auto ex = asio::get_associated_executor(h, sock_.get_executor());
            asio::post(ex, [h = std::move(h), ec, done]() mutable { h(ec, done); });
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

        transport::socket sock_;
        detail::tls_engine engine_;
        std::unique_ptr<wsx::peer_certificate> peer_; // mutual TLS only: one pointer on every other connection
        std::shared_ptr<client_context> client_;
        std::string host_;
    };
};

} // namespace transport
} // namespace wsx

#endif
