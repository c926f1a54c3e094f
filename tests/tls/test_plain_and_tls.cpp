// Copyright (c) 2026 wsx developers. Distributed under the Boost Software License, Version 1.0.
// One wsx::server on two ports, wss:// (listen_tls) and ws:// (listen),
// with one endpoint: a ws:// client and a wss:// client meet in the same
// session list, messages go both ways on each (sizes that straddle the
// frame-length encodings and the socket buffer, so the plain stream's
// gather writes and read_now run too), a broadcast through
// open_sessions() reaches both, each side knows whether it is encrypted,
// each port speaks only its own protocol, stop() ends both listeners
// and every session so that run() returns, and a certificate that cannot
// be loaded makes listen_tls() throw without disturbing the ws:// port.

#include "wsx_catch.hpp"
#include "tls_fixture.hpp"

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <system_error>
#include <string_view>
#include <utility>
#include <vector>

using namespace wsx_test;

namespace {

// Handlers run on the test thread (run_until), so plain members are enough.
struct mixed_server {
    wsx::server server;
    std::map<std::uint64_t, bool> secure_by_session; // what each session said in on_open
    std::vector<bool> secure_handshakes;              // upgrade_request::is_secure() of each handshake
    std::vector<std::size_t> peers_seen;             // open_sessions().size() at each broadcast
    std::vector<wsx::close_reason> closes;
    std::vector<std::error_code> errors;
    std::uint16_t tls_port = 0;
    std::uint16_t plain_port = 0;

    explicit mixed_server(asio::io_context& io) : server(io) {
        server.endpoint("/room")
            .on_handshake([this](wsx::upgrade_request& u) { secure_handshakes.push_back(u.is_secure()); })
            .on_open([this](wsx::session& s) {
                secure_by_session[s.id()] = s.is_secure();
                // What the session reports is what it is: no SNI and no
                // client certificate on the plain port, and a socket on both.
                CHECK(s.native_handle() >= 0);
                CHECK(s.peer_certificate() == nullptr); // this server asks for none
                if (!s.is_secure()) CHECK(s.requested_server_name().empty());
            })
            .on_message([this](wsx::session& s, const wsx::message& m) {
                std::string_view text = m.text();
                if (text.substr(0, 4) == "all:") {
                    auto peers = s.open_sessions();
                    peers_seen.push_back(peers.size());
                    for (auto& p : peers) p.send(wsx::message::text(std::string(text.substr(4))));
                    return;
                }
                // The echo names the port it came in on, as the server saw it.
                std::string prefix = s.is_secure() ? "wss:" : "ws:";
                if (m.is_binary())
                    s.send(wsx::message::binary(prefix + std::string(text)));
                else
                    s.send(prefix + std::string(text));
            })
            .on_error([this](wsx::session&, std::error_code ec) { errors.push_back(ec); })
            .on_close([this](wsx::session&, const wsx::close_reason& r) { closes.push_back(r); });
        server.listen_tls("127.0.0.1", 0, cert_of(pki().server));
        server.listen("127.0.0.1", 0);
        auto ports = server.ports();
        REQUIRE(ports.size() == 2);
        tls_port = ports[0];
        plain_port = ports[1];
        REQUIRE(server.port() == tls_port);
        REQUIRE(tls_port != plain_port);
    }
};

// A client (the one wsx::client, for ws:// and wss:// alike) and what its
// handlers saw.
struct peer {
    wsx::client client;
    bool opened = false;
    bool secure = false; // the client's own session, in on_open
    int closes = 0;
    wsx::close_reason close;
    std::vector<std::error_code> errors;
    std::vector<std::string> received;

    template <class... Args> explicit peer(asio::io_context& io, Args&&... args) : client(io, std::forward<Args>(args)...) {
        client.on_open([this](wsx::session& s) {
                opened = true;
                secure = s.is_secure();
            })
            .on_message([this](wsx::session&, const wsx::message& m) { received.emplace_back(m.text()); })
            .on_error([this](wsx::session&, std::error_code ec) { errors.push_back(ec); })
            .on_close([this](wsx::session&, const wsx::close_reason& r) {
                close = r;
                ++closes;
            });
    }
};
// The same type either way; the names say which URL each one is given.
using ws_peer = peer;
using wss_peer = peer;

std::string ws_url_for(std::uint16_t port) { return "ws://127.0.0.1:" + std::to_string(port) + "/room"; }
std::string wss_url_for(std::uint16_t port) { return wss_url(port, "127.0.0.1", "/room"); }

// Both clients connected, one on each port.
struct mixed_pair {
    asio::io_context io;
    mixed_server srv{io};
    ws_peer plain{io};
    wss_peer secure{io, trusting_test_ca()};

    mixed_pair() {
        plain.client.connect(ws_url_for(srv.plain_port));
        secure.client.connect(wss_url_for(srv.tls_port));
        REQUIRE(run_until(io, [&] {
            return (plain.opened || plain.closes > 0) && (secure.opened || secure.closes > 0);
        }));
        INFO("ws:// error: " << (plain.errors.empty() ? std::string("none") : plain.errors.front().message()));
        INFO("wss:// error: " << (secure.errors.empty() ? std::string("none") : secure.errors.front().message()));
        REQUIRE(plain.opened);
        REQUIRE(secure.opened);
        REQUIRE(run_until(io, [&] { return srv.secure_by_session.size() == 2; }));
    }
};

} // namespace

