// Copyright (c) 2026 wsx developers. Distributed under the Boost Software License, Version 1.0.
// The shape of the plain-TCP readiness path, counted rather than timed
// (include/wsx/detail/readiness.hpp, issue 15): every message resumes a
// parked read, a wake-up costs one epoll_wait, and no epoll_ctl is made
// while a connection echoes; a burst of connections is accepted a batch per
// wake-up, each with one epoll_ctl and no getpeername. The system calls are
// counted where the program makes them: tests/CMakeLists.txt links this test
// with --wrap for epoll_wait, epoll_ctl and getpeername, so every call,
// Asio's included, goes through the counters below. Linux only, and not in the Asio-wait build: without the
// service there is nothing to count.

#define WSX_DETAIL_READINESS_COUNTERS 1

#include "loopback.hpp"
#include "wsx_catch.hpp"

#include <wsx/wsx.hpp>

#if !WSX_DETAIL_READINESS
#error "test_readiness_counters needs the readiness service (Linux, without WSX_NO_READINESS_SERVICE)"
#endif

#include <asio/io_context.hpp>

#include <sys/epoll.h>
#include <sys/socket.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

using namespace wsx_test;

namespace {

// Calls made by the thread that runs the server's io_context.
thread_local bool server_thread = false;
std::atomic<std::uint64_t> server_waits{0};
std::atomic<std::uint64_t> server_waits_with_events{0};
std::atomic<std::uint64_t> server_ctls{0};
std::atomic<std::uint64_t> server_peer_names{0};

} // namespace

extern "C" {
int __real_epoll_wait(int epfd, epoll_event* events, int max, int timeout);
int __real_epoll_ctl(int epfd, int op, int fd, epoll_event* event);
int __real_getpeername(int fd, sockaddr* addr, socklen_t* len);

int __wrap_epoll_wait(int epfd, epoll_event* events, int max, int timeout) {
    const int n = __real_epoll_wait(epfd, events, max, timeout);
    if (server_thread) {
        server_waits.fetch_add(1, std::memory_order_relaxed);
        if (n > 0) server_waits_with_events.fetch_add(1, std::memory_order_relaxed);
    }
    return n;
}
int __wrap_epoll_ctl(int epfd, int op, int fd, epoll_event* event) {
    if (server_thread) server_ctls.fetch_add(1, std::memory_order_relaxed);
    return __real_epoll_ctl(epfd, op, fd, event);
}
int __wrap_getpeername(int fd, sockaddr* addr, socklen_t* len) {
    if (server_thread) server_peer_names.fetch_add(1, std::memory_order_relaxed);
    return __real_getpeername(fd, addr, len);
}
}

namespace {

struct counts {
    std::uint64_t ctl_calls, events, resumed, waits, waits_with_events, all_ctls;
};
counts read(const wsx::detail::readiness_service& svc) {
    const auto& c = svc.counters();
    return {c.ctl_calls.load(),           c.events.load(),      c.resumed.load(), server_waits.load(),
            server_waits_with_events.load(), server_ctls.load()};
}

} // namespace

