// Copyright (c) 2026 wsx developers. Distributed under the Boost Software License, Version 1.0.
#ifndef WSX_TESTS_SUPPORT_MANUAL_CLOCK_HPP
#define WSX_TESTS_SUPPORT_MANUAL_CLOCK_HPP

// A session clock that moves only when the test says (advance()), so a
// timeout is a step of the test, not a wait: tests/session/test_session_timers.

#include <wsx/detail/session_clock.hpp>

#include <chrono>
#include <map>
#include <utility>
#include <vector>

namespace wsx_test {

class manual_clock final : public wsx::detail::session_clock {
public:
    time_point now() const noexcept override { return now_; }
    void wait_until(const void* waiter, time_point at, wsx::detail::unique_function<void()> fire) override {
        ++waits;
        waits_[waiter] = wait{at, std::move(fire)};
    }
    void cancel(const void* waiter) noexcept override { waits_.erase(waiter); }

    // Moves the clock on by `d` and fires every wait now due (each posts
    // to its session's strand: run the io_context next).
    void advance(std::chrono::steady_clock::duration d) {
        now_ += d;
        std::vector<wsx::detail::unique_function<void()>> due;
        for (auto it = waits_.begin(); it != waits_.end();) {
            if (it->second.at <= now_) {
                due.push_back(std::move(it->second.fire));
                it = waits_.erase(it);
            } else {
                ++it;
            }
        }
        for (auto& f : due) f();
    }
    // When the pending wait of `waiter` is due (max(): none).
    time_point pending(const void* waiter) const {
        auto it = waits_.find(waiter);
        return it == waits_.end() ? time_point::max() : it->second.at;
    }
    std::size_t pending_waits() const noexcept { return waits_.size(); }

    int waits = 0; // wait_until calls so far: the timer's re-arms

private:
    struct wait {
        time_point at;
        wsx::detail::unique_function<void()> fire;
    };
    time_point now_{std::chrono::hours(1)}; // not the epoch: a deadline of now() + d must not look unset
    std::map<const void*, wait> waits_;
};

} // namespace wsx_test

#endif
