// Copyright (c) 2026 wsx developers. Distributed under the Boost Software License, Version 1.0.

// echo_client ws://HOST:PORT/path [message...]
//
// The browser's WebSocket in C++: connect, send each message, print each
// echo, close. Exits 0 when every message came back unchanged and the
// connection closed normally (1000); otherwise prints why and exits 1.

#include <wsx/wsx.hpp>

#include <asio/steady_timer.hpp>

#include <chrono>
#include <cstdlib>
#include <iostream>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

namespace {

int usage(const std::string& why) {
    std::cerr << "echo_client: " << why << "\n"
              << "usage: echo_client ws://HOST:PORT/path [message...]\n";
    return 2;
}

// Sends the messages one after another without waiting (send() queues),
// and checks that the echoes come back in order.
int echo(std::string_view url, const std::vector<std::string>& messages) {
    asio::io_context io;
    wsx::client ws{io};
    std::size_t echoed = 0;
    bool ok = true;
    bool closed_normally = false;
    // A server that accepts but never answers must not hang us.
    asio::steady_timer deadline(io, std::chrono::seconds(30));

    ws.on_open([&](wsx::session& s) {
          for (auto& text : messages) s.send(text);
          if (messages.empty()) s.close();
      })
        .on_message([&](wsx::session& s, const wsx::message& m) {
            if (m.is_text())
                std::cout << m.text() << std::endl;
            else
                std::cout << "(binary, " << m.size() << " bytes)" << std::endl;
            if (echoed >= messages.size() || !m.is_text() || m.text() != messages[echoed]) {
                std::cerr << "echo_client: message " << echoed + 1 << " did not come back unchanged\n";
                ok = false;
            }
            if (++echoed == messages.size()) s.close();
        })
        .on_error([&](wsx::session&, std::error_code ec) {
            std::cerr << "echo_client: " << ec.message() << "\n";
            ok = false;
        })
        .on_close([&](wsx::session&, const wsx::close_reason& r) {
            closed_normally = r.code == wsx::close_code::normal;
            if (!closed_normally) std::cerr << "echo_client: closed with " << r.code << " " << r.reason << "\n";
            deadline.cancel();
        });

    deadline.async_wait([&](std::error_code ec) {
        if (ec) return;
        std::cerr << "echo_client: no answer within 30 s\n";
        ok = false;
        io.stop();
    });

    try {
        ws.connect(url);
    } catch (const std::system_error& e) {
        return usage(e.what());
    }
    io.run();
    return ok && closed_normally && echoed == messages.size() ? EXIT_SUCCESS : EXIT_FAILURE;
}

} // namespace

int main(int argc, char** argv) {
    if (argc < 2) return usage("missing the URL");
    std::string_view first = argv[1];
    // Modes start with "--"; the default mode is the echo check.
    if (first == "--help" || first == "-h") return usage("sends each message and prints its echo");
    if (first.substr(0, 2) == "--") return usage("unknown mode: " + std::string(first));
    return echo(first, std::vector<std::string>(argv + 2, argv + argc));
}
