// Copyright (c) 2026 wsx developers. Distributed under the Boost Software License, Version 1.0.
// A peer that keeps its socket full must not hold the I/O thread: each
// connection reads a bounded share per turn and then lets the others, the
// timers and stop() run. One server thread serves two hostile peers (one
// streaming endless 1-byte fragments, one flooding small messages) while a
// good client connects, exchanges a message, and the server is stopped.
// Nothing is timed: the wall-clock guards only turn a hang into a failure,
// and the share one connection takes is counted in messages handled before
// a handler queued behind it runs.

#include "wsx_catch.hpp"
#include "loopback.hpp"

#include <fcntl.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <wsx/wsx.hpp>

#include <asio/post.hpp>

#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

using namespace wsx_test;

namespace {

// Many messages, each of `fragments` 1-byte frames, as one buffer to write
// again and again: the peer then spends its time in write(), and keeps the
// server's socket full.
std::string fragment_stream(int messages, int fragments) {
    std::string out;
    for (int m = 0; m < messages; ++m)
        for (int f = 0; f < fragments; ++f)
            out += encode_frame(f == 0 ? op::text : op::continuation, "a", true, f == fragments - 1);
    return out;
}

std::string message_flood(int messages) {
    std::string out;
    for (int m = 0; m < messages; ++m) out += encode_frame(op::binary, pattern_bytes(100, static_cast<unsigned>(m)));
    return out;
}

// A hostile peer on a thread of its own: handshakes, then writes `bytes`
// until told to stop or the server drops it.
class flooder {
public:
    flooder(std::uint16_t port, std::string bytes) : bytes_(std::move(bytes)) {
        thread_ = std::thread([this, port] {
            try {
                raw_peer p;
                p.connect(port);
                if (!p.handshake("/e", port)) return;
                connected_ = true;
                while (!stop_ && !p.try_write(bytes_)) ++rounds_;
            } catch (...) {
            }
        });
    }
    ~flooder() {
        stop_ = true;
        thread_.join();
    }
    bool connected() const { return connected_; }
    int rounds() const { return rounds_; }
    void stop() { stop_ = true; }

private:
    std::string bytes_;
    std::atomic<bool> stop_{false};
    std::atomic<bool> connected_{false};
    std::atomic<int> rounds_{0};
    std::thread thread_;
};

} // namespace

TEST_CASE("fair reading: peers that keep the socket full do not delay a handshake, a message or stop()",
          "[fairness]") {
    asio::io_context io;
    wsx::server server{io};
    std::atomic<long> hostile_messages{0};
    std::atomic<int> closes{0};
    wsx::session_options o;
    o.close_timeout = std::chrono::seconds(2); // the flooders never answer our close
    server.endpoint("/e")
        .options(o)
        .on_message([&](wsx::session& s, const wsx::message& m) {
            if (m.size() < 64) s.send(m); // the good client's messages are echoed
            else ++hostile_messages;
        })
        .on_close([&](wsx::session&, const wsx::close_reason&) { ++closes; });
    server.listen("127.0.0.1", 0);
    const std::uint16_t port = server.port();
    io_threads runner(io, 1); // one I/O thread: the worst case for fairness

    auto fragments = std::make_unique<flooder>(port, fragment_stream(64, 1000));
    auto messages = std::make_unique<flooder>(port, message_flood(4096));
    REQUIRE(eventually([&] { return fragments->connected() && messages->connected(); }));
    // Both are streaming before the good client comes: the server has
    // handled some of their messages, and each has written its buffer a few
    // times over (so the server's socket buffers are full).
    REQUIRE(eventually([&] { return hostile_messages.load() > 1000 && fragments->rounds() > 2 && messages->rounds() > 2; },
                       std::chrono::seconds(60)));

    asio::io_context cio;
    wsx::client c{cio};
    std::optional<std::string> echo;
    bool client_closed = false;
    c.on_open([](wsx::session& s) { s.send("hello"); })
        .on_message([&](wsx::session&, const wsx::message& m) { echo = std::string(m.text()); })
        .on_close([&](wsx::session&, const wsx::close_reason&) { client_closed = true; });
    c.connect(ws_url(port, "/e"));
    REQUIRE(run_until(cio, [&] { return echo.has_value() || client_closed; }, std::chrono::seconds(60)));
    CHECK(echo == std::string("hello"));

    // stop() posted behind the flood still runs, and the server lets go of
    // every connection: the good client hears 1001.
    asio::post(io, [&] { server.stop(); });
    REQUIRE(run_until(cio, [&] { return client_closed; }, std::chrono::seconds(60)));
    CHECK(c.ready_state() == wsx::ready_state::closed);
    REQUIRE(eventually([&] { return server.session_count() == 0; }, std::chrono::seconds(60)));
    fragments.reset();
    messages.reset();
    runner.release();
    REQUIRE(runner.join_within(std::chrono::seconds(60)));
    CHECK(closes.load() == 3);
}

