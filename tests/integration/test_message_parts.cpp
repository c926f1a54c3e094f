// Copyright (c) 2026 wsx developers. Distributed under the Boost Software License, Version 1.0.
// on_message_part: messages received in chunks as they arrive, never held
// whole. A message far larger than any buffer goes through with the
// connection's memory flat; text chunks end on whole code points and are
// checked as UTF-8 across chunks; the type and size rules of whole messages
// hold; the lambda and the class forms.

#include "wsx_catch.hpp"
#include "loopback.hpp"

#include <wsx/detail/session_access.hpp>
#include <wsx/wsx.hpp>

#include <algorithm>
#include <atomic>
#include <cstring>
#include <fstream>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <unistd.h>

using namespace wsx_test;

namespace {

// The big message: 1 GiB in an optimised build, less where every byte is
// checked by the sanitizers (the path is the same, only slower).
#if defined(NDEBUG)
constexpr std::uint64_t big_message = std::uint64_t{1} << 30;
#else
constexpr std::uint64_t big_message = std::uint64_t{64} << 20;
#endif

// The big message's bytes: a pseudo-random period of a prime length, so
// that no write or read boundary lines up with it; each write is a window
// of this buffer (doubled so a window never wraps).
constexpr std::size_t period = 65521;
constexpr std::size_t write_size = 60000; // < period

std::string doubled_pattern() {
    std::string p(2 * period, '\0');
    std::uint32_t x = 2463534242u;
    for (std::size_t i = 0; i < period; ++i) {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        p[i] = p[i + period] = static_cast<char>(x);
    }
    return p;
}

std::size_t resident_bytes() {
    std::ifstream f("/proc/self/statm");
    std::size_t total = 0, resident = 0;
    f >> total >> resident;
    return resident * static_cast<std::size_t>(::sysconf(_SC_PAGESIZE));
}

bool whole_utf8(std::string_view s) {
    wsx::protocol::utf8_validator v;
    return v.feed(reinterpret_cast<const std::uint8_t*>(s.data()), s.size()) && v.complete();
}

// What a part handler saw.
struct parts_log {
    std::mutex mu;
    std::vector<std::string> chunks; // text or bytes, in order
    std::vector<bool> lasts;
    std::vector<bool> binary;
    std::vector<std::error_code> errors;
    std::atomic<int> closes{0};
    std::atomic<int> close_code{0};
    std::atomic<int> calls{0};

    void add(std::string_view c, bool last, bool bin) {
        std::lock_guard<std::mutex> lock(mu);
        chunks.emplace_back(c);
        lasts.push_back(last);
        binary.push_back(bin);
        ++calls;
    }
    std::string joined() {
        std::lock_guard<std::mutex> lock(mu);
        std::string all;
        for (auto& c : chunks) all += c;
        return all;
    }
    std::size_t last_count() {
        std::lock_guard<std::mutex> lock(mu);
        return static_cast<std::size_t>(std::count(lasts.begin(), lasts.end(), true));
    }
};

template <class Endpoint> void record(Endpoint& ep, parts_log& log) {
    ep.on_error([&log](wsx::session&, std::error_code ec) {
          std::lock_guard<std::mutex> lock(log.mu);
          log.errors.push_back(ec);
      })
        .on_close([&log](wsx::session&, const wsx::close_reason& r) {
            log.close_code = r.code;
            ++log.closes;
        });
}

} // namespace

