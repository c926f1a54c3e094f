// Copyright (c) 2026 wsx developers. Distributed under the Boost Software License, Version 1.0.
#ifndef WSX_DETAIL_SEND_QUEUE_HPP
#define WSX_DETAIL_SEND_QUEUE_HPP

// The outgoing side of one connection. Frames queued while a write is in
// flight are appended to one staging buffer and leave together in the next
// gather write, so a burst of N messages costs one system call, not N.
// Broadcast frames are not copied in: the queue keeps a reference to the
// shared bytes and splices them into the gather list at their place.
// Both buffers keep their capacity, so a steady stream allocates nothing.

#include <wsx/detail/unique_function.hpp>
#include <wsx/message.hpp>
#include <wsx/protocol/frame.hpp>
#include <wsx/protocol/mask.hpp>
#include <wsx/protocol/writer.hpp>

#include <asio/buffer.hpp>

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
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
                    const std::array<std::uint8_t, 4>* key) {
        batch& b = staging_;
        std::uint8_t header[protocol::max_header_size];
        std::size_t h = protocol::write_frame_header(header, op, size, fin, rsv1, key);
        std::size_t at = b.bytes.size() + h;
        b.bytes.insert(b.bytes.end(), header, header + h);
        b.bytes.insert(b.bytes.end(), data, data + size);
        if (key && size != 0) protocol::mask_in_place(b.bytes.data() + at, size, *key);
        queued_ += h + size;
    }

    void push_shared(std::shared_ptr<const shared_frame> f) {
        queued_ += f->bytes.size();
        staging_.shared.push_back({staging_.bytes.size(), std::move(f)});
    }

    // Runs after every byte queued so far has been written (or failed).
    void push_completion(completion c) { staging_.done.push_back(std::move(c)); }

    std::size_t queued_bytes() const noexcept { return queued_; }
    bool has_staged() const noexcept { return !staging_.bytes.empty() || !staging_.shared.empty() || !staging_.done.empty(); }
    bool writing() const noexcept { return writing_; }

    // Moves the staged frames into flight and returns them as one gather list.
    buffer_span begin_write() {
        std::swap(staging_, inflight_);
        writing_ = true;
        gather_.clear();
        const std::uint8_t* base = inflight_.bytes.data();
        std::size_t cursor = 0;
        for (auto& s : inflight_.shared) {
            if (s.offset > cursor) gather_.emplace_back(base + cursor, s.offset - cursor);
            gather_.emplace_back(s.frame->bytes.data(), s.frame->bytes.size());
            cursor = s.offset;
        }
        if (inflight_.bytes.size() > cursor) gather_.emplace_back(base + cursor, inflight_.bytes.size() - cursor);
        return {gather_.data(), gather_.data() + gather_.size()};
    }

    // The write in flight finished; runs its completions with ec.
    void end_write(std::error_code ec) {
        writing_ = false;
        std::size_t n = inflight_.bytes.size();
        for (auto& s : inflight_.shared) n += s.frame->bytes.size();
        queued_ -= n;
        inflight_.shared.clear();
        inflight_.bytes.clear();
        // Give memory back after a burst of big messages, keep it for steady traffic.
        if (inflight_.bytes.capacity() > shrink_above) std::vector<std::uint8_t>().swap(inflight_.bytes);
        // A completion may send and so start the next write, which swaps
        // the batches: run them from a list of their own, then hand its
        // capacity back to a batch that has none (no allocation per write
        // for steady traffic with completions, no member just for this).
        if (inflight_.done.empty()) return;
        std::vector<completion> done;
        std::swap(done, inflight_.done);
        for (auto& c : done) c(ec);
        done.clear();
        if (inflight_.done.capacity() == 0) std::swap(done, inflight_.done);
    }

    // Bytes that are already a complete wire image: the rest of a frame
    // whose start was written directly (see basic_session::write_through).
    void push_raw(const std::uint8_t* data, std::size_t size) {
        staging_.bytes.insert(staging_.bytes.end(), data, data + size);
        queued_ += size;
    }

    // The connection is gone: every waiting completion learns it.
    void fail_all(std::error_code ec) {
        std::vector<completion> done;
        for (auto* b : {&inflight_, &staging_}) {
            b->bytes.clear();
            b->shared.clear();
            for (auto& c : b->done) done.push_back(std::move(c));
            b->done.clear();
        }
        queued_ = 0;
        for (auto& c : done) c(ec);
    }

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
    batch staging_, inflight_;
    std::vector<asio::const_buffer> gather_;
    std::size_t queued_ = 0;
    bool writing_ = false;
};

} // namespace wsx::detail

#endif
