// Copyright (c) 2026 wsx developers. Distributed under the Boost Software License, Version 1.0.
//
// beast_echo: the Boost.Beast anchor of the wsx load benchmark.
// Usage: beast_echo --port N [--host 127.0.0.1]
//
// Written the way Beast's own asynchronous examples are: one session object
// per connection kept alive by shared_from_this, websocket::stream over
// beast::tcp_stream, one flat_buffer reused for every message. It is meant to
// show Beast at its idiomatic best, so it is configured like a server that
// cares about speed and nothing more: one thread, no compression, TCP_NODELAY,
// no per-message allocation beyond what Beast does by itself.

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>

namespace beast = boost::beast;
namespace websocket = beast::websocket;
namespace net = boost::asio;
using tcp = net::ip::tcp;

namespace {

constexpr std::size_t max_message_bytes = 16 * 1024 * 1024;

class session : public std::enable_shared_from_this<session> {
public:
    explicit session(tcp::socket&& socket) : ws_(std::move(socket)) {}

    void run()
    {
        // Small echoes would otherwise wait for the peer's delayed ACK
        // whenever an earlier echo is still unacknowledged (Nagle).
        beast::error_code ec;
        beast::get_lowest_layer(ws_).socket().set_option(tcp::no_delay(true), ec);

        ws_.set_option(websocket::stream_base::timeout::suggested(beast::role_type::server));
        websocket::permessage_deflate pmd;
        pmd.server_enable = false;
        pmd.client_enable = false;
        ws_.set_option(pmd);
        ws_.read_message_max(max_message_bytes);
        // Echo each message as one frame, as it was received; Beast would
        // otherwise split large writes at its write buffer size.
        ws_.auto_fragment(false);

        ws_.async_accept(beast::bind_front_handler(&session::on_accept, shared_from_this()));
    }

private:
    void on_accept(beast::error_code ec)
    {
        if (ec) return;
        do_read();
    }

    void do_read()
    {
        ws_.async_read(buffer_, beast::bind_front_handler(&session::on_read, shared_from_this()));
    }

    void on_read(beast::error_code ec, std::size_t)
    {
        // closed, reset or protocol error: the session simply ends.
        if (ec) return;
        ws_.text(ws_.got_text());
        ws_.async_write(buffer_.data(), beast::bind_front_handler(&session::on_write, shared_from_this()));
    }

    void on_write(beast::error_code ec, std::size_t)
    {
        if (ec) return;
        buffer_.consume(buffer_.size());
        do_read();
    }

    websocket::stream<beast::tcp_stream> ws_;
    beast::flat_buffer buffer_;
};

class listener : public std::enable_shared_from_this<listener> {
public:
    listener(net::io_context& ioc, const tcp::endpoint& endpoint) : ioc_(ioc), acceptor_(ioc)
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
            std::make_shared<session>(std::move(socket))->run();
        }
        do_accept();
    }

    net::io_context& ioc_;
    tcp::acceptor acceptor_;
};

int usage()
{
    std::fprintf(stderr, "usage: beast_echo --port N [--host 127.0.0.1]\n");
    return 2;
}

} // namespace

int main(int argc, char** argv)
{
    int port = -1;
    std::string address = "127.0.0.1";
    for (int i = 1; i < argc; ++i) {
        std::string arg = argv[i];
        if (arg == "--port" && i + 1 < argc) {
            port = std::atoi(argv[++i]);
        } else if (arg == "--host" && i + 1 < argc) {
            address = argv[++i];
        } else {
            return usage();
        }
    }
    if (port <= 0 || port > 65535) return usage();

    try {
        // Concurrency hint 1: a single thread runs the loop, so Asio may skip locking.
        net::io_context ioc{1};
        std::make_shared<listener>(ioc, tcp::endpoint{net::ip::make_address(address),
                                                      static_cast<unsigned short>(port)})
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
