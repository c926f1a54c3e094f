// Copyright (c) 2026 wsx developers. Distributed under the Boost Software License, Version 1.0.
// Connection caps (server_options::max_connections and
// max_connections_per_address): one connection past a cap is answered 503
// with Retry-After at the handshake, never opens, and is counted; a closed
// connection frees its place.

#include "wsx_catch.hpp"
#include "loopback.hpp"

#include <wsx/wsx.hpp>

#include <asio/post.hpp>

#include <atomic>
#include <memory>
#include <string>
#include <vector>

using namespace wsx_test;

namespace {

// A raw peer connected from `local` (any address in 127.0.0.0/8 is this machine).
std::unique_ptr<raw_peer> peer_from(const char* local, std::uint16_t port) {
    auto p = std::make_unique<raw_peer>();
    auto& s = p->socket();
    s.open(asio::ip::tcp::v4());
    s.bind(asio::ip::tcp::endpoint(asio::ip::make_address(local), 0));
    p->connect(port);
    return p;
}

struct capped_server {
    asio::io_context io;
    wsx::server server{io};
    std::atomic<int> opens{0};
    std::atomic<int> handshakes{0}; // on_handshake calls: a refused connection costs none
    std::unique_ptr<io_threads> runner;

    explicit capped_server(const wsx::server_options& o) {
        server.options() = o;
        server.endpoint("/c")
            .on_handshake([this](wsx::upgrade_request&) { ++handshakes; })
            .on_open([this](wsx::session&) { ++opens; })
            .on_message([](wsx::session& s, const wsx::message& m) { s.send(m); });
        server.listen("127.0.0.1", 0);
        runner = std::make_unique<io_threads>(io, 1);
    }
    ~capped_server() {
        CHECK(stop_and_join(io, server, *runner));
    }
    std::uint16_t port() const { return server.port(); }
};

// The whole answer to an upgrade that is refused: the server closes after it.
std::string refusal(raw_peer& p, std::uint16_t port) {
    p.write(upgrade_request("/c", port));
    std::string all;
    CHECK(p.read_to_eof(all));
    return all;
}

} // namespace

TEST_CASE("connection caps: past max_connections the handshake gets 503 with Retry-After", "[caps]") {
    wsx::server_options o;
    o.max_connections = 2;
    o.retry_after = std::chrono::seconds(7);
    capped_server cs(o);

    auto a = peer_from("127.0.0.1", cs.port());
    REQUIRE(a->handshake("/c", cs.port()));
    auto b = peer_from("127.0.0.1", cs.port());
    REQUIRE(b->handshake("/c", cs.port()));
    REQUIRE(eventually([&] { return cs.server.stats().admitted_connections == 2; }));

    auto c = peer_from("127.0.0.1", cs.port());
    const std::string answer = refusal(*c, cs.port());
    CHECK(answer.rfind("HTTP/1.1 503 ", 0) == 0);
    CHECK(answer.find("\r\nRetry-After: 7\r\n") != std::string::npos);
    CHECK(cs.server.stats().refused_by_cap == 1);
    CHECK(eventually([&] { return cs.opens.load() == 2; }));
    CHECK(cs.handshakes.load() == 2);
    REQUIRE(eventually([&] { return cs.server.session_count() == 2; }));

    // The open ones work; one closes, and its place is free again.
    a->send_text("still here");
    auto echo = a->read_frame_of(op::text);
    REQUIRE(echo);
    CHECK(echo->payload == "still here");
    b->send_close(1000);
    REQUIRE(b->read_frame_of(op::close));
    REQUIRE(eventually([&] { return cs.server.stats().admitted_connections == 1; }));
    auto d = peer_from("127.0.0.1", cs.port());
    REQUIRE(d->handshake("/c", cs.port()));
    CHECK(eventually([&] { return cs.opens.load() == 3; })); // on_open runs after the 101 is written
    CHECK(cs.server.stats().refused_by_cap == 1);
}

TEST_CASE("connection caps: max_connections_per_address counts each remote address on its own", "[caps]") {
    wsx::server_options o;
    o.max_connections_per_address = 1;
    capped_server cs(o);

    auto first = peer_from("127.0.0.1", cs.port());
    REQUIRE(first->handshake("/c", cs.port()));
    auto second = peer_from("127.0.0.1", cs.port());
    const std::string answer = refusal(*second, cs.port());
    CHECK(answer.rfind("HTTP/1.1 503 ", 0) == 0);
    CHECK(answer.find("\r\nRetry-After: 5\r\n") != std::string::npos);
    CHECK(cs.server.stats().refused_by_cap == 1);

    // Another address is another client.
    auto other = peer_from("127.0.0.2", cs.port());
    REQUIRE(other->handshake("/c", cs.port()));
    CHECK(cs.server.stats().admitted_connections == 2);

    // A reset connection frees its address's place too.
    first->reset();
    REQUIRE(eventually([&] { return cs.server.stats().admitted_connections == 1; }));
    auto again = peer_from("127.0.0.1", cs.port());
    REQUIRE(again->handshake("/c", cs.port()));
    CHECK(eventually([&] { return cs.opens.load() == 3; }));
    CHECK(cs.server.stats().refused_by_cap == 1);
}

TEST_CASE("connection caps: a handshake the handler refuses gives its place back", "[caps]") {
    asio::io_context io;
    wsx::server server{io};
    server.options().max_connections = 1;
    server.endpoint("/c").on_handshake([](wsx::upgrade_request& u) {
        if (u.header("X-Token") != "ok") u.reject(403);
    });
    server.listen("127.0.0.1", 0);
    io_threads runner(io, 1);
    for (int i = 0; i < 3; ++i) {
        raw_peer p;
        p.connect(server.port());
        p.write(upgrade_request("/c", server.port()));
        std::string all;
        REQUIRE(p.read_to_eof(all));
        CHECK(all.rfind("HTTP/1.1 403 ", 0) == 0);
    }
    CHECK(server.stats().refused_by_cap == 0);
    raw_peer ok;
    ok.connect(server.port());
    REQUIRE(ok.handshake("/c", server.port(), "X-Token: ok\r\n"));
    CHECK(server.stats().admitted_connections == 1);
    ok.reset();
    REQUIRE(eventually([&] { return server.session_count() == 0; }));
    CHECK(server.stats().admitted_connections == 0);
    REQUIRE(stop_and_join(io, server, runner));
}
