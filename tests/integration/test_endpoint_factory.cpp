// Copyright (c) 2026 wsx developers. Distributed under the Boost Software License, Version 1.0.
// Class endpoints made by a factory (server.endpoint<T>(pattern, factory)):
// shared state reaches every per-connection object through the factory,
// one object is made per connection, by value or as std::unique_ptr<T>.
// And on_message taking std::string by value, in both forms.

#include "wsx_catch.hpp"
#include "loopback.hpp"

#include <wsx/wsx.hpp>

#include <memory>
#include <mutex>
#include <set>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

using namespace wsx_test;

namespace {

// What the endpoint objects share: who is connected. A servlet would get it
// from its container (a configurator, or injection); here the factory passes it.
struct registry {
    std::set<std::string> names;
    std::vector<std::string> log;
    int made = 0;
};

// Not default-constructible: it cannot exist without its registry.
class named_endpoint {
public:
    named_endpoint(registry& r, int number) : registry_(r), number_(number) {}

    void on_open(wsx::session& s) {
        name_ = std::string(s.query("name"));
        registry_.names.insert(name_);
        registry_.log.push_back("open " + name_ + " #" + std::to_string(number_));
    }
    // By value: the handler owns the text.
    void on_message(wsx::session& s, std::string text) {
        ++count_;
        text += "!";
        s.send(name_ + ":" + std::to_string(count_) + ":" + std::to_string(registry_.names.size()) + ":" +
               std::move(text));
    }
    void on_close(wsx::session&, const wsx::close_reason&) {
        registry_.names.erase(name_);
        registry_.log.push_back("close " + name_ + " #" + std::to_string(number_));
    }

private:
    registry& registry_;
    int number_;
    std::string name_;
    int count_ = 0;
};

// Neither copyable nor movable: made through std::unique_ptr.
struct pinned_endpoint {
    explicit pinned_endpoint(std::string greeting) : greeting_(std::move(greeting)) {}
    pinned_endpoint(const pinned_endpoint&) = delete;
    pinned_endpoint& operator=(const pinned_endpoint&) = delete;

    void on_open(wsx::session& s) {
        std::lock_guard<std::mutex> lock(mu_);
        s.send(greeting_);
    }

    std::mutex mu_;
    std::string greeting_;
};

struct client_side {
    wsx::client c;
    std::vector<std::string> got;
    bool open = false;
    int closes = 0;
    wsx::close_reason last;
    explicit client_side(asio::io_context& io) : c(io) {
        c.on_open([this](wsx::session&) { open = true; })
            .on_message([this](wsx::session&, const wsx::message& m) { got.emplace_back(m.text()); })
            .on_close([this](wsx::session&, const wsx::close_reason& r) {
                ++closes;
                last = r;
            });
    }
};

} // namespace

TEST_CASE("endpoint factory: shared state passed in, one object per connection", "[handlers][class][factory]") {
    asio::io_context io;
    wsx::server server{io};
    registry shared;
    server.endpoint<named_endpoint>("/room", [&shared] { return named_endpoint{shared, ++shared.made}; });
    server.listen("127.0.0.1", 0);

    client_side ann(io), bob(io);
    ann.c.connect(url_for(server, "/room?name=ann"));
    REQUIRE(run_until(io, [&] { return ann.open; }));
    bob.c.connect(url_for(server, "/room?name=bob"));
    REQUIRE(run_until(io, [&] { return bob.open; }));
    CHECK(shared.made == 2);
    CHECK(shared.names == std::set<std::string>{"ann", "bob"});

    // Each object counts its own connection's messages; both see the one registry.
    ann.c.send("a");
    REQUIRE(run_until(io, [&] { return ann.got.size() == 1; }));
    bob.c.send("b");
    REQUIRE(run_until(io, [&] { return bob.got.size() == 1; }));
    ann.c.send("c");
    REQUIRE(run_until(io, [&] { return ann.got.size() == 2; }));
    CHECK(ann.got == std::vector<std::string>{"ann:1:2:a!", "ann:2:2:c!"});
    CHECK(bob.got == std::vector<std::string>{"bob:1:2:b!"});

    ann.c.close();
    REQUIRE(run_until(io, [&] { return ann.closes == 1 && shared.names.size() == 1; }));
    bob.c.send("d");
    REQUIRE(run_until(io, [&] { return bob.got.size() == 2; }));
    // Ann's object left the registry when her connection closed; Bob's count goes on.
    CHECK(bob.got[1] == "bob:2:1:d!");
    CHECK(shared.log == std::vector<std::string>{"open ann #1", "open bob #2", "close ann #1"});
    server.stop();
    CHECK(run_to_completion(io));
    CHECK(shared.made == 2);
    CHECK(shared.names.empty());
}

