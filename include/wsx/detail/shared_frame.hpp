// Copyright (c) 2026 wsx developers. Distributed under the Boost Software License, Version 1.0.
#ifndef WSX_DETAIL_SHARED_FRAME_HPP
#define WSX_DETAIL_SHARED_FRAME_HPP

// Bytes that leave on several connections, or that the send queue must not
// copy: a send queue keeps a reference and splices them into its gather
// write.

#include <cstdint>
#include <vector>

namespace wsx::detail {

// A complete server frame (header + unmasked payload). `key` names the form:
// 0 the plain frame, any other value a compressed one (see
// deflate_codec::shared_key). `next` chains the forms of one
// prepared_message, which owns them all.
struct shared_frame {
    std::vector<std::uint8_t> bytes;
    std::uint64_t key = 0;
    const shared_frame* next = nullptr;
};

} // namespace wsx::detail

#endif
