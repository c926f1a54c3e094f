// Copyright (c) 2026 wsx developers. Distributed under the Boost Software License, Version 1.0.
#ifndef WSX_DETAIL_SEND_QUEUE_HPP
#define WSX_DETAIL_SEND_QUEUE_HPP

// The outgoing side of one connection. Frames queued while a write is in
// flight are appended to one staging buffer and leave together in the next
// gather write, so a burst of N messages costs one system call, not N.
// Broadcast frames are not copied in: the queue keeps a reference to the
// shared bytes and splices them into the gather list at their place.
// Both buffers keep their capacity, so a steady stream allocates nothing.

#include <wsx/detail/config.hpp>
#include <wsx/detail/shared_frame.hpp>
#include <wsx/detail/unique_function.hpp>
#include <wsx/protocol/frame.hpp>

#include <asio/buffer.hpp>

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <system_error>
#include <vector>

namespace wsx::detail {

// A buffer sequence that refers to a vector instead of copying it: Asio's
// write operation copies the sequence object it is given.
struct buffer_span {
    const asio::const_buffer* first = nullptr;
    const asio::const_buffer* last = nullptr;
    const asio::const_buffer* begin() const noexcept { return first; }
    const asio::const_buffer* end() const noexcept { return last; }
};

class send_queue {
public:
    using completion = unique_function<void(std::error_code)>;

    // Appends one frame; the payload is copied (and masked when a key is given).
    void push_frame(protocol::opcode op, const std::uint8_t* data, std::size_t size, bool fin, bool rsv1,
                    const std::array<std::uint8_t, 4>* key);

    void push_shared(std::shared_ptr<const shared_frame> f);

    // Runs after every byte queued so far has been written (or failed).
    void push_completion(completion c);

    // The frames' bytes not yet written (what bufferedAmount reports).
    std::size_t queued_bytes() const noexcept { return queued_; }
    // What the queue holds for them: a shared frame also costs the entry
    // that refers to it and its place in the gather list. Limits and the
    // memory budget count this, not the bytes alone: empty messages
    // published to a slow subscriber are 2 bytes each on the wire and 42
    // in memory.
    std::size_t held_bytes() const noexcept { return queued_ + (b_ ? b_->shared_entries * shared_entry_cost : 0); }
    static constexpr std::size_t shared_entry_cost = sizeof(std::size_t) + sizeof(std::shared_ptr<const shared_frame>) +
                                                     sizeof(asio::const_buffer);
    bool has_staged() const noexcept {
        if (!b_) return false;
        const batch& s = b_->staging;
        return !s.bytes.empty() || !s.shared.empty() || !s.done.empty();
    }
    bool writing() const noexcept { return writing_; }

    // Moves the staged frames into flight and returns them as one gather list.
    buffer_span begin_write();

    // The bytes of the write in flight, and whether anyone waits for them.
    std::size_t inflight_bytes() const noexcept;
    bool inflight_has_completions() const noexcept { return b_ && !b_->inflight.done.empty(); }

    // The first n bytes of the write in flight went out already (a direct
    // write that the socket took only part of): the rest as a gather list.
    buffer_span advance(std::size_t n);

    // The write in flight finished; runs its completions with ec.
    void end_write(std::error_code ec);

    // Bytes that are already a complete wire image: the rest of a frame
    // whose start was written directly (see basic_session::write_through).
    void push_raw(const std::uint8_t* data, std::size_t size);

    // The connection is gone: every waiting completion learns it, and the
    // buffers go, except those of a write in flight: the transport reads
    // them until that write completes (transport/README.md), and end_write()
    // lets them go then.
    void fail_all(std::error_code ec);

private:
    static constexpr std::size_t shrink_above = 1024 * 1024;
    struct shared_segment {
        std::size_t offset; // where the frame goes in bytes
        std::shared_ptr<const shared_frame> frame;
    };
    struct batch {
        std::vector<std::uint8_t> bytes;
        std::vector<shared_segment> shared;
        std::vector<completion> done;
    };
    // Allocated by the first frame queued, not with the connection: an idle
    // connection whose handshake response went straight to the socket never
    // has one (176 of the 184 bytes this class was).
    struct buffer_set {
        batch staging, inflight;
        std::vector<asio::const_buffer> gather;
        std::size_t shared_entries = 0; // shared frames staged or in flight
    };
    buffer_set& buffers();
    std::unique_ptr<buffer_set> b_;
    std::size_t queued_ = 0;
    bool writing_ = false;
};

} // namespace wsx::detail

#if !defined(WSX_SEPARATE_COMPILATION)
#include <wsx/impl/send_queue.ipp>
#endif

#endif
