// Copyright (c) 2026 wsx developers. Distributed under the Boost Software License, Version 1.0.
// send_stream(): one message sent in fragments as it is produced. The
// peer sees one fragmented message, in order; each write's token completes
// once its fragment is written, so a producer that waits for it holds a
// few fragments however slowly the peer reads; other sends wait until the
// stream is finished; a stream dropped unfinished closes with 1011; text
// is checked as UTF-8 across writes; writes from another thread, masked
// by a client, with futures.

#include "wsx_catch.hpp"
#include "loopback.hpp"

#include <wsx/wsx.hpp>

#include <asio/use_future.hpp>

#include <algorithm>
#include <atomic>
#include <future>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <sys/socket.h>

using namespace wsx_test;

namespace {

std::string chunk_text(std::size_t i, std::size_t size) {
    std::string s = std::to_string(i) + ":";
    s.resize(size, static_cast<char>('a' + i % 26));
    return s;
}

// Reads one fragmented message as frames: its opcodes and FIN bits are
// checked on the way; returns the payload (nullopt on a protocol surprise).
std::optional<std::string> read_stream_message(raw_peer& peer, std::uint8_t opcode, std::size_t& frames,
                                               bool slowly = false) {
    std::string all;
    frames = 0;
    for (;;) {
        auto f = peer.read_frame();
        if (!f) return std::nullopt;
        if (f->opcode == op::ping || f->opcode == op::pong) continue;
        if (f->opcode != (frames == 0 ? opcode : op::continuation)) return std::nullopt;
        ++frames;
        all += f->payload;
        if (slowly && frames % 64 == 0) std::this_thread::sleep_for(1ms); // a slow reader, not a measurement
        if (f->fin) return all;
    }
}

} // namespace

TEST_CASE("send stream: 10,000 writes to a slow reader: a few in flight, one message in order",
          "[stream][integration]") {
    constexpr std::size_t writes = 10'000;
    constexpr std::size_t chunk = 1000;
    constexpr std::size_t window = 4; // writes the producer lets be outstanding
    asio::io_context io;
    wsx::server server{io};

    struct producer {
        wsx::message_stream w;
        std::size_t issued = 0, completed = 0, outstanding = 0, max_outstanding = 0, max_buffered = 0;
        std::error_code error;
        bool finished = false;
        void pump(wsx::session& s) {
            while (outstanding < window && issued < writes) {
                ++outstanding;
                max_outstanding = std::max(max_outstanding, outstanding);
                w.write(chunk_text(issued++, chunk), [this, &s](std::error_code ec) {
                    --outstanding;
                    ++completed;
                    if (ec) error = ec;
                    pump(s);
                });
                max_buffered = std::max(max_buffered, s.buffered_amount());
            }
            if (issued == writes && outstanding == 0 && !finished) {
                finished = true;
                w.finish();
            }
        }
    };
    auto p = std::make_shared<producer>();
    std::atomic<bool> done{false};
    server.endpoint("/s").on_open([&](wsx::session& s) {
        set_send_buffer(s, 4096); // the kernel holds little: the session's queue shows the backpressure
        p->w = s.send_stream();
        p->pump(s);
    });
    server.listen("127.0.0.1", 0);
    io_threads runner(io);

    raw_peer peer;
    const int small = 4096;
    ::setsockopt(peer.socket().native_handle(), SOL_SOCKET, SO_RCVBUF, &small, sizeof small);
    peer.connect(server.port());
    REQUIRE(peer.handshake("/s", server.port()));
    std::this_thread::sleep_for(50ms); // the reader pauses; the producer must wait, not queue
    std::size_t frames = 0;
    auto message = read_stream_message(peer, op::text, frames, true);
    REQUIRE(message);
    std::string expected;
    for (std::size_t i = 0; i < writes; ++i) expected += chunk_text(i, chunk);
    CHECK(message->size() == expected.size());
    CHECK(*message == expected);
    CHECK(frames == writes + 1); // each write, and finish()'s empty last fragment

    asio::post(io, [&] { done = true; });
    REQUIRE(eventually([&] { return done.load(); }));
    asio::post(io, [&] { done = false; });
    REQUIRE(eventually([&] { return !done.load(); }));
    CHECK(p->completed == writes);
    CHECK(!p->error);
    CHECK(p->max_outstanding <= window);
    // Queued, never more than the window: completions come as fragments are
    // written, not as they are queued.
    CHECK(p->max_buffered <= window * (chunk + 4));
    peer.send_close(1000);
    CHECK(peer.wait_closed());
    CHECK(stop_and_join(io, server, runner));
}

