// Copyright (c) 2026 wsx developers. Distributed under the Boost Software License, Version 1.0.
// The four lifecycle handlers (on_open, on_message, on_close, on_error): in
// which order they run, that on_close runs exactly once for every opened
// connection however it ends, the class form (one object per connection),
// the text-only on_message form and handlers that throw.

#include "wsx_catch.hpp"
#include "loopback.hpp"

#include <wsx/wsx.hpp>

#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

using namespace wsx_test;

namespace {

// One side's handler calls, in order, as words: "open", "message:<text>",
// "error:<ec value>", "close:<code>".
struct recorder {
    std::vector<std::string> events;
    std::vector<std::error_code> errors;
    std::vector<wsx::close_reason> closes;

    template <class H> void attach(H& h) {
        h.on_open([this](wsx::session&) { events.push_back("open"); })
            .on_message([this](wsx::session&, const wsx::message& m) {
                events.push_back("message:" + std::string(m.is_binary() ? "bin:" : "") + std::string(m.text()));
            })
            .on_error([this](wsx::session&, std::error_code ec) {
                errors.push_back(ec);
                events.push_back("error");
            })
            .on_close([this](wsx::session&, const wsx::close_reason& r) {
                closes.push_back(r);
                events.push_back("close:" + std::to_string(r.code));
            });
    }
};

} // namespace

TEST_CASE("handlers: open, messages, close run in order on both sides", "[handlers]") {
    asio::io_context io;
    wsx::server server{io};
    recorder srv;
    auto& ep = server.endpoint("/h");
    srv.attach(ep);
    // Answer each message, and close after the second one.
    ep.on_message([&](wsx::session& s, const wsx::message& m) {
        srv.events.push_back("message:" + std::string(m.text()));
        s.send("re:" + std::string(m.text()));
        if (m.text() == "two") s.close(4000, "enough");
    });
    server.listen("127.0.0.1", 0);

    wsx::client c{io};
    recorder cli;
    cli.attach(c);
    c.on_open([&](wsx::session& s) {
        cli.events.push_back("open");
        CHECK(s.ready_state() == wsx::ready_state::open);
        s.send("one");
        s.send("two");
    });
    c.connect(url_for(server, "/h"));
    REQUIRE(run_until(io, [&] { return !cli.closes.empty() && !srv.closes.empty(); }));

    CHECK(srv.events == std::vector<std::string>{"open", "message:one", "message:two", "close:4000"});
    CHECK(cli.events == std::vector<std::string>{"open", "message:re:one", "message:re:two", "close:4000"});
    CHECK(cli.closes[0].reason == "enough");
    CHECK(c.ready_state() == wsx::ready_state::closed);
    server.stop();
    CHECK(run_to_completion(io));
}

TEST_CASE("handlers: on_error comes before on_close, and only once", "[handlers]") {
    asio::io_context io;
    wsx::server server{io};
    recorder srv;
    auto& ep = server.endpoint("/text");
    srv.attach(ep);
    // The text-only form: a binary message is refused with 1003.
    ep.on_message([&](wsx::session&, std::string_view text) { srv.events.push_back("message:" + std::string(text)); });
    server.listen("127.0.0.1", 0);

    wsx::client c{io};
    recorder cli;
    cli.attach(c);
    c.on_open([&](wsx::session& s) {
        cli.events.push_back("open");
        s.send("fine");
        s.send_binary(std::string_view("\x01\x02\x03", 3));
        s.send("never seen"); // after the binary one: the server has failed by then
    });
    c.connect(url_for(server, "/text"));
    REQUIRE(run_until(io, [&] { return !cli.closes.empty() && !srv.closes.empty(); }));

    CHECK(srv.events == std::vector<std::string>{"open", "message:fine", "error", "close:1003"});
    REQUIRE(srv.errors.size() == 1);
    CHECK(srv.errors[0] == wsx::error::unsupported_data);
    // The client did nothing wrong: it only hears the close.
    CHECK(cli.events == std::vector<std::string>{"open", "close:1003"});
}

