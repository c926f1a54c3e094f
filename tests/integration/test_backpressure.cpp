// Copyright (c) 2026 wsx developers. Distributed under the Boost Software License, Version 1.0.
// A peer that stops reading while the server keeps sending: the send queue
// grows (buffered_amount), then sends are refused (reject policy, the
// connection stays open) or the connection is closed with 1008 (close
// policy); on_drain tells the producer when the queue has emptied again.

#include "wsx_catch.hpp"
#include "loopback.hpp"

#include <wsx/wsx.hpp>

#include <asio/post.hpp>

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <sys/socket.h>

using namespace wsx_test;

namespace {

constexpr std::size_t chunk_size = 64 * 1024;
constexpr std::size_t queue_limit = 1024 * 1024;

// Sends 64 KiB messages to one session, one per strand turn (so writes
// run in between, as with a real producer), until `refusals_wanted` sends
// in a row were refused: by then the kernel's buffers are full too and the
// queue no longer drains, so every further send would be refused as well.
struct producer {
    explicit producer(std::size_t refusals = 3) : refusals_wanted(refusals) {}
    const std::size_t refusals_wanted;
    std::string chunk = pattern_text(chunk_size);
    std::mutex mu;
    std::vector<std::size_t> buffered; // buffered_amount() after each send
    std::atomic<std::size_t> attempts{0};
    std::atomic<std::size_t> refused{0};
    std::atomic<std::size_t> written{0};
    std::atomic<std::size_t> failed_other{0};
    std::atomic<bool> stop{false};
    std::size_t in_a_row = 0; // on the strand only

    void pump(wsx::session_handle h) {
        auto s = h.lock();
        if (!s || stop) return;
        ++attempts;
        bool was_refused = false;
        s->send(chunk, [this, &was_refused](std::error_code ec) {
            if (!ec) {
                ++written;
            } else if (ec == wsx::error::send_queue_full) {
                ++refused;
                was_refused = true; // reported inline: we are on the session's strand
            } else {
                ++failed_other;
            }
        });
        {
            std::lock_guard<std::mutex> lock(mu);
            buffered.push_back(s->buffered_amount());
        }
        in_a_row = was_refused ? in_a_row + 1 : 0;
        if (in_a_row == refusals_wanted || attempts > 100000 || !s->is_open()) {
            stop = true;
            return;
        }
        asio::post(s->get_executor(), [this, h] { pump(h); });
    }
};

} // namespace

TEST_CASE("backpressure: a peer that stops reading: the queue grows, then sends are refused; on_drain after",
          "[backpressure]") {
    asio::io_context io;
    wsx::server server{io};
    producer prod;
    event_log log;
    std::atomic<int> drains{0};
    wsx::session_handle handle;
    std::mutex handle_mu;
    wsx::session_options o;
    o.max_send_queue = queue_limit;
    o.send_policy = wsx::send_queue_policy::reject;
    server.endpoint("/flood")
        .options(o)
        .on_message([&](wsx::session& s, const wsx::message&) {
            {
                std::lock_guard<std::mutex> lock(handle_mu);
                handle = s.handle();
            }
            // A small, fixed kernel send buffer (no autotuning): otherwise
            // loopback TCP keeps absorbing megabytes after the peer stopped
            // reading, and the queue could drain into the kernel on its own.
            wsx_test::set_send_buffer(s, 8192);
            prod.pump(s.handle());
        })
        .on_drain([&](wsx::session&) {
            ++drains;
            log.add("drain");
        })
        .on_error([&](wsx::session&, std::error_code ec) { log.add("error:" + ec.message()); })
        .on_close([&](wsx::session&, const wsx::close_reason& r) { log.add("close:" + std::to_string(r.code)); });
    server.listen("127.0.0.1", 0);
    const auto port = server.port();
    io_threads runner(io);

    raw_peer p;
    p.shrink_receive_buffer(4096);
    p.connect(port);
    REQUIRE(p.handshake("/flood", port));
    p.send_text("go");
    // ... and we read nothing until the server refuses a send.
    REQUIRE(eventually([&] { return prod.stop.load(); }));
    CHECK(prod.refused >= 3);
    CHECK(prod.failed_other == 0);
    {
        std::lock_guard<std::mutex> lock(prod.mu);
        REQUIRE(prod.buffered.size() >= 2);
        // The queue grew as the peer stopped reading, up to the limit ...
        std::size_t max_seen = 0;
        for (auto b : prod.buffered) max_seen = b > max_seen ? b : max_seen;
        CHECK(max_seen >= queue_limit);
        CHECK(prod.buffered.back() >= queue_limit);
        // ... and stayed bounded: the limit plus the one message that crossed it.
        CHECK(max_seen < queue_limit + 2 * chunk_size);
    }
    // The connection stays open: refusing a send is not an error of the peer.
    wsx::session_handle h;
    {
        std::lock_guard<std::mutex> lock(handle_mu);
        h = handle;
    }
    REQUIRE(h.is_open());
    CHECK(drains == 0);
    CHECK_FALSE(p.closed());

    // Now read: every accepted message arrives, then on_drain fires once.
    const std::size_t accepted = prod.attempts - prod.refused;
    std::size_t frames = 0;
    while (frames < accepted) {
        auto f = p.read_frame();
        REQUIRE(f);
        CHECK(f->opcode == op::text);
        CHECK(f->payload.size() == chunk_size);
        ++frames;
    }
    REQUIRE(log.wait_for("drain"));
    CHECK(prod.written == accepted);
    CHECK(drains == 1);
    CHECK(h.is_open());
    CHECK(h.lock()->buffered_amount() == 0);
    // Sending works again.
    h.send("after drain");
    auto f = p.read_frame();
    REQUIRE(f);
    CHECK(f->payload == "after drain");
    // No close and no error along the way; send_queue_full went to the tokens.
    CHECK(log.events() == std::vector<std::string>{"drain"});
}

