// Copyright (c) 2026 wsx developers. Distributed under the Boost Software License, Version 1.0.
#ifndef WSX_TESTS_SUPPORT_ALLOCATION_COUNT_HPP
#define WSX_TESTS_SUPPORT_ALLOCATION_COUNT_HPP

// Counts what operator new allocates, for tests that bound a cost in bytes
// rather than in time (no clock threshold is reliable on a shared machine).
//
// This header REPLACES the global operator new and delete, which the
// standard forbids declaring inline: include it in exactly one source file
// of a test executable (each tests/<dir>/test_*.cpp is its own executable).
// Sanitizers bring their own operator new, so under them nothing is counted
// and wsx_test::allocations::counted is false: check it and skip the bounds.
//
// Every thread's allocations count, so a loopback test counts the server's
// I/O threads too.

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <new>

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define WSX_TEST_NO_ALLOCATION_COUNT 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(memory_sanitizer) || __has_feature(thread_sanitizer)
#define WSX_TEST_NO_ALLOCATION_COUNT 1
#endif
#endif

namespace wsx_test {
namespace allocations {

#ifdef WSX_TEST_NO_ALLOCATION_COUNT
constexpr bool counted = false;
#else
constexpr bool counted = true;
#endif

inline std::atomic<std::size_t> bytes{0}; // allocated since the last window began
inline std::atomic<std::size_t> count{0}; // allocations since then
inline std::atomic<std::size_t> live{0};  // held now (always counted)
inline std::atomic<std::size_t> peak{0};  // most held at once since then
// An allocation that would take `bytes` past this throws std::bad_alloc, so
// that a test of a cost that has gone quadratic fails at once, even inside
// one long call, instead of running for hours.
inline std::atomic<std::size_t> budget{SIZE_MAX};

// What a window saw.
struct cost {
    std::size_t bytes = 0; // allocated
    std::size_t count = 0; // allocations
    std::size_t peak = 0;  // most held at once, above what was held when it began
};

// Counts from its construction; budget (optional) is the most it may
// allocate before operator new throws.
class window {
public:
    explicit window(std::size_t max_bytes = SIZE_MAX) {
        bytes = 0;
        count = 0;
        base_ = live.load();
        peak = base_;
        budget = max_bytes;
    }
    window(const window&) = delete;
    window& operator=(const window&) = delete;
    ~window() { budget = SIZE_MAX; }
    cost now() const {
        const std::size_t p = peak.load();
        return {bytes.load(), count.load(), p > base_ ? p - base_ : 0};
    }

private:
    std::size_t base_ = 0;
};

} // namespace allocations
} // namespace wsx_test

#ifndef WSX_TEST_NO_ALLOCATION_COUNT
// The block's size is kept in front of it, so that delete can take it off
// the bytes held; 16 bytes keep the block aligned as malloc's. (noinline:
// inlined into callers, GCC 12 mistakes malloc/free for a new/free
// mismatch.)
__attribute__((noinline)) void* operator new(std::size_t n) {
    namespace a = wsx_test::allocations;
    if (a::bytes.load(std::memory_order_relaxed) + n > a::budget.load(std::memory_order_relaxed)) throw std::bad_alloc();
    void* p = std::malloc(n + 16);
    if (p == nullptr) throw std::bad_alloc();
    std::memcpy(p, &n, sizeof n);
    a::bytes.fetch_add(n, std::memory_order_relaxed);
    a::count.fetch_add(1, std::memory_order_relaxed);
    const std::size_t held = a::live.fetch_add(n, std::memory_order_relaxed) + n;
    std::size_t most = a::peak.load(std::memory_order_relaxed);
    while (held > most && !a::peak.compare_exchange_weak(most, held, std::memory_order_relaxed)) {
    }
    return static_cast<unsigned char*>(p) + 16;
}
__attribute__((noinline)) void operator delete(void* p) noexcept {
    if (p == nullptr) return;
    void* block = static_cast<unsigned char*>(p) - 16;
    std::size_t n;
    std::memcpy(&n, block, sizeof n);
    wsx_test::allocations::live.fetch_sub(n, std::memory_order_relaxed);
    std::free(block);
}
__attribute__((noinline)) void operator delete(void* p, std::size_t) noexcept { operator delete(p); }
__attribute__((noinline)) void* operator new[](std::size_t n) { return operator new(n); }
__attribute__((noinline)) void operator delete[](void* p) noexcept { operator delete(p); }
__attribute__((noinline)) void operator delete[](void* p, std::size_t) noexcept { operator delete(p); }
__attribute__((noinline)) void* operator new(std::size_t n, const std::nothrow_t&) noexcept {
    try {
        return operator new(n);
    } catch (...) {
        return nullptr;
    }
}
__attribute__((noinline)) void* operator new[](std::size_t n, const std::nothrow_t&) noexcept {
    try {
        return operator new(n);
    } catch (...) {
        return nullptr;
    }
}
__attribute__((noinline)) void operator delete(void* p, const std::nothrow_t&) noexcept { operator delete(p); }
__attribute__((noinline)) void operator delete[](void* p, const std::nothrow_t&) noexcept { operator delete(p); }
#endif

#endif
