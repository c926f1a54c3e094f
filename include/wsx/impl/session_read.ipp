// Copyright (c) 2026 wsx developers. Distributed under the Boost Software License, Version 1.0.
#ifndef WSX_IMPL_SESSION_READ_IPP
#define WSX_IMPL_SESSION_READ_IPP

// wsx::session, the read side: the read loop with its fair turn, feeding the protocol reader, handing messages to the handlers, pings and pongs, and the memory the connection holds.
// Included by session.hpp, or compiled once by src.hpp with
// WSX_SEPARATE_COMPILATION.

#include <wsx/session.hpp>
#include <wsx/detail/endpoint_state.hpp>
#include <wsx/detail/read_turn.hpp>
#include <wsx/detail/session_parts.hpp>

#include <asio/post.hpp>

namespace wsx {

struct session::visitor {
    session* s;
    void on_message(protocol::opcode op, const std::uint8_t* data, std::size_t size, bool compressed) {
        s->on_data_message(op, data, size, compressed);
        if (detail::this_thread_turn().spent()) s->reader_.pause();
    }
    // Streaming mode: an endpoint with on_message_part (session_parts.ipp).
    // The turn's sends are counted as for whole messages.
    void on_message_begin(protocol::opcode op, bool compressed) { s->on_part_begin(op, compressed); }
    void on_message_data(const std::uint8_t* data, std::size_t size, bool final) {
        s->on_part_data(data, size, final);
        if (detail::this_thread_turn().spent()) s->reader_.pause();
    }
    void on_message_end() {
        s->on_part_end();
        if (detail::this_thread_turn().spent()) s->reader_.pause();
    }
    void on_ping(const std::uint8_t* data, std::size_t size) { s->on_ping_frame(data, size); }
    void on_pong(const std::uint8_t* data, std::size_t size) { s->on_pong_frame(data, size); }
    void on_close(std::uint16_t code, std::string_view reason) { s->on_close_frame(code, reason); }
};

WSX_DECL bool session::shed_memory() {
    if (shedding_.exchange(true, std::memory_order_acq_rel)) return false;
    // Posted, never run inline: the budget may choose this connection from
    // inside its own read turn (a send to another connection went over),
    // and shedding replaces the reader that is being fed.
    asio::post(strand_, [self = this->shared_from_this()] { self->on_shed_memory(); });
    return true;
}

WSX_DECL void session::on_frame_bytes(std::error_code ec, std::uint8_t* data, std::size_t n) {
    if (is_closed()) return;
    if (ec) return on_read_error(ec);
    if (f_.timers_on) timing().last_activity = now();
    f_.in_dispatch = true;
    detail::this_thread_turn().begin();
    bool whole = feed_turn(data, n);
    // A read that filled the buffer means more is waiting: take it now
    // instead of going back to the reactor, but only up to a turn's
    // share. A peer that keeps the socket full would otherwise hold the
    // thread for as long as it likes, and no other connection, timer or
    // stop() would run meanwhile. read_frames() below then finds the
    // socket still readable and comes back after what is queued.
    std::size_t turn = n;
    std::size_t direct = 0; // read straight into a large message (read_turn_direct_bytes)
    bool more = n == detail::thread_buffer_size;
    while (whole && more && !is_closed() && !f_.failing) {
        // Inside a payload larger than the buffer: read it into the
        // message itself, in reads that grow with it.
        if (!f_.no_direct_reads && reader_.payload_window_possible(detail::thread_buffer_size)) {
            if (direct >= read_turn_direct_bytes) break; // the turn's share of them
            const auto w = reader_.open_payload_window(detail::thread_buffer_size, read_turn_direct_bytes - direct);
            n = io_read_into(w.data, w.size, ec);
            visitor v{this};
            std::error_code bad;
            reader_.commit_payload(w, n, v, bad);
            if (ec == asio::error::operation_not_supported) {
                f_.no_direct_reads = true;
                ec.clear();
                continue;
            }
            if (bad) {
                if (!is_closed()) fail(bad);
                break;
            }
            if (ec || detail::this_thread_turn().spent()) break;
            direct += n;
            more = n == w.size;
            continue;
        }
        if (turn >= read_turn_bytes) break;
        n = io_read_now(data, ec);
        if (ec) break;
        turn += n;
        whole = feed_turn(data, n);
        more = n == detail::thread_buffer_size;
    }
    f_.in_dispatch = false;
    if (is_closed()) return;
    if (ec && ec != asio::error::would_block && ec != asio::error::try_again) return on_read_error(ec);
    end_turn();
}

WSX_DECL bool session::feed_turn(std::uint8_t* data, std::size_t n) {
    if (f_.failing) return true; // after a protocol error nothing the peer sends is read
    visitor v{this};
    std::error_code ec;
    const std::size_t used = reader_.feed_some(data, n, v, ec);
    if (ec) {
        if (!is_closed()) fail(ec);
        return true;
    }
    if (used == n || is_closed()) return true;
    // The turn's sends ran out: keep the rest (at most one read's worth)
    // for the next turn. It is in the thread's buffer, or in the backlog
    // itself when a later turn runs out again.
    if (backlog_ && backlog_->rest() == data) {
        backlog_->pos += used;
    } else {
        if (!backlog_) backlog_ = std::make_unique<detail::read_backlog>();
        backlog_->bytes.assign(data + used, data + n);
        backlog_->pos = 0;
    }
    return false;
}

WSX_DECL void session::end_turn() {
    flush(true);
    account_memory();
    if (!backlog_) return read_frames();
    // Behind whatever else is waiting for the thread.
    asio::post(strand_, [self = this->shared_from_this()] { self->resume_turn(); });
}

WSX_DECL void session::resume_turn() {
    if (is_closed() || !backlog_) return;
    f_.in_dispatch = true;
    detail::this_thread_turn().begin();
    if (feed_turn(backlog_->rest(), backlog_->rest_size())) backlog_.reset();
    f_.in_dispatch = false;
    if (is_closed()) return;
    end_turn();
}

WSX_DECL void session::account_memory() {
    if (!owner_) return;
    std::size_t now = 0;
    if (!is_closed()) {
        now = reader_.memory_usage() + queue_.held_bytes() + (backlog_ ? backlog_->bytes.capacity() : 0) +
              waiting_bytes();
        if (deflate_) now += deflate_->inflated.capacity() + deflate_->deflated.capacity();
    }
    const std::size_t was = held_.load(std::memory_order_relaxed);
    if (now == was) return;
    held_.store(now, std::memory_order_relaxed);
    if (now < was) return owner_->budget.shrink(was - now);
    if (owner_->budget.grow(now - was)) owner_->over_budget();
}

// Chosen by the server to give memory back. A connection whose send queue
// holds bytes is dropped at once: its peer is not reading, so a close frame
// behind them would never arrive, and the bytes are only freed with the
// connection. Otherwise what it held was an unfinished incoming message:
// that goes now, and the peer gets 1013.
WSX_DECL void session::on_shed_memory() {
    if (is_closed()) return;
    const auto ec = make_error_code(error::memory_budget_exceeded);
    reader_ = protocol::reader(reader_.options()); // nothing is read after a failure
    backlog_.reset();
    if (deflate_) {
        std::vector<std::uint8_t>().swap(deflate_->inflated);
        std::vector<std::uint8_t>().swap(deflate_->deflated);
    }
    if (queue_.queued_bytes() == 0 || phase_now() < phase::open) {
        fail(ec);
        account_memory();
        return;
    }
    f_.failing = true;
    closing().failure = ec;
    report_error(ec);
    teardown(ec);
}

WSX_DECL void session::on_read_error(std::error_code ec) {
    if (phase_now() == phase::closing && (f_.close_received || f_.failing)) return teardown({});
    // The peer vanished without a close frame: 1006.
    if (ec != asio::error::operation_aborted) report_error(make_error_code(error::connection_reset));
    teardown(make_error_code(error::connection_reset));
}

WSX_DECL void session::on_data_message(protocol::opcode op, const std::uint8_t* data, std::size_t size, bool compressed) {
    if (phase_now() >= phase::closing) return; // RFC 6455 1.4: data after our close is discarded
    if (op == protocol::opcode::binary && endpoint_->text_only) return fail(make_error_code(error::unsupported_data));
    if (compressed) {
        // Every compressed message goes through the inflater, handler or
        // not: with context takeover the next one depends on it. The
        // size limit applies to the inflated bytes, as they are inflated.
        std::vector<std::uint8_t>& inflated = deflate_->inflated;
        std::error_code ec = deflate_->codec->decompress(data, size, inflated, options_->max_message_size,
                                                         op == protocol::opcode::text);
        if (ec) return fail(ec);
        data = inflated.data();
        size = inflated.size();
    }
    if (endpoint_->on_message) {
        message m = detail::message_access::view(op, data, size);
        invoke([&] { endpoint_->on_message(*this, m); });
    }
    if (deflate_ && deflate_->inflated.capacity() > protocol::reader::retained_capacity)
        std::vector<std::uint8_t>().swap(deflate_->inflated);
}

WSX_DECL void session::on_ping_frame(const std::uint8_t* data, std::size_t size) {
    if (phase_now() >= phase::closing) return;
    // Not while the send queue is over its limit: a peer that sends
    // pings and never reads would otherwise grow the queue without
    // bound, one pong per ping. RFC 6455 5.5.3 lets us answer only the
    // most recent ping anyway.
    if (options_->auto_pong && queue_.held_bytes() < options_->max_send_queue) {
        queue_.push_frame(protocol::opcode::pong, data, size, true, false, key());
        note_queued();
    }
    if (endpoint_->on_ping) invoke([&] { endpoint_->on_ping(*this, byte_view(data, size)); });
}

WSX_DECL void session::on_pong_frame(const std::uint8_t* data, std::size_t size) {
    if (f_.ping_outstanding) {
        f_.ping_outstanding = false;
        if (timing_) timing_->ping_deadline = clock::time_point::max();
        // The timer still waits for the pong deadline: bring it forward
        // to the next ping, or keep-alive pings go out only every
        // ping_timeout instead of every ping_interval.
        schedule_timer();
    }
    if (phase_now() >= phase::closing) return;
    if (endpoint_->on_pong) invoke([&] { endpoint_->on_pong(*this, byte_view(data, size)); });
}

} // namespace wsx

#endif
