// Copyright (c) 2026 wsx developers. Distributed under the Boost Software License, Version 1.0.
#ifndef WSX_TESTS_SUPPORT_REASSEMBLY_HPP
#define WSX_TESTS_SUPPORT_REASSEMBLY_HPP

// Helpers for the tests that bound the cost of reassembling fragmented
// messages (tests/protocol/test_reader_linear.cpp,
// tests/integration/test_reassembly.cpp,
// tests/deflate/test_deflate_reassembly.cpp): a message cut into many
// frames, and a raw peer's write that stops once the server has allocated
// too much.

#include "allocation_count.hpp"
#include "loopback.hpp"
#include "wsx_catch.hpp"

#include <poll.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

namespace wsx_test {

// The message cut into fragments of the given sizes (cycled; 0 is an empty
// continuation frame), each framed by encode_frame; the first frame carries
// RSV1 if `rsv1` (a compressed message, RFC 7692 6), and a ping goes
// between every `ping_every` fragments.
inline std::string fragmented(std::uint8_t opcode, std::string_view msg, const std::vector<std::size_t>& sizes,
                              bool masked, bool rsv1 = false, std::size_t ping_every = 0) {
    std::string wire;
    wire.reserve(msg.size() + msg.size() / std::max<std::size_t>(sizes.front(), 1) * 16 + 1024);
    std::size_t at = 0;
    std::size_t i = 0;
    do {
        const std::size_t n = std::min(sizes[i % sizes.size()], msg.size() - at);
        const bool last = at + n == msg.size();
        std::string f = encode_frame(i == 0 ? opcode : op::continuation, msg.substr(at, n), masked, last);
        if (i == 0 && rsv1) f[0] = static_cast<char>(f[0] | 0x40);
        wire += f;
        at += n;
        ++i;
        if (ping_every != 0 && i % ping_every == 0 && !last) wire += encode_frame(op::ping, "p", masked);
    } while (at != msg.size());
    return wire;
}

// Writes all of `bytes` to the peer's socket within the limit, unless the
// process allocates more than `bound` bytes in the current
// allocations::window first: a server whose cost has gone quadratic is then
// not fed the rest (which could keep it busy for hours). Returns whether
// everything was written.
inline bool write_watching(raw_peer& peer, std::string_view bytes, std::size_t bound, ms limit = default_limit) {
    auto& sock = peer.socket();
    sock.non_blocking(true);
    const auto deadline = steady::now() + limit;
    std::size_t at = 0;
    bool ok = true;
    while (at != bytes.size()) {
        if (allocations::counted && allocations::bytes.load() > bound) {
            ok = false;
            break;
        }
        std::error_code ec;
        const std::size_t piece = std::min<std::size_t>(bytes.size() - at, 256 * 1024);
        at += sock.write_some(asio::buffer(bytes.data() + at, piece), ec);
        if (ec == asio::error::would_block || ec == asio::error::try_again) {
            if (steady::now() >= deadline) {
                ok = false;
                break;
            }
            pollfd p{};
            p.fd = sock.native_handle();
            p.events = POLLOUT;
            ::poll(&p, 1, 50);
        } else if (ec) {
            ok = false;
            break;
        }
    }
    sock.non_blocking(false);
    return ok;
}

// Sends one message's `wire` with write_watching, reads the server's text
// reply and checks it is `reply`, all inside one allocation window, and
// returns what the window counted.
inline allocations::cost send_counted(raw_peer& peer, std::string_view wire, std::size_t bound,
                                      const std::string& reply) {
    allocations::window count;
    const bool written = write_watching(peer, wire, bound);
    INFO("allocated " << allocations::bytes.load() << " bytes so far");
    REQUIRE(written);
    auto f = peer.read_frame_of(op::text);
    REQUIRE(f);
    CHECK(f->payload == reply);
    return count.now();
}

} // namespace wsx_test

#endif
