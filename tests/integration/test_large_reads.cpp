// Copyright (c) 2026 wsx developers. Distributed under the Boost Software License, Version 1.0.
// A large payload is read in a few large reads, straight into its message
// (protocol::reader::open_payload_window), not 32 KiB at a time through the
// thread's buffer: the server's receive calls for one 1 MiB message are
// counted where the program makes them. tests/CMakeLists.txt links this test
// with --wrap for recv and recvmsg (Asio's reads are recvmsg), so every call
// on the server's thread goes through the counter below.

#include "loopback.hpp"
#include "wsx_catch.hpp"

#include <wsx/wsx.hpp>

#include <asio/io_context.hpp>
#include <asio/post.hpp>

#include <sys/ioctl.h>
#include <sys/socket.h>

#include <atomic>
#include <cstdint>
#include <string>

using namespace wsx_test;

namespace {

thread_local bool server_thread = false;
std::atomic<std::uint64_t> server_reads{0};

} // namespace

extern "C" {
::ssize_t __real_recv(int fd, void* buf, std::size_t n, int flags);
::ssize_t __real_recvmsg(int fd, ::msghdr* msg, int flags);

::ssize_t __wrap_recv(int fd, void* buf, std::size_t n, int flags) {
    if (server_thread) server_reads.fetch_add(1, std::memory_order_relaxed);
    return __real_recv(fd, buf, n, flags);
}
::ssize_t __wrap_recvmsg(int fd, ::msghdr* msg, int flags) {
    if (server_thread) server_reads.fetch_add(1, std::memory_order_relaxed);
    return __real_recvmsg(fd, msg, flags);
}
}

TEST_CASE("large reads: a 1 MiB message waiting in the socket is read in a few large reads", "[reads]") {
    // The whole message is made to wait in the server's socket (its thread
    // held, its receive buffer large) so that what a read can find does not
    // depend on the machine's speed: the count is then the reader's alone.
    asio::io_context io;
    wsx::server server{io};
    std::atomic<int> server_fd{-1};
    server.endpoint("/echo")
        .on_open([&](wsx::session& s) {
            grow_receive_buffer(s.native_handle());
            server_fd = s.native_handle();
        })
        .on_message([](wsx::session& s, const wsx::message& m) { s.send(m); });
    server.listen("127.0.0.1", 0);
    io_threads runner(io, 1);
    asio::post(io, [] { server_thread = true; });

    raw_peer p;
    p.connect(server.port());
    REQUIRE(p.handshake("/echo", server.port()));
    REQUIRE(eventually([&] { return server_fd.load() >= 0; }));

    // Echoes one message that waits whole in the server's socket; returns
    // the receive calls the server made for it.
    const auto echo_counted = [&](const std::string& payload) -> std::uint64_t {
        const std::string wire = encode_frame(op::binary, payload);
        io_hold hold(io);
        REQUIRE(hold.held());
        p.write(wire);
        int waiting = 0;
        REQUIRE(eventually([&] {
            return ::ioctl(server_fd.load(), FIONREAD, &waiting) == 0 &&
                   static_cast<std::size_t>(waiting) == wire.size();
        }));
        server_reads = 0;
        hold.release();
        const auto echo = p.read_frame();
        REQUIRE(echo.has_value());
        CHECK(echo->opcode == op::binary);
        CHECK(echo->payload == payload);
        return server_reads.load();
    };

    const std::uint64_t first = echo_counted(pattern_bytes(1 << 20, 1));
    INFO("the server's thread made " << first << " receive calls for the first message");
    // 32 KiB into the thread's buffer, then windows of what has arrived
    // (32, 64, 128, 256 KiB and the turn's rest: a turn reads up to 512 KiB
    // so), then the second turn's 32 KiB, one window to the message's end and
    // the read that finds the socket empty: 9. Through the thread's buffer
    // alone it was at least 32 (1 MiB / 32 KiB).
    CHECK(first >= 3);
    CHECK(first <= 12);
    // The next one finds the buffer the first left (1 MiB is kept): its
    // windows start as large as a turn allows. 32 KiB, 512 KiB; 32 KiB, the
    // rest, and the empty read: 5.
    const std::uint64_t second = echo_counted(pattern_bytes(1 << 20, 2));
    INFO("and " << second << " for the second");
    CHECK(second >= 3);
    CHECK(second <= 6);

    p.reset();
    REQUIRE(eventually([&] { return server.session_count() == 0; }));
    REQUIRE(stop_and_join(io, server, runner));
}
