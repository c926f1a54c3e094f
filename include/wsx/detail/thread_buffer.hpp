// Copyright (c) 2026 wsx developers. Distributed under the Boost Software License, Version 1.0.
#ifndef WSX_DETAIL_THREAD_BUFFER_HPP
#define WSX_DETAIL_THREAD_BUFFER_HPP

// One read buffer per thread instead of one per connection: a connection
// waits for readability and then reads into this buffer, and the frame
// reader keeps only an unfinished frame. An idle connection therefore holds
// no read buffer at all, which is what keeps 10,000 idle sockets cheap.

#include <cstddef>
#include <cstdint>
#include <memory>

namespace wsx::detail {

// Small enough to stay in the core's L1/L2 cache: the kernel's copy into it
// and the frame reader's pass over it then hit cache. Echoing 1 MiB messages
// (bench scenario d, AMD EPYC, 32 KiB L1d and 512 KiB L2 per core) cost
// 625 us of server CPU per message with 256 KiB, 470 with 64 KiB and 350
// with 32 KiB; the extra recv calls are cheap next to cache misses on the
// copy. Small messages are unaffected: one read still drains a whole batch.
constexpr std::size_t thread_buffer_size = 32 * 1024;

inline std::uint8_t* thread_buffer() {
    thread_local std::unique_ptr<std::uint8_t[]> buf(new std::uint8_t[thread_buffer_size]);
    return buf.get();
}

} // namespace wsx::detail

#endif
