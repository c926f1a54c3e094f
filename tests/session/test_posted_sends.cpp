// Copyright (c) 2026 wsx developers. Distributed under the Boost Software License, Version 1.0.
// Sends to a connection from off its strand (another connection's handler,
// the program's own code): posted, in the order made whatever their kind,
// never run inside the caller, and gathered into one write.

#include "loopback.hpp"
#include "memory_transport.hpp"
#include "wsx_catch.hpp"

#include <mutex>
#include <string>
#include <vector>

using namespace wsx_test;

namespace {

struct pair_of_connections : memory_connections {
    wsx::server_endpoint* ep = nullptr;
    pair_of_connections() {
        ep = &server.endpoint("/p");
        for (int i = 0; i < 2; ++i) REQUIRE(open_websocket("/p"));
    }
    // Every frame connection i wrote since the last call, as "op:payload".
    std::vector<std::string> frames(std::size_t i) {
        std::vector<std::string> out;
        for (auto& f : frames_from(i)) out.push_back(std::to_string(f.opcode) + ":" + f.payload);
        return out;
    }
};

} // namespace

TEST_CASE("posted sends: one handler's sends to another connection arrive in the order made, whatever their kind",
          "[session][send]") {
    pair_of_connections p;
    auto& b = *p.sessions[1];
    b.subscribe("t");
    const auto prepared = wsx::prepared_message::text("3");
    p.ep->on_message([&](wsx::session& s, const wsx::message&) {
        if (s.id() != p.sessions[0]->id()) return;
        b.send("1");
        p.server.publish("t", "2");
        b.send(prepared);
        b.send(wsx::message::binary(std::string("4")));
        b.ping("5");
        b.send_binary(std::string("6"));
        b.close(wsx::close_code::normal, "7");
    });
    const int writes_before = p.wires[1]->writes;
    p.send(0, encode_frame(0x1, "go"));
    CHECK(p.frames(1) == std::vector<std::string>{"1:1", "1:2", "1:3", "2:4", "9:5", "2:6",
                                                  "8:" + close_payload(1000, "7")});
    // Run back to back, they left in one write.
    CHECK(p.wires[1]->writes - writes_before == 1);
}

TEST_CASE("posted sends: a send never runs the receiver's handlers inside the caller", "[session][send]") {
    // Run inside the caller, the refused send's on_error would run under a
    // lock the caller holds (a deadlock when on_error takes it too).
    pair_of_connections p;
    auto& b = *p.sessions[1];
    p.wires[1]->capacity = 0; // b's peer reads nothing: its queue fills
    bool caller_inside = false;
    int refused = 0, refused_inside = 0;
    p.ep->on_error([&](wsx::session&, std::error_code ec) {
        if (ec != wsx::error::send_queue_full) return;
        ++refused;
        refused_inside += caller_inside;
    });
    const auto big = wsx::prepared_message::binary(std::string(1 << 20, 'x'));
    p.ep->on_message([&](wsx::session& s, const wsx::message&) {
        if (s.id() != p.sessions[0]->id()) return;
        caller_inside = true;
        for (int i = 0; i < 20; ++i) b.send(big); // 20 MiB into a 16 MiB limit
        caller_inside = false;
    });
    p.send(0, encode_frame(0x1, "go"));
    CHECK(refused == 1);
    CHECK(refused_inside == 0);
    CHECK(b.is_open());
}
