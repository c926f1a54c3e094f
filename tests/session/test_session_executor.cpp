// Copyright (c) 2026 wsx developers. Distributed under the Boost Software License, Version 1.0.
// A session's strand (detail/session_executor.hpp). On an io_context made
// for one thread it is that io_context's executor marked with its session:
// making one allocates nothing, and running_in_this_thread() is true inside
// that session's handlers only, as with an asio::strand. On any other
// io_context it is an asio::strand.

#include "wsx_catch.hpp"
#include "allocation_count.hpp"

#include <wsx/detail/session_executor.hpp>

#include <asio/any_io_executor.hpp>
#include <asio/bind_executor.hpp>
#include <asio/dispatch.hpp>
#include <asio/post.hpp>
#include <asio/steady_timer.hpp>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

using wsx::detail::session_executor;
namespace allocations = wsx_test::allocations;

namespace {
int a_session, b_session; // the owners: only their addresses matter
} // namespace

TEST_CASE("session executor: one thread: no allocation, and running_in_this_thread names the session",
          "[session][executor]") {
    asio::io_context io{1};
    REQUIRE(wsx::detail::runs_on_one_thread(io));
    const auto before = allocations::live.load();
    session_executor a(io, &a_session);
    session_executor b(io, &b_session);
    session_executor a2 = a;
    if (allocations::counted) CHECK(allocations::live.load() == before);
    CHECK(a == a2);
    CHECK(a != b);
    CHECK(!a.running_in_this_thread());

    std::vector<std::string> log;
    asio::post(a, [&] {
        log.push_back(std::string("a ") + (a.running_in_this_thread() ? "in" : "out") + " b " +
                      (b.running_in_this_thread() ? "in" : "out"));
        // A dispatch to another session from a handler runs at once, as its
        // own strand would when free, and marks the thread with it meanwhile.
        asio::dispatch(b, [&] {
            log.push_back(std::string("nested a ") + (a.running_in_this_thread() ? "in" : "out") + " b " +
                          (b.running_in_this_thread() ? "in" : "out"));
        });
        log.push_back(std::string("back a ") + (a.running_in_this_thread() ? "in" : "out"));
        // A post never runs inside the caller.
        asio::post(a, [&] { log.push_back("posted"); });
        log.push_back("after post");
    });
    CHECK(log.empty()); // post did not run it here
    io.run();
    CHECK(log == std::vector<std::string>{"a in b out", "nested a out b in", "back a in", "after post", "posted"});
    CHECK(!a.running_in_this_thread());
    CHECK(!b.running_in_this_thread());

    // Converted to asio::any_io_executor (co_spawn, Asio's I/O objects) it
    // is still the session's strand.
    io.restart();
    asio::any_io_executor any = a;
    bool any_in = false;
    asio::post(any, [&] { any_in = a.running_in_this_thread() && !b.running_in_this_thread(); });
    io.run();
    CHECK(any_in);

    // A completion bound to the executor runs marked too, and an exception
    // from it leaves no mark behind.
    io.restart();
    asio::steady_timer t(io);
    bool bound_in = false;
    t.expires_after(std::chrono::milliseconds(0));
    t.async_wait(asio::bind_executor(b, [&](std::error_code) {
        bound_in = b.running_in_this_thread() && !a.running_in_this_thread();
        throw std::runtime_error("from a handler");
    }));
    CHECK_THROWS_AS(io.run(), std::runtime_error);
    CHECK(bound_in);
    CHECK(!b.running_in_this_thread());
}

TEST_CASE("session executor: more threads: an asio::strand, one handler of a session at a time",
          "[session][executor]") {
    asio::io_context io; // may be run by many threads
    REQUIRE(!wsx::detail::runs_on_one_thread(io));
    session_executor a(io, &a_session);
    session_executor b(io, &b_session);
    CHECK(a != b);

    std::atomic<int> inside{0};
    std::atomic<int> overlaps{0};
    std::atomic<int> wrong{0};
    int count = 0; // only a's handlers touch it: the strand guards it
    for (int i = 0; i < 2000; ++i) {
        asio::post(a, [&] {
            if (inside.fetch_add(1) != 0) ++overlaps;
            if (!a.running_in_this_thread() || b.running_in_this_thread()) ++wrong;
            ++count;
            inside.fetch_sub(1);
        });
    }
    std::vector<std::thread> pool;
    for (int i = 0; i < 3; ++i) pool.emplace_back([&] { io.run(); });
    for (auto& t : pool) t.join();
    CHECK(count == 2000);
    CHECK(overlaps.load() == 0);
    CHECK(wrong.load() == 0);
}
