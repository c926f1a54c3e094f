// Copyright (c) 2026 wsx developers. Distributed under the Boost Software License, Version 1.0.
#ifndef WSX_IMPL_SESSION_STREAM_IPP
#define WSX_IMPL_SESSION_STREAM_IPP

// wsx::session, sending a message in fragments (message_stream): its frames,
// and the other sends, which wait while it is open so that no message lands
// inside its fragments (RFC 6455 5.4). docs/streams.md.
// Included by session.hpp, or compiled once by src.hpp with
// WSX_SEPARATE_COMPILATION.

#include <wsx/session.hpp>
#include <wsx/detail/endpoint_state.hpp>
#include <wsx/detail/posted_sends.hpp>
#include <wsx/detail/read_turn.hpp>
#include <wsx/detail/session_parts.hpp>

#include <string>
#include <utility>

namespace wsx {

WSX_DECL message_stream session::send_stream() { return open_stream(protocol::opcode::text); }

WSX_DECL message_stream session::send_binary_stream() { return open_stream(protocol::opcode::binary); }

// On the strand only, so that "is another stream open" has one answer: two
// streams cannot both own the wire, and one waiting for the other would
// need every send to know whose turn it is.
WSX_DECL message_stream session::open_stream(protocol::opcode op) {
    if (!strand_.running_in_this_thread())
        throw std::system_error(make_error_code(error::invalid_state),
                                "wsx: send_stream() and send_binary_stream() are called on the session's strand: in "
                                "one of its handlers, or in work posted to s.get_executor(); the stream's write() "
                                "and finish() may then be called from any thread");
    detail::stream_parts& p = streams();
    if (p.out_id != 0)
        throw std::system_error(make_error_code(error::invalid_state),
                                "wsx: this session already has an unfinished message stream; finish() (or destroy) "
                                "it before starting another: one message's fragments cannot enclose another's");
    p.out_id = ++p.last_id;
    p.out_op = op;
    p.out_started = false;
    return message_stream(this->weak_from_this(), p.out_id, op == protocol::opcode::text);
}

WSX_DECL void session::stream_send(std::uint64_t id, const void* data, std::size_t size, bool fin,
                                   detail::send_queue::completion c) {
    detail::count_send();
    if (strand_.running_in_this_thread()) {
        stream_frame(id, static_cast<const std::uint8_t*>(data), size, fin, std::move(c));
        return;
    }
    post_send(size, [id, fin, copy = std::string(static_cast<const char*>(data), size), c = std::move(c)](
                        session& s) mutable {
        s.stream_frame(id, reinterpret_cast<const std::uint8_t*>(copy.data()), copy.size(), fin, std::move(c));
    });
}

WSX_DECL void session::stream_frame(std::uint64_t id, const std::uint8_t* data, std::size_t size, bool fin,
                                    detail::send_queue::completion c) {
    detail::stream_parts* p = streams_.get();
    if (p == nullptr || p->out_id != id) {
        // The stream was ended for it (the connection failed the stream).
        if (c) c(make_error_code(error::closed));
        return;
    }
    if (!can_send(c)) return;
    if (queue_.held_bytes() + waiting_bytes() >= options_->max_send_queue) {
        // Refusing this fragment alone would leave a hole in a message whose
        // start the peer already has, and there is no way to take a message
        // back but to close: the connection fails, as under the close policy.
        const std::error_code ec = make_error_code(error::send_queue_full);
        p->out_id = 0;
        if (c) c(ec);
        fail(ec);
        return;
    }
    queue_.push_frame(p->out_started ? protocol::opcode::continuation : p->out_op, data, size, fin, false, key());
    p->out_started = !fin;
    if (c) queue_.push_completion(std::move(c));
    if (fin) p->out_id = 0;
    note_queued();
    if (fin) send_waiting();
}

WSX_DECL void session::abandon_stream(std::uint64_t id, bool wrote) {
    run_on_strand(wrote, [id](session& s, bool w) {
        detail::stream_parts* p = s.streams_.get();
        if (p == nullptr || p->out_id != id) return;
        p->out_id = 0;
        p->out_started = false;
        if (w && s.accepting_sends()) {
            // The peer holds part of a message that will never be whole.
            std::uint8_t payload[protocol::max_control_payload];
            const std::size_t n =
                protocol::build_close_payload(close_code::internal_error, "message stream ended before finish()", payload);
            s.start_close(std::string(reinterpret_cast<const char*>(payload), n));
        }
        // Now their turn, or (after the close) error::closed for each.
        s.send_waiting();
    });
}

WSX_DECL bool session::stream_blocks_sends() const noexcept {
    return streams_->out_id != 0 || !streams_->waiting.empty();
}

WSX_DECL bool session::stream_replaying() const noexcept { return streams_->replaying; }

WSX_DECL std::size_t session::waiting_bytes() const noexcept { return streams_ ? streams_->waiting_bytes : 0; }

WSX_DECL void session::wait_for_stream(protocol::opcode op, const std::uint8_t* data, std::size_t size,
                                       detail::send_queue::completion& c) {
    detail::stream_parts& p = *streams_;
    p.waiting.push_back({op, std::vector<std::uint8_t>(data, data + size), nullptr, std::move(c)});
    p.waiting_bytes += size + detail::stream_parts::waiting_entry_cost;
    if (!f_.in_dispatch) account_memory();
}

WSX_DECL void session::wait_for_stream(const std::shared_ptr<const detail::shared_frame>& f,
                                       detail::send_queue::completion& c) {
    detail::stream_parts& p = *streams_;
    p.waiting.push_back({protocol::opcode::binary, {}, f, std::move(c)});
    p.waiting_bytes += f->bytes.size() + detail::stream_parts::waiting_entry_cost;
    if (!f_.in_dispatch) account_memory();
}

// In order, each as it would have gone when it was made, until they are
// all queued or a new stream opens (a completion may open one).
WSX_DECL void session::send_waiting() {
    detail::stream_parts& p = *streams_;
    while (!p.waiting.empty() && p.out_id == 0) {
        detail::stream_parts::waiting_send w = std::move(p.waiting.front());
        p.waiting.pop_front();
        p.waiting_bytes -= (w.frame ? w.frame->bytes.size() : w.bytes.size()) + detail::stream_parts::waiting_entry_cost;
        p.replaying = true;
        if (w.frame)
            enqueue_shared(w.frame, std::move(w.done));
        else
            enqueue(w.op, w.bytes.data(), w.bytes.size(), std::move(w.done));
        p.replaying = false;
    }
}

WSX_DECL void session::fail_waiting(std::error_code ec) {
    std::deque<detail::stream_parts::waiting_send> gone;
    gone.swap(streams_->waiting);
    streams_->waiting_bytes = 0;
    for (auto& w : gone)
        if (w.done) w.done(ec);
}

} // namespace wsx

#endif