TEST_CASE("backpressure: refused sends without a token reach on_error once per episode, and the connection stays "
          "usable",
          "[backpressure]") {
    asio::io_context io;
    wsx::server server{io};
    std::vector<std::error_code> errors;
    std::vector<wsx::close_reason> closes;
    int drains = 0;
    wsx::session_options o;
    o.max_send_queue = 4096;
    // Nothing is written while a handler runs: the queue fills, and the
    // last four of each burst of eight are refused.
    auto burst = [](wsx::session& s) {
        for (int i = 0; i < 8; ++i) s.send(std::string(1024, 'x'));
    };
    server.endpoint("/q")
        .options(o)
        .on_open(burst)
        .on_message([&](wsx::session& s, const wsx::message&) { burst(s); })
        .on_drain([&](wsx::session&) { ++drains; })
        .on_error([&](wsx::session&, std::error_code ec) { errors.push_back(ec); })
        .on_close([&](wsx::session&, const wsx::close_reason& r) { closes.push_back(r); });
    server.listen("127.0.0.1", 0);

    wsx::client c{io};
    int got = 0;
    bool closed = false;
    c.on_message([&](wsx::session&, const wsx::message&) { ++got; }).on_close([&](wsx::session&) { closed = true; });
    c.connect(url_for(server, "/q"));
    REQUIRE(run_until(io, [&] { return (got == 4 && drains == 1) || closed; }));
    CHECK_FALSE(closed);
    // Four refusals, one report: a peer that does not read cannot fill the log.
    REQUIRE(errors.size() == 1);
    CHECK(errors[0] == wsx::error::send_queue_full);

    // The queue drained (on_drain), so the next burst's refusals are a new
    // episode, reported once again.
    c.send("again");
    REQUIRE(run_until(io, [&] { return (got == 8 && drains == 2) || closed; }));
    REQUIRE(errors.size() == 2);
    CHECK(errors[1] == wsx::error::send_queue_full);

    // A later real failure still reaches on_error (it is not used up).
    ::shutdown(c.session()->native_handle(), SHUT_RDWR);
    REQUIRE(run_until(io, [&] { return !closes.empty(); }));
    CHECK(closes[0].code == 1006);
    REQUIRE(errors.size() == 3);
    CHECK(errors[2] == wsx::error::connection_reset);
    CHECK(got == 8);
    server.stop();
    CHECK(run_to_completion(io));
}

