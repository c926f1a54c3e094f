// Copyright (c) 2026 wsx developers. Distributed under the Boost Software License, Version 1.0.
//
// wsx_fanout: wsx's server for the fan-out scenarios of the load benchmark
// (bench/README.md, "Fan-out"). Usage: wsx_fanout --port N [--host 127.0.0.1] [--fanout]
//
// Every connection subscribes to one topic, "all", when it opens; every
// message received (text or binary) is published to "all" with
// server.publish, so it reaches every subscriber, the sender included.
// --fanout is accepted and does nothing (this program only fans out), so that
// run.sh can start every server of a fan-out scenario with the same flags.
//
// Written the way docs/topics.md shows topics, on one thread like the other
// servers of the benchmark, with echo_server's limits (16 MiB messages) and
// keep_request = false (nothing looks at the request after the handshake).

#include <wsx/wsx.hpp>

#include <asio/signal_set.hpp>

#include <cstddef>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <system_error>

namespace {

constexpr std::size_t mib = 1024 * 1024;

int usage(const char* why = nullptr)
{
    if (why) std::fprintf(stderr, "wsx_fanout: %s\n", why);
    std::fprintf(stderr, "usage: wsx_fanout --port N [--host 127.0.0.1] [--fanout]\n");
    return 2;
}

} // namespace

int main(int argc, char** argv)
{
    int port = -1;
    std::string host = "127.0.0.1";
    for (int i = 1; i < argc; ++i) {
        std::string arg = argv[i];
        if (arg == "--port" && i + 1 < argc) {
            port = std::atoi(argv[++i]);
        } else if (arg == "--host" && i + 1 < argc) {
            host = argv[++i];
        } else if (arg == "--fanout") {
            // always on
        } else {
            return usage();
        }
    }
    if (port <= 0 || port > 65535) return usage();

    asio::io_context io{1}; // one thread runs it (docs/threading.md)
    wsx::server server{io};
    wsx::session_options& limits = server.default_options();
    limits.max_message_size = 16 * mib;
    limits.max_frame_size = 16 * mib;
    limits.keep_request = false;

    server.endpoint("/*")
        .on_open([](wsx::session& s) { s.subscribe("all"); })
        .on_message([&server](wsx::session&, const wsx::message& m) { server.publish("all", m); })
        .on_error([](wsx::session& s, std::error_code ec) {
            std::fprintf(stderr, "wsx_fanout: session %llu: %s\n", static_cast<unsigned long long>(s.id()),
                         ec.message().c_str());
        });
    try {
        server.listen(host, static_cast<std::uint16_t>(port));
    } catch (const std::system_error& e) {
        std::fprintf(stderr, "wsx_fanout: %s\n", e.what());
        return 1;
    }
    asio::signal_set signals(io, SIGINT, SIGTERM);
    signals.async_wait([&](std::error_code ec, int) {
        if (!ec) server.stop();
    });
    io.run();
    return 0;
}
