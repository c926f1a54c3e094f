// Copyright (c) 2026 wsx developers. Distributed under the Boost Software License, Version 1.0.
#ifndef WSX_DETAIL_SESSION_CLOCK_HPP
#define WSX_DETAIL_SESSION_CLOCK_HPP

// Where a session's deadlines are measured and waited for. A session uses
// the steady clock and an Asio timer unless it is given one of these, which
// only tests do (tests/support/manual_clock.hpp): a clock that moves when
// the test says, so that every timeout is tested without sleeping, in a
// fixed order of steps.

#include <wsx/detail/unique_function.hpp>

#include <chrono>

namespace wsx::detail {

class session_clock {
public:
    using time_point = std::chrono::steady_clock::time_point;

    virtual ~session_clock() = default;
    virtual time_point now() const noexcept = 0;
    // Calls `fire` once now() reaches `at`. One wait per `waiter`: a new
    // one replaces the last, whose `fire` is then dropped uncalled.
    virtual void wait_until(const void* waiter, time_point at, unique_function<void()> fire) = 0;
    // Drops the wait of `waiter`, if any, uncalled.
    virtual void cancel(const void* waiter) noexcept = 0;
};

} // namespace wsx::detail

#endif
