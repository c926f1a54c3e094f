// Copyright (c) 2026 wsx developers. Distributed under the Boost Software License, Version 1.0.
//
// websocketpp_echo: the websocketpp anchor of the wsx load benchmark.
// Usage: websocketpp_echo --port N [--host 127.0.0.1]
//
// websocketpp's own echo_server, configured for speed and nothing else: the
// stock asio_no_tls config (whose permessage-deflate extension is the
// "disabled" stub, so compression is off), one thread, logging off,
// TCP_NODELAY, a 16 MiB message limit and a large listen backlog.

#include <websocketpp/config/asio_no_tls.hpp>
#include <websocketpp/server.hpp>

#include <boost/asio/signal_set.hpp>

#include <cstdio>
#include <cstdlib>
#include <string>

namespace {

using server = websocketpp::server<websocketpp::config::asio>;
using boost::asio::ip::tcp;

constexpr std::size_t max_message_bytes = 16 * 1024 * 1024;

int usage()
{
    std::fprintf(stderr, "usage: websocketpp_echo --port N [--host 127.0.0.1]\n");
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
        srv.set_socket_init_handler([](websocketpp::connection_hdl, tcp::socket& socket) {
            // Small echoes would otherwise wait for the peer's delayed ACK (Nagle).
            boost::system::error_code ec;
            socket.set_option(tcp::no_delay(true), ec);
        });
        srv.set_message_handler([&srv](websocketpp::connection_hdl hdl, server::message_ptr msg) {
            websocketpp::lib::error_code ec;
            srv.send(hdl, msg->get_payload(), msg->get_opcode(), ec);
        });

        srv.listen(tcp::endpoint(boost::asio::ip::make_address(address), static_cast<unsigned short>(port)));
        srv.start_accept();

        boost::asio::signal_set signals(srv.get_io_service(), SIGINT, SIGTERM);
        signals.async_wait([&srv](const boost::system::error_code&, int) {
            websocketpp::lib::error_code ec;
            srv.stop_listening(ec);
            srv.stop();
        });

        srv.run();   // on this thread only: single-threaded, like the other servers
    } catch (const std::exception& e) {
        std::fprintf(stderr, "websocketpp_echo: %s\n", e.what());
        return 1;
    }
    return 0;
}
