// Copyright (c) 2026 wsx developers. Distributed under the Boost Software License, Version 1.0.
// Topics over the in-memory transport: several connections on one server,
// each a wire the test reads, so who received what is exact.

#include "allocation_count.hpp"
#include "loopback.hpp"
#include "memory_transport.hpp"
#include "wsx_catch.hpp"

#include <wsx/detail/read_turn.hpp>
#include <wsx/detail/thread_buffer.hpp>

#include <algorithm>
#include <functional>
#include <memory>
#include <string>
#include <vector>

using namespace wsx_test;

namespace {

// A server with `n` open connections on /room, each over its own wire.
struct room : memory_connections {
    wsx::server_endpoint* ep = nullptr;

    explicit room(std::size_t n, std::size_t max_send_queue = 1 << 20) {
        server.default_options().max_send_queue = max_send_queue;
        ep = &server.endpoint("/room");
        for (std::size_t i = 0; i < n; ++i) REQUIRE(open_websocket("/room"));
    }
    // The text messages connection i received since the last call.
    std::vector<std::string> received(std::size_t i) {
        std::vector<std::string> out;
        for (auto& f : frames_from(i))
            if (f.opcode == op::text) out.push_back(f.payload);
        return out;
    }
};

} // namespace

TEST_CASE("topics: a publish reaches the topic's subscribers and no one else", "[session][topics]") {
    room r(3);
    CHECK(r.sessions[0]->subscribe("lobby"));
    CHECK(r.sessions[1]->subscribe("lobby"));
    CHECK(r.sessions[2]->subscribe("kitchen"));
    CHECK(r.server.subscribers("lobby") == 2);
    CHECK(r.server.subscribers("kitchen") == 1);
    CHECK(r.server.subscribers("attic") == 0);

    CHECK(r.server.publish("lobby", "hello lobby") == 2);
    CHECK(r.received(0) == std::vector<std::string>{"hello lobby"});
    CHECK(r.received(1) == std::vector<std::string>{"hello lobby"});
    CHECK(r.received(2).empty());

    // A session's publish skips the sender, which need not subscribe.
    CHECK(r.sessions[0]->publish("lobby", "from 0") == 1);
    CHECK(r.sessions[2]->publish("lobby", wsx::message::text("from 2")) == 2);
    CHECK(r.received(0) == std::vector<std::string>{"from 2"});
    CHECK(r.received(1) == std::vector<std::string>{"from 0", "from 2"});
    CHECK(r.received(2).empty());
}

TEST_CASE("topics: subscribe, unsubscribe and the session's own list", "[session][topics]") {
    room r(2);
    auto& s = *r.sessions[0];
    CHECK(s.subscribe("a"));
    CHECK_FALSE(s.subscribe("a")); // once
    CHECK(s.subscribe(std::string("b\0c", 3))); // any bytes
    CHECK(s.subscribe(""));
    auto mine = s.topics();
    std::sort(mine.begin(), mine.end());
    CHECK(mine == std::vector<std::string>{"", "a", std::string("b\0c", 3)});
    CHECK(s.is_subscribed("a"));
    CHECK_FALSE(s.is_subscribed("b"));
    CHECK_FALSE(r.sessions[1]->is_subscribed("a"));

    CHECK(s.unsubscribe("a"));
    CHECK_FALSE(s.unsubscribe("a"));
    CHECK_FALSE(s.is_subscribed("a"));
    CHECK(r.server.subscribers("a") == 0);
    CHECK(r.server.publish("a", "nobody") == 0);
    CHECK(r.received(0).empty());
}

TEST_CASE("topics: a closed session has left every topic", "[session][topics]") {
    room r(2);
    r.sessions[0]->subscribe("x");
    r.sessions[0]->subscribe("y");
    r.sessions[1]->subscribe("x");
    r.drop(0); // the peer ends TCP
    REQUIRE(r.sessions[0]->ready_state() == wsx::ready_state::closed);
    CHECK(r.server.subscribers("x") == 1);
    CHECK(r.server.subscribers("y") == 0);
    CHECK(r.sessions[0]->topics().empty());
    CHECK_FALSE(r.sessions[0]->subscribe("x")); // closed: refused
    CHECK(r.server.subscribers("x") == 1);
    CHECK(r.server.publish("x", "still here") == 1);
    CHECK(r.received(1) == std::vector<std::string>{"still here"});
}

TEST_CASE("topics: a published message is framed once and shared by every receiver", "[session][topics]") {
    room r(3);
    for (auto& s : r.sessions) s->subscribe("t");
    const auto pm = wsx::prepared_message::text("shared bytes");
    CHECK(r.server.publish("t", pm) == 3);
    r.run();
    for (auto& w : r.wires) CHECK(std::find(w->sources.begin(), w->sources.end(), pm.data() - 2) != w->sources.end());
}

