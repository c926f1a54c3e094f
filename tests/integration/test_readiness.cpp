// Copyright (c) 2026 wsx developers. Distributed under the Boost Software License, Version 1.0.
// The plain-TCP transport's own readiness service (include/wsx/detail/
// readiness.hpp): sockets are edge-triggered, so an edge that is lost or a
// drained flag cleared at the wrong time leaves a connection waiting for
// bytes that already arrived. Nothing here measures time: a lost edge shows
// as a bounded wait that fails. Each test also checks that the io_context
// ends with no session alive, since parked handlers own their sessions.
//
// Also built with WSX_NO_READINESS_SERVICE (integration/test_readiness_asio_wait),
// where the same behaviour comes from Asio's waits.

#include "wsx_catch.hpp"
#include "loopback.hpp"

#include <wsx/wsx.hpp>

#include <asio/ip/tcp.hpp>
#include <asio/write.hpp>

#include <sys/socket.h>

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <sys/socket.h>
#include <sys/time.h>

using namespace wsx_test;

namespace {

// Message `seq` of a stream tagged `tag`: tag, seq, then bytes that depend
// on both, so a lost, repeated, reordered or torn message is detected.
// Every tenth is over 256 KiB, eight times the thread buffer, so it arrives
// in several reads, and leaves in several writes when the peer lags.
std::size_t size_of(std::uint32_t seq) {
    return seq % 10 == 9 ? 256 * 1024 + 1 + seq * 977 : 5 + (seq * 37) % 300;
}
std::uint8_t byte_at(char tag, std::uint32_t seq, std::size_t i) {
    if (tag == 'E') tag = 'C'; // an echo keeps the bytes, only its tag changes
    return static_cast<std::uint8_t>(static_cast<std::uint32_t>(tag) * 7 + seq * 131 + i * 7);
}
std::vector<std::uint8_t> make_payload(char tag, std::uint32_t seq) {
    std::vector<std::uint8_t> p(size_of(seq));
    p[0] = static_cast<std::uint8_t>(tag);
    std::memcpy(&p[1], &seq, 4);
    for (std::size_t i = 5; i < p.size(); ++i) p[i] = byte_at(tag, seq, i);
    return p;
}
// True if m is message `seq` of stream `tag`.
bool is_payload(const wsx::message& m, char tag, std::uint32_t seq) {
    if (m.size() != size_of(seq) || m.data()[0] != static_cast<std::uint8_t>(tag)) return false;
    std::uint32_t got = 0;
    std::memcpy(&got, m.data() + 1, 4);
    if (got != seq) return false;
    for (std::size_t i = 5; i < m.size(); ++i)
        if (m.data()[i] != byte_at(tag, seq, i)) return false;
    return true;
}

// Server sessions alive: one endpoint object per session, owned by it.
std::atomic<int> live_server_sessions{0};
std::atomic<int> server_bad{0};
std::atomic<int> server_closes{0};

constexpr std::uint32_t client_messages = 40; // 'C': client to server, echoed back as 'E'
constexpr std::uint32_t pushed_messages = 30; // 'P': server to client, on open

// Echoes every 'C' message as 'E' after checking it; pushes its own stream
// on open. Some connections have a socket option set mid-stream through
// native_handle(), with reads and writes possibly parked: the descriptor
// stays with the transport, and nothing may be lost.
struct echo_endpoint {
    std::uint32_t next = 0;
    bool set_option = false;
    echo_endpoint() { ++live_server_sessions; }
    ~echo_endpoint() { --live_server_sessions; }
    echo_endpoint(const echo_endpoint&) = delete;
    echo_endpoint& operator=(const echo_endpoint&) = delete;

