// Copyright (c) 2026 wsx developers. Distributed under the Boost Software License, Version 1.0.
//
// beast_echo: the Boost.Beast anchor of the wsx load benchmark.
// Usage: beast_echo --port N [--host 127.0.0.1] [--tls --cert CHAIN.pem --key KEY.pem] [--deflate] [--fanout]
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
//
// --fanout (the fan-out scenarios, bench/README.md): instead of echoing,
// every message received is sent to every open connection, the sender
// included. Written the way Beast's chat example does it (the CppCon 2018
// chat server, example/websocket/server/chat-multi in Beast's tree, on one
// thread): a shared state holding the set of sessions, which join when the
// WebSocket handshake is done and leave in their destructor; a message is
// copied once into a std::shared_ptr<std::string const>, and each session
// queues the pointer and writes its queue one message at a time. Reading
// goes on while the queue is written, as in the chat example.

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
#include <unordered_set>
#include <vector>

namespace beast = boost::beast;
namespace websocket = beast::websocket;
namespace net = boost::asio;
using tcp = net::ip::tcp;

namespace {

constexpr std::size_t max_message_bytes = 16 * 1024 * 1024;

// --fanout: one message for every session's queue, copied once.
struct shared_message {
    std::string data;
    bool text = true;
};

class member {
public:
    virtual void send(const std::shared_ptr<const shared_message>& m) = 0;

protected:
    ~member() = default;
};

// The chat example's shared_state: who is connected, and a send to all of
// them. One thread runs the io_context, so it needs no mutex.
class shared_state {
public:
    void join(member* m) { sessions_.insert(m); }
    void leave(member* m) { sessions_.erase(m); }
    void send(const std::shared_ptr<const shared_message>& m)
    {
        for (member* s : sessions_) s->send(m);
    }

private:
    std::unordered_set<member*> sessions_;
};

struct config {
    bool deflate = false;
    shared_state* fanout = nullptr;   // --fanout
#if BEAST_ECHO_TLS
    std::optional<net::ssl::context> tls;
#endif
};

template <class NextLayer>
class session final : public member, public std::enable_shared_from_this<session<NextLayer>> {
public:
    template <class... Args>
    explicit session(const config& cfg, Args&&... args) : cfg_(cfg), ws_(std::forward<Args>(args)...) {}

    ~session()
    {
        if (joined_) cfg_.fanout->leave(this);
    }

    // --fanout: queue the message; write it now unless a write is under way.
    void send(const std::shared_ptr<const shared_message>& m) override
    {
        queue_.push_back(m);
        if (queue_.size() > 1) return;
        do_fanout_write();
    }

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
        if (cfg_.fanout) {
            cfg_.fanout->join(this);
            joined_ = true;
        }
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
        if (cfg_.fanout) {
            auto m = std::make_shared<shared_message>();
            m->data = beast::buffers_to_string(buffer_.data());
            m->text = ws_.got_text();
            buffer_.consume(buffer_.size());
            cfg_.fanout->send(std::move(m));
            do_read();
            return;
        }
        ws_.text(ws_.got_text());
        ws_.async_write(buffer_.data(), beast::bind_front_handler(&session::on_write, this->shared_from_this()));
    }

    void on_write(beast::error_code ec, std::size_t)
    {
        if (ec) return;
        buffer_.consume(buffer_.size());
        do_read();
    }

    void do_fanout_write()
    {
        ws_.text(queue_.front()->text);
        ws_.async_write(net::buffer(queue_.front()->data),
                        beast::bind_front_handler(&session::on_fanout_write, this->shared_from_this()));
    }

    void on_fanout_write(beast::error_code ec, std::size_t)
    {
        if (ec) return;
        queue_.erase(queue_.begin());
        if (!queue_.empty()) do_fanout_write();
    }

    const config& cfg_;
    websocket::stream<NextLayer> ws_;
    beast::flat_buffer buffer_;
    std::vector<std::shared_ptr<const shared_message>> queue_;   // --fanout
    bool joined_ = false;
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
    std::fprintf(stderr, "usage: beast_echo --port N [--host 127.0.0.1] [--tls --cert CHAIN.pem --key KEY.pem] [--deflate]\n"
                         "                  [--fanout]\n");
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
    shared_state everyone;
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
        } else if (arg == "--fanout") {
            cfg.fanout = &everyone;
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