TEST_CASE("topics: publishing to a topic nobody subscribed to allocates nothing", "[session][topics]") {
    room r(1);
    r.sessions[0]->subscribe("busy");
    const std::string long_name(200, 'n'); // beyond any small-string buffer
    const auto pm = wsx::prepared_message::text("x");
    std::size_t sent = 0;
    allocations::cost c;
    {
        allocations::window w;
        for (int i = 0; i < 100; ++i) {
            sent += r.server.publish(long_name, pm);
            sent += r.server.publish(long_name, "text made only for listeners");
        }
        c = w.now();
    }
    CHECK(sent == 0);
    if (!allocations::counted) {
        WARN("allocations are not counted under a sanitizer; the bound is checked in the plain build");
        return;
    }
    CHECK(c.count == 0);
    // The same publish to a topic with a listener does allocate (the
    // targets, the frame): the counter sees publishes.
    {
        allocations::window w;
        CHECK(r.server.publish("busy", "text made only for listeners") == 1);
        c = w.now();
    }
    CHECK(c.count > 0);
}

TEST_CASE("topics: a handler may unsubscribe and publish again from inside a publish", "[session][topics]") {
    // Connection 0 never reads: its queue is full at once, so the publish's
    // send to it runs on_error inline, and that handler changes the topic.
    room r(3, 64);
    int errors = 0;
    r.ep->on_error([&](wsx::session& s, std::error_code ec) {
        if (ec != wsx::error::send_queue_full) return;
        ++errors;
        s.unsubscribe("t");
        s.publish("t", "0 left");
    });
    for (auto& s : r.sessions) s->subscribe("t");
    r.wires[0]->capacity = 0;
    r.sessions[0]->send(std::string(100, 'f')); // over max_send_queue: what follows is refused
    r.run();
    r.server.publish("t", "first");
    r.run();
    CHECK(errors == 1);
    CHECK(r.server.subscribers("t") == 2);
    auto got1 = r.received(1), got2 = r.received(2);
    CHECK(std::count(got1.begin(), got1.end(), "first") == 1);
    CHECK(std::count(got1.begin(), got1.end(), "0 left") == 1);
    CHECK(got1 == got2);
}

TEST_CASE("topics: a burst that fans out is spread over turns, so one peer cannot hold the thread", "[session][topics]") {
    // Connection 0 publishes every message it gets to 50 subscribers. It
    // sends 400 small messages in one read: 20,000 sends, while its bytes
    // are a tenth of one read. The turn stops after the message whose sends
    // reach read_turn::turn_sends; the rest waits, and work posted
    // meanwhile runs in between.
    constexpr std::size_t subscribers = 50, burst = 400;
    constexpr std::size_t per_turn = (wsx::detail::read_turn::turn_sends + subscribers - 1) / subscribers;
    room r(subscribers + 1, 64 << 20);
    std::size_t published = 0;
    r.ep->on_message([&](wsx::session& s, const wsx::message& m) {
        s.publish("t", m);
        ++published;
    });
    for (std::size_t i = 1; i <= subscribers; ++i) r.sessions[i]->subscribe("t");
    std::string bytes;
    for (std::size_t i = 0; i < burst; ++i) bytes += encode_frame(0x1, "m" + std::to_string(i));
    REQUIRE(bytes.size() < wsx::detail::thread_buffer_size); // one read

    std::vector<std::size_t> seen; // `published` each time other work got the thread
    std::function<void()> probe = [&] {
        seen.push_back(published);
        if (published < burst) asio::post(r.io, probe);
    };
    r.wires[0]->feed(bytes);
    asio::post(r.io, probe);
    r.run();
    REQUIRE(published == burst);
    // Other work ran between turns, and no turn made more than its share
    // (plus the one message that crossed it).
    REQUIRE(seen.size() >= burst / per_turn);
    std::size_t before = 0;
    for (std::size_t at : seen) {
        CHECK(at - before <= per_turn);
        before = at;
    }
    // Every subscriber got all 400, in order; the publisher none.
    for (std::size_t i = 1; i <= subscribers; ++i) {
        auto got = r.received(i);
        REQUIRE(got.size() == burst);
        for (std::size_t k = 0; k < burst; ++k) CHECK(got[k] == "m" + std::to_string(k));
    }
    CHECK(r.received(0).empty());
}

