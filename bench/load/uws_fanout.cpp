// Copyright (c) 2026 wsx developers. Distributed under the Boost Software License, Version 1.0.
//
// uws_fanout: uWebSockets' peer for the fan-out scenarios of the load
// benchmark (bench/README.md, "Fan-out"), next to uws_echo in the shared peers
// (BENCH_UWS_DIR). Not part of the CMake build: uWebSockets' sources are not
// in this repository; bench/load/uws_build.sh compiles it the way the shared
// build.sh compiles uws_echo, and run.sh calls that script.
//
//   uws_fanout --port N [--host 127.0.0.1] [--fanout]
//
// Single-threaded, plain ws:// (LIBUS_NO_SSL), no compression. Every
// connection subscribes to the topic "all" when it opens (ws->subscribe);
// every message received (text or binary) is published to "all" with
// app.publish, which reaches every subscriber, the sender included (it is
// ws->publish that skips the sender). --fanout is accepted and does nothing,
// so that run.sh starts every server of a fan-out scenario with the same flags.
// uws_echo's settings otherwise: 16 MiB messages, idleTimeout 120 s, automatic
// pings, a backpressure limit high enough that nothing is dropped (a drop is
// reported on stderr), TCP_NODELAY (uSockets always sets it).
#include "App.h"

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

struct PerSocketData {};

int main(int argc, char** argv) {
    int port = 0;
    std::string host = "127.0.0.1";
    for (int i = 1; i < argc; ++i) {
        if (!std::strcmp(argv[i], "--port") && i + 1 < argc) port = std::atoi(argv[++i]);
        else if (!std::strcmp(argv[i], "--host") && i + 1 < argc) host = argv[++i];
        else if (!std::strcmp(argv[i], "--fanout")) {}   // always on
        else { std::fprintf(stderr, "usage: uws_fanout --port N [--host H] [--fanout]\n"); return 2; }
    }
    if (port <= 0 || port > 65535) { std::fprintf(stderr, "usage: uws_fanout --port N [--host H] [--fanout]\n"); return 2; }
    static unsigned long long dropped = 0;
    uWS::App app;
    app.ws<PerSocketData>("/*", {
        .compression = uWS::DISABLED,
        .maxPayloadLength = 16 * 1024 * 1024,
        .idleTimeout = 120,
        .maxBackpressure = 1024 * 1024 * 1024,
        .closeOnBackpressureLimit = false,
        .resetIdleTimeoutOnSend = false,
        .sendPingsAutomatically = true,
        .open = [](auto* ws) { ws->subscribe("all"); },
        .message = [&app](auto*, std::string_view message, uWS::OpCode opCode) {
            app.publish("all", message, opCode);
        },
        .dropped = [](auto*, std::string_view, uWS::OpCode) {
            if (++dropped % 1000 == 1) std::fprintf(stderr, "uws_fanout: message dropped (%llu so far)\n", dropped);
        },
    }).listen(host, port, [port, &host](auto* listen_socket) {
        if (listen_socket) {
            std::fprintf(stderr, "uws_fanout: listening on %s:%d\n", host.c_str(), port);
        } else {
            std::fprintf(stderr, "uws_fanout: cannot listen on %s:%d\n", host.c_str(), port);
            std::exit(1);
        }
    }).run();
    return 0;
}
