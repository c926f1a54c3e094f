// Copyright (c) 2026 wsx developers. Distributed under the Boost Software License, Version 1.0.

// lifecycle
//
// The note's section 4, step by step, with a server and a client in one
// io_context: the client socket asks to connect, the server registers it,
// each side sends and the other handles the message, then the close. Two
// more acts show the error handlers: @OnError on the server (a message the
// endpoint cannot take) and onerror on the client (no endpoint at a path).
// Every line names the handler that ran. Exits 0 only if each side saw
// every expected step, in order.

#include "../common/options.hpp"

#include <wsx/wsx.hpp>

#include <asio/steady_timer.hpp>

#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <functional>
#include <iomanip>
#include <iostream>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

namespace {

// Prints numbered steps and remembers what happened, to compare at the end.
class steps {
public:
    void operator()(std::string what, std::string_view line) {
        std::cout << std::setw(2) << ++count_ << ". " << line << std::endl;
        seen_.push_back(std::move(what));
    }
    void act(std::string_view title) { std::cout << "-- " << title << std::endl; }
    const std::vector<std::string>& seen() const noexcept { return seen_; }

private:
    int count_ = 0;
    std::vector<std::string> seen_;
};

// What each side must see, in this order. Each side's order is the
// library's promise; how the two sides interleave follows from the close
// handshake (after a failure the server reports its close only once the
// client has hung up) and is shown by the numbers, not checked here.
const std::vector<std::string> expected_client = {
    "client connect", "client on_open", "client send", "client on_message", "client close", "client on_close 1000",
    "client connect", "client on_open", "client send_binary", "client on_close 1003",
    "client connect", "client on_error", "client on_close 1006",
};
const std::vector<std::string> expected_server = {
    "server on_open", "server on_message", "server send", "server on_close 1000",
    "server on_open", "server on_error", "server on_close 1003",
};

std::vector<std::string> side(const std::vector<std::string>& seen, std::string_view who) {
    std::vector<std::string> out;
    for (auto& s : seen)
        if (s.compare(0, who.size(), who) == 0) out.push_back(s);
    return out;
}

bool check(const std::vector<std::string>& seen, std::string_view who, const std::vector<std::string>& expected) {
    std::vector<std::string> got = side(seen, who);
    if (got == expected) return true;
    std::cout << "lifecycle: the " << who << " side went wrong:\n";
    for (std::size_t i = 0; i < expected.size() || i < got.size(); ++i) {
        std::string_view want = i < expected.size() ? std::string_view(expected[i]) : "(nothing)";
        std::string_view was = i < got.size() ? std::string_view(got[i]) : "(nothing)";
        std::cout << (want == was ? "   " : "!! ") << "expected " << want << ", got " << was << "\n";
    }
    return false;
}

std::string code(const wsx::close_reason& r) { return std::to_string(r.code); }

} // namespace

int main(int argc, char** argv) {
    examples::args a(argc, argv, "lifecycle", "lifecycle   (no arguments: runs every act on 127.0.0.1 and checks it)\n");
    if (a.next()) a.unknown();

    asio::io_context io;
    steps step;
    wsx::server server{io};
    wsx::client ws{io}, rude{io}, lost{io};
    std::string base;

    // An act ends when both of its sides have closed; then the next begins.
    int act = 0, closed_sides = 0;
    std::function<void()> next_act;
    auto side_closed = [&] {
        if (++closed_sides == 2) next_act();
    };
    auto connect = [&](wsx::client& c, const std::string& url) {
        step("client connect", "client: connect request to " + url);
        c.connect(url);
    };

    // Nothing here may hang: a missing step ends the run and fails the check.
    asio::steady_timer deadline(io, std::chrono::seconds(10));
    deadline.async_wait([&](std::error_code ec) {
        if (ec) return;
        std::cout << "lifecycle: timed out waiting for the next step" << std::endl;
        io.stop();
    });

    // ---- the server socket -------------------------------------------------
    server.endpoint("/lifecycle")
        .on_open([&](wsx::session& s) { step("server on_open", "server: registered client #" + std::to_string(s.id()) + " (on_open)"); })
        .on_message([&](wsx::session& s, std::string_view text) {   // text only: binary is an error (1003)
            step("server on_message", "server: got '" + std::string(text) + "' (on_message)");
            step("server send", "server -> client: echo: " + std::string(text) + " (send)");
            s.send("echo: " + std::string(text));
        })
        .on_close([&](wsx::session&, const wsx::close_reason& r) {
            step("server on_close " + code(r), "server: closed " + code(r) + " (on_close)");
            side_closed();
        })
        .on_error([&](wsx::session&, std::error_code ec) { step("server on_error", "server: error: " + ec.message() + " (on_error)"); });
    server.listen("127.0.0.1", 0);
    base = "ws://127.0.0.1:" + std::to_string(server.port());

    // ---- act 1: the client socket ---------------------------------------------
    ws.on_open([&](wsx::session& s) {
          step("client on_open", "client: connected (on_open)");
          step("client send", "client -> server: hello (send)");
          s.send("hello");
      })
        .on_message([&](wsx::session& s, const wsx::message& m) {
            step("client on_message", "client: got '" + std::string(m.text()) + "' (on_message)");
            step("client close", "client: close (close)");
            s.close();
        })
        .on_close([&](wsx::session&, const wsx::close_reason& r) {
            step("client on_close " + code(r), "client: closed " + code(r) + " (on_close)");
            side_closed();
        })
        .on_error([&](wsx::session&, std::error_code ec) { step("client on_error", "client: error: " + ec.message() + " (on_error)"); });

    // ---- act 2: @OnError on the server ----------------------------------------
    rude.on_open([&](wsx::session& s) {
            step("client on_open", "client: connected (on_open)");
            step("client send_binary", "client -> server: 3 bytes of binary (send_binary)");
            s.send_binary(std::string_view("\x01\x02\x03", 3));
        })
        .on_close([&](wsx::session&, const wsx::close_reason& r) {
            step("client on_close " + code(r), "client: closed " + code(r) + " (on_close)");
            side_closed();
        })
        .on_error([&](wsx::session&, std::error_code ec) { step("client on_error", "client: error: " + ec.message() + " (on_error)"); });

    // ---- act 3: onerror on the client ---------------------------------------
    lost.on_error([&](wsx::session&, std::error_code ec) { step("client on_error", "client: error: " + ec.message() + " (on_error)"); })
        .on_close([&](wsx::session&, const wsx::close_reason& r) {
            step("client on_close " + code(r), "client: closed " + code(r) + " (on_close)");
            next_act(); // no server session was ever opened
        });

    next_act = [&] {
        closed_sides = 0;
        switch (++act) {
        case 1:
            step.act("the lifecycle: connect, register, messages both ways, close");
            return connect(ws, base + "/lifecycle");
        case 2:
            step.act("@OnError on the server: a message the endpoint cannot take");
            return connect(rude, base + "/lifecycle");
        case 3:
            step.act("onerror on the client: no endpoint at that path");
            return connect(lost, base + "/nowhere");
        default:
            server.stop();
            deadline.cancel();
        }
    };
    next_act();
    io.run();

    bool ok = check(step.seen(), "client", expected_client);
    ok = check(step.seen(), "server", expected_server) && ok;
    if (!ok) return EXIT_FAILURE;
    std::cout << "lifecycle: all " << step.seen().size() << " steps happened" << std::endl;
    return EXIT_SUCCESS;
}