TEST_CASE("backpressure: with send_queue_policy::close the connection closes with 1008", "[backpressure]") {
    asio::io_context io;
    wsx::server server{io};
    producer prod(1);
    event_log log;
    wsx::session_options o;
    o.max_send_queue = queue_limit;
    o.send_policy = wsx::send_queue_policy::close;
    server.endpoint("/flood")
        .options(o)
        .on_message([&](wsx::session& s, const wsx::message&) { prod.pump(s.handle()); })
        .on_drain([&](wsx::session&) { log.add("drain"); })
        .on_error([&](wsx::session&, std::error_code ec) {
            log.add(ec == wsx::error::send_queue_full ? "error:send_queue_full" : "error:" + ec.message());
        })
        .on_close([&](wsx::session&, const wsx::close_reason& r) { log.add("close:" + std::to_string(r.code)); });
    server.listen("127.0.0.1", 0);
    const auto port = server.port();
    io_threads runner(io);

    raw_peer p;
    p.shrink_receive_buffer(4096);
    p.connect(port);
    REQUIRE(p.handshake("/flood", port));
    p.send_text("go");
    REQUIRE(eventually([&] { return prod.stop.load(); }));
    // The first refusal closes the connection; nothing is sent after it.
    CHECK(prod.refused == 1);
    REQUIRE(log.wait_for("error:send_queue_full"));

    // Reading again, we get what was queued, then the close frame: 1008.
    std::optional<frame> close;
    std::size_t data_frames = 0;
    for (;;) {
        auto f = p.read_frame();
        REQUIRE(f);
        if (f->opcode == op::close) {
            close = f;
            break;
        }
        ++data_frames;
    }
    CHECK(close->close_code() == 1008);
    CHECK(data_frames == prod.attempts - prod.refused);
    p.send_close(1008);
    CHECK(p.wait_closed());
    p.close();
    REQUIRE(log.wait_for("close:1008"));
    CHECK(log.events() == std::vector<std::string>{"error:send_queue_full", "close:1008"});
}

TEST_CASE("backpressure: buffered_amount counts sends made from another thread at once", "[backpressure]") {
    asio::io_context io;
    wsx::server server{io};
    server.endpoint("/x");
    server.listen("127.0.0.1", 0);
    wsx::client c{io};
    bool open = false;
    c.on_open([&](wsx::session&) { open = true; });
    c.connect(url_for(server, "/x"));
    REQUIRE(run_until(io, [&] { return open; }));
    // Like the browser: bufferedAmount grows as soon as send() returns,
    // before the io_context has run again.
    CHECK(c.buffered_amount() == 0);
    c.send(std::string(1000, 'a'));
    CHECK(c.buffered_amount() >= 1000);
    c.send(std::string(500, 'b'));
    CHECK(c.buffered_amount() >= 1500);
    REQUIRE(run_until(io, [&] { return c.buffered_amount() == 0; }));
    server.stop();
    CHECK(run_to_completion(io));
}

TEST_CASE("backpressure: a ping flood from a peer that never reads does not grow the queue without bound",
          "[backpressure][ping]") {
    asio::io_context io;
    wsx::server server{io};
    wsx::session_options o;
    o.max_send_queue = 64 * 1024;
    std::mutex mu;
    wsx::session_handle handle;
    event_log log;
    server.endpoint("/ping")
        .options(o)
        .on_open([&](wsx::session& s) {
            wsx_test::set_send_buffer(s, 8192);
            std::lock_guard<std::mutex> lock(mu);
            handle = s.handle();
        })
        .on_message([&](wsx::session&, const wsx::message& m) { log.add(std::string(m.text())); });
    server.listen("127.0.0.1", 0);
    const auto port = server.port();
    io_threads runner(io);

    raw_peer p;
    p.shrink_receive_buffer(4096);
    p.connect(port);
    REQUIRE(p.handshake("/ping", port));
    // 20000 pings of 125 bytes: their pongs would be ~2.5 MB. We read none.
    const std::string ping = encode_frame(op::ping, std::string(125, 'p'));
    std::string burst;
    for (int i = 0; i < 1000; ++i) burst += ping;
    for (int i = 0; i < 20; ++i) p.write(burst);
    p.send_text("done");
    REQUIRE(log.wait_for("done"));
    std::lock_guard<std::mutex> lock(mu);
    auto s = handle.lock();
    REQUIRE(s);
    CHECK(s->is_open());
    // Bounded by the limit plus the one pong that crossed it.
    CHECK(s->buffered_amount() <= o.max_send_queue + 127);
}