TEST_CASE("message parts: a message far larger than any buffer arrives in chunks with memory flat",
          "[parts][integration]") {
    asio::io_context io;
    wsx::server server{io};
    const std::string pattern = doubled_pattern();

    std::uint64_t received = 0;
    std::size_t max_chunk = 0, calls = 0, lasts = 0, mismatches = 0;
    std::size_t max_held = 0, max_budget = 0, max_resident = 0;
    wsx::session_options o;
    o.max_message_size = 0; // no limit: nothing is held
    o.max_frame_size = 0;
    server.endpoint("/big")
        .options(o)
        .on_message_part([&](wsx::session& s, wsx::byte_view chunk, bool last) {
            for (std::size_t at = 0; at < chunk.size();) {
                const std::size_t n = std::min(chunk.size() - at, period);
                const std::size_t from = static_cast<std::size_t>((received + at) % period);
                if (std::memcmp(chunk.data() + at, pattern.data() + from, n) != 0) ++mismatches;
                at += n;
            }
            received += chunk.size();
            max_chunk = std::max(max_chunk, chunk.size());
            lasts += last ? 1 : 0;
            if (++calls % 512 == 0 || last) {
                max_held = std::max(max_held, wsx::detail::session_access::memory_held(s));
                max_budget = std::max(max_budget, server.stats().memory_in_use);
                max_resident = std::max(max_resident, resident_bytes());
            }
        });
    server.listen("127.0.0.1", 0);

    // The sender: one wsx client streaming the message, each write waiting
    // for the one before to be written.
    std::uint64_t sent = 0;
    std::size_t max_buffered = 0;
    bool finished = false;
    std::error_code send_error;
    wsx::client c{io};
    std::shared_ptr<wsx::message_stream> w;
    std::function<void()> next = [&] {
        if (sent == big_message) {
            w->finish([&](std::error_code ec) {
                if (ec) send_error = ec;
                finished = true;
            });
            return;
        }
        const std::size_t n = static_cast<std::size_t>(std::min<std::uint64_t>(write_size, big_message - sent));
        const char* at = pattern.data() + sent % period;
        sent += n;
        w->write(wsx::byte_view(reinterpret_cast<const std::uint8_t*>(at), n), [&](std::error_code ec) {
            if (ec) {
                send_error = ec;
                finished = true;
                return;
            }
            next();
        });
        max_buffered = std::max(max_buffered, c.buffered_amount());
    };
    c.on_open([&](wsx::session& s) {
        w = std::make_shared<wsx::message_stream>(s.send_binary_stream());
        next();
    });
    const std::size_t resident_before = resident_bytes();
    c.connect(url_for(server, "/big"));
    REQUIRE(run_until(io, [&] { return (lasts == 1 && finished) || send_error; }, std::chrono::minutes(5)));

    CHECK(!send_error);
    CHECK(received == big_message);
    CHECK(lasts == 1);
    CHECK(mismatches == 0);
    // Each chunk is at most what one read brings; the connection holds
    // nothing for the message (its held memory counts the reassembly and
    // send buffers), and the process did not grow with the message.
    CHECK(max_chunk <= 32 * 1024);
    CHECK(max_held <= 64 * 1024);
    CHECK(max_budget <= 64 * 1024);
    CHECK(max_buffered <= write_size + 14);
    CHECK(max_resident < resident_before + (32u << 20));
    UNSCOPED_INFO("received " << received << " bytes in " << calls << " chunks; held at most " << max_held
                              << " bytes, budget " << max_budget << ", resident +"
                              << (max_resident > resident_before ? max_resident - resident_before : 0));
    CHECK(calls > 0);
    c.close();
    server.stop();
    CHECK(run_to_completion(io));
}

TEST_CASE("message parts: a code point split between frames and between reads arrives whole, once",
          "[parts][integration]") {
    asio::io_context io;
    wsx::server server{io};
    parts_log log;
    auto& ep = server.endpoint("/t");
    ep.on_message_part([&](wsx::session&, std::string_view chunk, bool last) { log.add(chunk, last, false); });
    record(ep, log);
    server.listen("127.0.0.1", 0);
    io_threads runner(io);

    raw_peer peer;
    peer.connect(server.port());
    REQUIRE(peer.handshake("/t", server.port()));
    // U+1F600 (F0 9F 98 80), cut after its second byte by the frame boundary.
    peer.send_frame(op::text, "ab\xF0\x9F", false);
    REQUIRE(eventually([&] { return log.calls >= 1; }));
    peer.send_frame(op::continuation, "\x98\x80" "cd", true);
    REQUIRE(eventually([&] { return log.last_count() == 1; }));

    // One frame cut by two TCP writes in the middle of U+20AC (E2 82 AC).
    const std::string frame = encode_frame(op::text, "x\xE2\x82\xAC" "y");
    const std::size_t cut = frame.size() - 3; // after E2
    peer.write(std::string_view(frame).substr(0, cut));
    REQUIRE(eventually([&] { return log.calls >= 4; })); // "x" arrived
    peer.write(std::string_view(frame).substr(cut));
    REQUIRE(eventually([&] { return log.last_count() == 2; }));

    // An empty message: one call, empty, last.
    peer.send_frame(op::text, "");
    REQUIRE(eventually([&] { return log.last_count() == 3; }));

    {
        std::lock_guard<std::mutex> lock(log.mu);
        for (auto& c : log.chunks) CHECK(whole_utf8(c));
        CHECK(log.chunks.back().empty());
        CHECK(log.errors.empty());
        // The first message's last call is its last chunk.
        std::size_t first_last = 0;
        while (!log.lasts[first_last]) ++first_last;
        std::string first;
        for (std::size_t i = 0; i <= first_last; ++i) first += log.chunks[i];
        CHECK(first == "ab\xF0\x9F\x98\x80" "cd");
    }
    CHECK(log.joined() == "ab\xF0\x9F\x98\x80" "cd" "x\xE2\x82\xAC" "y");
    peer.send_close(1000);
    CHECK(peer.wait_closed());
    CHECK(stop_and_join(io, server, runner));
}

