// Copyright (c) 2026 wsx developers. Distributed under the Boost Software License, Version 1.0.
// The server-wide memory budget (server_options::memory_budget): what all
// connections hold for unfinished incoming messages and queued outgoing
// ones. Past it, the connections holding the most are closed with 1013 and
// hear on_error(memory_budget_exceeded); the others go on, and the counter
// an operator watches (server.stats().memory_in_use) returns to its
// baseline once the connections are gone.

#include "wsx_catch.hpp"
#include "loopback.hpp"

#include <wsx/wsx.hpp>

#include <asio/post.hpp>

#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

using namespace wsx_test;

namespace {

constexpr std::size_t KiB = 1024, MiB = 1024 * KiB;

// What the server's handlers saw, by session id (handlers run on the I/O
// thread, the test reads on its own).
struct record {
    std::mutex mu;
    std::map<std::uint64_t, std::error_code> errors;
    std::map<std::uint64_t, std::uint16_t> closes;
    std::map<std::string, std::uint64_t> ids; // the peer's name (its first message or query) -> id

    void error(const wsx::session& s, std::error_code ec) {
        std::lock_guard<std::mutex> lock(mu);
        errors.emplace(s.id(), ec);
    }
    void close(const wsx::session& s, const wsx::close_reason& r) {
        std::lock_guard<std::mutex> lock(mu);
        closes.emplace(s.id(), r.code);
    }
    void name(const wsx::session& s, std::string n) {
        std::lock_guard<std::mutex> lock(mu);
        ids[std::move(n)] = s.id();
    }
    std::size_t close_count() {
        std::lock_guard<std::mutex> lock(mu);
        return closes.size();
    }
};

} // namespace

TEST_CASE("memory budget: half-finished incoming messages past the budget close the largest holder with 1013",
          "[budget]") {
    asio::io_context io;
    wsx::server server{io};
    server.options().memory_budget = 4 * MiB;
    record rec;
    server.endpoint("/m")
        .on_open([&](wsx::session& s) { rec.name(s, s.query("name")); })
        .on_message([](wsx::session& s, const wsx::message& m) { s.send("got " + std::to_string(m.size())); })
        .on_error([&](wsx::session& s, std::error_code ec) { rec.error(s, ec); })
        .on_close([&](wsx::session& s, const wsx::close_reason& r) { rec.close(s, r); });
    server.listen("127.0.0.1", 0);
    const std::uint16_t port = server.port();
    io_threads runner(io, 1);
    CHECK(server.stats().memory_in_use == 0);

    // Six peers each hold the first 256 KiB of a message: at most 512 KiB
    // of assembly buffer each, 3 MiB in all, under the budget.
    constexpr int small = 6;
    std::vector<std::unique_ptr<raw_peer>> peers;
    for (int i = 0; i < small; ++i) {
        auto p = std::make_unique<raw_peer>();
        p->connect(port);
        REQUIRE(p->handshake("/m?name=small" + std::to_string(i), port));
        p->send_frame(op::binary, pattern_bytes(256 * KiB, static_cast<unsigned>(i)), false);
        peers.push_back(std::move(p));
    }
    REQUIRE(eventually([&] { return server.stats().memory_in_use >= small * 256 * KiB; }));
    CHECK(server.stats().memory_in_use <= 4 * MiB);
    CHECK(server.stats().closed_by_budget == 0);

    // One more sends 3 MiB of a message: by the time it holds a little over
    // 1 MiB the total is past 4 MiB, and it holds the most.
    raw_peer big;
    big.connect(port);
    REQUIRE(big.handshake("/m?name=big", port));
    big.try_write(encode_frame(op::binary, pattern_bytes(3 * MiB), true, false));
    auto f = big.read_frame_of(op::close);
    REQUIRE(f);
    CHECK(f->close_code() == 1013);
    big.close();
    REQUIRE(eventually([&] { return rec.close_count() == 1; }));
    CHECK(server.stats().closed_by_budget == 1);
    CHECK(server.stats().memory_in_use <= 4 * MiB);
    {
        std::lock_guard<std::mutex> lock(rec.mu);
        const std::uint64_t id = rec.ids.at("big");
        CHECK(rec.errors.size() == 1);
        CHECK(rec.errors[id] == wsx::error::memory_budget_exceeded);
        CHECK(rec.closes[id] == 1013);
    }

    // The others were not touched: each finishes its message and is answered.
    for (int i = 0; i < small; ++i) {
        peers[i]->send_frame(op::continuation, pattern_bytes(1000), true);
        auto reply = peers[i]->read_frame_of(op::text);
        REQUIRE(reply);
        CHECK(reply->payload == "got " + std::to_string(256 * KiB + 1000));
    }
    CHECK(server.stats().closed_by_budget == 1);

    for (auto& p : peers) p->send_close(1000);
    REQUIRE(eventually([&] { return server.session_count() == 0; }));
    CHECK(server.stats().memory_in_use == 0);
    REQUIRE(stop_and_join(io, server, runner));
}

