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

#include <wsx/detail/config.hpp>

#include <cstddef>

namespace wsx::detail {

/// Fills `n` bytes at `out` from the operating system's CSPRNG.
WSX_DECL void os_random(void* out, std::size_t n);

} // namespace wsx::detail

// <random> (for the fallback) is heavy, and every client-side writer needs
// only this declaration: the definition is in its own file.
#if !defined(WSX_SEPARATE_COMPILATION)
#include <wsx/impl/os_random.ipp>
#endif

#endif
