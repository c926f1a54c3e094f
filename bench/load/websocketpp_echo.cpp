// Copyright (c) 2026 wsx developers. Distributed under the Boost Software License, Version 1.0.
//
// websocketpp_echo: the websocketpp anchor of the wsx load benchmark.
// Usage: websocketpp_echo --port N [--host 127.0.0.1] [--tls --cert CHAIN.pem --key KEY.pem | --deflate] [--fanout]
//
// websocketpp's own echo_server, configured for speed and nothing else: one
// thread, logging off, TCP_NODELAY, a 16 MiB message limit and a large
// listen backlog. The config decides the rest:
// - plain: the stock asio_no_tls config, whose permessage-deflate extension
//   is the "disabled" stub, so compression is off;
// - --tls: the stock asio_tls config (Boost.Asio ssl::stream over OpenSSL);
// - --deflate: asio_no_tls with permessage_deflate::enabled swapped in (the
//   way websocketpp's own tests do it). Its parameters are fixed in
//   websocketpp 0.8.2: zlib level 6 (Z_DEFAULT_COMPRESSION), window 15 both
//   ways, context takeover unless the client asks otherwise, and memLevel 4
//   (wsx uses 8). Every echo is sent compressed.
// TLS and deflate together is not a benchmark row, so it is not offered.
//
// --fanout (the fan-out scenarios, bench/README.md): instead of echoing,
// every message received is sent to every open connection, the sender
// included. Written the way websocketpp's own simple_broadcast_server
// example does it: a std::set of connection_hdl (std::owner_less) filled by
// the open handler and emptied by the close handler, and a loop over it in
// the message handler calling send(hdl, msg) with the received message.

#if WEBSOCKETPP_ECHO_TLS
#include <websocketpp/config/asio.hpp>
#endif
#include <websocketpp/config/asio_no_tls.hpp>
#if WEBSOCKETPP_ECHO_DEFLATE
#include <websocketpp/extensions/permessage_deflate/enabled.hpp>
#endif
#include <websocketpp/server.hpp>

#include <boost/asio/signal_set.hpp>

#include <cstdio>
#include <cstdlib>
#include <memory>
#include <set>
#include <string>

namespace {

using boost::asio::ip::tcp;

constexpr std::size_t max_message_bytes = 16 * 1024 * 1024;

#if WEBSOCKETPP_ECHO_DEFLATE
struct asio_deflate : websocketpp::config::asio {
    typedef asio_deflate type;
    typedef websocketpp::config::asio base;

    typedef base::concurrency_type concurrency_type;
    typedef base::request_type request_type;
    typedef base::response_type response_type;
    typedef base::message_type message_type;
    typedef base::con_msg_manager_type con_msg_manager_type;
    typedef base::endpoint_msg_manager_type endpoint_msg_manager_type;
    typedef base::alog_type alog_type;
    typedef base::elog_type elog_type;
    typedef base::rng_type rng_type;
    typedef base::transport_type transport_type;

    struct permessage_deflate_config {
        typedef type::request_type request_type;
        // Accept what the client offers for its own window (every browser offers it).
        static const bool allow_disabling_context_takeover = true;
        static const uint8_t minimum_outgoing_window_bits = 8;
    };
    typedef websocketpp::extensions::permessage_deflate::enabled<permessage_deflate_config> permessage_deflate_type;
};
#endif

int usage(const char* why = nullptr)
{
    if (why) std::fprintf(stderr, "websocketpp_echo: %s\n", why);
    std::fprintf(stderr,
                 "usage: websocketpp_echo --port N [--host 127.0.0.1] [--tls --cert CHAIN.pem --key KEY.pem | --deflate]\n"
                 "                        [--fanout]\n");
    return 2;
}

struct settings {
    int port = -1;
    std::string address = "127.0.0.1";
    std::string cert, key;
    bool compress = false;
    bool fanout = false;
};

template <class Config, class Setup>
int serve(const settings& s, Setup&& setup)
{
    using server = websocketpp::server<Config>;
    // --fanout: simple_broadcast_server's connection list (made before the
    // server, so it outlives every handler that uses it).
    typedef std::set<websocketpp::connection_hdl, std::owner_less<websocketpp::connection_hdl>> con_list;
    con_list connections;
    server srv;
    // Logging writes to stdout for every connection; it would be measured as echo cost.
    srv.clear_access_channels(websocketpp::log::alevel::all);
    srv.clear_error_channels(websocketpp::log::elevel::all);

    srv.init_asio();
    srv.set_reuse_addr(true);
    // The idle scenario opens 10,000 connections; the kernel caps this
    // at net.core.somaxconn.
    srv.set_listen_backlog(boost::asio::socket_base::max_listen_connections);
    srv.set_max_message_size(max_message_bytes);
    setup(srv);
    const bool compress = s.compress;
    if (s.fanout) {
        srv.set_open_handler([&connections](websocketpp::connection_hdl hdl) { connections.insert(hdl); });
        srv.set_close_handler([&connections](websocketpp::connection_hdl hdl) { connections.erase(hdl); });
        srv.set_message_handler([&srv, &connections, compress](websocketpp::connection_hdl, typename server::message_ptr msg) {
            websocketpp::lib::error_code ec;
            if (compress) msg->set_compressed(true);
            for (auto it : connections) srv.send(it, msg, ec);
        });
    } else {
        srv.set_message_handler([&srv, compress](websocketpp::connection_hdl hdl, typename server::message_ptr msg) {
            websocketpp::lib::error_code ec;
            if (compress) {
                // send(payload, opcode) makes a new, uncompressed message; the
                // received one, marked compressed, is compressed on the way out.
                msg->set_compressed(true);
                srv.send(hdl, msg, ec);
            } else {
                srv.send(hdl, msg->get_payload(), msg->get_opcode(), ec);
            }
        });
    }

    srv.listen(tcp::endpoint(boost::asio::ip::make_address(s.address), static_cast<unsigned short>(s.port)));
    srv.start_accept();

    boost::asio::signal_set signals(srv.get_io_service(), SIGINT, SIGTERM);
    signals.async_wait([&srv](const boost::system::error_code&, int) {
        websocketpp::lib::error_code ec;
        srv.stop_listening(ec);
        srv.stop();
    });

    srv.run();   // on this thread only: single-threaded, like the other servers
    return 0;
}

// Small echoes would otherwise wait for the peer's delayed ACK (Nagle).
void no_delay(tcp::socket& socket)
{
    boost::system::error_code ec;
    socket.set_option(tcp::no_delay(true), ec);
}

} // namespace

