// Copyright (c) 2026 wsx developers. Distributed under the Boost Software License, Version 1.0.
#ifndef WSX_IMPL_SESSION_TIMERS_IPP
#define WSX_IMPL_SESSION_TIMERS_IPP

// wsx::session, the timers: one per session serves the handshake, close, idle and keep-alive deadlines.
// Included by session.hpp, or compiled once by src.hpp with
// WSX_SEPARATE_COMPILATION.

#include <wsx/session.hpp>
#include <wsx/detail/endpoint_state.hpp>
#include <wsx/detail/session_parts.hpp>

#include <asio/bind_executor.hpp>
#include <asio/post.hpp>

namespace wsx {

WSX_DECL void session::arm_handshake_deadline() {
    timing().handshake_deadline = now() + options_->handshake_timeout;
    schedule_timer();
}

WSX_DECL session::clock::time_point session::next_deadline() const {
    if (!timing_) return clock::time_point::max();
    const timing_state& m = *timing_;
    clock::time_point t = m.handshake_deadline;
    if (m.close_deadline < t) t = m.close_deadline;
    if (accepting_sends()) {
        if (options_->idle_timeout.count() > 0 && m.last_activity + options_->idle_timeout < t)
            t = m.last_activity + options_->idle_timeout;
        if (options_->ping_interval.count() > 0) {
            clock::time_point p = f_.ping_outstanding ? m.ping_deadline : m.last_activity + options_->ping_interval;
            if (p < t) t = p;
        }
    }
    return t;
}

WSX_DECL void session::schedule_timer() {
    f_.timers_on = options_->idle_timeout.count() > 0 || options_->ping_interval.count() > 0;
    if (is_closed()) return;
    clock::time_point t = next_deadline();
    if (t == clock::time_point::max()) return;
    timing_state& m = timing();
    if (f_.timer_pending && m.timer_at <= t) return;
    f_.timer_pending = true;
    m.timer_at = t;
    if (clock_) {
        clock_->wait_until(this, t, [self = this->shared_from_this()] {
            asio::post(self->strand_, [self] { self->on_timer({}); });
        });
        return;
    }
    m.timer.expires_at(t);
    m.timer.async_wait(asio::bind_executor(strand_, [self = this->shared_from_this()](std::error_code ec) {
        self->on_timer(ec);
    }));
}

WSX_DECL void session::cancel_timer() noexcept {
    if (clock_) clock_->cancel(this);
    if (timing_) timing_->timer.cancel();
}

WSX_DECL void session::on_timer(std::error_code ec) {
    // (No timing state: it was dropped after this wait had fired.)
    if (ec == asio::error::operation_aborted || is_closed() || !timing_) return;
    timing_state& m = *timing_;
    f_.timer_pending = false;
    const clock::time_point now = this->now();
    if (now >= m.handshake_deadline) {
        m.handshake_deadline = clock::time_point::max();
        if (!is_server_) report_error(make_error_code(error::handshake_timeout));
        return teardown(make_error_code(error::handshake_timeout));
    }
    if (now >= m.close_deadline) {
        // Both close frames crossed: the handshake is complete, and a
        // peer that keeps TCP open after it is no error (RFC 6455 7.1.1
        // lets us close the connection ourselves).
        const bool handshake_done = phase_now() == phase::closing && f_.close_received;
        if (!f_.failing && !handshake_done) report_error(make_error_code(error::close_timeout));
        return teardown(handshake_done ? std::error_code{} : make_error_code(error::close_timeout));
    }
    if (accepting_sends()) {
        if (options_->idle_timeout.count() > 0 && now >= m.last_activity + options_->idle_timeout)
            return fail(make_error_code(error::idle_timeout));
        if (options_->ping_interval.count() > 0) {
            if (f_.ping_outstanding && now >= m.ping_deadline) {
                report_error(make_error_code(error::ping_timeout));
                return teardown(make_error_code(error::ping_timeout));
            }
            if (!f_.ping_outstanding && now >= m.last_activity + options_->ping_interval) {
                f_.ping_outstanding = true;
                m.ping_deadline = now + options_->ping_timeout;
                queue_.push_frame(protocol::opcode::ping, nullptr, 0, true, false, key());
                note_queued();
            }
        }
    }
    schedule_timer();
}

} // namespace wsx

#endif
