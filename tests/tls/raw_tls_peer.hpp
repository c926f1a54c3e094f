// Copyright (c) 2026 wsx developers. Distributed under the Boost Software License, Version 1.0.
#ifndef WSX_TESTS_TLS_RAW_TLS_PEER_HPP
#define WSX_TESTS_TLS_RAW_TLS_PEER_HPP

// A blocking TLS peer written with OpenSSL directly (not with Asio and not
// with wsx's transport), to see what wsx puts on the wire at the TLS level:
// whether a close_notify came before the end of the stream. Every read has
// a deadline (SO_RCVTIMEO), so a wsx bug fails the test instead of hanging it.

#include "cert_factory.hpp"
#include "loopback.hpp"

#include <openssl/err.h>
#include <openssl/ssl.h>

#include <sys/socket.h>
#include <sys/time.h>

#include <optional>
#include <stdexcept>
#include <string>

namespace wsx_test {

class raw_tls_peer {
public:
    enum class end { none, close_notify, eof_without_close_notify, error };

    raw_tls_peer() : sock_(io_) {}
    raw_tls_peer(const raw_tls_peer&) = delete;
    raw_tls_peer& operator=(const raw_tls_peer&) = delete;
    ~raw_tls_peer() {
        if (ssl_) SSL_free(ssl_);
        if (ctx_) SSL_CTX_free(ctx_);
    }

    // Makes the kernel receive buffer small, so that a peer that does not
    // read soon fills the sender's socket. Call before connect().
    void shrink_receive_buffer(int bytes) {
        sock_.open(asio::ip::tcp::v4());
        sock_.set_option(asio::socket_base::receive_buffer_size(bytes));
    }

    // Client role: TCP connect, then the TLS handshake (no certificate
    // check: what is tested here is the end of the connection).
    void connect(std::uint16_t port) {
        sock_.connect(asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"), port));
        setup(SSL_CTX_new(TLS_client_method()));
        if (SSL_connect(ssl_) != 1) throw std::runtime_error("raw_tls_peer: SSL_connect failed");
        masks_ = true;
    }

    // Server role: accept one connection from a, then the TLS handshake
    // with cert.
    void accept(asio::ip::tcp::acceptor& a, const issued& cert) {
        a.accept(sock_);
        SSL_CTX* ctx = SSL_CTX_new(TLS_server_method());
        SSL_CTX_use_certificate(ctx, cert.cert.get());
        SSL_CTX_use_PrivateKey(ctx, cert.key.get());
        setup(ctx);
        if (SSL_accept(ssl_) != 1) throw std::runtime_error("raw_tls_peer: SSL_accept failed");
        masks_ = false;
    }

    void write(const std::string& bytes) {
        if (SSL_write(ssl_, bytes.data(), static_cast<int>(bytes.size())) != static_cast<int>(bytes.size()))
            throw std::runtime_error("raw_tls_peer: SSL_write failed");
    }
    void send_frame(std::uint8_t opcode, const std::string& payload) { write(encode_frame(opcode, payload, masks_)); }

    // Client: the upgrade request and its 101.
    bool upgrade(std::uint16_t port, const std::string& target = "/echo") {
        write(upgrade_request(target, port));
        auto head = read_until("\r\n\r\n");
        return head && head->rfind("HTTP/1.1 101", 0) == 0;
    }
    // Server: reads the request and answers 101.
    bool accept_upgrade() {
        auto head = read_until("\r\n\r\n");
        if (!head) return false;
        auto at = head->find("Sec-WebSocket-Key: ");
        if (at == std::string::npos) return false;
        at += 19;
        std::string key = head->substr(at, head->find("\r\n", at) - at);
        write("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: " +
              wsx::protocol::accept_key(key) + "\r\n\r\n");
        return true;
    }

    // The next frame (header parsed by hand, RFC 6455 5.2); nullopt at the end.
    std::optional<frame> read_frame() {
        for (;;) {
            if (auto f = parse()) return f;
            if (!fill()) return std::nullopt;
        }
    }

    // Reads (and drops) until the stream ends; says how it ended.
    end read_to_end() {
        while (fill()) buf_.clear();
        return end_;
    }

    // Sends close_notify.
    void shutdown() { SSL_shutdown(ssl_); }

private:
    void setup(SSL_CTX* ctx) {
        ctx_ = ctx;
        timeval tv{};
        tv.tv_sec = static_cast<long>(default_limit.count() / 1000);
        ::setsockopt(sock_.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
        ssl_ = SSL_new(ctx_);
        SSL_set_fd(ssl_, static_cast<int>(sock_.native_handle()));
    }

    std::optional<std::string> read_until(const std::string& delim) {
        for (;;) {
            auto at = buf_.find(delim);
            if (at != std::string::npos) {
                std::string out = buf_.substr(0, at + delim.size());
                buf_.erase(0, at + delim.size());
                return out;
            }
            if (!fill()) return std::nullopt;
        }
    }

    // One SSL_read; false at the end of the stream (end_ says which end).
    bool fill() {
        if (end_ != end::none) return false;
        char tmp[16 * 1024];
        int n = SSL_read(ssl_, tmp, sizeof tmp);
        if (n > 0) {
            buf_.append(tmp, static_cast<std::size_t>(n));
            return true;
        }
        int e = SSL_get_error(ssl_, n);
        if (e == SSL_ERROR_ZERO_RETURN)
            end_ = end::close_notify;
        else if (e == SSL_ERROR_SYSCALL ||
                 (e == SSL_ERROR_SSL && ERR_GET_REASON(ERR_peek_error()) == SSL_R_UNEXPECTED_EOF_WHILE_READING))
            end_ = end::eof_without_close_notify;
        else
            end_ = end::error;
        ERR_clear_error();
        return false;
    }

    std::optional<frame> parse() {
        bool masked = false;
        return take_frame(buf_, masked);
    }

    asio::io_context io_;
    asio::ip::tcp::socket sock_;
    SSL_CTX* ctx_ = nullptr;
    SSL* ssl_ = nullptr;
    std::string buf_;
    end end_ = end::none;
    bool masks_ = true;
};

} // namespace wsx_test

#endif