TEST_CASE("handlers: a binary message to a class with a text-only on_message closes with 1003", "[handlers]") {
    struct text_only {
        void on_message(wsx::session& s, std::string_view t) { s.send(std::string(t)); }
    };
    asio::io_context io;
    wsx::server server{io};
    server.endpoint<text_only>("/t");
    server.listen("127.0.0.1", 0);

    wsx::client c{io};
    recorder cli;
    cli.attach(c);
    c.on_open([&](wsx::session& s) {
        s.send("hi");
        s.send_binary(std::string_view("x"));
    });
    c.connect(url_for(server, "/t"));
    REQUIRE(run_until(io, [&] { return !cli.closes.empty(); }));
    CHECK(cli.events == std::vector<std::string>{"message:hi", "close:1003"});
}

TEST_CASE("handlers: a handler that throws closes the connection with 1011", "[handlers]") {
    asio::io_context io;
    wsx::server server{io};
    recorder srv;
    auto& on_msg = server.endpoint("/throw-message");
    srv.attach(on_msg);
    on_msg.on_message([&](wsx::session&, const wsx::message&) -> void { throw std::runtime_error("boom"); });
    auto& on_open = server.endpoint("/throw-open");
    on_open.on_open([](wsx::session&) { throw 42; }); // not even a std::exception
    server.listen("127.0.0.1", 0);

    SECTION("on_message") {
        wsx::client c{io};
        recorder cli;
        cli.attach(c);
        c.on_open([](wsx::session& s) { s.send("go"); });
        c.connect(url_for(server, "/throw-message"));
        REQUIRE(run_until(io, [&] { return !cli.closes.empty() && !srv.closes.empty(); }));
        CHECK(cli.closes[0].code == 1011);
        REQUIRE(srv.errors.size() == 1);
        CHECK(srv.errors[0] == wsx::error::handler_exception);
        CHECK(srv.closes[0].code == 1011);
    }
    SECTION("on_open") {
        wsx::client c{io};
        recorder cli;
        cli.attach(c);
        c.connect(url_for(server, "/throw-open"));
        REQUIRE(run_until(io, [&] { return !cli.closes.empty(); }));
        CHECK(cli.events == std::vector<std::string>{"open", "close:1011"});
    }
    SECTION("a client handler that throws closes the client's connection the same way") {
        wsx::client c{io};
        recorder cli;
        cli.attach(c);
        c.on_open([](wsx::session&) { throw std::logic_error("client boom"); });
        c.connect(url_for(server, "/throw-message"));
        REQUIRE(run_until(io, [&] { return !cli.closes.empty() && !srv.closes.empty(); }));
        REQUIRE(cli.errors.size() == 1);
        CHECK(cli.errors[0] == wsx::error::handler_exception);
        CHECK(cli.closes[0].code == 1011);
        // The server sees the client's close frame with 1011.
        CHECK(srv.closes[0].code == 1011);
    }
    server.stop();
    CHECK(run_to_completion(io));
}

namespace {

// The class form: per-connection state in members, no on_close/on_error.
struct counter_endpoint {
    std::string name;
    int count = 0;
    void on_open(wsx::session& s) { name = s.query("name"); }
    void on_message(wsx::session& s, const wsx::message& m) {
        ++count;
        s.send(name + ":" + std::to_string(count) + ":" + std::string(m.text()));
    }
};

std::atomic<int> closes_seen{0};
std::atomic<int> instances_alive{0};

// The class form with every member, and the short on_close/on_error forms.
struct full_endpoint {
    full_endpoint() { ++instances_alive; }
    ~full_endpoint() { --instances_alive; }
    full_endpoint(const full_endpoint&) = delete;
    full_endpoint& operator=(const full_endpoint&) = delete;
    bool opened = false;
    void on_open(wsx::session&) { opened = true; }
    void on_message(wsx::session& s, std::string_view) { s.close(1000); }
    void on_close(wsx::session&) {
        if (opened) ++closes_seen;
    }
    void on_error(wsx::session&) {}
};

// A client class with no on_open: its on_error/on_close run although the
// connection never opened.
struct failing_client {
    static inline int errors = 0;
    static inline int closes = 0;
    static inline int last_code = 0;
    static inline int calls_seen_by_close = 0;
    int calls = 0; // per-object state: touching it needs a real object
    void on_error(wsx::session&, std::error_code) {
        ++calls;
        ++errors;
    }
    void on_close(wsx::session&, const wsx::close_reason& r) {
        ++calls;
        calls_seen_by_close = calls;
        last_code = r.code;
        ++closes;
    }
};

} // namespace

