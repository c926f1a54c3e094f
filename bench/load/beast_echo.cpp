// Copyright (c) 2026 wsx developers. Distributed under the Boost Software License, Version 1.0.
//
// beast_echo: the Boost.Beast anchor of the wsx load benchmark.
// Usage: beast_echo --port N [--host 127.0.0.1] [--tls --cert CHAIN.pem --key KEY.pem] [--deflate]
//
// Written the way Beast's own asynchronous examples are: one session object
// per connection kept alive by shared_from_this, websocket::stream over
// beast::tcp_stream (or beast::ssl_stream<beast::tcp_stream> for wss), one
// flat_buffer reused for every message. It is meant to show Beast at its
// idiomatic best, so it is configured like a server that cares about speed
// and nothing more: one thread, TCP_NODELAY, no per-message allocation beyond
// what Beast does by itself, and compression only with --deflate.
//
// --deflate enables Beast's permessage_deflate (server_enable) with the
// parameters of wsx's defaults (wsx::enable_deflate(), as echo_server
// --deflate uses them) where Beast has the same knob:
//   server_max_window_bits 15, client_max_window_bits 15, context takeover
//   in both directions (no_context_takeover off), zlib level 6 (Beast's
//   default is 8), memLevel 8 (Beast's default is 4).
// What differs: Beast 1.74 has no size threshold, so it compresses every
// message, as echo_server --deflate does (compress_threshold 0); Beast's
// deflate is its own port of zlib (boost/beast/zlib), not zlib itself.

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>
#if BEAST_ECHO_TLS
#include <boost/asio/ssl.hpp>
#include <boost/beast/ssl.hpp>
#endif

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <optional>
#include <string>
#include <type_traits>

namespace beast = boost::beast;
namespace websocket = beast::websocket;
namespace net = boost::asio;
using tcp = net::ip::tcp;

namespace {

constexpr std::size_t max_message_bytes = 16 * 1024 * 1024;

struct config {
    bool deflate = false;
#if BEAST_ECHO_TLS
    std::optional<net::ssl::context> tls;
#endif
};

template <class NextLayer>
class session : public std::enable_shared_from_this<session<NextLayer>> {
public:
    template <class... Args>
    explicit session(const config& cfg, Args&&... args) : cfg_(cfg), ws_(std::forward<Args>(args)...) {}

    void run()
    {
        // Small echoes would otherwise wait for the peer's delayed ACK
        // whenever an earlier echo is still unacknowledged (Nagle).
        beast::error_code ec;
        beast::get_lowest_layer(ws_).socket().set_option(tcp::no_delay(true), ec);

        ws_.set_option(websocket::stream_base::timeout::suggested(beast::role_type::server));
        websocket::permessage_deflate pmd;
        pmd.server_enable = cfg_.deflate;
        pmd.client_enable = false;
        if (cfg_.deflate) {
            // wsx's defaults (see the top of the file).
            pmd.server_max_window_bits = 15;
            pmd.client_max_window_bits = 15;
            pmd.server_no_context_takeover = false;
            pmd.client_no_context_takeover = false;
            pmd.compLevel = 6;
            pmd.memLevel = 8;
        }
        ws_.set_option(pmd);
        ws_.read_message_max(max_message_bytes);
        // Echo each message as one frame, as it was received; Beast would
        // otherwise split large writes at its write buffer size.
        ws_.auto_fragment(false);

#if BEAST_ECHO_TLS
        if constexpr (!std::is_same_v<NextLayer, beast::tcp_stream>) {
            ws_.next_layer().async_handshake(net::ssl::stream_base::server,
                                             beast::bind_front_handler(&session::on_tls, this->shared_from_this()));
            return;
        }
#endif
        ws_.async_accept(beast::bind_front_handler(&session::on_accept, this->shared_from_this()));
    }

private:
    void on_tls(beast::error_code ec)
    {
        if (ec) return;
        ws_.async_accept(beast::bind_front_handler(&session::on_accept, this->shared_from_this()));
    }

    void on_accept(beast::error_code ec)
    {
        if (ec) return;
        do_read();
    }

    void do_read()
    {
        ws_.async_read(buffer_, beast::bind_front_handler(&session::on_read, this->shared_from_this()));
    }

    void on_read(beast::error_code ec, std::size_t)
    {
        // closed, reset or protocol error: the session simply ends.
        if (ec) return;
        ws_.text(ws_.got_text());
        ws_.async_write(buffer_.data(), beast::bind_front_handler(&session::on_write, this->shared_from_this()));
    }