    void on_open(wsx::session& s) {
        set_option = s.target() == "/echo/option";
        for (std::uint32_t i = 0; i < pushed_messages; ++i) {
            auto p = make_payload('P', i);
            s.send_binary(p.data(), p.size());
        }
    }
    void on_message(wsx::session& s, const wsx::message& m) {
        if (!is_payload(m, 'C', next)) ++server_bad;
        std::vector<std::uint8_t> back(m.data(), m.data() + m.size());
        back[0] = 'E';
        s.send_binary(back.data(), back.size());
        if (set_option && next == 5) {
            int on = 1;
            if (::setsockopt(s.native_handle(), SOL_SOCKET, SO_KEEPALIVE, &on, sizeof on) != 0) ++server_bad;
        }
        ++next;
    }
    void on_close(wsx::session&, const wsx::close_reason&) { ++server_closes; }
};

struct client_check {
    std::uint32_t next_e = 0, next_p = 0;
    int bad = 0;
    std::atomic<bool> done{false};
    std::atomic<bool> closed{false};
};

// A lost edge must fail a bounded wait, not be covered by a timeout that
// ends the connection anyway (the close timeout would tear it down).
wsx::session_options patient() {
    wsx::session_options o;
    o.close_timeout = std::chrono::hours(1);
    return o;
}

} // namespace

TEST_CASE("readiness: pipelined small and large messages both ways, 4 threads, none lost", "[readiness]") {
    live_server_sessions = 0;
    server_bad = 0;
    server_closes = 0;
    constexpr int clients_n = 12;
    std::vector<std::unique_ptr<client_check>> checks;
    {
        asio::io_context io;
        wsx::server server{io};
        server.default_options() = patient();
        server.endpoint<echo_endpoint>("/echo/{mode}");
        server.listen("127.0.0.1", 0);

        std::vector<std::unique_ptr<wsx::client>> clients;
        for (int i = 0; i < clients_n; ++i) {
            checks.push_back(std::make_unique<client_check>());
            client_check* k = checks.back().get();
            auto c = std::make_unique<wsx::client>(io);
            c->options(patient());
            c->on_open([](wsx::session& s) {
                 // All at once: the server reads them back to back, and its
                 // echoes fill the socket while the pushed stream goes out.
                 for (std::uint32_t i = 0; i < client_messages; ++i) {
                     auto p = make_payload('C', i);
                     s.send_binary(p.data(), p.size());
                 }
             })
                .on_message([k](wsx::session&, const wsx::message& m) {
                    if (m.size() > 0 && m.data()[0] == 'E') {
                        if (!is_payload(m, 'E', k->next_e)) ++k->bad;
                        ++k->next_e;
                    } else {
                        if (!is_payload(m, 'P', k->next_p)) ++k->bad;
                        ++k->next_p;
                    }
                    if (k->next_e == client_messages && k->next_p == pushed_messages) k->done = true;
                })
                .on_close([k](wsx::session&) { k->closed = true; });
            c->connect(ws_url(server.port(), i % 3 == 2 ? "/echo/option" : "/echo/plain"));
            clients.push_back(std::move(c));
        }

        io_threads runner(io, 4);
        for (auto& k : checks) REQUIRE(eventually([&] { return k->done.load() || k->closed.load(); }));
        for (auto& k : checks) {
            CHECK(k->done.load());
            CHECK_FALSE(k->closed.load());
        }
        for (auto& c : clients) c->close();
        for (auto& k : checks) REQUIRE(eventually([&] { return k->closed.load(); }));
        REQUIRE(eventually([&] { return server_closes.load() == clients_n; }));
        asio::post(io, [&] { server.stop(); });
        runner.release();
        // run() returns: nothing parked is left holding work.
        REQUIRE(runner.join_within(default_limit));
        CHECK(live_server_sessions.load() == 0);
    }
    for (auto& k : checks) {
        CHECK(k->bad == 0);
        CHECK(k->next_e == client_messages);
        CHECK(k->next_p == pushed_messages);
    }
    CHECK(server_bad.load() == 0);
    CHECK(live_server_sessions.load() == 0);
}

namespace {

// Echoes everything; on /sink/server-closes closes after the fifth message,
// with more arriving and its echoes still being written.
struct closing_endpoint {
    std::uint32_t n = 0;
    closing_endpoint() { ++live_server_sessions; }
    ~closing_endpoint() { --live_server_sessions; }
    closing_endpoint(const closing_endpoint&) = delete;
    closing_endpoint& operator=(const closing_endpoint&) = delete;

    void on_message(wsx::session& s, const wsx::message& m) {
        s.send_binary(m.data(), m.size());
        if (++n == 5 && s.target() == "/sink/server-closes") s.close(wsx::close_code::going_away, "enough");
    }
    void on_close(wsx::session&, const wsx::close_reason&) { ++server_closes; }
};

} // namespace

