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

constexpr std::size_t thread_buffer_size = 256 * 1024;

inline std::uint8_t* thread_buffer() {
    thread_local std::unique_ptr<std::uint8_t[]> buf(new std::uint8_t[thread_buffer_size]);
    return buf.get();
}

} // namespace wsx::detail

#endif
