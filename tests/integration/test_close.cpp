// Copyright (c) 2026 wsx developers. Distributed under the Boost Software License, Version 1.0.
// The closing handshake (RFC 6455 5.5.1, 7): started by either end, the
// code and reason the other end sees, who closes TCP, a peer that never
// answers, a peer that vanishes, bad arguments to close(), and what sending
// does once a session is closing or gone.

#include "wsx_catch.hpp"
#include "loopback.hpp"

#include <wsx/wsx.hpp>

#include <asio/use_future.hpp>

#include <future>
#include <string>
#include <vector>

using namespace wsx_test;

namespace {

struct side {
    std::vector<wsx::close_reason> closes;
    std::vector<std::error_code> errors;
    bool open = false;
    template <class H> void attach(H& h) {
        h.on_open([this](wsx::session&) { open = true; })
            .on_error([this](wsx::session&, std::error_code ec) { errors.push_back(ec); })
            .on_close([this](wsx::session&, const wsx::close_reason& r) { closes.push_back(r); });
    }
};

} // namespace

TEST_CASE("close: started by the client, seen by the server with code and reason", "[close]") {
    asio::io_context io;
    wsx::server server{io};
    side srv;
    srv.attach(server.endpoint("/c"));
    server.listen("127.0.0.1", 0);

    wsx::client c{io};
    side cli;
    cli.attach(c);
    c.on_open([&](wsx::session& s) {
        cli.open = true;
        s.close(4000, "client leaves");
        CHECK(s.ready_state() == wsx::ready_state::closing);
    });
    c.connect(url_for(server, "/c"));
    REQUIRE(run_until(io, [&] { return cli.closes.size() == 1 && srv.closes.size() == 1; }));
    CHECK(srv.closes[0].code == 4000);
    CHECK(srv.closes[0].reason == "client leaves");
    CHECK(cli.closes[0].code == 4000); // the server echoes the code
    CHECK(srv.errors.empty());
    CHECK(cli.errors.empty());
    CHECK(c.ready_state() == wsx::ready_state::closed);
    server.stop();
    CHECK(run_to_completion(io));
}

TEST_CASE("close: started by the server, seen by the client with code and reason", "[close]") {
    asio::io_context io;
    wsx::server server{io};
    side srv;
    auto& ep = server.endpoint("/c");
    srv.attach(ep);
    ep.on_message([](wsx::session& s, const wsx::message&) { s.close(4100, "server says bye"); });
    server.listen("127.0.0.1", 0);

    wsx::client c{io};
    side cli;
    cli.attach(c);
    c.on_open([](wsx::session& s) { s.send("please close"); });
    c.connect(url_for(server, "/c"));
    REQUIRE(run_until(io, [&] { return cli.closes.size() == 1 && srv.closes.size() == 1; }));
    CHECK(cli.closes[0].code == 4100);
    CHECK(cli.closes[0].reason == "server says bye");
    CHECK(srv.closes[0].code == 4100);
    CHECK(srv.errors.empty());
    CHECK(cli.errors.empty());
    server.stop();
    CHECK(run_to_completion(io));
}

TEST_CASE("close: the server answers a raw peer's close and then closes TCP", "[close][raw]") {
    asio::io_context io;
    wsx::server server{io};
    event_log log;
    auto& ep = server.endpoint("/c");
    ep.on_close([&](wsx::session&, const wsx::close_reason& r) { log.add("close:" + std::to_string(r.code) + ":" + r.reason); })
        .on_message([](wsx::session& s, const wsx::message&) { s.close(4200, "yours"); });
    server.listen("127.0.0.1", 0);
    const auto port = server.port();
    io_threads runner(io);

    SECTION("a close with a code: echoed with that code, then TCP closes") {
        raw_peer p;
        p.connect(port);
        REQUIRE(p.handshake("/c", port));
        p.send_close(1000, "done");
        auto f = p.read_frame();
        REQUIRE(f);
        CHECK(f->opcode == op::close);
        CHECK(f->close_code() == 1000);
        // We never close our side: the server must close TCP first.
        CHECK(p.wait_closed());
        CHECK(log.wait_for("close:1000:done"));
        CHECK_FALSE(p.saw_masked_frame());
    }
    SECTION("an empty close: on_close says 1005, the answer is empty too") {
        raw_peer p;
        p.connect(port);
        REQUIRE(p.handshake("/c", port));
        p.send_empty_close();
        auto f = p.read_frame();
        REQUIRE(f);
        CHECK(f->opcode == op::close);
        CHECK(f->payload.empty());
        CHECK(p.wait_closed());
        CHECK(log.wait_for("close:1005:"));
    }
    SECTION("the server starts: the peer answers, then the server closes TCP") {
        raw_peer p;
        p.connect(port);
        REQUIRE(p.handshake("/c", port));
        p.send_text("close please");
        auto f = p.read_frame();
        REQUIRE(f);
        CHECK(f->opcode == op::close);
        CHECK(f->close_code() == 4200);
        CHECK(f->close_reason() == "yours");
        p.send_close(f->close_code());
        CHECK(p.wait_closed());
        CHECK(log.wait_for("close:4200:"));
    }
}

