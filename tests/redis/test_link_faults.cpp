// Copyright (c) 2026 wsx developers. Distributed under the Boost Software License, Version 1.0.
// A peer that is not the Redis the backplane expects (docs/scaling.md):
// bytes that are not RESP, replies of the wrong shape, a connection closed
// in the middle of a reply, a Redis that stops answering without closing.
// Each must end in reconnecting with a reason, never in a crash (hiredis
// 0.14's own dispatch asserts on several of them); local delivery goes on,
// and once a real Redis takes the port the node is back by itself.
//
// And the subscribing connection's PING: a Redis stopped with SIGSTOP is
// noticed by it alone (presence rewrites made too rare to notice it), its
// answer is never taken for a message, and a connection that is not being
// read (inbox full) does not time its PING out.

#include "wsx_catch.hpp"
#include "fake_redis.hpp"
#include "redis_fixture.hpp"

#include <wsx/detail/redis_envelope.hpp>
#include <wsx/detail/redis_link.hpp>

#include <chrono>
#include <stdexcept>
#include <memory>
#include <optional>
#include <string>
#include <vector>

using namespace wsx_test;

namespace {

// "state" or "state:reason", as the state callback saw them.
void watch_reasons(test_node& n, event_log& log) {
    n.redis.on_state([&log](wsx::redis_state s, std::error_code ec) {
        log.add(std::string(wsx::to_string(s)) + (ec ? ":" + ec.message() : ""));
    });
}
// Whether the node has been anything but connected since watch_reasons().
bool ever_lost(const event_log& log) {
    for (auto& e : log.events())
        if (e != "connected") return true;
    return false;
}
std::string reconnecting(wsx::redis_error e) {
    return std::string("reconnecting:") + wsx::make_error_code(e).message();
}

// How many PINGs Redis has answered, every client's (INFO commandstats).
class ping_counter {
public:
    explicit ping_counter(std::uint16_t port) {
        timeval tv{5, 0};
        c_ = redisConnectWithTimeout("127.0.0.1", port, tv);
        if (!c_ || c_->err) throw std::runtime_error("ping_counter: cannot connect");
        redisSetTimeout(c_, tv);
    }
    ~ping_counter() { redisFree(c_); }
    ping_counter(const ping_counter&) = delete;
    ping_counter& operator=(const ping_counter&) = delete;
    long long calls() {
        auto* r = static_cast<redisReply*>(redisCommand(c_, "INFO commandstats"));
        long long n = -1;
        if (r && r->type == REDIS_REPLY_STRING) {
            const std::string info(r->str, r->len);
            const auto at = info.find("cmdstat_ping:calls=");
            n = at == std::string::npos ? 0 : std::stoll(info.substr(at + 19));
        }
        if (r) freeReplyObject(r);
        return n;
    }

private:
    redisContext* c_ = nullptr;
};

void quick(wsx::redis_options& o) {
    o.ping_interval = std::chrono::milliseconds(50);
    o.command_timeout = std::chrono::seconds(5);
}

const std::string confirm_room = "*3\r\n" + resp_bulk("subscribe") + resp_bulk("wsx:room") + ":1\r\n";

struct fault {
    const char* what;
    const char* on;          // the command that gets the bad answer
    std::string answer;      // what it gets instead of Redis's answer
    bool close;              // and the connection closed after it
    wsx::redis_error reason; // the state callback's reason
    std::uint64_t lost = 0;  // publications counted as lost by then
};

// Everything a fault must not break: the node says why it is reconnecting,
// its own clients still get its publications, it keeps trying, and when a
// real Redis takes the port it is back, subscribed, and hears other nodes.
void run_fault(const fault& f) {
    INFO(f.what);
    const std::uint16_t port = unused_port();
    fake_redis fake(port, [&f](fake_redis::peer&, const std::vector<std::string>& cmd,
                               bool& close) -> std::optional<std::string> {
        if (cmd[0] != f.on) return std::nullopt;
        close = f.close;
        return f.answer;
    });
    event_log reasons;
    test_node a(port, "node-a", 1024 * 1024, quick);
    watch_reasons(a, reasons);
    REQUIRE(a.connected());
    auto ca = a.join("room", 1);
    const bool on_publish = std::string(f.on) == "PUBLISH";
    if (on_publish) {
        CHECK(a.server.publish("room", "sent") == 1);
        CHECK(next_text(*ca) == "sent");
    }
    REQUIRE(reasons.wait_for(reconnecting(f.reason)));
    // Messages of the wrong shape are the connection's fault, not a foreign
    // publisher's: they fail it rather than count as dropped.
    CHECK(a.redis.dropped() == 0);
    // Settled either way: confirmed (a reply came before the fault), or lost.
    CHECK(eventually([&] { return a.redis.pending_bytes() == 0; }));
    CHECK(a.redis.lost() == f.lost);
    CHECK(a.server.publish("room", "local") == 1);
    CHECK(next_text(*ca) == "local");
    // It tries again (both connections each time), however often the peer misbehaves.
    CHECK(eventually([&] { return fake.connections() >= 6 || (on_publish && fake.connections() >= 4); }));

    fake.stop();
    redis_process redis(port);
    REQUIRE(numsub_becomes(port, "wsx:room", 1));
    REQUIRE(a.connected());
    test_node b(port, "node-b");
    REQUIRE(b.connected());
    auto cb = b.join("room", 1);
    REQUIRE(numsub_becomes(port, "wsx:room", 2));
    b.server.publish("room", "from b");
    CHECK(next_text(*ca) == "from b");
    CHECK(next_text(*cb) == "from b");
    a.server.publish("room", "from a");
    CHECK(next_text(*cb) == "from a");
    CHECK(next_text(*ca) == "from a");
}

} // namespace

