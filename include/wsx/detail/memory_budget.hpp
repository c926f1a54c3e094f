// Copyright (c) 2026 wsx developers. Distributed under the Boost Software License, Version 1.0.
#ifndef WSX_DETAIL_MEMORY_BUDGET_HPP
#define WSX_DETAIL_MEMORY_BUDGET_HPP

// The bytes all connections of one server hold for messages, against
// server_options::memory_budget. Each session reports only the change in
// what it holds, and only when that changed since its last report: an echo
// whose reply leaves in the same turn reports nothing, so the shared
// counter is not touched per message.

#include <atomic>
#include <cstddef>

namespace wsx::detail {

class memory_budget {
public:
    void set_limit(std::size_t limit) noexcept { limit_.store(limit, std::memory_order_relaxed); }
    std::size_t limit() const noexcept { return limit_.load(std::memory_order_relaxed); }
    std::size_t used() const noexcept { return used_.load(std::memory_order_relaxed); }

    // True when this growth took the total past the limit.
    bool grow(std::size_t n) noexcept {
        const std::size_t after = used_.fetch_add(n, std::memory_order_relaxed) + n;
        const std::size_t lim = limit();
        return lim != 0 && after > lim;
    }
    void shrink(std::size_t n) noexcept { used_.fetch_sub(n, std::memory_order_relaxed); }
    bool over() const noexcept {
        const std::size_t lim = limit();
        return lim != 0 && used() > lim;
    }

    // One enforcement pass at a time: the sessions that grew while one was
    // on its way need not start another.
    bool begin_enforcing() noexcept { return !enforcing_.exchange(true, std::memory_order_acq_rel); }
    void end_enforcing() noexcept { enforcing_.store(false, std::memory_order_release); }

private:
    std::atomic<std::size_t> used_{0};
    std::atomic<std::size_t> limit_{0};
    std::atomic<bool> enforcing_{false};
};

} // namespace wsx::detail

#endif