TEST_CASE("readiness: connections closed and reset while data is in flight end cleanly", "[readiness]") {
    live_server_sessions = 0;
    server_closes = 0;
    constexpr int clients_n = 18;
    constexpr int raw_n = 6;
    std::atomic<int> client_closes{0};
    {
        asio::io_context io;
        wsx::server server{io};
        server.default_options() = patient();
        server.endpoint<closing_endpoint>("/sink/{mode}");
        server.listen("127.0.0.1", 0);

        std::vector<std::unique_ptr<wsx::client>> clients;
        for (int i = 0; i < clients_n; ++i) {
            auto c = std::make_unique<wsx::client>(io);
            const int mode = i % 3;
            c->options(patient());
            c->on_open([mode](wsx::session& s) {
                 for (std::uint32_t k = 0; k < 20; ++k) {
                     auto p = make_payload('C', k);
                     s.send_binary(p.data(), p.size());
                 }
                 // The client closes with its burst (and the echoes) in flight.
                 if (mode == 0) s.close();
             })
                .on_message([mode](wsx::session& s, const wsx::message&) {
                    // The connection is shut down under the session, with
                    // a write likely parked and the server still sending.
                    if (mode == 1) ::shutdown(s.native_handle(), SHUT_RDWR);
                })
                .on_close([&](wsx::session&) { ++client_closes; });
            c->connect(ws_url(server.port(), mode == 2 ? "/sink/server-closes" : "/sink/client"));
            clients.push_back(std::move(c));
        }
        io_threads runner(io, 4);

        // Raw peers that send half a large frame and reset the connection:
        // the server's parked read must wake for the error.
        for (int i = 0; i < raw_n; ++i) {
            asio::io_context pio;
            asio::ip::tcp::socket sock(pio);
            sock.connect(asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"), server.port()));
            std::string req = "GET /sink/raw HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                              "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n";
            asio::write(sock, asio::buffer(req));
            // A masked binary frame announcing 1 MiB, of which 64 KiB is sent.
            std::vector<std::uint8_t> frame = {0x82, 0xff, 0, 0, 0, 0, 0, 0x10, 0, 0, 1, 2, 3, 4};
            frame.resize(frame.size() + 64 * 1024, 0x55);
            asio::write(sock, asio::buffer(frame));
            sock.set_option(asio::socket_base::linger(true, 0));
            sock.close();
        }

        REQUIRE(eventually([&] { return client_closes.load() == clients_n; }));
        // Every server session ends, the raw ones included.
        REQUIRE(eventually([&] { return server_closes.load() == clients_n + raw_n && live_server_sessions.load() == 0; }));
        asio::post(io, [&] { server.stop(); });
        clients.clear();
        runner.release();
        REQUIRE(runner.join_within(default_limit));
    }
    CHECK(client_closes.load() == clients_n);
    CHECK(live_server_sessions.load() == 0);
}

TEST_CASE("readiness: a write that fills the socket waits, and resumes when the peer reads", "[readiness]") {
    // 6 MiB queued at once: more than the kernel holds for one loopback
    // connection (the send buffer grows to tcp_wmem's 4 MiB at most, and the
    // peer's receive buffer is set small), so the server's write must park
    // until the peer reads, and wake when it does. A parked write that is
    // never woken shows as the bounded read below failing.
    constexpr std::uint32_t count = 24;
    constexpr std::size_t size = 256 * 1024;
    std::atomic<int> closes{0};
    asio::io_context io;
    // Held through a shared_ptr, not a raw pointer: the test reads the
    // session from its own thread, and must keep it alive while it does
    // (declared after io, so that it is released before io goes).
    std::mutex mu;
    std::shared_ptr<wsx::session> flooding;
    auto flooder = [&] {
        std::lock_guard<std::mutex> lock(mu);
        return flooding;
    };
    wsx::server server{io};
    server.default_options() = patient();
    server.endpoint("/flood")
        .on_open([&](wsx::session& s) {
            std::vector<std::uint8_t> p(size);
            for (std::uint32_t k = 0; k < count; ++k) {
                for (std::size_t i = 0; i < size; ++i) p[i] = byte_at('F', k, i);
                s.send_binary(p.data(), p.size());
            }
            std::lock_guard<std::mutex> lock(mu);
            flooding = s.handle().lock();
        })
        .on_close([&](wsx::session&, const wsx::close_reason&) { ++closes; });
    server.listen("127.0.0.1", 0);
    io_threads runner(io, 2);

    asio::io_context pio;
    asio::ip::tcp::socket sock(pio);
    sock.open(asio::ip::tcp::v4());
    sock.set_option(asio::socket_base::receive_buffer_size(4096));
    sock.connect(asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"), server.port()));
    const int fd = sock.native_handle();
    timeval tv{10, 0}; // bounds every recv below
    REQUIRE(::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv) == 0);
    std::string req = "GET /flood HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                      "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n";
    asio::write(sock, asio::buffer(req));

    REQUIRE(eventually([&] { return flooder() != nullptr; }));
    const std::shared_ptr<wsx::session> session = flooder();
    // Not reading yet: the server fills the socket, and what it cannot
    // write stays queued.
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    CHECK(session->buffered_amount() > 0);

    const std::size_t frame = 10 + size; // 127-form header, unmasked
    std::vector<std::uint8_t> in;
    std::size_t body = std::string::npos;
    std::uint8_t buf[65536];
    while (body == std::string::npos || in.size() < body + count * frame) {
        const ::ssize_t n = ::recv(fd, buf, sizeof buf, 0);
        REQUIRE(n > 0); // a timeout (-1) or EOF (0) means the writer never resumed
        in.insert(in.end(), buf, buf + n);
        if (body == std::string::npos) {
            const std::string head(in.begin(), in.end());
            const auto end = head.find("\r\n\r\n");
            if (end != std::string::npos) {
                REQUIRE(head.rfind("HTTP/1.1 101", 0) == 0);
                body = end + 4;
            }
        }
    }
    REQUIRE(in.size() == body + count * frame);
    for (std::uint32_t k = 0; k < count; ++k) {
        const std::uint8_t* f = in.data() + body + k * frame;
        INFO("message " << k);
        REQUIRE(f[0] == 0x82);
        REQUIRE(f[1] == 127);
        std::uint64_t len = 0;
        for (int i = 0; i < 8; ++i) len = (len << 8) | f[2 + i];
        REQUIRE(len == size);
        bool same = true;
        for (std::size_t i = 0; i < size && same; ++i) same = f[10 + i] == byte_at('F', k, i);
        CHECK(same);
    }
    CHECK(eventually([&] { return session->buffered_amount() == 0; }));

    sock.close();
    REQUIRE(eventually([&] { return closes.load() == 1; }));
    asio::post(io, [&] { server.stop(); });
    runner.release();
    REQUIRE(runner.join_within(default_limit));
}

TEST_CASE("readiness: destroying the io_context frees connections that are waiting to read", "[readiness]") {
    live_server_sessions = 0;
    server_closes = 0;
    constexpr int clients_n = 8;
    std::atomic<int> opens{0};
    {
        asio::io_context io;
        auto server = std::make_unique<wsx::server>(io);
        server->endpoint<closing_endpoint>("/sink/{mode}");
        server->listen("127.0.0.1", 0);
        std::vector<std::unique_ptr<wsx::client>> clients;
        for (int i = 0; i < clients_n; ++i) {
            auto c = std::make_unique<wsx::client>(io);
            c->on_open([&](wsx::session& s) {
                s.send("hello");
                ++opens;
            });
            c->connect(ws_url(server->port(), "/sink/idle"));
            clients.push_back(std::move(c));
        }
        {
            io_threads runner(io, 2);
            REQUIRE(eventually([&] { return opens.load() == clients_n && live_server_sessions.load() == clients_n; }));
            // Stopped with every connection open and its read parked.
        }
        CHECK(live_server_sessions.load() == clients_n);
        clients.clear();
        server.reset();
    }
    // The io_context's destruction broke the handler -> session -> stream
    // -> handler cycles (LeakSanitizer checks the rest in the ASan build).
    CHECK(live_server_sessions.load() == 0);
}
