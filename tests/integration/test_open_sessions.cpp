// Copyright (c) 2026 wsx developers. Distributed under the Boost Software License, Version 1.0.
// open_sessions() over the one registry of live sessions
// (include/wsx/detail/session_registry.hpp) that a server shares with its
// endpoints and its caps: a connection still in its handshake is counted
// by the server but listed by no endpoint, each endpoint lists only its own
// open sessions, and a session leaves every list as it ends. The server's
// side runs over the in-memory transport, one step at a time; a client's
// (which keeps a registry of its own) over loopback TCP.

#include "loopback.hpp"
#include "memory_transport.hpp"
#include "wsx_catch.hpp"

#include <wsx/wsx.hpp>

#include <cstdint>
#include <memory>
#include <set>
#include <string>
#include <vector>

using namespace wsx_test;

namespace {

std::multiset<std::uint64_t> ids(const std::vector<wsx::session_handle>& handles) {
    std::multiset<std::uint64_t> out;
    for (auto& h : handles) out.insert(h.id());
    return out;
}

using id_set = std::multiset<std::uint64_t>;

} // namespace

TEST_CASE("open sessions: each endpoint lists only its own open sessions; a handshake in progress is counted, not listed",
          "[registry]") {
    memory_connections m;
    std::vector<id_set> at_open, at_close; // what s.open_sessions() said in each handler
    auto& a = m.server.endpoint("/a");
    auto& b = m.server.endpoint("/b");
    a.on_open([&](wsx::session& s) { at_open.push_back(ids(s.open_sessions())); })
        .on_close([&](wsx::session& s) { at_close.push_back(ids(s.open_sessions())); });
    b.on_open([&](wsx::session& s) { at_open.push_back(ids(s.open_sessions())); });

    const std::string to_a = upgrade_request("/a", 80);
    const auto c1 = m.accept();
    m.send(c1, to_a);
    const auto c2 = m.accept();
    m.send(c2, to_a);
    const auto c3 = m.accept();
    m.send(c3, upgrade_request("/b", 80));
    const auto c4 = m.accept();
    m.send(c4, to_a.substr(0, to_a.size() / 2)); // still in its handshake

    // The session sees itself in on_open: it is listed before its handler runs.
    CHECK(at_open == std::vector<id_set>{{1}, {1, 2}, {3}});
    CHECK(m.sessions[c4]->ready_state() == wsx::ready_state::connecting);
    // Four connections; the half-read request is neither routed (so not
    // counted against the caps) nor anyone's open session.
    const auto st = m.server.stats();
    CHECK(st.connections == 4);
    CHECK(st.admitted_connections == 3);
    CHECK(m.server.session_count() == 4);
    CHECK(ids(a.open_sessions()) == id_set{1, 2});
    CHECK(ids(b.open_sessions()) == id_set{3});
    // From inside: a session's own endpoint, not the server's other one.
    CHECK(ids(m.sessions[c2]->open_sessions()) == id_set{1, 2});
    CHECK(ids(m.sessions[c3]->open_sessions()) == id_set{3});
    CHECK(m.sessions[c4]->open_sessions().empty());

    // The rest of the request: now it is open, and on /a.
    m.send(c4, to_a.substr(to_a.size() / 2));
    REQUIRE(m.sessions[c4]->ready_state() == wsx::ready_state::open);
    CHECK(at_open.back() == id_set{1, 2, 4});
    CHECK(ids(a.open_sessions()) == id_set{1, 2, 4});
    CHECK(ids(b.open_sessions()) == id_set{3});
    CHECK(m.server.stats().admitted_connections == 4);

    // A closing handshake: the server echoes, ends TCP, and the session is
    // gone from every list before on_close (it does not see itself there).
    m.send(c1, encode_frame(op::close, close_payload(1000)));
    REQUIRE(m.sessions[c1]->ready_state() == wsx::ready_state::closed);
    CHECK(at_close == std::vector<id_set>{{2, 4}});
    CHECK(ids(a.open_sessions()) == id_set{2, 4});
    CHECK(m.server.stats().connections == 3);
    CHECK(m.server.stats().admitted_connections == 3);

    // A peer that drops TCP: the other endpoint's list empties, /a's stays.
    m.drop(c3);
    REQUIRE(m.sessions[c3]->ready_state() == wsx::ready_state::closed);
    CHECK(b.open_sessions().empty());
    CHECK(ids(a.open_sessions()) == id_set{2, 4});

    m.drop(c2);
    m.drop(c4);
    CHECK(a.open_sessions().empty());
    CHECK(b.open_sessions().empty());
    CHECK(m.sessions[c2]->open_sessions().empty());
    const auto end = m.server.stats();
    CHECK(end.connections == 0);
    CHECK(end.admitted_connections == 0);
    CHECK(m.server.session_count() == 0);
}

TEST_CASE("open sessions: a client's session lists its own connection, not the server's nor another client's",
          "[registry][client]") {
    asio::io_context io;
    wsx::server server{io};
    auto& ep = server.endpoint("/e");
    server.listen("127.0.0.1", 0);

    wsx::client one{io}, two{io};
    std::vector<std::shared_ptr<wsx::session>> one_at_open; // what one's s.open_sessions() held in on_open
    one.on_open([&](wsx::session& s) {
        one_at_open.clear();
        for (auto& h : s.open_sessions()) one_at_open.push_back(h.lock());
    });
    one.connect(ws_url(server.port(), "/e"));
    two.connect(ws_url(server.port(), "/e"));
    REQUIRE(run_until(io, [&] {
        return one.ready_state() == wsx::ready_state::open && two.ready_state() == wsx::ready_state::open &&
               ep.open_sessions().size() == 2;
    }));

    // Ids are per client (both are 1) and per server: compare the objects.
    CHECK(one_at_open == std::vector<std::shared_ptr<wsx::session>>{one.session()});
    auto two_sees = two.session()->open_sessions();
    REQUIRE(two_sees.size() == 1);
    CHECK(two_sees[0].lock() == two.session());
    for (auto& h : ep.open_sessions()) {
        auto s = h.lock();
        REQUIRE(s);
        CHECK(s != one.session());
        CHECK(s != two.session());
    }

    // Closed: gone from its client's list, and its server side from the endpoint's.
    const auto first = one.session();
    one.close();
    REQUIRE(run_until(io, [&] {
        return one.ready_state() == wsx::ready_state::closed && ep.open_sessions().size() == 1 &&
               server.stats().connections == 1;
    }));
    CHECK(first->open_sessions().empty());
    CHECK(two.session()->open_sessions().size() == 1);

    // Reconnected: the new connection alone, not the closed one.
    one.connect(ws_url(server.port(), "/e"));
    REQUIRE(run_until(io, [&] { return one.ready_state() == wsx::ready_state::open && ep.open_sessions().size() == 2; }));
    REQUIRE(one.session() != first);
    CHECK(one_at_open == std::vector<std::shared_ptr<wsx::session>>{one.session()});

    one.close();
    two.close();
    server.stop();
    CHECK(run_to_completion(io));
    CHECK(one.session()->open_sessions().empty());
    CHECK(two.session()->open_sessions().empty());
    CHECK(ep.open_sessions().empty());
}