TEST_CASE("send stream: a send made while a stream is open arrives after its message", "[stream][integration]") {
    asio::io_context io;
    wsx::server server{io};
    server.endpoint("/s").on_open([](wsx::session& s) {
        auto w = s.send_binary_stream();
        w.write(std::string_view("part1"));
        s.send("other");              // waits for the stream
        s.send_binary(std::string_view("more", 4));
        s.ping("p");                  // a control frame may come in between
        w.write(std::string_view("part2"));
        w.finish();
        s.send("after");
    });
    server.listen("127.0.0.1", 0);
    io_threads runner(io);

    raw_peer peer;
    peer.connect(server.port());
    REQUIRE(peer.handshake("/s", server.port()));
    std::vector<std::pair<int, std::string>> seen;
    std::vector<bool> fins;
    while (seen.size() < 7) {
        auto f = peer.read_frame();
        REQUIRE(f);
        seen.emplace_back(f->opcode, f->payload);
        fins.push_back(f->fin);
    }
    const std::vector<std::pair<int, std::string>> want{
        {op::binary, "part1"}, {op::ping, "p"}, {op::continuation, "part2"}, {op::continuation, ""},
        {op::text, "other"},   {op::binary, "more"}, {op::text, "after"}};
    CHECK(seen == want);
    CHECK(fins == std::vector<bool>{false, true, false, true, true, true, true});
    peer.send_close(1000);
    CHECK(peer.wait_closed());
    CHECK(stop_and_join(io, server, runner));
}

TEST_CASE("send stream: a stream dropped before finish(): 1011 once it wrote, nothing if it did not",
          "[stream][integration]") {
    asio::io_context io;
    wsx::server server{io};
    std::atomic<int> on_close_code{0};
    server.endpoint("/wrote")
        .on_open([](wsx::session& s) {
            auto w = s.send_stream();
            w.write("the start of a message that will never end");
        }) // w is destroyed here
        .on_close([&](wsx::session&, const wsx::close_reason& r) { on_close_code = r.code; });
    server.endpoint("/unused").on_open([](wsx::session& s) {
        { auto w = s.send_stream(); }
        s.send("still open");
        auto again = s.send_stream(); // the dropped one no longer blocks a new one
        again.write("x");
        again.finish();
    });
    server.listen("127.0.0.1", 0);
    io_threads runner(io);

    {
        raw_peer peer;
        peer.connect(server.port());
        REQUIRE(peer.handshake("/wrote", server.port()));
        auto first = peer.read_frame();
        REQUIRE(first);
        CHECK(first->opcode == op::text);
        CHECK(!first->fin);
        auto close = peer.read_frame();
        REQUIRE(close);
        CHECK(close->opcode == op::close);
        CHECK(close->close_code() == 1011);
        peer.send_close(1011);
        CHECK(peer.wait_closed());
        REQUIRE(eventually([&] { return on_close_code != 0; }));
        CHECK(on_close_code == 1011);
    }
    {
        raw_peer peer;
        peer.connect(server.port());
        REQUIRE(peer.handshake("/unused", server.port()));
        auto f = peer.read_frame();
        REQUIRE(f);
        CHECK(f->opcode == op::text);
        CHECK(f->payload == "still open");
        auto g = peer.read_frame();
        REQUIRE(g);
        CHECK(g->opcode == op::text);
        CHECK(g->payload == "x");
        CHECK(!g->fin);
        auto h = peer.read_frame();
        REQUIRE(h);
        CHECK(h->opcode == op::continuation);
        CHECK(h->fin);
        peer.send_close(1000);
        CHECK(peer.wait_closed());
    }
    CHECK(stop_and_join(io, server, runner));
}

