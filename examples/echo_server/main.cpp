// Copyright (c) 2026 wsx developers. Distributed under the Boost Software License, Version 1.0.

// echo_server [--port N] [--host ADDRESS] [--fragment BYTES] [--deflate]
//             [--tls --cert CHAIN.pem --key KEY.pem]
//
// Sends every text and binary message back unchanged, on any path. This is
// the server the conformance suites (Autobahn|Testsuite) are pointed at, so
// it takes the largest messages they send: 16 MiB. With --tls the same
// program serves wss:// instead of ws://; the handlers are written once, for
// either server type.

#include <wsx/wsx.hpp>
#ifdef WSX_EXAMPLE_DEFLATE
#include <wsx/deflate.hpp>
#endif
#ifdef WSX_EXAMPLE_TLS
#include <wsx/tls.hpp>
#endif

#include <asio/signal_set.hpp>

#include <csignal>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <iostream>
#include <memory>
#include <string>
#include <string_view>
#include <system_error>

namespace {

constexpr std::size_t mib = 1024 * 1024;

struct settings {
    std::uint16_t port = 9001;
    std::string host; // empty: every interface
    std::size_t fragment = 0;
    bool deflate = false;
    bool tls = false;
    std::string cert; // PEM: the certificate, then its intermediates
    std::string key;  // PEM: its private key
};

int usage(const std::string& why) {
    std::cerr << "echo_server: " << why << "\n"
              << "usage: echo_server [--port N] [--host ADDRESS] [--fragment BYTES] [--deflate]\n"
              << "                   [--tls --cert CHAIN.pem --key KEY.pem]\n"
              << "  (port 9001 by default, 0 picks a free one; --tls serves wss:// instead of ws://)\n";
    return 2;
}

bool parse_port(std::string_view s, std::uint16_t& port) {
    if (s.empty() || s.size() > 5 || s.find_first_not_of("0123456789") != std::string_view::npos) return false;
    unsigned long v = std::stoul(std::string(s));
    if (v > 65535) return false;
    port = static_cast<std::uint16_t>(v);
    return true;
}

// The whole program after the server is made: wsx::server and
// wsx::tls_server have the same interface, and the generic lambdas take
// either's session.
template <class Server> int serve(asio::io_context& io, Server& server, const settings& cfg) {
    // The conformance suites send messages and frames of up to 16 MiB.
    wsx::session_options& limits = server.default_options();
    limits.max_message_size = 16 * mib;
    limits.max_frame_size = 16 * mib;
    limits.fragment_size = cfg.fragment;
    // An echo never looks at the request after the handshake: do not keep
    // it for the connection's life (a few hundred bytes per connection).
    limits.keep_request = false;
#ifdef WSX_EXAMPLE_DEFLATE
    if (cfg.deflate) {
        // Accept every offer a client can make, and compress every echo so
        // conformance suites exercise the compressor, not only the inflater.
        limits.deflate = wsx::enable_deflate();
        limits.deflate.compress_threshold = 0;
    }
#endif

    server.endpoint("/*")                                                     // any path
        .on_message([](auto& s, const wsx::message& m) { s.send(m); })         // text stays text, binary binary
        .on_error([](auto& s, std::error_code ec) {
            std::cerr << "echo_server: session " << s.id() << ": " << ec.message() << "\n";
        });

    try {
        if (cfg.host.empty())
            server.listen(cfg.port);
        else
            server.listen(cfg.host, cfg.port);
    } catch (const std::system_error& e) {
        std::cerr << "echo_server: " << e.what() << "\n";
        return 1;
    }
    std::cout << "echo_server listening on port " << server.port() << std::endl;

    // Ctrl-C or a service manager's SIGTERM: close every connection with 1001, then return.
    asio::signal_set signals(io, SIGINT, SIGTERM);
    signals.async_wait([&](std::error_code ec, int) {
        if (!ec) server.stop();
    });

    io.run();
    std::cout << "echo_server stopped" << std::endl;
    return EXIT_SUCCESS;
}

} // namespace

int main(int argc, char** argv) {
    settings cfg;
    bool cert_given = false;
    bool key_given = false;
    for (int i = 1; i < argc; ++i) {
        std::string_view arg = argv[i];
        const bool has_value = i + 1 < argc;
        if (arg == "--port" && has_value) {
            if (!parse_port(argv[++i], cfg.port)) return usage("--port needs a number from 0 to 65535");
        } else if (arg == "--host" && has_value) {
            cfg.host = argv[++i];
        } else if (arg == "--deflate") {
#ifdef WSX_EXAMPLE_DEFLATE
            cfg.deflate = true;
#else
            return usage("--deflate needs wsx built with zlib (WSX_WITH_DEFLATE)");
#endif
        } else if (arg == "--tls") {
#ifdef WSX_EXAMPLE_TLS
            cfg.tls = true;
#else
            return usage("--tls needs wsx built with OpenSSL (WSX_WITH_TLS)");
#endif
        } else if (arg == "--cert" && has_value) {
            cfg.cert = argv[++i];
            cert_given = true;
        } else if (arg == "--key" && has_value) {
            cfg.key = argv[++i];
            key_given = true;
        } else if (arg == "--fragment" && has_value) {
            // Auto-fragmentation: echoes larger than N bytes go out as frames of N.
            char* end = nullptr;
            unsigned long n = std::strtoul(argv[++i], &end, 10);
            if (!end || *end || n == 0) return usage("--fragment needs a frame size in bytes (> 0)");
            cfg.fragment = n;
        } else if (arg == "--help" || arg == "-h") {
            return usage("echoes every message");
        } else if (arg == "--port" || arg == "--host" || arg == "--cert" || arg == "--key" || arg == "--fragment") {
            return usage(std::string(arg) + " needs a value");
        } else {
            return usage("unknown argument: " + std::string(arg));
        }
    }
    if (cfg.tls && (cfg.cert.empty() || cfg.key.empty())) {
        if (cfg.cert.empty() && cfg.key.empty()) return usage("--tls needs --cert CHAIN.pem and --key KEY.pem");
        return usage(cfg.cert.empty() ? "--tls needs --cert CHAIN.pem (the certificate chain)"
                                      : "--tls needs --key KEY.pem (the certificate's private key)");
    }
    if (!cfg.tls && (cert_given || key_given)) return usage("--cert and --key are for --tls");

    asio::io_context io;
#ifdef WSX_EXAMPLE_TLS
    if (cfg.tls) {
        // The certificate is loaded here: a missing or bad file throws,
        // naming the file and OpenSSL's reason.
        std::unique_ptr<wsx::tls_server> server;
        try {
            server = std::make_unique<wsx::tls_server>(io, wsx::tls_certificate::from_files(cfg.cert, cfg.key));
        } catch (const std::system_error& e) {
            std::cerr << "echo_server: " << e.what() << "\n";
            return 1;
        }
        return serve(io, *server, cfg);
    }
#endif
    wsx::server server{io};
    return serve(io, server, cfg);
}