TEST_CASE("handlers: the class form makes one object per connection", "[handlers][class]") {
    asio::io_context io;
    wsx::server server{io};
    server.endpoint<counter_endpoint>("/count");
    server.listen("127.0.0.1", 0);

    struct client_side {
        wsx::client c;
        std::vector<std::string> got;
        bool open = false;
        explicit client_side(asio::io_context& io) : c(io) {
            c.on_open([this](wsx::session&) { open = true; })
                .on_message([this](wsx::session&, const wsx::message& m) { got.emplace_back(m.text()); });
        }
    };
    client_side ann(io), bob(io);
    ann.c.connect(url_for(server, "/count?name=ann"));
    bob.c.connect(url_for(server, "/count?name=bob"));
    REQUIRE(run_until(io, [&] { return ann.open && bob.open; }));
    // Interleaved: each connection's counter moves only with its own messages.
    ann.c.send("a");
    bob.c.send("b");
    ann.c.send("c");
    ann.c.send("d");
    bob.c.send("e");
    REQUIRE(run_until(io, [&] { return ann.got.size() == 3 && bob.got.size() == 2; }));
    CHECK(ann.got == std::vector<std::string>{"ann:1:a", "ann:2:c", "ann:3:d"});
    CHECK(bob.got == std::vector<std::string>{"bob:1:b", "bob:2:e"});
    server.stop();
    CHECK(run_to_completion(io));
}

TEST_CASE("handlers: the class form's objects live exactly as long as their connections", "[handlers][class]") {
    closes_seen = 0;
    asio::io_context io;
    wsx::server server{io};
    server.endpoint<full_endpoint>("/full");
    server.listen("127.0.0.1", 0);
    constexpr int n = 5;
    std::vector<std::unique_ptr<wsx::client>> clients;
    int client_closes = 0;
    for (int i = 0; i < n; ++i) {
        auto c = std::make_unique<wsx::client>(io);
        c->on_open([](wsx::session& s) { s.send("close me"); })
            .on_close([&](wsx::session&, const wsx::close_reason& r) {
                CHECK(r.code == 1000);
                ++client_closes;
            });
        c->connect(url_for(server, "/full"));
        clients.push_back(std::move(c));
    }
    REQUIRE(run_until(io, [&] { return client_closes == n && closes_seen == n; }));
    // The server side has let go of every per-connection object.
    REQUIRE(run_until(io, [&] { return instances_alive == 0; }));
}

TEST_CASE("handlers: the class form on a client, also when the connect fails", "[handlers][class]") {
    // A client class whose on_error/on_close run although on_open never did
    // (nothing listens): the per-connection object must exist by then.
    asio::io_context io;
    wsx::client c{io};
    c.bind_class<failing_client>();
    c.connect(ws_url(unused_port(), "/"));
    REQUIRE(run_until(io, [&] { return failing_client::closes == 1; }));
    CHECK(failing_client::errors == 1);
    CHECK(failing_client::last_code == 1006);
    // on_error and on_close ran on the same per-connection object.
    CHECK(failing_client::calls_seen_by_close == 2);
    CHECK(run_to_completion(io));
}

