// Copyright (c) 2026 wsx developers. Distributed under the Boost Software License, Version 1.0.
// Failure injection: the same conversation (handshake, three echoes, the
// closing handshake) is run once cleanly to count its reads and writes,
// then once per read and per write with the transport failing from that
// operation on. Whatever breaks, the connection must end, hear on_close
// exactly when it heard on_open, report at most one error, and leave the
// server with no session.

#include "loopback.hpp"
#include "memory_transport.hpp"
#include "wsx_catch.hpp"

#include <string>
#include <vector>

using namespace wsx_test;

namespace {

struct outcome {
    int opens = 0;
    std::vector<wsx::close_reason> closes;
    std::vector<std::error_code> errors;
    std::vector<std::string> echoed;
    int reads = 0, writes = 0;
    bool ended = false;
    std::size_t sessions_left = 0;
};

outcome converse(int fail_read_at, int fail_write_at) {
    outcome o;
    memory_server m;
    m.w->fail_read_at = fail_read_at;
    m.w->fail_write_at = fail_write_at;
    m.server.endpoint("/echo")
        .on_open([&](wsx::session&) { ++o.opens; })
        .on_message([](wsx::session& s, const wsx::message& msg) { s.send(msg); })
        .on_close([&](wsx::session&, const wsx::close_reason& r) { o.closes.push_back(r); })
        .on_error([&](wsx::session&, std::error_code ec) { o.errors.push_back(ec); });
    m.accept();
    m.send(upgrade_request("/echo", 80));
    std::string out = m.w->take();
    if (auto end = out.find("\r\n\r\n"); end != std::string::npos) out.erase(0, end + 4);
    for (int i = 0; i < 3; ++i) {
        m.send(encode_frame(op::text, "message " + std::to_string(i)));
        out += m.w->take();
    }
    m.send(encode_frame(op::close, close_payload(1000)));
    out += m.w->take();
    m.w->end();
    m.run();
    bool masked = false;
    while (auto f = take_frame(out, masked))
        if (f->opcode == op::text) o.echoed.push_back(f->payload);
    o.reads = m.w->reads;
    o.writes = m.w->writes;
    o.ended = m.w->closed && m.session->ready_state() == wsx::ready_state::closed;
    o.sessions_left = m.server.session_count();
    return o;
}

// The conversation's reads and writes are, in order: the request (the
// 101), three messages (three echoes), the close frame (its answer). So
// failing from operation k lets k - 2 of the three messages through.
std::size_t delivered(int k) { return static_cast<std::size_t>(k < 2 ? 0 : (k - 2 > 3 ? 3 : k - 2)); }

void check_invariants(const outcome& o) {
    CHECK(o.ended);
    CHECK(o.sessions_left == 0);
    CHECK(o.closes.size() == static_cast<std::size_t>(o.opens));
    CHECK(o.errors.size() <= 1);
}

} // namespace

TEST_CASE("session failures: the clean conversation", "[session][failures]") {
    const outcome clean = converse(0, 0);
    check_invariants(clean);
    CHECK(clean.opens == 1);
    REQUIRE(clean.closes.size() == 1);
    CHECK(clean.closes[0].code == 1000);
    CHECK(clean.errors.empty());
    CHECK(clean.echoed == std::vector<std::string>{"message 0", "message 1", "message 2"});
    CHECK(clean.reads == 5);  // the request, three messages, the close frame
    CHECK(clean.writes == 5); // the 101, three echoes, the close frame
}

TEST_CASE("session failures: a read that fails at every step", "[session][failures]") {
    const outcome clean = converse(0, 0);
    for (int k = 1; k <= clean.reads; ++k) {
        INFO("reads fail from read " << k);
        const outcome o = converse(k, 0);
        check_invariants(o);
        if (k == 1) {
            CHECK(o.opens == 0); // the request never arrived
            continue;
        }
        CHECK(o.opens == 1);
        REQUIRE(o.closes.size() == 1);
        // The peer's close frame was never read: the connection dropped, 1006.
        CHECK(o.closes[0].code == 1006);
        REQUIRE(o.errors.size() == 1);
        CHECK(o.errors[0] == wsx::error::connection_reset);
        CHECK(o.echoed.size() == delivered(k));
    }
}

TEST_CASE("session failures: a write that fails at every step", "[session][failures]") {
    const outcome clean = converse(0, 0);
    for (int k = 1; k <= clean.writes; ++k) {
        INFO("writes fail from write " << k);
        const outcome o = converse(0, k);
        check_invariants(o);
        CHECK(o.opens == 1);
        REQUIRE(o.closes.size() == 1);
        if (k < clean.writes) {
            // An echo (or the 101) could not be written: 1006.
            CHECK(o.closes[0].code == 1006);
            REQUIRE(o.errors.size() == 1);
            CHECK(o.errors[0] == wsx::error::connection_reset);
        } else {
            // Only the answering close frame was lost: the peer's close was read.
            CHECK(o.closes[0].code == 1000);
        }
        CHECK(o.echoed.size() == delivered(k));
    }
}
