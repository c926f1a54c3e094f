// Copyright (c) 2026 wsx developers. Distributed under the Boost Software License, Version 1.0.

// echo_server [--port N] [--host ADDRESS] [--fragment BYTES] [--deflate]
//
// Sends every text and binary message back unchanged, on any path. This is
// the server the conformance suites (Autobahn|Testsuite) are pointed at, so
// it takes the largest messages they send: 16 MiB.

#include <wsx/wsx.hpp>
#ifdef WSX_EXAMPLE_DEFLATE
#include <wsx/deflate.hpp>
#endif

#include <asio/signal_set.hpp>

#include <csignal>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <iostream>
#include <string>
#include <string_view>
#include <system_error>

namespace {

constexpr std::size_t mib = 1024 * 1024;

int usage(const char* why) {
    std::cerr << "echo_server: " << why << "\n"
              << "usage: echo_server [--port N] [--host ADDRESS] [--fragment BYTES] [--deflate]   (port 9001 by default, 0 picks a free one)\n";
    return 2;
}

bool parse_port(std::string_view s, std::uint16_t& port) {
    if (s.empty() || s.size() > 5 || s.find_first_not_of("0123456789") != std::string_view::npos) return false;
    unsigned long v = std::stoul(std::string(s));
    if (v > 65535) return false;
    port = static_cast<std::uint16_t>(v);
    return true;
}

} // namespace

int main(int argc, char** argv) {
    std::uint16_t port = 9001;
    std::string host; // empty: every interface
    std::size_t fragment = 0;
    bool deflate = false;
    for (int i = 1; i < argc; ++i) {
        std::string_view arg = argv[i];
        if (arg == "--port" && i + 1 < argc) {
            if (!parse_port(argv[++i], port)) return usage("--port needs a number from 0 to 65535");
        } else if (arg == "--host" && i + 1 < argc) {
            host = argv[++i];
        } else if (arg == "--deflate") {
#ifdef WSX_EXAMPLE_DEFLATE
            deflate = true;
#else
            return usage("--deflate needs wsx built with zlib (WSX_WITH_DEFLATE)");
#endif
        } else if (arg == "--fragment" && i + 1 < argc) {
            // Auto-fragmentation: echoes larger than N bytes go out as frames of N.
            char* end = nullptr;
            unsigned long n = std::strtoul(argv[++i], &end, 10);
            if (!end || *end || n == 0) return usage("--fragment needs a frame size in bytes (> 0)");
            fragment = n;
        } else if (arg == "--help" || arg == "-h") {
            return usage("echoes every message");
        } else {
            return usage(("unknown argument: " + std::string(arg)).c_str());
        }
    }

    asio::io_context io;
    wsx::server server{io};

    // The conformance suites send messages and frames of up to 16 MiB.
    wsx::session_options& limits = server.default_options();
    limits.max_message_size = 16 * mib;
    limits.max_frame_size = 16 * mib;
    limits.fragment_size = fragment;
#ifdef WSX_EXAMPLE_DEFLATE
    if (deflate) {
        // Accept every offer a client can make, and compress every echo so
        // conformance suites exercise the compressor, not only the inflater.
        limits.deflate = wsx::enable_deflate();
        limits.deflate.compress_threshold = 0;
    }
#else
    (void)deflate;
#endif

    server.endpoint("/*")                                                     // any path
        .on_message([](wsx::session& s, const wsx::message& m) { s.send(m); }) // text stays text, binary binary
        .on_error([](wsx::session& s, std::error_code ec) {
            std::cerr << "echo_server: session " << s.id() << ": " << ec.message() << "\n";
        });

    try {
        if (host.empty())
            server.listen(port);
        else
            server.listen(host, port);
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