TEST_CASE("close: a peer that never answers our close is dropped after close_timeout", "[close][raw]") {
    asio::io_context io;
    wsx::server server{io};
    event_log log;
    wsx::session_options o;
    o.close_timeout = std::chrono::milliseconds(300);
    server.endpoint("/c")
        .options(o)
        .on_open([](wsx::session& s) { s.close(1000, "bye"); })
        .on_error([&](wsx::session&, std::error_code ec) {
            log.add(ec == wsx::error::close_timeout ? "error:close_timeout" : "error:" + ec.message());
        })
        .on_close([&](wsx::session&, const wsx::close_reason& r) { log.add("close:" + std::to_string(r.code)); });
    server.listen("127.0.0.1", 0);
    const auto port = server.port();
    io_threads runner(io);

    raw_peer p;
    p.connect(port);
    REQUIRE(p.handshake("/c", port));
    auto f = p.read_frame();
    REQUIRE(f);
    CHECK(f->opcode == op::close);
    // ... and we say nothing. The server gives up and drops us.
    CHECK(p.wait_closed());
    CHECK(log.wait_for("close:1006"));
    CHECK(log.events() == std::vector<std::string>{"error:close_timeout", "close:1006"});
}

TEST_CASE("close: a client whose server never answers its close gives up after close_timeout", "[close][raw]") {
    raw_listener l;
    asio::io_context io;
    wsx::client c{io};
    wsx::session_options o;
    o.close_timeout = std::chrono::milliseconds(300);
    c.options(o);
    event_log log;
    c.on_open([](wsx::session& s) { s.close(1000); })
        .on_error([&](wsx::session&, std::error_code ec) {
            log.add(ec == wsx::error::close_timeout ? "error:close_timeout" : "error:" + ec.message());
        })
        .on_close([&](wsx::session&, const wsx::close_reason& r) { log.add("close:" + std::to_string(r.code)); });
    c.connect(ws_url(l.port(), "/"));
    io_threads runner(io);

    // A raw server: answers 101, reads the client's close, says nothing.
    raw_peer server;
    REQUIRE(server.accept(l.acceptor));
    REQUIRE_FALSE(server.accept_upgrade().empty());
    auto f = server.read_frame();
    REQUIRE(f);
    CHECK(f->opcode == op::close);
    CHECK(f->close_code() == 1000);
    REQUIRE(log.wait_for("close:1006"));
    CHECK(log.events() == std::vector<std::string>{"error:close_timeout", "close:1006"});
    CHECK(server.wait_closed()); // and the client let go of the socket
}

TEST_CASE("close: a peer that drops TCP without a close frame: on_error, then on_close 1006", "[close][raw]") {
    asio::io_context io;
    wsx::server server{io};
    event_log log;
    server.endpoint("/c")
        .on_error([&](wsx::session&, std::error_code ec) {
            log.add(ec == wsx::error::connection_reset ? "error:connection_reset" : "error:" + ec.message());
        })
        .on_close([&](wsx::session&, const wsx::close_reason& r) { log.add("close:" + std::to_string(r.code)); });
    server.listen("127.0.0.1", 0);
    const auto port = server.port();
    io_threads runner(io);

    SECTION("FIN") {
        raw_peer p;
        p.connect(port);
        REQUIRE(p.handshake("/c", port));
        p.close();
    }
    SECTION("reset") {
        raw_peer p;
        p.connect(port);
        REQUIRE(p.handshake("/c", port));
        p.reset();
    }
    SECTION("in the middle of a frame") {
        raw_peer p;
        p.connect(port);
        REQUIRE(p.handshake("/c", port));
        std::string frame = encode_frame(op::text, "half of this never arrives");
        p.write(std::string_view(frame).substr(0, 10));
        p.close();
    }
    REQUIRE(log.wait_for("close:1006"));
    CHECK(log.events() == std::vector<std::string>{"error:connection_reset", "close:1006"});
}