    void on_write(beast::error_code ec, std::size_t)
    {
        if (ec) return;
        buffer_.consume(buffer_.size());
        do_read();
    }

    const config& cfg_;
    websocket::stream<NextLayer> ws_;
    beast::flat_buffer buffer_;
};

class listener : public std::enable_shared_from_this<listener> {
public:
    listener(net::io_context& ioc, const tcp::endpoint& endpoint, const config& cfg)
        : ioc_(ioc), acceptor_(ioc), cfg_(cfg)
    {
        acceptor_.open(endpoint.protocol());
        acceptor_.set_option(net::socket_base::reuse_address(true));
        acceptor_.bind(endpoint);
        // The idle scenario opens 10,000 connections; the kernel caps this
        // at net.core.somaxconn.
        acceptor_.listen(net::socket_base::max_listen_connections);
    }

    void run() { do_accept(); }

private:
    void do_accept()
    {
        // One thread runs the io_context, so no strand is needed.
        acceptor_.async_accept(ioc_, beast::bind_front_handler(&listener::on_accept, shared_from_this()));
    }

    void on_accept(beast::error_code ec, tcp::socket socket)
    {
        if (ec) {
            // Keep accepting: one failed accept (e.g. EMFILE) must not stop the server.
            std::fprintf(stderr, "beast_echo: accept: %s\n", ec.message().c_str());
        } else {
#if BEAST_ECHO_TLS
            if (cfg_.tls) {
                std::make_shared<session<beast::ssl_stream<beast::tcp_stream>>>(
                    cfg_, std::move(socket), const_cast<net::ssl::context&>(*cfg_.tls))
                    ->run();
                do_accept();
                return;
            }
#endif
            std::make_shared<session<beast::tcp_stream>>(cfg_, std::move(socket))->run();
        }
        do_accept();
    }

    net::io_context& ioc_;
    tcp::acceptor acceptor_;
    const config& cfg_;
};

int usage(const char* why = nullptr)
{
    if (why) std::fprintf(stderr, "beast_echo: %s\n", why);
    std::fprintf(stderr, "usage: beast_echo --port N [--host 127.0.0.1] [--tls --cert CHAIN.pem --key KEY.pem] [--deflate]\n");
    return 2;
}

} // namespace

int main(int argc, char** argv)
{
    int port = -1;
    std::string address = "127.0.0.1";
    std::string cert, key;
    bool tls = false;
    config cfg;
    for (int i = 1; i < argc; ++i) {
        std::string arg = argv[i];
        if (arg == "--port" && i + 1 < argc) {
            port = std::atoi(argv[++i]);
        } else if (arg == "--host" && i + 1 < argc) {
            address = argv[++i];
        } else if (arg == "--cert" && i + 1 < argc) {
            cert = argv[++i];
        } else if (arg == "--key" && i + 1 < argc) {
            key = argv[++i];
        } else if (arg == "--tls") {
            tls = true;
        } else if (arg == "--deflate") {
            cfg.deflate = true;
        } else {
            return usage();
        }
    }
    if (port <= 0 || port > 65535) return usage();
    if (tls != (!cert.empty() && !key.empty()) || (!tls && (!cert.empty() || !key.empty())))
        return usage("--tls needs --cert and --key, and they need --tls");

    try {
        if (tls) {
#if BEAST_ECHO_TLS
            // TLS 1.2 and 1.3 with OpenSSL's default ciphers, like wsx's tls_server_options.
            cfg.tls.emplace(net::ssl::context::tls_server);
            cfg.tls->set_options(net::ssl::context::default_workarounds | net::ssl::context::no_sslv2 |
                                 net::ssl::context::no_sslv3 | net::ssl::context::no_tlsv1 |
                                 net::ssl::context::no_tlsv1_1);
            cfg.tls->use_certificate_chain_file(cert);
            cfg.tls->use_private_key_file(key, net::ssl::context::pem);
#else
            return usage("built without OpenSSL: --tls is not available");
#endif
        }
        // Concurrency hint 1: a single thread runs the loop, so Asio may skip locking.
        net::io_context ioc{1};
        std::make_shared<listener>(ioc, tcp::endpoint{net::ip::make_address(address), static_cast<unsigned short>(port)},
                                   cfg)
            ->run();
        net::signal_set signals(ioc, SIGINT, SIGTERM);
        signals.async_wait([&ioc](beast::error_code, int) { ioc.stop(); });
        ioc.run();
    } catch (const std::exception& e) {
        std::fprintf(stderr, "beast_echo: %s\n", e.what());
        return 1;
    }
    return 0;
}
