// Copyright (c) 2026 wsx developers. Distributed under the Boost Software License, Version 1.0.

// echo_client ws://HOST:PORT/path [message...]
//
// The browser's WebSocket in C++: connect, send each message, print each
// echo, close. Exits 0 when every message came back unchanged and the
// connection closed normally (1000); otherwise prints why and exits 1.

#include "../common/options.hpp"

#include <wsx/wsx.hpp>
#ifdef WSX_EXAMPLE_DEFLATE
#include <wsx/deflate.hpp>
#endif

#include <asio/steady_timer.hpp>

#include <chrono>
#include <cstdlib>
#include <iostream>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

namespace {

constexpr const char* usage = "echo_client ws://HOST:PORT/path [message...]\n"
                              "       echo_client --testee ws://HOST:PORT [--agent NAME] [--deflate]   (conformance-suite testee)\n";

// Sends the messages one after another without waiting (send() queues),
// and checks that the echoes come back in order.
int echo(const examples::args& a, std::string_view url, const std::vector<std::string>& messages) {
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
        a.fail(e.what()); // a URL that is not ws://HOST:PORT/path
    }
    io.run();
    return ok && closed_normally && echoed == messages.size() ? EXIT_SUCCESS : EXIT_FAILURE;
}

// The testee side of the standard conformance suite's fuzzing server:
// ask it for the number of cases, run each case by echoing every message
// until the server closes, then ask it to write its reports. One
// connection at a time, each bounded in time. With deflate set (from
// wsx::enable_deflate()), every connection offers permessage-deflate as any
// wsx client does, "permessage-deflate; client_max_window_bits": the
// fuzzing server's compression cases vary only their answer to that offer.
class testee {
public:
    testee(std::string base, std::string agent, [[maybe_unused]] bool deflate)
        : base_(std::move(base)), agent_(std::move(agent)) {
        ws_.options().max_message_size = 16 * 1024 * 1024;
        ws_.options().max_frame_size = 16 * 1024 * 1024;
        ws_.options().max_send_queue = 64 * 1024 * 1024;
#ifdef WSX_EXAMPLE_DEFLATE
        if (deflate) ws_.options().deflate = wsx::enable_deflate(); // the defaults, offer and threshold
#endif
        ws_.on_message([this](wsx::session& s, const wsx::message& m) {
               if (step_ == 0)
                   cases_ = std::atoi(std::string(m.text()).c_str());
               else if (step_ <= cases_)
                   s.send(m); // text stays text, binary stays binary
           })
            .on_error([this](wsx::session&, std::error_code ec) {
                std::cerr << "echo_client: " << where() << ": " << ec.message() << "\n";
            })
            .on_close([this](wsx::session&, const wsx::close_reason&) {
                // Connecting again from inside on_close would replace the
                // session whose handler is running: go round the loop first.
                asio::post(io_, [this] { next(); });
            });
    }

    int run() {
        connect("/getCaseCount");
        io_.run();
        return failed_ ? EXIT_FAILURE : EXIT_SUCCESS;
    }

private:
    std::string where() const {
        if (step_ == 0) return "getCaseCount";
        if (step_ <= cases_) return "case " + std::to_string(step_);
        return "updateReports";
    }

    void connect(const std::string& target) {
        deadline_.expires_after(std::chrono::seconds(120));
        deadline_.async_wait([this](std::error_code ec) {
            if (ec) return;
            std::cerr << "echo_client: " << where() << " did not finish within 120 s\n";
            failed_ = true;
            io_.stop();
        });
        ws_.connect(base_ + target);
    }

    void next() {
        deadline_.cancel();
        if (step_ == 0 && cases_ <= 0) {
            std::cerr << "echo_client: the server reported no cases\n";
            failed_ = true;
            return;
        }
        ++step_;
        if (step_ <= cases_) {
            std::cout << "case " << step_ << "/" << cases_ << std::endl;
            connect("/runCase?case=" + std::to_string(step_) + "&agent=" + agent_);
        } else if (step_ == cases_ + 1) {
            connect("/updateReports?agent=" + agent_);
        } else {
            std::cout << "ran " << cases_ << " cases" << std::endl;
        }
    }

    asio::io_context io_;
    wsx::client ws_{io_};
    asio::steady_timer deadline_{io_};
    std::string base_, agent_;
    int cases_ = 0;
    int step_ = 0;
    bool failed_ = false;
};

} // namespace

int main(int argc, char** argv) {
    examples::args a(argc, argv, "echo_client", usage);
    if (!a.next()) a.fail("missing the URL");
    if (a.is("--testee")) {
        std::string base = a.value();
        while (!base.empty() && base.back() == '/') base.pop_back();
        std::string agent = "wsx";
        bool deflate = false;
        while (a.next()) {
            if (a.is("--agent")) {
                agent = a.value();
            } else if (a.is("--deflate")) {
#ifdef WSX_EXAMPLE_DEFLATE
                deflate = true;
#else
                a.fail("--deflate needs wsx built with zlib (WSX_WITH_DEFLATE)");
#endif
            } else {
                a.unknown();
            }
        }
        try {
            return testee(base, agent, deflate).run();
        } catch (const std::system_error& e) {
            a.fail(e.what());
        }
    }
    // Modes start with "--"; the default mode is the echo check, and every
    // argument after the URL is a message, even one that looks like a flag.
    if (a.current().substr(0, 2) == "--") a.unknown();
    return echo(a, a.current(), std::vector<std::string>(argv + 2, argv + argc));
}