TEST_CASE("close: a server that drops TCP without a close frame: the client hears on_error, then 1006", "[close][raw]") {
    raw_listener l;
    asio::io_context io;
    wsx::client c{io};
    event_log log;
    c.on_open([&](wsx::session&) { log.add("open"); })
        .on_error([&](wsx::session&, std::error_code ec) {
            log.add(ec == wsx::error::connection_reset ? "error:connection_reset" : "error:" + ec.message());
        })
        .on_close([&](wsx::session&, const wsx::close_reason& r) { log.add("close:" + std::to_string(r.code)); });
    c.connect(ws_url(l.port(), "/"));
    io_threads runner(io);

    raw_peer server;
    REQUIRE(server.accept(l.acceptor));
    REQUIRE_FALSE(server.accept_upgrade().empty());
    REQUIRE(log.wait_for("open"));
    SECTION("FIN") { server.close(); }
    SECTION("reset") { server.reset(); }
    REQUIRE(log.wait_for("close:1006"));
    CHECK(log.events() == std::vector<std::string>{"open", "error:connection_reset", "close:1006"});
}

TEST_CASE("close: a client answers a raw server's close and waits for the server to close TCP", "[close][raw]") {
    raw_listener l;
    asio::io_context io;
    wsx::client c{io};
    event_log log;
    c.on_close([&](wsx::session&, const wsx::close_reason& r) { log.add("close:" + std::to_string(r.code) + ":" + r.reason); })
        .on_error([&](wsx::session&, std::error_code ec) { log.add("error:" + ec.message()); });
    c.connect(ws_url(l.port(), "/"));
    io_threads runner(io);

    raw_peer server;
    REQUIRE(server.accept(l.acceptor));
    REQUIRE_FALSE(server.accept_upgrade().empty());
    SECTION("with a code") {
        server.send_close(4321, "from raw");
        auto f = server.read_frame();
        REQUIRE(f);
        CHECK(f->opcode == op::close);
        CHECK(f->close_code() == 4321);
        CHECK(server.saw_masked_frame()); // a client masks, also its close
        server.close();                   // the server closes TCP first
        REQUIRE(log.wait_for("close:4321:from raw"));
    }
    SECTION("empty: the client reports 1005") {
        server.send_frame(op::close, {});
        auto f = server.read_frame();
        REQUIRE(f);
        CHECK(f->opcode == op::close);
        CHECK(f->payload.empty());
        server.close();
        REQUIRE(log.wait_for("close:1005:"));
    }
    CHECK(log.events().size() == 1); // no error: a clean close
}

TEST_CASE("close: invalid codes and reasons throw std::system_error", "[close][args]") {
    asio::io_context io;
    wsx::server server{io};
    std::vector<std::string> outcomes;
    server.endpoint("/c").on_open([&](wsx::session& s) {
        for (std::uint16_t code : {1005, 1006, 1015, 999, 0, 1004, 2999, 5000, 65535}) {
            try {
                s.close(code);
                outcomes.push_back("accepted " + std::to_string(code));
            } catch (const std::system_error& e) {
                CHECK(e.code() == wsx::error::bad_argument);
                outcomes.push_back("threw " + std::to_string(code));
            }
        }
        try {
            s.close(1000, std::string(124, 'r'));
            outcomes.push_back("accepted 124-byte reason");
        } catch (const std::system_error&) {
            outcomes.push_back("threw 124-byte reason");
        }
        CHECK(s.is_open()); // none of that started a close
        s.close(3000, std::string(123, 'r')); // the longest that fits
        outcomes.push_back("closed");
    });
    server.listen("127.0.0.1", 0);

    wsx::client c{io};
    side cli;
    cli.attach(c);
    c.connect(url_for(server, "/c"));
    REQUIRE(run_until(io, [&] { return !cli.closes.empty(); }));
    CHECK(outcomes == std::vector<std::string>{"threw 1005", "threw 1006", "threw 1015", "threw 999", "threw 0",
                                               "threw 1004", "threw 2999", "threw 5000", "threw 65535",
                                               "threw 124-byte reason", "closed"});
    CHECK(cli.closes[0].code == 3000);
    CHECK(cli.closes[0].reason == std::string(123, 'r'));

    // The client's close() checks the same way.
    CHECK_THROWS_AS(c.close(1006), std::system_error);
    CHECK_THROWS_AS(c.close(1000, std::string(124, 'x')), std::system_error);
    server.stop();
    CHECK(run_to_completion(io));
}