TEST_CASE("plain and tls: one endpoint serves a ws:// and a wss:// client, each knows which it is",
          "[tls][plain]") {
    mixed_pair p;
    // One secure and one plain session on the server, in the same table.
    int secure_sessions = 0, plain_sessions = 0;
    for (auto& kv : p.srv.secure_by_session) (kv.second ? secure_sessions : plain_sessions)++;
    CHECK(secure_sessions == 1);
    CHECK(plain_sessions == 1);
    // The handshake handler could already tell the two apart.
    REQUIRE(p.srv.secure_handshakes.size() == 2);
    CHECK(p.srv.secure_handshakes[0] != p.srv.secure_handshakes[1]);
    CHECK(p.srv.server.session_count() == 2);
    // And the clients' own sessions.
    CHECK(p.secure.secure);
    CHECK_FALSE(p.plain.secure);

    p.plain.client.send("hello");
    p.secure.client.send("hello");
    REQUIRE(run_until(p.io, [&] { return p.plain.received.size() == 1 && p.secure.received.size() == 1; }));
    CHECK(p.plain.received[0] == "ws:hello");
    CHECK(p.secure.received[0] == "wss:hello");
    CHECK(p.srv.errors.empty());
}

TEST_CASE("plain and tls: messages of every length boundary both ways on both ports", "[tls][plain]") {
    mixed_pair p;
    const std::vector<std::size_t> sizes = {0, 1, 125, 126, 65535, 65536, 300'000, 1024 * 1024};
    std::size_t expected = 0;
    for (std::size_t n : sizes) {
        INFO("size " << n);
        std::string payload = pattern_text(n, static_cast<unsigned>(n));
        p.plain.client.send(payload);
        p.secure.client.send(wsx::message::binary(payload));
        ++expected;
        REQUIRE(run_until(p.io, [&] {
            return (p.plain.received.size() == expected && p.secure.received.size() == expected) ||
                   p.plain.closes > 0 || p.secure.closes > 0;
        }));
        REQUIRE(p.plain.closes == 0);
        REQUIRE(p.secure.closes == 0);
        CHECK(p.plain.received.back() == "ws:" + payload);
        CHECK(p.secure.received.back() == "wss:" + payload);
    }
    // A burst on the plain port: order survives coalesced writes.
    constexpr int burst = 500;
    for (int i = 0; i < burst; ++i) p.plain.client.send("m" + std::to_string(i) + pattern_text(static_cast<std::size_t>(i)));
    REQUIRE(run_until(p.io, [&] { return p.plain.received.size() == expected + burst || p.plain.closes > 0; }));
    REQUIRE(p.plain.received.size() == expected + burst);
    for (int i = 0; i < burst; ++i)
        REQUIRE(p.plain.received[expected + static_cast<std::size_t>(i)] ==
                "ws:m" + std::to_string(i) + pattern_text(static_cast<std::size_t>(i)));
    CHECK(p.plain.errors.empty());
    CHECK(p.secure.errors.empty());
}

TEST_CASE("plain and tls: a broadcast through open_sessions() reaches both ports", "[tls][plain]") {
    mixed_pair p;
    p.plain.client.send("all:from ws");
    REQUIRE(run_until(p.io, [&] { return p.plain.received.size() == 1 && p.secure.received.size() == 1; }));
    CHECK(p.plain.received[0] == "from ws");
    CHECK(p.secure.received[0] == "from ws");

    p.secure.client.send("all:from wss");
    REQUIRE(run_until(p.io, [&] { return p.plain.received.size() == 2 && p.secure.received.size() == 2; }));
    CHECK(p.plain.received[1] == "from wss");
    CHECK(p.secure.received[1] == "from wss");
    CHECK(p.srv.peers_seen == std::vector<std::size_t>{2, 2});
}

TEST_CASE("plain and tls: stop() closes both listeners and every session, and run() returns", "[tls][plain][close]") {
    mixed_pair p;
    p.srv.server.stop();
    REQUIRE(run_until(p.io, [&] { return p.plain.closes > 0 && p.secure.closes > 0; }));
    CHECK(p.plain.close.code == wsx::close_code::going_away);
    CHECK(p.secure.close.code == wsx::close_code::going_away);
    CHECK(p.plain.errors.empty());
    CHECK(p.secure.errors.empty());
    REQUIRE(p.srv.closes.size() == 2);
    for (auto& c : p.srv.closes) CHECK(c.code == wsx::close_code::going_away);
    CHECK(run_to_completion(p.io)); // nothing left: no acceptor, no session, no timer
    CHECK(p.srv.server.session_count() == 0);

    // Both ports are closed now: a new client of either kind is refused.
    ws_peer late_plain(p.io);
    wss_peer late_secure(p.io, trusting_test_ca());
    late_plain.client.connect(ws_url_for(p.srv.plain_port));
    late_secure.client.connect(wss_url_for(p.srv.tls_port));
    REQUIRE(run_until(p.io, [&] { return late_plain.closes > 0 && late_secure.closes > 0; }));
    CHECK_FALSE(late_plain.opened);
    CHECK_FALSE(late_secure.opened);
    CHECK(p.srv.secure_by_session.size() == 2);
}

TEST_CASE("plain and tls: each port speaks only its own protocol", "[tls][plain][wrong]") {
    asio::io_context io;
    mixed_server srv(io);

    // wss:// at the plain port: the client learns the port is not TLS.
    wss_peer tls_at_plain(io, trusting_test_ca());
    tls_at_plain.client.connect(wss_url_for(srv.plain_port));
    // ws:// at the TLS port: the TLS port answers plain text with a 400.
    ws_peer plain_at_tls(io);
    plain_at_tls.client.connect(ws_url_for(srv.tls_port));

    REQUIRE(run_until(io, [&] { return tls_at_plain.closes > 0 && plain_at_tls.closes > 0; }));
    CHECK_FALSE(tls_at_plain.opened);
    CHECK_FALSE(plain_at_tls.opened);
    REQUIRE(tls_at_plain.errors.size() == 1);
    REQUIRE(plain_at_tls.errors.size() == 1);
    INFO("wss:// at the plain port: " << tls_at_plain.errors[0].message());
    INFO("ws:// at the TLS port: " << plain_at_tls.errors[0].message());
    CHECK(tls_at_plain.errors[0] == wsx::tls_error::not_tls);
    CHECK(wsx::handshake_status(plain_at_tls.errors[0]) == 400);
    CHECK(srv.secure_by_session.empty());
}

TEST_CASE("plain and tls: on_http answers plain HTTP on the plain port", "[tls][plain][http]") {
    asio::io_context io;
    mixed_server srv(io);
    srv.server.on_http([](const wsx::protocol::http_request&, wsx::http_reply& r) { r.body = "page\n"; });

    asio::ip::tcp::socket sock(io);
    sock.connect(asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"), srv.plain_port));
    const std::string request = "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
    asio::write(sock, asio::buffer(request));
    std::string answer;
    bool done = false;
    std::vector<char> chunk(4096);
    std::function<void()> read_more = [&] {
        sock.async_read_some(asio::buffer(chunk), [&](std::error_code ec, std::size_t n) {
            answer.append(chunk.data(), n);
            if (ec) {
                done = true;
                return;
            }
            read_more();
        });
    };
    read_more();
    REQUIRE(run_until(io, [&] { return done; }));
    CHECK(answer.rfind("HTTP/1.1 200", 0) == 0);
    CHECK(answer.size() >= 5);
    CHECK(answer.substr(answer.size() - 5) == "page\n");
}

TEST_CASE("plain and tls: listen_tls() with a certificate that cannot be loaded throws and the ws:// port serves on",
          "[tls][plain]") {
    asio::io_context io;
    wsx::server server(io);
    server.endpoint("/room").on_message([](wsx::session& s, const wsx::message& m) { s.send(m); });
    server.listen("127.0.0.1", 0);
    REQUIRE(server.ports().size() == 1);

    temp_dir dir;
    const std::string missing = (dir.path() / "no-such-chain.pem").string();
    const std::string key = dir.write("key.pem", pki().server.key_pem);
    const std::string junk = dir.write("junk.pem", "this is not a certificate\n");
    auto failure = [&](const wsx::tls_server_options& o) -> std::system_error {
        try {
            server.listen_tls("127.0.0.1", 0, o);
        } catch (const std::system_error& e) {
            return e;
        }
        FAIL("listen_tls() did not throw");
        return std::system_error(std::error_code());
    };

    // A chain file that does not exist: the message names it and the reason.
    std::system_error e = failure(wsx::tls_certificate::from_files(missing, key));
    std::string what = e.what();
    INFO(what);
    CHECK(e.code() == std::errc::no_such_file_or_directory);
    CHECK(what.find(missing) != std::string::npos);
    CHECK(what.find("certificate chain") != std::string::npos);

    // A file that holds no certificate: named, with OpenSSL's reason.
    e = failure(wsx::tls_certificate::from_files(junk, key));
    what = e.what();
    INFO(what);
    CHECK(what.find(junk) != std::string::npos);
    CHECK(what.find("no start line") != std::string::npos);

    // A key that belongs to another certificate.
    e = failure(wsx::tls_certificate::from_pem(pki().server.cert_pem, pki().other.key_pem));
    what = e.what();
    INFO(what);
    CHECK(what.find("does not match") != std::string::npos);

    // No listener was added by the failures, and the ws:// port still serves.
    REQUIRE(server.ports().size() == 1);
    ws_peer c(io);
    c.client.connect(ws_url_for(server.port()));
    REQUIRE(run_until(io, [&] { return c.opened || c.closes > 0; }));
    REQUIRE(c.opened);
    CHECK_FALSE(c.secure);
    c.client.send("x");
    REQUIRE(run_until(io, [&] { return !c.received.empty() || c.closes > 0; }));
    CHECK(c.received == std::vector<std::string>{"x"});
}
