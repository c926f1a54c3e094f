// Copyright (c) 2026 wsx developers. Distributed under the Boost Software License, Version 1.0.
// What one connection's objects weigh, pinned: an idle connection is mostly
// its session, so growth here is growth of every idle connection (scenario
// e of bench/load). The bounds are this platform's sizes today (64-bit
// Linux, libstdc++); make them smaller when a change allows it, never larger
// without saying why in the change.

#include "wsx_catch.hpp"

#include <wsx/wsx.hpp>

#if defined(__linux__) && defined(__GLIBCXX__) && defined(__x86_64__)
TEST_CASE("session sizes: an idle ws:// connection's objects stay within their bounds", "[session][size]") {
    using plain_session = wsx::detail::stream_session<wsx::transport::plain::stream>;
    CHECK(sizeof(wsx::protocol::reader) <= 128);
    CHECK(sizeof(wsx::detail::send_queue) <= 24);
    CHECK(sizeof(wsx::transport::plain::stream) <= 168);
    // The strand is held in the session (32 bytes, detail/session_executor.hpp)
    // instead of as a 24-byte handle to an asio::strand's 96 on the heap.
    CHECK(sizeof(wsx::detail::session_executor) <= 32);
    CHECK(sizeof(wsx::session) <= 456);
    CHECK(sizeof(plain_session) <= 624);
    // What is made only when used stays out of the session: one pointer each.
    // (296: messages in parts, on_message_part and send_stream(), are one
    // more; the reader's options gave the 8 bytes back; the strand in the
    // session 8 more.)
    CHECK(sizeof(wsx::session) - sizeof(wsx::protocol::reader) - sizeof(wsx::detail::send_queue) <= 304);
}
#endif