TEST_CASE("close: sending after close completes with error::closed", "[close][send]") {
    asio::io_context io;
    wsx::server server{io};
    std::vector<std::error_code> results;
    std::size_t server_messages = 0;
    server.endpoint("/c").on_message([&](wsx::session&, const wsx::message&) { ++server_messages; });
    server.listen("127.0.0.1", 0);

    wsx::client c{io};
    side cli;
    cli.attach(c);
    c.on_open([&](wsx::session& s) {
        s.send("before", [&](std::error_code ec) { results.push_back(ec); });
        s.close(1000);
        s.send("after", [&](std::error_code ec) { results.push_back(ec); });
        s.send_binary(wsx::byte_view(), [&](std::error_code ec) { results.push_back(ec); });
    });
    c.connect(url_for(server, "/c"));
    REQUIRE(run_until(io, [&] { return !cli.closes.empty() && results.size() == 3; }));
    // The sends after close fail at once; the one before was written.
    REQUIRE(results.size() == 3);
    CHECK(results[0] == wsx::error::closed);
    CHECK(results[1] == wsx::error::closed);
    CHECK_FALSE(results[2]);
    CHECK(server_messages == 1);

    // And once closed for good, from outside any handler too.
    std::error_code late;
    bool called = false;
    c.send("late", [&](std::error_code ec) {
        called = true;
        late = ec;
    });
    REQUIRE(run_until(io, [&] { return called; }));
    CHECK(late == wsx::error::closed);
    server.stop();
    CHECK(run_to_completion(io));
}

TEST_CASE("close: a handle to a gone session is a harmless no-op", "[close][handle]") {
    asio::io_context io;
    wsx::server server{io};
    wsx::session_handle kept;
    server.endpoint("/c").on_open([&](wsx::session& s) { kept = s.handle(); });
    server.listen("127.0.0.1", 0);

    wsx::client c{io};
    side cli;
    cli.attach(c);
    c.on_open([](wsx::session& s) { s.close(); });
    c.connect(url_for(server, "/c"));
    REQUIRE(run_until(io, [&] { return !cli.closes.empty(); }));
    // Wait until the server has let the session object go.
    REQUIRE(run_until(io, [&] { return kept.expired(); }));
    CHECK(kept.id() != 0);
    CHECK_FALSE(kept.is_open());
    CHECK(kept.lock() == nullptr);

    // Without a token: nothing happens, nothing crashes.
    kept.send("nobody hears this");
    kept.send(wsx::message::text("nor this"));
    kept.send_binary(wsx::byte_view());
    kept.ping();
    kept.close();

    // With a callback: error::closed.
    std::vector<std::error_code> results;
    kept.send("x", [&](std::error_code ec) { results.push_back(ec); });
    kept.send(wsx::message::binary("y"), [&](std::error_code ec) { results.push_back(ec); });
    kept.send_binary(wsx::byte_view(), [&](std::error_code ec) { results.push_back(ec); });
    run_until(io, [&] { return results.size() == 3; }, std::chrono::milliseconds(2000));
    REQUIRE(results.size() == 3);
    for (auto& ec : results) CHECK(ec == wsx::error::closed);

    // With a future: get() throws the same error.
    std::future<void> f = kept.send("z", asio::use_future);
    REQUIRE(f.wait_for(std::chrono::seconds(5)) == std::future_status::ready);
    try {
        f.get();
        FAIL("expected std::system_error");
    } catch (const std::system_error& e) {
        CHECK(e.code() == wsx::error::closed);
    }

    // A default-constructed handle behaves the same.
    wsx::session_handle empty;
    CHECK(empty.expired());
    bool called = false;
    empty.send("x", [&](std::error_code ec) {
        called = true;
        CHECK(ec == wsx::error::closed);
    });
    run_until(io, [&] { return called; }, std::chrono::milliseconds(2000));
    CHECK(called);
    server.stop();
    CHECK(run_to_completion(io));
}

TEST_CASE("close: destroying an open client closes with 1001 and calls none of its handlers", "[close][client]") {
    asio::io_context io;
    wsx::server server{io};
    std::vector<std::uint16_t> server_closes;
    bool server_open = false;
    server.endpoint("/bye")
        .on_open([&](wsx::session&) { server_open = true; })
        .on_close([&](wsx::session&, const wsx::close_reason& r) { server_closes.push_back(r.code); });
    server.listen("127.0.0.1", 0);

    int calls_after_destruction = 0;
    bool client_open = false;
    {
        auto alive = std::make_shared<bool>(true);
        wsx::client c{io};
        c.on_open([&](wsx::session&) { client_open = true; })
            .on_message([&, alive](wsx::session&, const wsx::message&) { if (!*alive) ++calls_after_destruction; })
            .on_close([&, alive](wsx::session&, const wsx::close_reason&) { if (!*alive) ++calls_after_destruction; })
            .on_error([&, alive](wsx::session&, std::error_code) { if (!*alive) ++calls_after_destruction; });
        c.connect("ws://127.0.0.1:" + std::to_string(server.port()) + "/bye");
        REQUIRE(run_until(io, [&] { return client_open && server_open; }));
        *alive = false;
    }
    REQUIRE(run_until(io, [&] { return !server_closes.empty(); }));
    CHECK(server_closes == std::vector<std::uint16_t>{1001});
    CHECK(calls_after_destruction == 0);
    server.stop();
    CHECK(run_to_completion(io));
}
