// Broadcast with permessage-deflate: a prepared_message sent to many
// sessions is compressed once for all receivers whose server side agreed
// server_no_context_takeover with the same window, and per receiver when
// the compressor keeps its context (those bytes depend on what that
// connection sent before). A plain wsx::message is compressed per receiver. Counted with a codec factory that wraps wsx's
// own codec and counts every compression it is asked for.

#include "wsx_catch.hpp"
#include "loopback.hpp"

#include <wsx/deflate.hpp>
#include <wsx/protocol/deflate.hpp>
#include <wsx/wsx.hpp>

#include <atomic>
#include <memory>
#include <string>
#include <vector>

using namespace wsx_test;
using namespace wsx::protocol;

namespace {

std::atomic<int> compressions{0};

class counting_codec final : public deflate_codec {
public:
    counting_codec(const deflate_params& agreed, role local, const deflate_options& opts) : inner_(agreed, local, opts) {}
    bool should_compress(std::size_t size) const noexcept override { return inner_.should_compress(size); }
    void compress(const std::uint8_t* data, std::size_t n, std::vector<std::uint8_t>& out) override {
        ++compressions;
        inner_.compress(data, n, out);
    }
    std::error_code decompress(const std::uint8_t* data, std::size_t n, std::vector<std::uint8_t>& out,
                               std::uint64_t max_size, bool text) override {
        return inner_.decompress(data, n, out, max_size, text);
    }
    std::size_t memory_usage() const noexcept override { return inner_.memory_usage(); }
    std::uint64_t shared_key() const noexcept override { return inner_.shared_key(); }
    void compress_detached(const std::uint8_t* data, std::size_t n, std::vector<std::uint8_t>& out) const override {
        ++compressions;
        inner_.compress_detached(data, n, out);
    }

private:
    permessage_deflate inner_;
};

std::unique_ptr<deflate_codec> make_counting(const deflate_params& agreed, role local, const deflate_options& opts) {
    return std::make_unique<counting_codec>(agreed, local, opts);
}

// A chat-like JSON text, compressible but not trivially so.
std::string payload(std::size_t n) {
    std::string s;
    for (unsigned i = 0; s.size() < n; ++i)
        s += "{\"user\":\"u" + std::to_string(i % 7) + "\",\"seq\":" + std::to_string(i * 7919u % 10007u) + "},";
    s.resize(n);
    return s;
}

struct broadcast_run {
    std::vector<std::string> received; // per client, the broadcast as it arrived
    std::vector<std::string> extensions;
    int compressions = 0;
    std::size_t forms = 0; // the prepared message's compressed forms
};

// `clients` clients connect; the first one sends "go"; the server then sends
// one prepared message (or, with `prepared` false, one wsx::message) to
// every open session (the sender included). client_window[i] is what client
// i asks for as server_max_window_bits.
broadcast_run run_broadcast(bool server_no_context_takeover, const std::vector<std::uint8_t>& client_window,
                            const std::string& text, std::size_t threshold = 0, bool prepared = true) {
    asio::io_context io;
    wsx::server server{io};
    auto& so = server.default_options().deflate;
    so = wsx::enable_deflate();
    so.make_codec = &make_counting;
    so.compress_threshold = threshold;
    so.server_no_context_takeover = server_no_context_takeover;
    std::size_t server_opened = 0;
    std::size_t forms = 0;
    server.endpoint("/room").on_open([&](wsx::session&) { ++server_opened; }).on_message([&](wsx::session& s, const wsx::message& m) {
        if (m.text() != "go") return;
        compressions = 0;
        if (!prepared) {
            const auto out = wsx::message::text(text);
            for (auto& h : s.open_sessions()) h.send(out);
            return;
        }
        const auto out = wsx::prepared_message::text(text);
        for (auto& h : s.open_sessions()) h.send(out);
        forms = out.compressed_forms();
    });
    server.listen("127.0.0.1", 0);

    const std::size_t n = client_window.size();
    broadcast_run r;
    r.received.resize(n);
    r.extensions.resize(n);
    std::vector<std::unique_ptr<wsx::client>> clients;
    std::size_t opened = 0;
    std::size_t done = 0;
    for (std::size_t i = 0; i < n; ++i) {
        auto c = std::make_unique<wsx::client>(io);
        c->options().deflate = wsx::enable_deflate();
        c->options().deflate.server_max_window_bits = client_window[i];
        c->on_open([&, i](wsx::session& s) {
             r.extensions[i] = s.extensions();
             ++opened;
         }).on_message([&, i](wsx::session&, const wsx::message& m) {
            r.received[i] = std::string(m.text());
            ++done;
        });
        c->connect(url_for(server, "/room"));
        clients.push_back(std::move(c));
    }
    REQUIRE(run_until(io, [&] { return opened == n; }));
    // Every session is open on the server too before the broadcast, or
    // open_sessions() could miss one whose handshake is still in flight.
    REQUIRE(run_until(io, [&] { return server_opened == n; }));
    clients[0]->send("go");
    REQUIRE(run_until(io, [&] { return done == n; }));
    r.compressions = compressions.load();
    r.forms = forms;
    for (auto& c : clients) c->close();
    server.stop();
    CHECK(run_to_completion(io));
    return r;
}

} // namespace