TEST_CASE("endpoint factory: a std::unique_ptr factory makes objects that cannot move", "[handlers][class][factory]") {
    asio::io_context io;
    wsx::server server{io};
    int made = 0;
    server.endpoint<pinned_endpoint>("/pinned", [&made] {
        ++made;
        return std::make_unique<pinned_endpoint>("hello #" + std::to_string(made));
    });
    server.listen("127.0.0.1", 0);

    client_side one(io), two(io);
    one.c.connect(url_for(server, "/pinned"));
    REQUIRE(run_until(io, [&] { return one.got.size() == 1; }));
    two.c.connect(url_for(server, "/pinned"));
    REQUIRE(run_until(io, [&] { return two.got.size() == 1; }));
    CHECK(one.got[0] == "hello #1");
    CHECK(two.got[0] == "hello #2");
    CHECK(made == 2);
    server.stop();
    CHECK(run_to_completion(io));
}

TEST_CASE("endpoint factory: on_message takes std::string by value in the lambda form", "[handlers][string]") {
    asio::io_context io;
    wsx::server server{io};
    server.endpoint("/own").on_message([](wsx::session& s, std::string text) {
        // The handler owns a copy: it may keep or change it.
        text.insert(0, "got ");
        s.send(std::move(text));
    });
    server.listen("127.0.0.1", 0);

    client_side c(io);
    c.c.on_open([&](wsx::session& s) {
        c.open = true;
        s.send("안녕");
        // Text only, as with std::string_view: binary closes with 1003.
        s.send_binary(std::string_view("x"));
    });
    c.c.connect(url_for(server, "/own"));
    REQUIRE(run_until(io, [&] { return c.closes == 1; }));
    CHECK(c.got == std::vector<std::string>{"got 안녕"});
    CHECK(c.last.code == 1003);
    server.stop();
    CHECK(run_to_completion(io));
}

TEST_CASE("endpoint factory: a class's on_message takes const std::string& too", "[handlers][string][class]") {
    struct by_ref {
        void on_message(wsx::session& s, const std::string& text) { s.send(text + "?"); }
    };
    asio::io_context io;
    wsx::server server{io};
    server.endpoint<by_ref>("/ref");
    server.listen("127.0.0.1", 0);

    client_side c(io);
    c.c.on_open([](wsx::session& s) { s.send("why"); });
    c.c.connect(url_for(server, "/ref"));
    REQUIRE(run_until(io, [&] { return c.got.size() == 1; }));
    CHECK(c.got[0] == "why?");
    server.stop();
    CHECK(run_to_completion(io));
}

TEST_CASE("endpoint factory: a factory that throws fails that connection with 1011 and calls no handler",
          "[handlers][class][factory]") {
    asio::io_context io;
    wsx::server server{io};
    registry shared;
    int attempts = 0;
    server.endpoint<named_endpoint>("/room", [&]() -> named_endpoint {
        if (++attempts == 1) throw std::runtime_error("no database");
        return named_endpoint{shared, ++shared.made};
    });
    server.listen("127.0.0.1", 0);

    client_side first(io);
    first.c.connect(url_for(server, "/room?name=ann"));
    REQUIRE(run_until(io, [&] { return first.closes == 1; }));
    CHECK(first.last.code == 1011);
    CHECK(shared.log.empty()); // no object, so no on_open and no on_close ran

    // The server goes on: the next connection gets its object.
    client_side second(io);
    second.c.connect(url_for(server, "/room?name=bob"));
    REQUIRE(run_until(io, [&] { return second.open; }));
    CHECK(shared.names == std::set<std::string>{"bob"});
    server.stop();
    CHECK(run_to_completion(io));
    CHECK(shared.log == std::vector<std::string>{"open bob #1", "close bob #1"});
}