TEST_CASE("topics: a burst spread over turns is read in order, each message whole, and a frame cut by the read ends in the next one", "[session][topics]") {
    // Messages of uneven sizes, so that a turn resuming at the wrong byte
    // would split frames wrongly; the read's last frame is incomplete, and
    // only the next read from the socket, after every turn of the first,
    // completes it.
    constexpr std::size_t subscribers = 50, burst = 400;
    room r(subscribers + 1, 64 << 20);
    std::vector<std::string> got; // what the publisher's on_message saw
    r.ep->on_message([&](wsx::session& s, const wsx::message& m) {
        s.publish("t", m);
        got.emplace_back(m.text());
    });
    for (std::size_t i = 1; i <= subscribers; ++i) r.sessions[i]->subscribe("t");
    std::vector<std::string> sent;
    std::string bytes;
    for (std::size_t i = 0; i <= burst; ++i) {
        sent.push_back("m" + std::to_string(i) + std::string(i * 7 % 41, char('a' + i % 26)));
        bytes += encode_frame(0x1, sent.back());
    }
    const std::string last = encode_frame(0x1, sent.back());
    const std::size_t cut = bytes.size() - last.size() / 2;
    REQUIRE(bytes.size() < wsx::detail::thread_buffer_size); // one read

    std::size_t resumes = 0; // times other work got the thread before the read was fed
    std::function<void()> probe = [&] {
        ++resumes;
        if (got.size() < burst) asio::post(r.io, probe);
    };
    r.wires[0]->feed(std::string_view(bytes).substr(0, cut));
    asio::post(r.io, probe);
    // Bounded, so that turns which never finish (a rest fed again and
    // again) fail the test instead of hanging it.
    r.io.restart();
    std::size_t handlers = 0;
    while (handlers < 20000 && r.io.poll_one() != 0) ++handlers;
    INFO("handlers run: " << handlers);
    REQUIRE(got.size() == burst);
    CHECK(resumes >= 3); // several turns fed the kept rest
    r.wires[0]->feed(std::string_view(bytes).substr(cut));
    r.run();
    CHECK(got == sent);
    for (std::size_t i = 1; i <= subscribers; ++i) CHECK(r.received(i) == sent);
    CHECK(r.sessions[0]->is_open());
}

TEST_CASE("topics: a connection that ends while its burst waits is torn down cleanly", "[session][topics]") {
    constexpr std::size_t subscribers = 20;
    room r(subscribers + 1, 64 << 20);
    std::size_t published = 0;
    r.ep->on_message([&](wsx::session& s, const wsx::message& m) {
        s.publish("t", m);
        ++published;
    });
    int closes = 0;
    r.ep->on_close([&](wsx::session&, const wsx::close_reason&) { ++closes; });
    for (std::size_t i = 1; i <= subscribers; ++i) r.sessions[i]->subscribe("t");
    std::string bytes;
    for (std::size_t i = 0; i < 1000; ++i) bytes += encode_frame(0x1, "x");
    r.wires[0]->feed(bytes);
    // One turn: the first read's handler runs, then the test closes the
    // connection before the rest is fed.
    r.io.restart();
    r.io.run_one();
    REQUIRE(published > 0);
    REQUIRE(published < 1000);
    r.sessions[0]->close(wsx::close_code::going_away);
    r.run();
    const std::size_t at_close = published;
    r.wires[0]->feed(encode_frame(0x8, close_payload(1001)));
    r.run();
    CHECK(published == at_close); // RFC 6455 1.4: nothing after our close frame reaches on_message
    CHECK(closes == 1);
    CHECK(r.sessions[0]->ready_state() == wsx::ready_state::closed);
}

TEST_CASE("topics: a subscriber that does not read holds what its queue limit says, even of empty messages", "[session][topics]") {
    // An empty message is a 2-byte frame, queued as a reference to the
    // shared frame: 42 bytes held. The limit counts what is held.
    constexpr std::size_t limit = 4200;
    constexpr std::size_t held_each = 2 + wsx::detail::send_queue::shared_entry_cost;
    room r(1, limit);
    int refused = 0;
    r.ep->on_error([&](wsx::session&, std::error_code ec) { refused += ec == wsx::error::send_queue_full; });
    r.sessions[0]->subscribe("t");
    r.wires[0]->capacity = 0; // the peer reads nothing
    for (int i = 0; i < 1000; ++i) r.server.publish("t", "");
    r.run();
    CHECK(refused == 1);
    const std::size_t queued = r.sessions[0]->buffered_amount() / 2;
    CHECK(queued >= limit / held_each);
    CHECK(queued <= limit / held_each + 1);
    r.wires[0]->capacity = SIZE_MAX;
    CHECK(r.wires[0]->take().empty()); // nothing went out; this wakes the parked write
    CHECK(r.received(0).size() == queued);
}

TEST_CASE("topics: programmer errors are system_errors", "[session][topics]") {
    room r(1);
    const std::string too_long(wsx::max_topic_size + 1, 't');
    CHECK_THROWS_AS(r.sessions[0]->subscribe(too_long), std::system_error);
    CHECK_THROWS_AS(r.server.publish(too_long, "x"), std::system_error);
    CHECK(r.sessions[0]->subscribe(std::string(wsx::max_topic_size, 't')));
    try {
        r.sessions[0]->subscribe(too_long);
    } catch (const std::system_error& e) {
        CHECK(e.code() == wsx::error::bad_argument);
        CHECK(std::string(e.what()).find("topic") != std::string::npos);
    }
}
