// send() takes any Asio completion token; under C++20 that includes
// asio::use_awaitable, so a coroutine can co_await each write. This file is
// compiled as C++20 (see tests/CMakeLists.txt).

#include "wsx_catch.hpp"
#include "loopback.hpp"

#include <wsx/wsx.hpp>

#include <asio/awaitable.hpp>

#if defined(ASIO_HAS_CO_AWAIT)
#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/use_awaitable.hpp>

#include <string>
#include <vector>

using namespace wsx_test;

TEST_CASE("coroutines: co_await session::send with asio::use_awaitable", "[coroutines]") {
    asio::io_context io;
    wsx::server server{io};
    std::vector<std::string> results;
    server.endpoint("/co").on_open([&](wsx::session& s) {
        asio::co_spawn(
            io,
            [&, h = s.handle()]() -> asio::awaitable<void> {
                auto s = h.lock();
                for (int i = 0; i < 3; ++i) {
                    // Each co_await resumes once the frame is written.
                    co_await s->send("line " + std::to_string(i), asio::use_awaitable);
                    results.push_back("sent " + std::to_string(i));
                }
                s->close();
                // A send after close completes with error::closed, thrown into the coroutine.
                try {
                    co_await s->send("late", asio::use_awaitable);
                    results.push_back("late sent");
                } catch (const std::system_error& e) {
                    results.push_back(e.code() == wsx::error::closed ? "late closed" : "late other");
                }
            },
            asio::detached);
    });
    server.listen("127.0.0.1", 0);

    std::vector<std::string> got;
    bool closed = false;
    wsx::client c{io};
    c.on_message([&](wsx::session&, const wsx::message& m) { got.emplace_back(m.text()); })
        .on_close([&](wsx::session&, const wsx::close_reason&) { closed = true; });
    c.connect("ws://127.0.0.1:" + std::to_string(server.port()) + "/co");
    REQUIRE(run_until(io, [&] { return closed; }));
    CHECK(got == std::vector<std::string>{"line 0", "line 1", "line 2"});
    CHECK(results == std::vector<std::string>{"sent 0", "sent 1", "sent 2", "late closed"});
    server.stop();
    CHECK(run_to_completion(io));
}
#else
TEST_CASE("coroutines: the compiler has no C++20 coroutines", "[coroutines]") {
    FAIL("test_coroutines.cpp must be compiled as C++20 where Asio has co_await (tests/CMakeLists.txt checks)");
}
#endif