TEST_CASE("readiness counters: every echo resumes a parked read, with one epoll_wait and no epoll_ctl", "[readiness]") {
    asio::io_context io;
    wsx::server server{io};
    server.endpoint("/echo").on_message([](wsx::session& s, const wsx::message& m) { s.send(m); });
    server.listen("127.0.0.1", 0);
    std::thread runner([&] {
        server_thread = true;
        io.run();
    });

    auto& svc = asio::use_service<wsx::detail::readiness_service>(io);
    wsx::sync_client client;
    client.connect(ws_url(server.port(), "/echo"));
    // One round trip first: the connection is registered (its ADD) and parked.
    client.send("warm-up");
    auto warm = client.receive();
    REQUIRE(warm);
    REQUIRE(warm->text() == "warm-up");

    constexpr int round_trips = 200;
    const counts before = read(svc);
    for (int i = 0; i < round_trips; ++i) {
        const std::string text = "message " + std::to_string(i);
        client.send(text);
        auto m = client.receive();
        REQUIRE(m);
        REQUIRE(m->text() == text);
    }
    const counts after = read(svc);
    client.close();
    server.stop();
    runner.join();

    const std::uint64_t resumed = after.resumed - before.resumed;
    const std::uint64_t waits = after.waits - before.waits;
    const std::uint64_t wakeups = after.waits_with_events - before.waits_with_events;
    INFO("epoll_wait " << waits << " (" << wakeups << " with events), events " << after.events - before.events
                       << ", resumed " << resumed << ", epoll_ctl " << after.all_ctls - before.all_ctls);
    // Every message finds the server's read parked: it is resumed by an event.
    CHECK(resumed >= round_trips);
    // One epoll_wait per wake-up: the sockets are in the reactor's own set,
    // not in a set of ours that the reactor waits on (which cost a second
    // epoll_wait per wake-up). A wait that returns nothing is the scheduler
    // polling between handlers; an echo leaves it none to poll for.
    CHECK(wakeups <= resumed);
    CHECK(waits <= wakeups + round_trips / 20);
    // A socket is added once and never re-armed while it echoes: no
    // epoll_ctl at all, from wsx or from Asio.
    CHECK(after.ctl_calls == before.ctl_calls);
    CHECK(after.all_ctls == before.all_ctls);
}

TEST_CASE("readiness counters: waiting connections are accepted a batch per wake-up, each with one epoll_ctl",
          "[readiness]") {
    asio::io_context io;
    wsx::server server{io};
    std::mutex mu;
    std::set<unsigned short> peer_ports; // as the sessions saw them
    server.endpoint("/").on_open([&](wsx::session& s) {
        std::lock_guard<std::mutex> lock(mu);
        peer_ports.insert(s.remote_endpoint().port());
    });
    server.listen("127.0.0.1", 0);
    std::thread runner([&] {
        server_thread = true;
        io.run();
    });
    auto& svc = asio::use_service<wsx::detail::readiness_service>(io);

    // The connections wait in the listen queue, their requests sent, while
    // the server's thread is held: then they are there at one wake-up.
    constexpr std::size_t burst = 40;
    std::vector<std::unique_ptr<raw_peer>> peers;
    std::set<unsigned short> client_ports;
    counts before{};
    {
        io_hold hold(io);
        REQUIRE(hold.held());
        for (std::size_t i = 0; i < burst; ++i) {
            peers.push_back(std::make_unique<raw_peer>());
            peers.back()->connect(server.port());
            peers.back()->write(upgrade_request("/", server.port()));
            client_ports.insert(peers.back()->socket().local_endpoint().port());
        }
        before = read(svc);
    }
    for (auto& p : peers) {
        const std::string head = p->read_http_head();
        REQUIRE(head.rfind("HTTP/1.1 101", 0) == 0);
    }
    REQUIRE(eventually([&] {
        std::lock_guard<std::mutex> lock(mu);
        return peer_ports.size() == burst;
    }));
    const counts opened = read(svc);
    peers.clear(); // each server session reads the end of its stream and closes
    REQUIRE(eventually([&] { return server.session_count() == 0; }));
    const counts closed = read(svc);
    server.stop();
    runner.join();

    const std::uint64_t waits = opened.waits - before.waits;
    INFO("opening " << burst << " connections: epoll_wait " << waits << ", epoll_ctl " << opened.all_ctls - before.all_ctls
                    << "; closing them: epoll_ctl " << closed.all_ctls - opened.all_ctls << "; getpeername "
                    << server_peer_names.load());
    // Asio's async_accept took one connection per trip through the
    // scheduler, each with its own epoll_wait.
    CHECK(waits <= burst / 4);
    // One ADD per connection, made by the readiness service: the socket is
    // not registered in Asio's reactor first, which the service would undo.
    CHECK(opened.all_ctls - before.all_ctls == burst);
    CHECK(opened.ctl_calls - before.ctl_calls == burst);
    // Closing takes an accepted socket out of the epoll set by itself.
    CHECK(closed.all_ctls == opened.all_ctls);
    // The peers' addresses came from accept4, and are right.
    CHECK(server_peer_names.load() == 0);
    std::lock_guard<std::mutex> lock(mu);
    CHECK(peer_ports == client_ports);
}