TEST_CASE("send stream: misuse throws: broken text, a second stream, off the strand, after finish()",
          "[stream][integration]") {
    asio::io_context io;
    wsx::server server{io};
    std::vector<std::string> outcomes;
    std::shared_ptr<wsx::session> kept;
    auto code_of = [&](auto&& f) {
        try {
            f();
            return std::string("ok");
        } catch (const std::system_error& e) {
            return std::string(e.code() == wsx::error::bad_argument   ? "bad_argument"
                               : e.code() == wsx::error::invalid_state ? "invalid_state"
                                                                        : "other");
        }
    };
    server.endpoint("/m").on_open([&](wsx::session& s) {
        kept = s.shared_from_this();
        auto w = s.send_stream();
        outcomes.push_back(code_of([&] { w.write("\xF0\x9F"); }));           // half of U+1F600: fine
        outcomes.push_back(code_of([&] { w.write("\x41"); }));               // breaks it
        outcomes.push_back(code_of([&] { w.write("\x98\x80 ok"); }));        // completes it
        outcomes.push_back(code_of([&] { (void)s.send_binary_stream(); }));  // a second stream
        outcomes.push_back(code_of([&] { w.write("\xE2\x82"); }));           // fine so far ...
        outcomes.push_back(code_of([&] { w.finish(); }));                    // ... but not the end
        outcomes.push_back(code_of([&] { w.write("\xAC"); }));
        outcomes.push_back(code_of([&] { w.finish(); }));
        outcomes.push_back(code_of([&] { w.write("late"); }));
        wsx::message_stream moved = std::move(w);
        outcomes.push_back(code_of([&] { w.write("x"); }));                  // moved from
    });
    server.listen("127.0.0.1", 0);

    wsx::client c{io};
    std::string got;
    c.on_message([&](wsx::session&, const wsx::message& m) { got = std::string(m.text()); });
    c.connect(url_for(server, "/m"));
    REQUIRE(run_until(io, [&] { return !got.empty(); }));
    CHECK(outcomes == std::vector<std::string>{"ok", "bad_argument", "ok", "invalid_state", "ok", "bad_argument",
                                               "ok", "ok", "invalid_state", "invalid_state"});
    CHECK(got == "\xF0\x9F\x98\x80 ok\xE2\x82\xAC");
    // Off the strand (this thread does not run it now): refused.
    CHECK(code_of([&] { (void)kept->send_stream(); }) == "invalid_state");
    kept.reset();
    c.close();
    server.stop();
    CHECK(run_to_completion(io));
}

TEST_CASE("send stream: a client streams from another thread, waiting on futures; the server gets one message",
          "[stream][integration]") {
    asio::io_context io;
    wsx::server server{io};
    std::promise<std::string> received;
    server.endpoint("/e").on_message([&](wsx::session&, const wsx::message& m) {
        received.set_value(std::string(m.binary().begin(), m.binary().end()));
    });
    server.listen("127.0.0.1", 0);

    wsx::client c{io};
    std::promise<wsx::message_stream> opened;
    c.on_open([&](wsx::session& s) { opened.set_value(s.send_binary_stream()); });
    c.connect(url_for(server, "/e"));
    io_threads runner(io);

    wsx::message_stream w = opened.get_future().get();
    std::string expected;
    for (std::size_t i = 0; i < 100; ++i) {
        std::string part = pattern_bytes(1000 + i, static_cast<unsigned>(i));
        expected += part;
        w.write(wsx::byte_view(reinterpret_cast<const std::uint8_t*>(part.data()), part.size()), asio::use_future)
            .get(); // blocks this thread until the fragment is written
    }
    w.finish(asio::use_future).get();
    auto f = received.get_future();
    REQUIRE(f.wait_for(default_limit) == std::future_status::ready);
    CHECK(f.get() == expected);
    asio::post(io, [&] {
        c.close();
        server.stop();
    });
    runner.release();
    CHECK(runner.join_within(default_limit));
}

TEST_CASE("send stream: a producer that does not wait fills the queue: send_queue_full, then 1008",
          "[stream][integration]") {
    asio::io_context io;
    wsx::server server{io};
    wsx::session_options o;
    o.max_send_queue = 64 * 1024;
    std::atomic<int> refused{0}, written{0}, closed_code{0};
    std::vector<std::error_code> errors;
    std::mutex mu;
    server.endpoint("/q")
        .options(o)
        .on_open([&](wsx::session& s) {
            set_send_buffer(s, 4096);
            auto w = s.send_binary_stream();
            const std::string chunk(8192, 'z');
            for (int i = 0; i < 200 && s.is_open(); ++i) {
                w.write(std::string_view(chunk), [&](std::error_code ec) {
                    if (ec == wsx::error::send_queue_full) ++refused;
                    else if (!ec) ++written;
                });
            }
        })
        .on_error([&](wsx::session&, std::error_code ec) {
            std::lock_guard<std::mutex> lock(mu);
            errors.push_back(ec);
        })
        .on_close([&](wsx::session&, const wsx::close_reason& r) { closed_code = r.code; });
    server.listen("127.0.0.1", 0);
    io_threads runner(io);

    raw_peer peer;
    const int small = 4096;
    ::setsockopt(peer.socket().native_handle(), SOL_SOCKET, SO_RCVBUF, &small, sizeof small);
    peer.connect(server.port());
    REQUIRE(peer.handshake("/q", server.port()));
    auto close = peer.read_frame_of(op::close); // reads what was queued, then the close
    REQUIRE(close);
    CHECK(close->close_code() == 1008);
    peer.send_close(1008);
    REQUIRE(eventually([&] { return closed_code != 0; }));
    CHECK(refused == 1);
    {
        std::lock_guard<std::mutex> lock(mu);
        REQUIRE(!errors.empty());
        CHECK(errors[0] == wsx::error::send_queue_full);
    }
    CHECK(stop_and_join(io, server, runner));
}
