// Copyright (c) 2026 wsx developers. Distributed under the Boost Software License, Version 1.0.
// prepared_message: framed once when made, its bytes shared by every send
// (the session writes from the message's own frame, it does not copy it),
// and its compressed forms made once per parameter set even when threads
// race for the first one.

#include "loopback.hpp"
#include "memory_transport.hpp"
#include "wsx_catch.hpp"

#include <wsx/prepared_message.hpp>
#include <wsx/protocol/writer.hpp>

#include <algorithm>
#include <atomic>
#include <set>
#include <string>
#include <thread>
#include <vector>

using namespace wsx_test;

namespace {

// The plain frame's first byte: the payload's address less its header.
const void* frame_start(const wsx::prepared_message& m, std::size_t header) { return m.data() - header; }

// An open server session on /room.
void open_room(memory_server& m) {
    m.server.endpoint("/room");
    m.accept();
    m.send(upgrade_request("/room", 80));
    REQUIRE(m.w->take().rfind("HTTP/1.1 101", 0) == 0);
}

bool wrote_from(const wire& w, const void* p) {
    return std::find(w.sources.begin(), w.sources.end(), p) != w.sources.end();
}

} // namespace

TEST_CASE("prepared message: holds a framed copy; copies share it", "[session][prepared]") {
    std::string text = "hello, room";
    const auto m = wsx::prepared_message::text(text);
    text[0] = 'J'; // the message copied the bytes when it was made
    CHECK(m.is_text());
    CHECK(m.text() == "hello, room");
    CHECK(m.size() == 11);

    const wsx::prepared_message copy = m;
    CHECK(copy.data() == m.data()); // one frame for both

    std::string expected;
    wsx::protocol::append_frame(expected, wsx::protocol::opcode::text, "hello, room", 11);
    CHECK(std::string(reinterpret_cast<const char*>(frame_start(m, 2)), expected.size()) == expected);

    const std::uint8_t raw[] = {0, 1, 2, 0xff};
    const auto b = wsx::prepared_message::binary(raw, sizeof raw);
    CHECK(b.is_binary());
    CHECK(b.binary().to_vector() == std::vector<std::uint8_t>(raw, raw + 4));

    const auto from_message = wsx::prepared_message(wsx::message::binary(std::string("\x01\x02", 2)));
    CHECK(from_message.is_binary());
    CHECK(from_message.size() == 2);

    const wsx::prepared_message empty;
    CHECK(empty.is_text());
    CHECK(empty.empty());
    CHECK(empty.compressed_forms() == 0);
}

TEST_CASE("prepared message: a server session writes from the message's own frame", "[session][prepared]") {
    memory_server m;
    open_room(m);

    const auto pm = wsx::prepared_message::text("to everyone");
    m.session->send(pm);
    m.session->send(pm);
    m.run();
    std::string out = m.w->take();
    bool masked = true;
    for (int i = 0; i < 2; ++i) {
        auto f = take_frame(out, masked);
        REQUIRE(f);
        CHECK(f->opcode == op::text);
        CHECK(f->payload == "to everyone");
        CHECK_FALSE(masked);
    }
    CHECK(out.empty());
    CHECK(wrote_from(*m.w, frame_start(pm, 2)));

    // A plain message is copied into the session's queue: its bytes are
    // never a source of the write.
    m.w->sources.clear();
    const auto plain = wsx::message::text("copied per receiver");
    m.session->send(plain);
    m.run();
    CHECK(m.w->take().find("copied per receiver") != std::string::npos);
    CHECK_FALSE(m.w->sources.empty());
    for (const void* p : m.w->sources) {
        const auto* c = static_cast<const std::uint8_t*>(p);
        CHECK((c < plain.data() || c >= plain.data() + plain.size()));
    }
}

TEST_CASE("prepared message: sent from another thread, still shared, and the completion runs", "[session][prepared]") {
    memory_server m;
    open_room(m);

    const auto pm = wsx::prepared_message::binary(std::string(300, 'z'));
    std::error_code got = wsx::error::closed;
    bool done = false;
    std::thread t([&] {
        m.session->send(pm, [&](std::error_code ec) {
            got = ec;
            done = true;
        });
    });
    t.join();
    m.run();
    CHECK(done);
    CHECK_FALSE(got);
    std::string out = m.w->take();
    bool masked = true;
    auto f = take_frame(out, masked);
    REQUIRE(f);
    CHECK(f->opcode == op::binary);
    CHECK(f->payload == std::string(300, 'z'));
    CHECK(wrote_from(*m.w, frame_start(pm, 4))); // 16-bit length: a 4-byte header
}

TEST_CASE("prepared message: a sent message outlives every copy the program held", "[session][prepared]") {
    memory_server m;
    open_room(m);

    m.w->capacity = 0; // queued, not written: the queue holds the only reference
    {
        auto pm = wsx::prepared_message::text(std::string(1000, 'q'));
        m.session->send(pm);
        m.run();
    }
    m.w->capacity = SIZE_MAX;
    m.w->take();
    m.run();
    std::string out = m.w->take();
    bool masked = true;
    auto f = take_frame(out, masked);
    REQUIRE(f);
    CHECK(f->payload == std::string(1000, 'q'));
}

TEST_CASE("prepared message: threads racing for a compressed form all get the one that was kept",
          "[session][prepared][threads]") {
    // The lock-free list of forms, without a codec: make() stands for one
    // compression, so it counts how often the work was done and wasted.
    const auto pm = wsx::prepared_message::text(std::string(4096, 'c'));
    constexpr int threads_n = 4;
    constexpr std::uint64_t keys = 8;
    std::atomic<int> made{0};
    std::atomic<int> wrong_key{0}; // Catch's assertions are for the main thread only
    std::vector<std::vector<const wsx::detail::shared_frame*>> seen(threads_n);
    std::atomic<bool> go{false};
    std::vector<std::thread> threads;
    for (int t = 0; t < threads_n; ++t) {
        threads.emplace_back([&, t] {
            while (!go.load()) std::this_thread::yield();
            for (std::uint64_t k = 1; k <= keys; ++k) {
                auto f = wsx::detail::prepared_access::compressed(pm, k, [&] {
                    ++made;
                    auto* n = new wsx::detail::shared_frame;
                    n->key = k;
                    n->bytes.assign(1, static_cast<std::uint8_t>(k));
                    return n;
                });
                if (f->key != k) ++wrong_key;
                seen[static_cast<std::size_t>(t)].push_back(f.get());
            }
        });
    }
    go = true;
    for (auto& t : threads) t.join();
    CHECK(wrong_key == 0);
    CHECK(pm.compressed_forms() == keys);
    for (int t = 1; t < threads_n; ++t) CHECK(seen[static_cast<std::size_t>(t)] == seen[0]);
    CHECK(made >= static_cast<int>(keys)); // a lost race wastes one, never publishes two
    std::set<const wsx::detail::shared_frame*> distinct(seen[0].begin(), seen[0].end());
    CHECK(distinct.size() == keys);
    // Asked again, every form is found: no more work.
    const int before = made;
    for (std::uint64_t k = 1; k <= keys; ++k)
        wsx::detail::prepared_access::compressed(pm, k, [&]() -> wsx::detail::shared_frame* {
            ++made;
            return new wsx::detail::shared_frame;
        });
    CHECK(made == before);
}