TEST_CASE("redis: bytes that are not RESP fail the connection", "[redis]") {
    run_fault({"not RESP for SUBSCRIBE", "SUBSCRIBE", "!this is not RESP\r\n", false, wsx::redis_error::command_failed});
    run_fault({"a bulk length that is not a number", "PUBLISH", "$x1\r\nabc\r\n", false,
               wsx::redis_error::command_failed, 1});
}

TEST_CASE("redis: a connection closed in the middle of a reply", "[redis]") {
    run_fault({"half a subscribe confirmation", "SUBSCRIBE", "*3\r\n$9\r\nsubscribe\r\n$8\r\nwsx:ro", true,
               wsx::redis_error::connection_lost});
    run_fault({"half a bulk string for PUBLISH", "PUBLISH", "$100\r\nabc", true, wsx::redis_error::connection_lost, 1});
    run_fault({"half a pushed message", "SUBSCRIBE", confirm_room + "*3\r\n$7\r\nmessage\r\n$8\r\nwsx:room\r\n$50\r\nab",
               true, wsx::redis_error::connection_lost});
}

TEST_CASE("redis: replies of the wrong type fail the connection", "[redis]") {
    const wsx::redis_error failed = wsx::redis_error::command_failed;
    const std::vector<fault> faults = {
        {"an integer for a subscribe confirmation", "SUBSCRIBE", ":1\r\n", false, failed},
        {"an error for SUBSCRIBE", "SUBSCRIBE", "-NOPERM no\r\n", false, failed},
        {"the confirmation of another channel", "SUBSCRIBE",
         "*3\r\n" + resp_bulk("subscribe") + resp_bulk("wsx:other") + ":1\r\n", false, failed},
        {"a message of two elements", "SUBSCRIBE", confirm_room + "*2\r\n$7\r\nmessage\r\n$8\r\nwsx:room\r\n", false,
         failed},
        {"a message of one element", "SUBSCRIBE", confirm_room + "*1\r\n$7\r\nmessage\r\n", false, failed},
        {"a message whose payload is an integer", "SUBSCRIBE",
         confirm_room + "*3\r\n$7\r\nmessage\r\n$8\r\nwsx:room\r\n:5\r\n", false, failed},
        {"a pushed array led by an integer", "SUBSCRIBE", confirm_room + "*3\r\n:1\r\n:2\r\n:3\r\n", false, failed},
        {"an empty array pushed", "SUBSCRIBE", confirm_room + "*0\r\n", false, failed},
        {"a bulk string for PUBLISH", "PUBLISH", "$2\r\nok\r\n", false, failed, 1},
        // The first confirms it; the second answers nothing.
        {"two replies for one PUBLISH", "PUBLISH", ":1\r\n:1\r\n", false, failed, 0},
        {"an answer to PING that is not PONG", "PING", "+OK\r\n", false, failed},
        // Past max_payload and its slack: not buffered on, whatever the
        // announced length (that would take until the PING's timeout).
        {"a pushed message longer than any publication", "SUBSCRIBE",
         confirm_room + "*3\r\n$7\r\nmessage\r\n$8\r\nwsx:room\r\n$1000000000\r\n" + std::string(2 << 20, 'x'),
         false, failed},
    };
    for (const auto& f : faults) run_fault(f);
}

