// Copyright (c) 2026 wsx developers. Distributed under the Boost Software License, Version 1.0.

// cafe                       the whole story: counter + async customer + sync customer
// cafe --server [--port N] [--host ADDRESS]
//                            only the counter (port 8081 by default)
// cafe --client URL          only the customers, e.g. ws://127.0.0.1:8081/cafe
//
// The note's café. You order and get a buzzer number at once; the counter
// calls your number when the order is ready. The async customer orders
// everything, takes the buzzers and does other things meanwhile; the sync
// customer stands at the counter until each order is ready before placing
// the next one. Same café, same orders: compare the totals.

#include "../common/options.hpp"

#include <wsx/wsx.hpp>

#include <asio/post.hpp>
#include <asio/steady_timer.hpp>

#include <array>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <functional>
#include <iostream>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <system_error>
#include <thread>

namespace {

using clock_type = std::chrono::steady_clock;
using std::chrono::milliseconds;

// What 신동엽 orders in the note.
constexpr std::array<std::string_view, 3> menu = {"coffee", "bread", "smoothie"};

// ---- the counter (server) ---------------------------------------------------

milliseconds prep_time(std::string_view item) {
    const milliseconds unit{300};
    if (item == "bread") return unit;         // already baked
    if (item == "smoothie") return unit * 3;  // the blender is slow
    return unit * 2;                          // coffee and everything else
}

class counter {
public:
    counter(asio::io_context& io, bool verbose) : io_(io), verbose_(verbose) {}

    void open(wsx::server& server) {
        server.endpoint("/cafe").on_message([this](wsx::session& s, std::string_view text) { take_order(s, text); });
    }

private:
    static constexpr std::size_t max_item = 64;
    // Every order waiting in the kitchen is a timer: a customer who orders
    // forever must not fill the memory.
    static constexpr int max_waiting = 1000;

    void take_order(wsx::session& s, std::string_view text) {
        if (text.size() <= 6 || text.size() > 6 + max_item || text.substr(0, 6) != "order ")
            return s.send("error: say \"order <item>\"");
        if (waiting_.fetch_add(1) >= max_waiting) {
            waiting_.fetch_sub(1);
            return s.send("error: the kitchen is full, try again later");
        }
        std::string item(text.substr(6));
        int buzzer = next_buzzer_.fetch_add(1) + 1;
        // The answer comes at once: a buzzer, not the coffee.
        s.send("buzzer " + std::to_string(buzzer) + " for " + item);
        if (verbose_) std::cout << "order " << buzzer << ": " << item << ", ready in " << prep_time(item).count() << " ms" << std::endl;

        // The order outlives this handler, so it keeps a handle, not the
        // session&: if the customer left, calling the number does nothing.
        auto kitchen = std::make_shared<asio::steady_timer>(io_, prep_time(item));
        kitchen->async_wait([this, kitchen, customer = s.handle(), buzzer, item](std::error_code) {
            waiting_.fetch_sub(1);
            customer.send("order " + std::to_string(buzzer) + " ready: " + item);
        });
    }

