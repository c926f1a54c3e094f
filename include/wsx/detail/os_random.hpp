// Copyright (c) 2026 wsx developers. Distributed under the Boost Software License, Version 1.0.
#ifndef WSX_DETAIL_OS_RANDOM_HPP
#define WSX_DETAIL_OS_RANDOM_HPP

// The one source of unpredictable bytes: the Sec-WebSocket-Key nonce
// (RFC 6455 4.1) and the masking keys of client frames (RFC 6455 10.3) both
// come from here. getrandom(2) reads the kernel CSPRNG without a file
// descriptor, so it works in chroots and when descriptors run out, and never
// blocks after boot. std::random_device is the fallback elsewhere: it is good
// on the major platforms today, but the standard lets it be a deterministic
// engine (older MinGW did exactly that), so it is not the first choice where
// something better is known to exist.

#include <cstddef>
#include <random>

#if defined(__linux__) && defined(__has_include)
#if __has_include(<sys/random.h>)
#include <cerrno>
#include <sys/random.h>
#include <sys/types.h>
#define WSX_DETAIL_HAS_GETRANDOM 1
#endif
#endif

namespace wsx::detail {

/// Fills `n` bytes at `out` from the operating system's CSPRNG.
inline void os_random(void* out, std::size_t n) {
    auto p = static_cast<unsigned char*>(out);
#ifdef WSX_DETAIL_HAS_GETRANDOM
    while (n != 0) {
        const ssize_t r = ::getrandom(p, n, 0);
        if (r < 0) {
            if (errno == EINTR) continue;
            break; // e.g. ENOSYS on a kernel older than 3.17: use the fallback
        }
        p += r;
        n -= static_cast<std::size_t>(r);
    }
    if (n == 0) return;
#endif
    std::random_device rd;
    while (n != 0) {
        auto v = rd();
        for (std::size_t i = 0; i < sizeof(v) && n != 0; ++i, --n) {
            *p++ = static_cast<unsigned char>(v);
            v >>= 8;
        }
    }
}

} // namespace wsx::detail

#endif