TEST_CASE("message parts: invalid UTF-8 in a later chunk: on_error, then 1007", "[parts][integration]") {
    asio::io_context io;
    wsx::server server{io};
    parts_log log;
    auto& ep = server.endpoint("/t");
    ep.on_message_part([&](wsx::session&, std::string_view chunk, bool last) { log.add(chunk, last, false); });
    record(ep, log);
    server.listen("127.0.0.1", 0);
    io_threads runner(io);

    raw_peer peer;
    peer.connect(server.port());
    REQUIRE(peer.handshake("/t", server.port()));
    peer.send_frame(op::text, "hello ", false);
    REQUIRE(eventually([&] { return log.calls >= 1; }));
    peer.send_frame(op::continuation, "wor\xC0\xAFld", true); // an overlong '/'
    auto close = peer.read_frame_of(op::close);
    REQUIRE(close);
    CHECK(close->close_code() == 1007);
    REQUIRE(eventually([&] { return log.closes == 1; }));
    {
        std::lock_guard<std::mutex> lock(log.mu);
        REQUIRE(log.errors.size() == 1);
        CHECK(log.errors[0] == wsx::error::invalid_utf8);
    }
    // What was valid was delivered; the message never had its last call.
    CHECK(log.joined().rfind("hello ", 0) == 0);
    CHECK(log.joined().find('\xC0') == std::string::npos);
    CHECK(log.last_count() == 0);
    CHECK(stop_and_join(io, server, runner));
}

TEST_CASE("message parts: a text-only part handler closes on binary with 1003", "[parts][integration]") {
    asio::io_context io;
    wsx::server server{io};
    parts_log log;
    auto& ep = server.endpoint("/t");
    ep.on_message_part([&](wsx::session&, std::string_view chunk, bool last) { log.add(chunk, last, false); });
    record(ep, log);
    server.listen("127.0.0.1", 0);

    wsx::client c{io};
    int client_close = 0;
    c.on_open([](wsx::session& s) {
         s.send("text is fine");
         s.send_binary(std::string_view("\x01\x02", 2));
     })
        .on_close([&](wsx::session&, const wsx::close_reason& r) { client_close = r.code; });
    c.connect(url_for(server, "/t"));
    REQUIRE(run_until(io, [&] { return client_close != 0 && log.closes == 1; }));
    CHECK(client_close == 1003);
    CHECK(log.joined() == "text is fine");
    CHECK(log.last_count() == 1);
    REQUIRE(log.errors.size() == 1);
    CHECK(log.errors[0] == wsx::error::unsupported_data);
    server.stop();
    CHECK(run_to_completion(io));
}

TEST_CASE("message parts: max_message_size still applies: 1009 at the fragment that crosses it",
          "[parts][integration]") {
    asio::io_context io;
    wsx::server server{io};
    parts_log log;
    wsx::session_options o;
    o.max_message_size = 1000;
    auto& ep = server.endpoint("/t");
    ep.options(o).on_message_part([&](wsx::session&, wsx::byte_view chunk, bool last) {
        log.add(std::string_view(reinterpret_cast<const char*>(chunk.data()), chunk.size()), last, true);
    });
    record(ep, log);
    server.listen("127.0.0.1", 0);
    io_threads runner(io);

    raw_peer peer;
    peer.connect(server.port());
    REQUIRE(peer.handshake("/t", server.port()));
    peer.send_frame(op::binary, std::string(600, 'a'), false);
    peer.send_frame(op::continuation, std::string(600, 'b'), true);
    auto close = peer.read_frame_of(op::close);
    REQUIRE(close);
    CHECK(close->close_code() == 1009);
    REQUIRE(eventually([&] { return log.closes == 1; }));
    CHECK(log.joined() == std::string(600, 'a'));
    CHECK(log.last_count() == 0);
    {
        std::lock_guard<std::mutex> lock(log.mu);
        REQUIRE(log.errors.size() == 1);
        CHECK(log.errors[0] == wsx::error::message_too_big);
    }
    CHECK(stop_and_join(io, server, runner));
}

