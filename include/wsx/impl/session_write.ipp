// Copyright (c) 2026 wsx developers. Distributed under the Boost Software License, Version 1.0.
#ifndef WSX_IMPL_SESSION_WRITE_IPP
#define WSX_IMPL_SESSION_WRITE_IPP

// wsx::session, the write side: sends from any thread onto the strand, the send queue's limit, compression, writes straight to the socket, and what follows a finished write.
// Included by session.hpp, or compiled once by src.hpp with
// WSX_SEPARATE_COMPILATION.

#include <wsx/session.hpp>
#include <wsx/detail/endpoint_state.hpp>
#include <wsx/detail/posted_sends.hpp>
#include <wsx/detail/read_turn.hpp>
#include <wsx/detail/session_parts.hpp>

#include <asio/post.hpp>

namespace wsx {

WSX_DECL void session::on_written(std::error_code ec) {
    queue_.end_write(ec);
    buffered_.store(queue_.queued_bytes(), std::memory_order_relaxed);
    if (is_closed()) return;
    account_memory();
    if (ec) {
        if (phase_now() >= phase::open && !f_.close_received) report_error(make_error_code(error::connection_reset));
        return teardown(make_error_code(error::connection_reset));
    }
    after_write();
}

WSX_DECL void session::send_bytes(protocol::opcode op, const void* data, std::size_t size, detail::send_queue::completion c) {
    detail::count_send();
    if (strand_.running_in_this_thread()) {
        enqueue(op, static_cast<const std::uint8_t*>(data), size, std::move(c));
        return;
    }
    post_send(size, [op, copy = std::string(static_cast<const char*>(data), size), c = std::move(c)](session& s) mutable {
        s.enqueue(op, reinterpret_cast<const std::uint8_t*>(copy.data()), copy.size(), std::move(c));
    });
}

WSX_DECL void session::send_message(const message& m, detail::send_queue::completion c) {
    detail::count_send();
    if (strand_.running_in_this_thread()) {
        enqueue(m.opcode(), m.data(), m.size(), std::move(c));
        return;
    }
    // A copy of an owned message shares its bytes: posting it costs a
    // reference count, not a copy of the payload.
    post_send(m.size(), [m = message(m), c = std::move(c)](session& s) mutable {
        s.enqueue(m.opcode(), m.data(), m.size(), std::move(c));
    });
}

WSX_DECL void session::finish_posted_sends() {
    flush(true);
    account_memory();
}

WSX_DECL void session::send_prepared(const prepared_message& m, detail::send_queue::completion c) {
    // A client masks every frame with a fresh key, and fragments are
    // framed per session: nothing to share.
    if (!is_server_ || options_->fragment_size != 0) {
        send_bytes(m.opcode(), m.data(), m.size(), std::move(c));
        return;
    }
    detail::count_send();
    // A compressor with context takeover makes bytes only this
    // connection can decode: it compresses its own copy. (deflate_ is set
    // before open and never changes, so reading it from another thread is
    // safe.)
    std::shared_ptr<const detail::shared_frame> frame;
    if (deflate_ && deflate_->codec->should_compress(m.size())) {
        const std::uint64_t key = deflate_->codec->shared_key();
        if (key == 0) {
            send_bytes(m.opcode(), m.data(), m.size(), std::move(c));
            return;
        }
        frame = detail::prepared_access::compressed(m, key, [&] { return make_compressed(m, key); });
    } else {
        frame = detail::prepared_access::plain(m);
    }
    if (strand_.running_in_this_thread()) {
        enqueue_shared(frame, std::move(c));
        return;
    }
    if (!c && send_direct(frame)) return;
    post_send(m.size(), [frame = std::move(frame), c = std::move(c)](session& s) mutable {
        s.enqueue_shared(frame, std::move(c));
    });
}

// Off the strand but on the one thread that runs the io_context: no
// handler of this session is running, here or anywhere. Only what cannot
// run a handler goes this way (a refused send tells on_error, later, on
// the strand), and only with nothing posted before it, which keeps the
// order of one thread's sends.
WSX_DECL bool session::send_direct(const std::shared_ptr<const detail::shared_frame>& f) {
    auto* one_thread = owner_ ? owner_->one_thread : nullptr;
    if (!one_thread || posted_sends_.load(std::memory_order_relaxed) != 0 || !one_thread->on_its_thread())
        return false;
    if (!accepting_sends() || queue_.held_bytes() >= options_->max_send_queue) return false;
    const bool in_turn = f_.in_dispatch;
    f_.in_dispatch = true; // queue only: the flush comes once, after the sender's handler
    enqueue_shared(f, {});
    f_.in_dispatch = in_turn;
    if (!f_.flush_listed) {
        f_.flush_listed = true;
        one_thread->add(shared_from_this());
    }
    return true;
}

WSX_DECL void session::finish_direct() {
    f_.flush_listed = false;
    if (!is_closed()) finish_posted_sends();
}

WSX_DECL detail::shared_frame* session::make_compressed(const prepared_message& m, std::uint64_t key) const {
    // Once per parameter set and message: a temporary is cheap enough.
    std::vector<std::uint8_t> deflated;
    deflate_->codec->compress_detached(m.data(), m.size(), deflated);
    auto f = std::make_unique<detail::shared_frame>();
    f->key = key;
    f->bytes.reserve(protocol::max_header_size + deflated.size());
    protocol::append_frame(f->bytes, m.opcode(), deflated.data(), deflated.size(), true, true);
    return f.release();
}

WSX_DECL bool session::can_send(detail::send_queue::completion& c) {
    if (accepting_sends()) return true;
    if (c) c(make_error_code(phase_now() >= phase::open ? error::closed : error::invalid_state));
    return false;
}

// The limit is a high-water mark on what is already queued, not a cap on
// one message: a send is refused once the queued bytes have reached
// max_send_queue, so any message up to max_message_size can be sent and the
// outcome does not depend on a pong being queued. Memory stays bounded by
// the limit plus the one message that crossed it.
WSX_DECL bool session::over_limit(std::size_t /*add*/, detail::send_queue::completion& c) {
    if (queue_.held_bytes() + waiting_bytes() < options_->max_send_queue) return false;
    auto ec = make_error_code(error::send_queue_full);
    f_.drain_wanted = true;
    if (options_->send_policy == send_queue_policy::close) {
        if (c) c(ec);
        fail(ec);
        return true;
    }
    if (c) {
        c(ec);
    } else if (!f_.refusing_sends) {
        // Once per episode, which ends when the queue has drained (see
        // after_write): a peer that never reads would otherwise make
        // every refused send a line in the program's log. Not through
        // report_error's once-per-connection latch: the connection
        // stays open, and a later fatal error must still reach on_error.
        f_.refusing_sends = true;
        invoke_nothrow([&] {
            if (endpoint_->on_error) endpoint_->on_error(*this, ec);
        });
    }
    return true;
}

WSX_DECL void session::enqueue(protocol::opcode op, const std::uint8_t* data, std::size_t size, detail::send_queue::completion c) {
    // A send that waited for a message stream was counted when it was made.
    const bool waited = streams_ && stream_replaying();
    if (!can_send(c) || (!waited && over_limit(size + protocol::max_header_size, c))) return;
    if (!waited && streams_ && stream_blocks_sends()) return wait_for_stream(op, data, size, c);
    // Compress only what will be sent (the limit is checked first): a
    // message in our LZ77 window that never reaches the peer would
    // corrupt every later one. RSV1 marks the first frame only.
    bool rsv1 = false;
    if (deflate_ && deflate_->codec->should_compress(size)) {
        deflate_->codec->compress(data, size, deflate_->deflated);
        data = deflate_->deflated.data();
        size = deflate_->deflated.size();
        rsv1 = true;
    }
    const std::size_t frag = options_->fragment_size;
    if (frag == 0 || size <= frag) {
        if (!write_through(op, data, size, rsv1)) queue_.push_frame(op, data, size, true, rsv1, key());
    } else {
        for (std::size_t off = 0; off < size; off += frag) {
            std::size_t n = size - off < frag ? size - off : frag;
            queue_.push_frame(off == 0 ? op : protocol::opcode::continuation, data + off, n, off + n == size,
                              rsv1 && off == 0, key());
        }
    }
    if (c) queue_.push_completion(std::move(c));
    note_queued();
}

// A large frame (write_through_min) with nothing queued before it goes
// straight to the socket, and only what the socket did not take is copied
// into the queue: for a 1 MiB echo that copy was the largest cost in user
// space. Small frames still gather in the queue (one write per burst).
// Servers only: a client's payload must be masked, which copies it anyway.
WSX_DECL bool session::write_through(protocol::opcode op, const std::uint8_t* data, std::size_t size, bool rsv1) {
    if (!direct_writes_ || size < write_through_min || !is_server_ || queue_.writing() || queue_.has_staged())
        return false;
    std::uint8_t header[protocol::max_header_size];
    const std::size_t h = protocol::write_frame_header(header, op, size, true, rsv1, nullptr);
    const std::array<asio::const_buffer, 2> bufs{asio::buffer(header, h), asio::buffer(data, size)};
    std::error_code ec;
    std::size_t n = io_write_now({bufs.data(), bufs.data() + bufs.size()}, ec);
    // A full socket or a real error: queue it all, and the queued
    // write reports the error as any write does.
    if (ec) n = 0;
    if (n < h) {
        queue_.push_raw(header + n, h - n);
        queue_.push_raw(data, size);
    } else {
        queue_.push_raw(data + (n - h), size - (n - h));
    }
    return true;
}

WSX_DECL void session::enqueue_shared(const std::shared_ptr<const detail::shared_frame>& f, detail::send_queue::completion c) {
    const bool waited = streams_ && stream_replaying();
    if (!can_send(c) || (!waited && over_limit(f->bytes.size(), c))) return;
    if (!waited && streams_ && stream_blocks_sends()) return wait_for_stream(f, c);
    queue_.push_shared(f);
    if (c) queue_.push_completion(std::move(c));
    note_queued();
}

WSX_DECL void session::send_control(protocol::opcode op, std::string_view payload) {
    if (payload.size() > 125)
        throw std::system_error(make_error_code(error::bad_argument),
                                "wsx: ping/pong payload must be at most 125 bytes");
    run_on_strand(std::string(payload), [op](session& s, std::string& p) {
        if (!s.accepting_sends()) return;
        s.queue_.push_frame(op, reinterpret_cast<const std::uint8_t*>(p.data()), p.size(), true, false, s.key());
        s.note_queued();
    });
}

// The handshake's request or response goes out as a buffer of its own,
// freed once written, rather than through the staging buffer, which would
// keep its capacity for the life of an idle connection.
WSX_DECL void session::write_raw(const std::string& bytes) {
    auto f = std::make_shared<detail::shared_frame>();
    f->bytes.assign(bytes.begin(), bytes.end());
    queue_.push_shared(std::move(f));
    note_queued();
}

WSX_DECL void session::note_queued() {
    buffered_.store(queue_.queued_bytes(), std::memory_order_relaxed);
    if (queue_.held_bytes() >= options_->max_send_queue / 2) f_.drain_wanted = true;
    if (f_.in_dispatch) return; // the end of the read turn flushes and counts
    flush();
    account_memory();
}

WSX_DECL const std::array<std::uint8_t, 4>* session::key() {
    if (is_server_) return nullptr;
    if (!client_) client_ = std::make_unique<detail::client_parts>();
    client_->current_key = client_->keys.next();
    return &client_->current_key;
}

// `direct`: the caller is the end of a read (or of the handshake), where the
// write can go to the socket at once and finish there, without an Asio
// operation and a trip through the scheduler per echo. Elsewhere (sends
// posted from other threads) the write stays asynchronous, so that sends
// arriving while it is in flight gather into the next one.
WSX_DECL void session::flush(bool direct) {
    if (queue_.writing() || !queue_.has_staged() || is_closed()) return;
    auto bufs = queue_.begin_write();
    {
        // A completion must not run inside the call that queued it.
        if (direct && direct_writes_ && !queue_.inflight_has_completions()) {
            std::error_code ec;
            std::size_t n = io_write_now(bufs, ec);
            // A full socket or a real error: the asynchronous write
            // below waits, or reports the error as any write does.
            if (ec) n = 0;
            if (n == queue_.inflight_bytes()) {
                queue_.end_write({});
                buffered_.store(queue_.queued_bytes(), std::memory_order_relaxed);
                if (phase_now() == phase::refusing || phase_now() >= phase::closing || f_.drain_wanted)
                    asio::post(strand_, [self = this->shared_from_this()] { self->after_write(); });
                return;
            }
            bufs = queue_.advance(n);
        }
    }
    io_write(bufs);
}

WSX_DECL void session::after_write() {
    if (is_closed()) return;
    if (!queue_.writing() && !queue_.has_staged()) {
        if (phase_now() == phase::refusing) return teardown_after_refusal();
        if (phase_now() == phase::closing && (f_.close_received || f_.failing)) return finish_close();
    }
    flush();
    if (!queue_.writing() && f_.drain_wanted && accepting_sends()) {
        f_.drain_wanted = false;
        f_.refusing_sends = false;
        invoke([&] {
            if (endpoint_->on_drain) endpoint_->on_drain(*this);
        });
    }
}

} // namespace wsx

#endif