TEST_CASE("fair reading: a connection with megabytes waiting reads a bounded share, then lets queued work run",
          "[fairness]") {
    // The server's thread is held while the peer fills the server's socket;
    // then the first message handled queues a probe, which runs once that
    // connection's turn ends: the messages handled before it are the share
    // one turn took. Without a bound it would be everything waiting. (The
    // socket's receive buffer is made large, as the kernel's autotuning
    // makes it for a peer that streams for long: with the default one a
    // single read drains it.)
    struct flood_kind {
        const char* name;
        std::string bytes;    // one round of the flood
        std::size_t per_msg;  // wire bytes per message
    };
    const flood_kind kinds[] = {
        {"small messages", message_flood(4096), encode_frame(op::binary, pattern_bytes(100)).size()},
        {"1-byte fragments", fragment_stream(16, 1000), 1000 * encode_frame(op::continuation, "a").size()},
    };
    constexpr std::size_t turn_bound = 4 * 32 * 1024 + 32 * 1024; // read_turn_bytes and the read that crosses it
    for (const auto& kind : kinds) {
        INFO(kind.name);
        asio::io_context io;
        wsx::server server{io};
        long handled = 0; // on the I/O thread
        std::atomic<long> handled_at_probe{-1};
        std::atomic<int> server_fd{-1};
        server.endpoint("/h")
            .on_open([&](wsx::session& s) {
                grow_receive_buffer(s.native_handle());
                server_fd = s.native_handle();
            })
            .on_message([&](wsx::session&, const wsx::message&) {
                if (handled++ == 0) asio::post(io, [&] { handled_at_probe = handled; });
            });
        server.listen("127.0.0.1", 0);
        io_threads runner(io, 1);

        raw_peer p;
        p.connect(server.port());
        REQUIRE(p.handshake("/h", server.port()));
        REQUIRE(eventually([&] { return server_fd.load() >= 0; }));

        io_hold hold(io);
        REQUIRE(hold.held());
        const int fd = p.socket().native_handle();
        REQUIRE(::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK) == 0);
        std::size_t queued = 0;
        for (std::size_t at = 0; queued < std::size_t{64} << 20;) { // until the kernel takes no more
            const ::ssize_t r = ::write(fd, kind.bytes.data() + at, kind.bytes.size() - at);
            if (r <= 0) break;
            queued += static_cast<std::size_t>(r);
            at = (at + static_cast<std::size_t>(r)) % kind.bytes.size();
        }
        int waiting = 0;
        REQUIRE(::ioctl(server_fd.load(), FIONREAD, &waiting) == 0);
        INFO("waiting in the server's socket: " << waiting << " bytes");
        REQUIRE(static_cast<std::size_t>(waiting) >= 2 * turn_bound); // "all" and "one share" are apart
        hold.release();

        REQUIRE(eventually([&] { return handled_at_probe.load() >= 0; }));
        const std::size_t share = static_cast<std::size_t>(handled_at_probe.load()) * kind.per_msg;
        INFO(share << " bytes were handled before the probe");
        CHECK(share <= turn_bound);

        p.reset();
        REQUIRE(eventually([&] { return server.session_count() == 0; }));
        REQUIRE(stop_and_join(io, server, runner));
    }
}
