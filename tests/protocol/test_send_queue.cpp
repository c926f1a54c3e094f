// Copyright (c) 2026 wsx developers. Distributed under the Boost Software License, Version 1.0.
// The outgoing queue on its own: the gather list is the exact wire image,
// a write the socket took only part of resumes at the right byte, and
// failing the queue tells every waiting completion.

#include <wsx/detail/send_queue.hpp>

#include "wsx_catch.hpp"

#include <asio/buffer.hpp>

#include <cstdint>
#include <memory>
#include <string>
#include <system_error>
#include <vector>

namespace {

using wsx::detail::buffer_span;
using wsx::detail::send_queue;
using wsx::protocol::opcode;

std::string flatten(const buffer_span& span) {
    std::string out;
    for (const asio::const_buffer& b : span) out.append(static_cast<const char*>(b.data()), b.size());
    return out;
}

std::string frame_bytes(opcode op, const std::string& payload) {
    std::uint8_t header[wsx::protocol::max_header_size];
    std::size_t h = wsx::protocol::write_frame_header(header, op, payload.size(), true, false, nullptr);
    return std::string(reinterpret_cast<const char*>(header), h) + payload;
}

std::shared_ptr<wsx::detail::shared_frame> shared(const std::string& wire) {
    auto f = std::make_shared<wsx::detail::shared_frame>();
    f->bytes.assign(wire.begin(), wire.end());
    return f;
}

// A staged frame, a shared (broadcast) frame between copied ones, raw
// bytes, and a frame large enough to need a 16-bit length.
std::string fill(send_queue& q) {
    const std::string big(300, 'x');
    const std::string bcast = frame_bytes(opcode::text, "broadcast");
    q.push_frame(opcode::text, reinterpret_cast<const std::uint8_t*>("hello"), 5, true, false, nullptr);
    q.push_shared(shared(bcast));
    q.push_frame(opcode::binary, reinterpret_cast<const std::uint8_t*>(big.data()), big.size(), true, false, nullptr);
    q.push_raw(reinterpret_cast<const std::uint8_t*>("RAW"), 3);
    return frame_bytes(opcode::text, "hello") + bcast + frame_bytes(opcode::binary, big) + "RAW";
}

} // namespace

TEST_CASE("send_queue: an empty queue has nothing staged and nothing in flight") {
    send_queue q;
    CHECK_FALSE(q.has_staged());
    CHECK_FALSE(q.writing());
    CHECK(q.queued_bytes() == 0);
    CHECK(q.inflight_bytes() == 0);
    CHECK_FALSE(q.inflight_has_completions());
    q.fail_all(make_error_code(std::errc::broken_pipe)); // nothing to tell, nothing breaks
    CHECK(q.queued_bytes() == 0);
}

TEST_CASE("send_queue: the gather list is the wire image, in order") {
    send_queue q;
    const std::string wire = fill(q);
    CHECK(q.has_staged());
    CHECK(q.queued_bytes() == wire.size());
    buffer_span span = q.begin_write();
    CHECK(q.writing());
    CHECK(flatten(span) == wire);
    CHECK(q.inflight_bytes() == wire.size());
    // Frames queued during the write wait for the next one.
    q.push_frame(opcode::text, reinterpret_cast<const std::uint8_t*>("next"), 4, true, false, nullptr);
    CHECK(q.has_staged());
    q.end_write({});
    CHECK_FALSE(q.writing());
    CHECK(q.queued_bytes() == frame_bytes(opcode::text, "next").size());
    CHECK(flatten(q.begin_write()) == frame_bytes(opcode::text, "next"));
}

TEST_CASE("send_queue: after a partial write the rest starts at the first unwritten byte") {
    // Every split point, including inside a header, at a segment boundary,
    // and none or all of it written.
    std::string wire;
    {
        send_queue probe;
        wire = fill(probe);
    }
    for (std::size_t n = 0; n <= wire.size(); ++n) {
        send_queue q;
        fill(q);
        q.begin_write();
        buffer_span rest = q.advance(n);
        INFO("written " << n << " of " << wire.size());
        REQUIRE(flatten(rest) == wire.substr(n));
        for (const asio::const_buffer& b : rest) CHECK(b.size() != 0); // no empty buffers left in front
        q.end_write({});
        CHECK(q.queued_bytes() == 0);
    }
}

TEST_CASE("send_queue: completions run after their write, with its result") {
    send_queue q;
    std::vector<std::error_code> seen;
    fill(q);
    q.push_completion([&](std::error_code ec) { seen.push_back(ec); });
    q.begin_write();
    CHECK(q.inflight_has_completions());
    CHECK(seen.empty());
    q.end_write({});
    REQUIRE(seen.size() == 1);
    CHECK_FALSE(seen[0]);
    CHECK_FALSE(q.inflight_has_completions());
}

TEST_CASE("send_queue: failing the queue tells the completions in flight and staged, then it can be used again") {
    send_queue q;
    std::vector<std::error_code> seen;
    fill(q);
    q.push_completion([&](std::error_code ec) { seen.push_back(ec); });
    q.begin_write();
    fill(q);
    q.push_completion([&](std::error_code ec) { seen.push_back(ec); });
    const auto broken = make_error_code(std::errc::broken_pipe);
    q.fail_all(broken);
    REQUIRE(seen.size() == 2);
    CHECK(seen[0] == broken);
    CHECK(seen[1] == broken);
    CHECK(q.queued_bytes() == 0);
    CHECK_FALSE(q.has_staged());
    // The write that was in flight ends (cancelled) after the failure.
    q.end_write(broken);
    CHECK_FALSE(q.writing());
    CHECK(q.queued_bytes() == 0);
    const std::string wire = fill(q);
    CHECK(flatten(q.begin_write()) == wire);
}
