// Copyright (c) 2026 wsx developers. Distributed under the Boost Software License, Version 1.0.

// echo_server [--port N] [--host ADDRESS] [--fragment BYTES] [--deflate]
//             [--tls --cert CHAIN.pem --key KEY.pem]
//
// Sends every text and binary message back unchanged, on any path. This is
// the server the conformance suites (Autobahn|Testsuite) are pointed at, so
// it takes the largest messages they send: 16 MiB. With --tls the same
// program serves wss:// instead of ws://, with the same handlers.

#include "../common/options.hpp"

#include <wsx/wsx.hpp>
#ifdef WSX_EXAMPLE_DEFLATE
#include <wsx/deflate.hpp>
#endif

#include <cstddef>
#include <cstdlib>
#include <iostream>
#include <string>
#include <system_error>

namespace {

constexpr std::size_t mib = 1024 * 1024;

constexpr const char* usage = "echo_server [--port N] [--host ADDRESS] [--fragment BYTES] [--deflate]\n"
                              "                   [--tls --cert CHAIN.pem --key KEY.pem]\n"
                              "  (port 9001 by default, 0 picks a free one; --tls serves wss:// instead of ws://)\n";

struct settings {
    examples::server_flags server{9001};
    std::size_t fragment = 0;
    bool deflate = false;
};

settings parse(int argc, char** argv) {
    examples::args a(argc, argv, "echo_server", usage);
    settings cfg;
    while (a.next()) {
        if (cfg.server.parse(a)) continue;
        if (a.is("--deflate")) {
#ifdef WSX_EXAMPLE_DEFLATE
            cfg.deflate = true;
#else
            a.fail("--deflate needs wsx built with zlib (WSX_WITH_DEFLATE)");
#endif
        } else if (a.is("--fragment")) {
            // Auto-fragmentation: echoes larger than N bytes go out as frames of N.
            std::string n = a.value();
            if (n.empty() || n.find_first_not_of("0123456789") != std::string::npos || n.size() > 9 || std::stoul(n) == 0)
                a.fail("--fragment needs a frame size in bytes (> 0)");
            cfg.fragment = std::stoul(n);
        } else {
            a.unknown();
        }
    }
    cfg.server.check(a);
    return cfg;
}

} // namespace

int main(int argc, char** argv) {
    const settings cfg = parse(argc, argv);
    asio::io_context io{1}; // one thread runs it (docs/threading.md)
    return examples::serve(io, "echo_server", cfg.server, [&](wsx::server& server) {
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
            .on_message([](wsx::session& s, const wsx::message& m) { s.send(m); }) // text stays text, binary binary
            .on_error([](wsx::session& s, std::error_code ec) {
                std::cerr << "echo_server: session " << s.id() << ": " << ec.message() << "\n";
            });
    });
}