TEST_CASE("deflate broadcast: one compression for every receiver without context takeover", "[deflate][broadcast]") {
    const std::string text = payload(20000);
    const auto r = run_broadcast(true, {15, 15, 15, 15, 15}, text);
    for (std::size_t i = 0; i < r.received.size(); ++i) {
        INFO("client " << i);
        CHECK(r.extensions[i].find("server_no_context_takeover") != std::string::npos);
        CHECK(r.received[i] == text);
    }
    CHECK(r.compressions == 1);
    CHECK(r.forms == 1);
}

TEST_CASE("deflate broadcast: a plain message is compressed for each receiver", "[deflate][broadcast]") {
    const std::string text = payload(20000);
    const auto r = run_broadcast(true, {15, 15, 15, 15}, text, 0, false);
    for (auto& got : r.received) CHECK(got == text);
    CHECK(r.compressions == 4);
}

TEST_CASE("deflate broadcast: receivers that agreed different windows get one compression per window",
          "[deflate][broadcast]") {
    const std::string text = payload(50000);
    const auto r = run_broadcast(true, {15, 10, 15, 10, 12}, text);
    for (std::size_t i = 0; i < r.received.size(); ++i) {
        INFO("client " << i);
        CHECK(r.received[i] == text);
    }
    CHECK(r.extensions[1].find("server_max_window_bits=10") != std::string::npos);
    CHECK(r.compressions == 3);
    CHECK(r.forms == 3);
}

TEST_CASE("deflate broadcast: with context takeover every receiver compresses its own", "[deflate][broadcast]") {
    const std::string text = payload(20000);
    const auto r = run_broadcast(false, {15, 15, 15, 15}, text);
    for (std::size_t i = 0; i < r.received.size(); ++i) {
        INFO("client " << i);
        CHECK(r.extensions[i].find("server_no_context_takeover") == std::string::npos);
        CHECK(r.received[i] == text);
    }
    CHECK(r.compressions == 4);
    CHECK(r.forms == 0);
}

TEST_CASE("deflate broadcast: a message below the threshold goes out uncompressed, framed once",
          "[deflate][broadcast]") {
    const auto r = run_broadcast(true, {15, 15, 15}, "short", 64);
    for (auto& got : r.received) CHECK(got == "short");
    CHECK(r.compressions == 0);
    CHECK(r.forms == 0);
}

TEST_CASE("deflate broadcast: a client sends a prepared message through its own compressor",
          "[deflate][broadcast]") {
    asio::io_context io;
    wsx::server server{io};
    server.default_options().deflate = wsx::enable_deflate();
    std::vector<std::string> got;
    server.endpoint("/in").on_message([&](wsx::session&, const wsx::message& m) { got.emplace_back(m.text()); });
    server.listen("127.0.0.1", 0);
    wsx::client c{io};
    c.options().deflate = wsx::enable_deflate();
    bool open = false;
    c.on_open([&](wsx::session&) { open = true; });
    c.connect(url_for(server, "/in"));
    REQUIRE(run_until(io, [&] { return open; }));
    const std::string text = payload(5000);
    const auto pm = wsx::prepared_message::text(text);
    c.send(pm);
    c.send(pm); // the second one leans on the client's context
    REQUIRE(run_until(io, [&] { return got.size() == 2; }));
    CHECK(got[0] == text);
    CHECK(got[1] == text);
    CHECK(pm.compressed_forms() == 0); // a client shares nothing
    c.close();
    server.stop();
    CHECK(run_to_completion(io));
}