TEST_CASE("redis: a well-formed message that is not an envelope is dropped, not a fault", "[redis]") {
    const std::uint16_t port = unused_port();
    const std::string envelope = wsx::detail::encode_envelope("node-x", wsx::protocol::opcode::text, "good", 4);
    fake_redis fake(port, [&](fake_redis::peer& p, const std::vector<std::string>& cmd,
                              bool&) -> std::optional<std::string> {
        if (cmd[0] != "SUBSCRIBE") return std::nullopt;
        const std::string push = "*3\r\n$7\r\nmessage\r\n$8\r\nwsx:room\r\n";
        // Not an envelope, then a channel outside the prefix, then a good one.
        return fake_redis::redis_answer(p, cmd) + push + resp_bulk("not an envelope") +
               "*3\r\n$7\r\nmessage\r\n$4\r\nroom\r\n" + resp_bulk(envelope) + push + resp_bulk(envelope);
    });
    event_log reasons;
    test_node a(port, "node-a", 1024 * 1024, quick);
    watch_reasons(a, reasons);
    REQUIRE(a.connected());
    auto ca = a.join("room", 1);
    CHECK(next_text(*ca) == "good");
    CHECK(eventually([&] { return a.redis.dropped() == 2; }));
    // The PINGs go on being answered, in subscribe mode's shape, and none is
    // taken for a message or a fault.
    const std::size_t pings = fake.seen("PING");
    CHECK(eventually([&] { return fake.seen("PING") >= pings + 5; }));
    CHECK(a.redis.state() == wsx::redis_state::connected);
    CHECK(a.redis.dropped() == 2);
    CHECK_FALSE(ever_lost(reasons));
    CHECK(fake.connections() == 2);
}

TEST_CASE("redis: a Redis stopped without closing is noticed by the subscribing connection's PING", "[redis]") {
    for (const bool subscribed : {true, false}) {
        INFO((subscribed ? "subscribed (PONG as an array)" : "no topic (PONG as a status)"));
        redis_process redis;
        event_log reasons;
        test_node a(redis.port(), "node-a", 1024 * 1024, [](wsx::redis_options& o) {
            o.command_timeout = std::chrono::milliseconds(300);
            o.ping_interval = std::chrono::milliseconds(100);
            // No presence rewrite while the test runs: only the PING can tell.
            o.presence_interval = std::chrono::minutes(10);
            o.presence_ttl = std::chrono::minutes(30);
        });
        watch_reasons(a, reasons);
        REQUIRE(a.connected());
        std::unique_ptr<wsx::sync_client> ca;
        if (subscribed) {
            ca = a.join("room", 1);
            REQUIRE(numsub_becomes(redis.port(), "wsx:room", 1));
        }
        // Several PINGs answered first: an answered one does not fail anything.
        {
            ping_counter pings(redis.port());
            const long long before = pings.calls();
            REQUIRE(eventually([&] { return pings.calls() >= before + 5; }));
        }
        CHECK(a.redis.state() == wsx::redis_state::connected);
        CHECK_FALSE(ever_lost(reasons));

        redis.pause();
        CHECK(reasons.wait_for(reconnecting(wsx::redis_error::command_timeout)));
        redis.resume();
        REQUIRE(a.connected());
        if (subscribed) CHECK(numsub_becomes(redis.port(), "wsx:room", 1));
    }
}

TEST_CASE("redis: a link that is not being read does not time its PING out", "[redis]") {
    redis_process redis;
    asio::io_context io;
    auto strand = asio::make_strand(io);
    auto link = std::make_shared<wsx::detail::redis_link>(strand, std::chrono::milliseconds(200), 1 << 20);
    bool up = false, down = false;
    std::error_code down_ec;
    link->connect("127.0.0.1", redis.port(), std::chrono::seconds(5), [&](std::error_code ec) { up = !ec; },
                  [&](std::error_code ec) {
                      down = true;
                      down_ec = ec;
                  });
    REQUIRE(run_until(io, [&] { return up; }));
    REQUIRE(link->subscription("SUBSCRIBE", "wsx:p"));
    link->keepalive(std::chrono::milliseconds(20));
    ping_counter pings(redis.port());
    const long long first = pings.calls();
    REQUIRE(run_until(io, [&] { return pings.calls() >= first + 3; }));

    // Paused, with Redis stopped too: a PING sent now cannot be answered, and
    // the time spent not reading is the reader's, not Redis's.
    link->pause_reading(true);
    redis.pause();
    const auto until = steady::now() + std::chrono::milliseconds(1500); // several command timeouts
    (void)run_until(io, [&] { return down || steady::now() >= until; }, ms(3000));
    CHECK_FALSE(down);

    redis.resume();
    link->pause_reading(false);
    const long long before = pings.calls();
    CHECK(run_until(io, [&] { return down || pings.calls() >= before + 3; }));
    CHECK_FALSE(down);

    // The same stall, read: the PING is what notices it.
    redis.pause();
    CHECK(run_until(io, [&] { return down; }));
    CHECK(down_ec == wsx::redis_error::command_timeout);
    redis.resume();
    link->close();
}