TEST_CASE("memory budget: queued sends to peers that do not read close the largest queue", "[budget]") {
    asio::io_context io;
    wsx::server server{io};
    server.options().memory_budget = 4 * MiB;
    record rec;
    const std::string chunk = pattern_text(64 * KiB);
    // "push N" queues N KiB to the asking peer, in 64 KiB messages. The
    // socket's send buffer is made small: on loopback the kernel would
    // otherwise take megabytes before anything stays in the queue.
    server.endpoint("/q")
        .on_open([&](wsx::session& s) {
            rec.name(s, s.query("name"));
            wsx_test::set_send_buffer(s, 8192);
        })
        .on_message([&](wsx::session& s, const wsx::message& m) {
            const std::size_t kib = std::stoul(std::string(m.text().substr(5)));
            for (std::size_t sent = 0; sent < kib; sent += 64) s.send(chunk);
        })
        .on_error([&](wsx::session& s, std::error_code ec) { rec.error(s, ec); })
        .on_close([&](wsx::session& s, const wsx::close_reason& r) { rec.close(s, r); });
    server.listen("127.0.0.1", 0);
    const std::uint16_t port = server.port();
    io_threads runner(io, 1);

    // Peers with small receive buffers that do not read (yet): what the
    // kernel does not take stays in the server's queue.
    constexpr int small = 3;
    std::vector<std::unique_ptr<raw_peer>> peers;
    for (int i = 0; i < small; ++i) {
        auto p = std::make_unique<raw_peer>();
        p->shrink_receive_buffer(4096);
        p->connect(port);
        REQUIRE(p->handshake("/q?name=small" + std::to_string(i), port));
        p->send_text("push 512");
        peers.push_back(std::move(p));
    }
    REQUIRE(eventually([&] { return server.stats().memory_in_use >= 1 * MiB; }));
    CHECK(server.stats().memory_in_use <= 4 * MiB);
    CHECK(server.stats().closed_by_budget == 0);

    raw_peer big;
    big.shrink_receive_buffer(4096);
    big.connect(port);
    REQUIRE(big.handshake("/q?name=big", port));
    big.send_text("push 3072");
    // Its queue is the largest: it is dropped at once (a peer that does not
    // read would never read a close frame either), and the budget is kept.
    REQUIRE(eventually([&] { return rec.close_count() == 1; }));
    CHECK(big.wait_closed());
    CHECK(server.stats().closed_by_budget == 1);
    CHECK(server.stats().memory_in_use <= 4 * MiB);
    {
        std::lock_guard<std::mutex> lock(rec.mu);
        const std::uint64_t id = rec.ids.at("big");
        CHECK(rec.errors.size() == 1);
        CHECK(rec.errors[id] == wsx::error::memory_budget_exceeded);
        CHECK(rec.closes[id] == 1013); // as the server reports it; the peer saw the connection drop
    }

    // The others get every byte they asked for once they read.
    for (auto& p : peers) {
        std::size_t got = 0;
        while (got < 512 * KiB) {
            auto f = p->read_frame_of(op::text);
            REQUIRE(f);
            CHECK(f->payload == chunk);
            got += f->payload.size();
        }
        p->send_close(1000);
    }
    REQUIRE(eventually([&] { return server.session_count() == 0; }));
    CHECK(server.stats().memory_in_use == 0);
    CHECK(server.stats().closed_by_budget == 1);
    REQUIRE(stop_and_join(io, server, runner));
}

TEST_CASE("memory budget: 0 turns it off, and the counter still returns to zero", "[budget]") {
    asio::io_context io;
    wsx::server server{io};
    server.options().memory_budget = 0;
    server.endpoint("/m").on_message([](wsx::session& s, const wsx::message& m) { s.send(m); });
    server.listen("127.0.0.1", 0);
    io_threads runner(io, 1);
    std::vector<std::unique_ptr<raw_peer>> peers;
    for (int i = 0; i < 4; ++i) {
        auto p = std::make_unique<raw_peer>();
        p->connect(server.port());
        REQUIRE(p->handshake("/m", server.port()));
        p->send_frame(op::binary, pattern_bytes(1 * MiB), false);
        peers.push_back(std::move(p));
    }
    REQUIRE(eventually([&] { return server.stats().memory_in_use >= 4 * MiB; }));
    CHECK(server.stats().closed_by_budget == 0);
    for (auto& p : peers) p->reset();
    REQUIRE(eventually([&] { return server.session_count() == 0; }));
    CHECK(server.stats().memory_in_use == 0);
    REQUIRE(stop_and_join(io, server, runner));
}