namespace {
// The class form: one object per connection, an overload per type.
struct part_counter {
    static inline std::atomic<int> text_lasts{0};
    static inline std::atomic<int> binary_lasts{0};
    static inline std::atomic<std::size_t> bytes{0};
    std::string text; // per connection
    void on_message_part(wsx::session& s, std::string_view chunk, bool last) {
        text.append(chunk);
        if (!last) return;
        ++text_lasts;
        s.send("got " + text);
        text.clear();
    }
    void on_message_part(wsx::session&, wsx::byte_view chunk, bool last) {
        bytes += chunk.size();
        if (last) ++binary_lasts;
    }
};
} // namespace

TEST_CASE("message parts: the class form, text and binary overloads", "[parts][integration]") {
    asio::io_context io;
    wsx::server server{io};
    server.endpoint<part_counter>("/c");
    server.listen("127.0.0.1", 0);

    wsx::client c{io};
    std::vector<std::string> replies;
    c.on_open([](wsx::session& s) {
         s.send("hello");
         s.send_binary(std::string_view("\x01\x02\x03", 3));
         s.send("");
     })
        .on_message([&](wsx::session&, const wsx::message& m) { replies.emplace_back(m.text()); });
    c.connect(url_for(server, "/c"));
    REQUIRE(run_until(io, [&] { return replies.size() == 2 && part_counter::binary_lasts == 1; }));
    CHECK(replies == std::vector<std::string>{"got hello", "got "});
    CHECK(part_counter::text_lasts == 2);
    CHECK(part_counter::bytes == 3);
    c.close();
    server.stop();
    CHECK(run_to_completion(io));
}

TEST_CASE("message parts: one generic lambda takes both types; on_message is not called beside it",
          "[parts][integration]") {
    asio::io_context io;
    wsx::server server{io};
    int whole = 0, text_calls = 0, binary_calls = 0;
    server.endpoint("/g")
        .on_message([&](wsx::session&, const wsx::message&) { ++whole; })
        .on_message_part([&](wsx::session& s, auto chunk, bool last) {
            if constexpr (std::is_same_v<decltype(chunk), std::string_view>) ++text_calls;
            else ++binary_calls;
            if (last) s.send("done");
        });
    server.listen("127.0.0.1", 0);

    wsx::client c{io};
    int dones = 0;
    c.on_open([](wsx::session& s) {
         s.send("t");
         s.send_binary(std::string_view("b", 1));
     })
        .on_message([&](wsx::session&, const wsx::message&) { ++dones; });
    c.connect(url_for(server, "/g"));
    REQUIRE(run_until(io, [&] { return dones == 2; }));
    CHECK(text_calls == 1);
    CHECK(binary_calls == 1);
    CHECK(whole == 0);
    c.close();
    server.stop();
    CHECK(run_to_completion(io));
}

TEST_CASE("message parts: a client receives in chunks too", "[parts][integration]") {
    asio::io_context io;
    wsx::server server{io};
    const std::string big = doubled_pattern().substr(0, period); // binary: any bytes
    server.endpoint("/down").on_message([&](wsx::session& s, std::string_view) {
        s.send_binary(wsx::byte_view(reinterpret_cast<const std::uint8_t*>(big.data()), big.size()));
        s.send("done");
    });
    server.listen("127.0.0.1", 0);

    wsx::client c{io};
    parts_log log;
    bool open = false;
    c.on_open([&](wsx::session& s) {
         open = true;
         s.send("go");
     })
        .on_message_part([&](wsx::session&, auto chunk, bool last) {
            using chunk_t = decltype(chunk);
            log.add(std::string_view(reinterpret_cast<const char*>(chunk.data()), chunk.size()), last,
                    std::is_same_v<chunk_t, wsx::byte_view>);
        });
    c.connect(url_for(server, "/down"));
    REQUIRE(run_until(io, [&] { return log.last_count() == 2 || log.closes > 0; }));
    CHECK(open);
    std::lock_guard<std::mutex> lock(log.mu);
    // The binary message, in one or more chunks, then "done" as text.
    std::string got;
    std::size_t i = 0;
    for (; i < log.chunks.size() && log.binary[i]; ++i) got += log.chunks[i];
    CHECK(got == big);
    REQUIRE(i >= 1);
    CHECK(log.lasts[i - 1]);
    REQUIRE(i + 1 == log.chunks.size());
    CHECK(log.chunks[i] == "done");
    CHECK(log.lasts[i]);
}