int main(int argc, char** argv)
{
    settings s;
    bool tls = false;
    for (int i = 1; i < argc; ++i) {
        std::string arg = argv[i];
        if (arg == "--port" && i + 1 < argc) {
            s.port = std::atoi(argv[++i]);
        } else if (arg == "--host" && i + 1 < argc) {
            s.address = argv[++i];
        } else if (arg == "--cert" && i + 1 < argc) {
            s.cert = argv[++i];
        } else if (arg == "--key" && i + 1 < argc) {
            s.key = argv[++i];
        } else if (arg == "--tls") {
            tls = true;
        } else if (arg == "--deflate") {
            s.compress = true;
        } else if (arg == "--fanout") {
            s.fanout = true;
        } else {
            return usage();
        }
    }
    if (s.port <= 0 || s.port > 65535) return usage();
    if (tls != (!s.cert.empty() && !s.key.empty()) || (!tls && (!s.cert.empty() || !s.key.empty())))
        return usage("--tls needs --cert and --key, and they need --tls");
    if (tls && s.compress) return usage("--tls with --deflate is not supported here");

    try {
        if (tls) {
#if WEBSOCKETPP_ECHO_TLS
            using server = websocketpp::server<websocketpp::config::asio_tls>;
            return serve<websocketpp::config::asio_tls>(s, [&s](server& srv) {
                srv.set_socket_init_handler([](websocketpp::connection_hdl, boost::asio::ssl::stream<tcp::socket>& stream) {
                    no_delay(stream.next_layer());
                });
                srv.set_tls_init_handler([&s](websocketpp::connection_hdl) {
                    // TLS 1.2 and 1.3 with OpenSSL's default ciphers, like the other servers.
                    namespace ssl = boost::asio::ssl;
                    auto ctx = websocketpp::lib::make_shared<ssl::context>(ssl::context::tls_server);
                    ctx->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                                     ssl::context::no_sslv3 | ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1);
                    ctx->use_certificate_chain_file(s.cert);
                    ctx->use_private_key_file(s.key, ssl::context::pem);
                    return ctx;
                });
            });
#else
            return usage("built without OpenSSL: --tls is not available");
#endif
        }
        if (s.compress) {
#if WEBSOCKETPP_ECHO_DEFLATE
            using server = websocketpp::server<asio_deflate>;
            return serve<asio_deflate>(s, [](server& srv) {
                srv.set_socket_init_handler([](websocketpp::connection_hdl, tcp::socket& socket) { no_delay(socket); });
            });
#else
            return usage("built without zlib: --deflate is not available");
#endif
        }
        using server = websocketpp::server<websocketpp::config::asio>;
        return serve<websocketpp::config::asio>(s, [](server& srv) {
            srv.set_socket_init_handler([](websocketpp::connection_hdl, tcp::socket& socket) { no_delay(socket); });
        });
    } catch (const std::exception& e) {
        std::fprintf(stderr, "websocketpp_echo: %s\n", e.what());
        return 1;
    }
}