    asio::io_context& io_;
    bool verbose_;
    std::atomic<int> next_buzzer_{0};
    std::atomic<int> waiting_{0};
};

// ---- the customers (clients) --------------------------------------------------

class timeline {
public:
    explicit timeline(std::string_view who) : who_(who) {}
    long long elapsed() const {
        return std::chrono::duration_cast<milliseconds>(clock_type::now() - start_).count();
    }
    void at(std::string_view what) const {
        std::printf("[%-5s] %5lld ms  %.*s\n", who_.c_str(), elapsed(), static_cast<int>(what.size()), what.data());
        std::fflush(stdout);
    }

private:
    std::string who_;
    clock_type::time_point start_ = clock_type::now();
};

bool starts_with(std::string_view s, std::string_view prefix) { return s.substr(0, prefix.size()) == prefix; }

// Orders everything without waiting; the buzzers ring while it does other
// things. Returns the time until the last order was ready.
long long async_customer(const std::string& url) {
    std::cout << "== async: order everything, take the buzzers, do other things" << std::endl;
    asio::io_context io;
    wsx::client ws{io};
    timeline t("async");
    asio::steady_timer chores(io);
    int chore = 0, ready = 0;
    long long total = -1;
    std::string failure;

    // Other work, on the same thread, while the kitchen works: nothing blocks.
    std::function<void()> do_other_things = [&] {
        chores.expires_after(milliseconds(250));
        chores.async_wait([&](std::error_code ec) {
            if (ec) return;
            t.at("did other things (" + std::to_string(++chore) + ")");
            do_other_things();
        });
    };

    ws.on_open([&](wsx::session& s) {
          t.at("connected");
          for (auto item : menu) {
              t.at("sent   order " + std::string(item));
              s.send("order " + std::string(item)); // queues and returns at once
          }
          do_other_things();
      })
        .on_message([&](wsx::session& s, std::string_view text) {
            t.at("got    " + std::string(text));
            if (!starts_with(text, "buzzer ") && !starts_with(text, "order ")) {
                failure = "unexpected answer";
                return s.close();
            }
            if (starts_with(text, "order ") && ++ready == static_cast<int>(menu.size())) {
                total = t.elapsed();
                chores.cancel();
                s.close();
            }
        })
        .on_error([&](wsx::session&, std::error_code ec) { failure = ec.message(); })
        .on_close([&](wsx::session&, const wsx::close_reason&) { chores.cancel(); });

    ws.connect(url);
    io.run();
    if (!failure.empty() || total < 0)
        throw std::runtime_error("async customer: " + (failure.empty() ? std::string("orders never ready") : failure));
    t.at("all " + std::to_string(menu.size()) + " orders ready");
    return total;
}

// Waits at the counter: each call blocks until its answer is there.
long long sync_customer(const std::string& url) {
    std::cout << "== sync: wait at the counter until each order is ready" << std::endl;
    timeline t("sync");
    wsx::sync_client ws;
    ws.connect(url);
    t.at("connected");
    auto expect = [&](std::string_view prefix) {
        auto m = ws.receive();
        if (!m) throw std::runtime_error("sync customer: no answer from the counter");
        t.at("got    " + std::string(m->text()));
        if (!starts_with(m->text(), prefix)) throw std::runtime_error("sync customer: unexpected answer");
    };
    for (auto item : menu) {
        t.at("sent   order " + std::string(item));
        ws.send("order " + std::string(item));
        expect("buzzer ");
        t.at("waiting at the counter...");
        expect("order ");
    }
    long long total = t.elapsed();
    ws.close();
    t.at("all " + std::to_string(menu.size()) + " orders ready");
    return total;
}

void customers(const std::string& url) {
    long long async_total = async_customer(url);
    long long sync_total = sync_customer(url);
    std::cout << "summary: async " << async_total << " ms, sync " << sync_total << " ms: ";
    if (async_total < sync_total)
        std::cout << "async finished " << sync_total - async_total << " ms sooner and did other things meanwhile\n";
    else
        std::cout << "async was not faster this time (a busy machine?)\n";
}

// ---- modes --------------------------------------------------------------------

constexpr const char* usage = "cafe                       counter and both customers in one process\n"
                              "       cafe --server [--port N] [--host ADDRESS]\n"
                              "                                  only the counter (port 8081 by default)\n"
                              "       cafe --client URL          only the customers, e.g. ws://127.0.0.1:8081/cafe\n";

// The counter runs on its own thread: the sync customer blocks the main
// thread while it waits, and the kitchen must keep cooking meanwhile.
int run_all() {
    asio::io_context io;
    wsx::server server{io};
    counter c(io, false);
    c.open(server);
    server.listen("127.0.0.1", 0);
    std::cout << "cafe open on port " << server.port() << std::endl;
    std::thread cafe([&] { io.run(); });
    int status = EXIT_SUCCESS;
    try {
        customers("ws://127.0.0.1:" + std::to_string(server.port()) + "/cafe");
    } catch (const std::exception& e) {
        std::cerr << "cafe: " << e.what() << "\n";
        status = EXIT_FAILURE;
    }
    asio::post(io, [&] { server.stop(); });
    cafe.join();
    return status;
}

} // namespace

int main(int argc, char** argv) {
    examples::args a(argc, argv, "cafe", usage);
    try {
        if (!a.next()) return run_all();
        if (a.is("--client")) {
            std::string url = a.value();
            if (a.next()) a.unknown();
            customers(url);
            return EXIT_SUCCESS;
        }
        if (a.is("--server")) {
            examples::server_flags flags{8081};
            while (a.next()) {
                if (a.is("--port"))
                    flags.port = a.port();
                else if (a.is("--host"))
                    flags.host = a.value();
                else
                    a.unknown();
            }
            asio::io_context io;
            counter c(io, true);
            return examples::serve(io, "cafe", flags, [&](wsx::server& server) { c.open(server); });
        }
        a.unknown();
    } catch (const std::exception& e) {
        std::cerr << "cafe: " << e.what() << "\n";
        return EXIT_FAILURE;
    }
}