TEST_CASE("handlers: on_close runs exactly once for every opened session, however it ends", "[handlers][lifecycle]") {
    asio::io_context io;
    wsx::server server{io};

    std::mutex mu;
    std::map<std::uint64_t, int> opens, closes; // by session id
    std::map<std::uint64_t, int> close_codes;
    server.endpoint("/life")
        .on_open([&](wsx::session& s) {
            std::lock_guard<std::mutex> lock(mu);
            ++opens[s.id()];
        })
        .on_message([](wsx::session& s, const wsx::message& m) {
            if (m.text() == "close me") s.close(4001, "as asked");
            if (m.text() == "throw") throw std::runtime_error("x");
        })
        .on_close([&](wsx::session& s, const wsx::close_reason& r) {
            std::lock_guard<std::mutex> lock(mu);
            ++closes[s.id()];
            close_codes[s.id()] = r.code;
        });
    server.listen("127.0.0.1", 0);
    const auto port = server.port();
    io_threads runner(io, 2);

    auto opened = [&] {
        std::lock_guard<std::mutex> lock(mu);
        return opens.size();
    };
    auto closed = [&] {
        std::lock_guard<std::mutex> lock(mu);
        return closes.size();
    };

    // wsx clients on the same io_context: two close, two are closed by the
    // server, one makes the server's handler throw, two stay for stop().
    event_log log;
    std::vector<std::unique_ptr<wsx::client>> clients;
    const std::vector<std::string> plans = {"client-close", "client-close", "close me", "close me", "throw", "stay", "stay"};
    for (auto& plan : plans) {
        auto c = std::make_unique<wsx::client>(io);
        c->on_open([plan, &log](wsx::session& s) {
             log.add("open");
             if (plan == "client-close")
                 s.close(1000, "bye");
             else if (plan != "stay")
                 s.send(plan);
         })
            .on_close([&log](wsx::session&, const wsx::close_reason& r) { log.add("client-close:" + std::to_string(r.code)); });
        c->connect(ws_url(port, "/life"));
        clients.push_back(std::move(c));
    }
    REQUIRE(log.wait_for("open", default_limit, plans.size()));

    // Raw peers that vanish without a close frame: a reset, a FIN, and one
    // that sends an unmasked frame (a protocol error, 1002).
    {
        raw_peer dropped, finned, bad;
        dropped.connect(port);
        finned.connect(port);
        bad.connect(port);
        REQUIRE(dropped.handshake("/life", port));
        REQUIRE(finned.handshake("/life", port));
        REQUIRE(bad.handshake("/life", port));
        REQUIRE(eventually([&] { return opened() == plans.size() + 3; }));
        dropped.reset();
        finned.close();
        bad.write(encode_frame(op::text, "unmasked", false));
        auto f = bad.read_frame_of(op::close);
        REQUIRE(f);
        CHECK(f->close_code() == 1002);
        CHECK(bad.wait_closed());
    }
    // Everything but the two "stay" clients ends on its own.
    REQUIRE(eventually([&] { return closed() == plans.size() + 3 - 2; }));
    server.stop();
    REQUIRE(log.wait_for("client-close:1001", default_limit, 2));
    REQUIRE(eventually([&] { return closed() == plans.size() + 3; }));

    std::lock_guard<std::mutex> lock(mu);
    CHECK(opens.size() == plans.size() + 3);
    for (auto& kv : opens) {
        INFO("session " << kv.first);
        CHECK(kv.second == 1);
        CHECK(closes[kv.first] == 1);
    }
    CHECK(closes.size() == opens.size());
    std::map<int, int> by_code;
    for (auto& kv : close_codes) ++by_code[kv.second];
    CHECK(by_code[1000] == 2); // the clients' close
    CHECK(by_code[4001] == 2); // the server's close, echoed
    CHECK(by_code[1011] == 1); // the handler threw
    CHECK(by_code[1006] == 2); // reset and FIN without a close frame
    CHECK(by_code[1002] == 1); // the unmasked frame
    CHECK(by_code[1001] == 2); // stop()
    CHECK(log.count("client-close:1000") == 2);
    CHECK(log.count("client-close:4001") == 2);
    CHECK(log.count("client-close:1011") == 1);
    runner.release();
    CHECK(runner.join_within(default_limit));
}
