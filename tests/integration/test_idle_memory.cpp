// Copyright (c) 2026 wsx developers. Distributed under the Boost Software License, Version 1.0.
// What an idle connection holds on the heap, counted in bytes of operator
// new (scenario e of bench/load measures the same in RSS). The clients are
// plain POSIX sockets, so every byte counted is the server's.
//
// On an io_context made for one thread a session has no asio::strand of its
// own (detail/session_executor.hpp): the same connections then hold less
// than on an io_context more threads may run, by at least the strand's heap
// block.

#include "wsx_catch.hpp"
#include "allocation_count.hpp"
#include "loopback.hpp"

#include <wsx/wsx.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstddef>
#include <string>
#include <vector>

using namespace wsx_test;

namespace {

constexpr int connections = 50;

// Connects to 127.0.0.1:port and sends an opening handshake; the answer is
// read later, once the server has run.
int connect_and_ask(std::uint16_t port) {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    REQUIRE(fd >= 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
    const std::string req = "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                            "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n";
    REQUIRE(::send(fd, req.data(), req.size(), 0) == static_cast<ssize_t>(req.size()));
    return fd;
}

bool answered_101(int fd) {
    char buf[512];
    const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    return n > 12 && std::string(buf, 12) == "HTTP/1.1 101";
}

// Heap bytes per idle connection on `io`, as the server holds them once
// `connections` clients are open and silent.
std::size_t idle_bytes_per_connection(asio::io_context& io) {
    wsx::server server{io};
    server.default_options().keep_request = false;
    std::size_t open = 0;
    server.endpoint("/").on_open([&](wsx::session&) { ++open; }).on_message([](wsx::session& s, const wsx::message& m) {
        s.send(m);
    });
    server.listen("127.0.0.1", 0);

    // One connection first, opened and closed, so that what is made once
    // (services, the thread's buffer, the registry's first buckets) is not
    // counted against the others.
    {
        const int fd = connect_and_ask(server.port());
        REQUIRE(run_until(io, [&] { return open == 1; }));
        CHECK(answered_101(fd));
        ::close(fd);
        REQUIRE(run_until(io, [&] { return server.session_count() == 0; }));
    }

    const std::size_t before = allocations::live.load();
    std::vector<int> fds;
    for (int i = 0; i < connections; ++i) fds.push_back(connect_and_ask(server.port()));
    REQUIRE(run_until(io, [&] { return open == 1 + connections; }));
    // Let every session finish its turn and park its next read.
    io.restart();
    while (io.poll() != 0) {
    }
    const std::size_t held = allocations::live.load() - before;
    for (int fd : fds) {
        CHECK(answered_101(fd));
        ::close(fd);
    }
    REQUIRE(run_until(io, [&] { return server.session_count() == 0; }));
    server.stop();
    run_to_completion(io);
    return held / connections;
}

} // namespace

TEST_CASE("idle memory: a connection on a one-thread io_context holds its session and little else, no strand",
          "[session][memory]") {
    asio::io_context one{1};
    const std::size_t light = idle_bytes_per_connection(one);
    asio::io_context many;
    const std::size_t with_strand = idle_bytes_per_connection(many);
    INFO("one thread: " << light << " B per connection; more threads: " << with_strand);
    // Under a sanitizer operator new is the sanitizer's and nothing is
    // counted: the connections are still made, answered and closed.
    if (!allocations::counted) {
        WARN("allocations not counted in this build");
        return;
    }
    // The asio::strand's implementation and its shared_ptr's control block
    // (96 bytes on 64-bit libstdc++) are what the one-thread form saves.
    CHECK(light + 96 <= with_strand);
#if defined(__linux__) && defined(__GLIBCXX__) && defined(__x86_64__)
    // Today: 640 for the session and its stream in one block with the
    // shared_ptr's control block, 48 for the registry's node, and the
    // registry's buckets as they grow. A parked read's handler fits inline
    // in the readiness table; a bigger one would cost a block more (72).
    CHECK(light <= 736);
#endif
}
