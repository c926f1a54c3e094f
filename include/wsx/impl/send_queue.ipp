// Copyright (c) 2026 wsx developers. Distributed under the Boost Software License, Version 1.0.
#ifndef WSX_IMPL_SEND_QUEUE_IPP
#define WSX_IMPL_SEND_QUEUE_IPP

// detail::send_queue: queueing frames and running the writes. Included by
// detail/send_queue.hpp, or compiled once by src.hpp with
// WSX_SEPARATE_COMPILATION.

#include <wsx/detail/send_queue.hpp>
#include <wsx/protocol/writer.hpp>

#include <utility>

namespace wsx::detail {

WSX_DECL void send_queue::push_frame(protocol::opcode op, const std::uint8_t* data, std::size_t size, bool fin,
                                    bool rsv1, const std::array<std::uint8_t, 4>* key) {
    std::vector<std::uint8_t>& bytes = buffers().staging.bytes;
    const std::size_t was = bytes.size();
    protocol::append_frame(bytes, op, data, size, fin, rsv1, key);
    queued_ += bytes.size() - was;
}

WSX_DECL void send_queue::push_shared(std::shared_ptr<const shared_frame> f) {
    queued_ += f->bytes.size();
    batch& b = buffers().staging;
    ++b_->shared_entries;
    b.shared.push_back({b.bytes.size(), std::move(f)});
}

WSX_DECL void send_queue::push_completion(completion c) { buffers().staging.done.push_back(std::move(c)); }

WSX_DECL buffer_span send_queue::begin_write() {
    auto& q = buffers();
    std::swap(q.staging, q.inflight);
    writing_ = true;
    q.gather.clear();
    const std::uint8_t* base = q.inflight.bytes.data();
    std::size_t cursor = 0;
    for (auto& s : q.inflight.shared) {
        if (s.offset > cursor) q.gather.emplace_back(base + cursor, s.offset - cursor);
        q.gather.emplace_back(s.frame->bytes.data(), s.frame->bytes.size());
        cursor = s.offset;
    }
    if (q.inflight.bytes.size() > cursor) q.gather.emplace_back(base + cursor, q.inflight.bytes.size() - cursor);
    return {q.gather.data(), q.gather.data() + q.gather.size()};
}

WSX_DECL std::size_t send_queue::inflight_bytes() const noexcept {
    if (!b_) return 0;
    std::size_t n = b_->inflight.bytes.size();
    for (auto& s : b_->inflight.shared) n += s.frame->bytes.size();
    return n;
}

WSX_DECL buffer_span send_queue::advance(std::size_t n) {
    auto& g = b_->gather;
    std::size_t i = 0;
    while (i < g.size() && n >= g[i].size()) n -= g[i++].size();
    if (i < g.size()) g[i] += n;
    return {g.data() + i, g.data() + g.size()};
}

WSX_DECL void send_queue::end_write(std::error_code ec) {
    writing_ = false;
    if (!b_) return;
    batch& f = b_->inflight;
    // (After fail_all() nothing counts as queued: the bytes were dropped.)
    const std::size_t written = inflight_bytes();
    queued_ -= written < queued_ ? written : queued_;
    b_->shared_entries -= f.shared.size() < b_->shared_entries ? f.shared.size() : b_->shared_entries;
    f.shared.clear();
    f.bytes.clear();
    // Give memory back after a burst of big messages, keep it for steady traffic.
    if (f.bytes.capacity() > shrink_above) std::vector<std::uint8_t>().swap(f.bytes);
    // A completion may send and so start the next write, which swaps
    // the batches: run them from a list of their own, then hand its
    // capacity back to a batch that has none (no allocation per write
    // for steady traffic with completions, no member just for this).
    if (f.done.empty()) return;
    std::vector<completion> done;
    std::swap(done, f.done);
    for (auto& c : done) c(ec);
    done.clear();
    if (b_ && b_->inflight.done.capacity() == 0) std::swap(done, b_->inflight.done);
}

WSX_DECL void send_queue::push_raw(const std::uint8_t* data, std::size_t size) {
    batch& b = buffers().staging;
    b.bytes.insert(b.bytes.end(), data, data + size);
    queued_ += size;
}

WSX_DECL void send_queue::fail_all(std::error_code ec) {
    if (!b_) {
        queued_ = 0;
        return;
    }
    std::vector<completion> done;
    for (auto* b : {&b_->inflight, &b_->staging}) {
        for (auto& c : b->done) done.push_back(std::move(c));
        b->done.clear();
    }
    queued_ = 0;
    b_->shared_entries = 0;
    if (writing_)
        b_->staging = batch{};
    else
        b_.reset();
    for (auto& c : done) c(ec);
}

WSX_DECL send_queue::buffer_set& send_queue::buffers() {
    if (!b_) b_ = std::make_unique<buffer_set>();
    return *b_;
}

} // namespace wsx::detail

#endif
