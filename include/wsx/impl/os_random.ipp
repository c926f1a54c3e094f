// Copyright (c) 2026 wsx developers. Distributed under the Boost Software License, Version 1.0.
#ifndef WSX_IMPL_OS_RANDOM_IPP
#define WSX_IMPL_OS_RANDOM_IPP

// detail::os_random (see detail/os_random.hpp): inline in a header-only
// build, compiled once by <wsx/src.hpp> with WSX_SEPARATE_COMPILATION.

#include <wsx/detail/os_random.hpp>

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

WSX_DECL void os_random(void* out, std::size_t n) {
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
