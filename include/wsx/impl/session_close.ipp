// Copyright (c) 2026 wsx developers. Distributed under the Boost Software License, Version 1.0.
#ifndef WSX_IMPL_SESSION_CLOSE_IPP
#define WSX_IMPL_SESSION_CLOSE_IPP

// wsx::session, the closing handshake and the end of the connection: close frames both ways, failing the connection with the RFC's code, and the one teardown every path ends in.
// Included by session.hpp, or compiled once by src.hpp with
// WSX_SEPARATE_COMPILATION.

#include <wsx/session.hpp>
#include <wsx/detail/endpoint_state.hpp>
#include <wsx/detail/posted_sends.hpp>
#include <wsx/detail/session_parts.hpp>

namespace wsx {

WSX_DECL void session::close(std::uint16_t code, std::string_view reason) {
    // build_close_payload takes 1005 to mean "an empty close frame", but
    // 1005 is a code for reporting only (RFC 6455 7.4.1): refuse it here
    // as documented above, like 1006 and 1015.
    if (code == close_code::no_status)
        throw std::system_error(make_error_code(error::bad_argument),
                                "wsx: close code 1005 may not be sent; use 1000-1003, 1007-1014 or an "
                                "application code in 3000-4999");
    std::uint8_t payload[125];
    std::size_t n = protocol::build_close_payload(code, reason, payload); // throws on bad input
    run_on_strand(std::string(reinterpret_cast<char*>(payload), n), [](session& s, std::string& p) {
        s.start_close(p);
    });
}

WSX_DECL void session::going_away() {
    asio::dispatch(strand_, [self = this->shared_from_this()] {
        if (self->is_closed()) return;
        if (self->phase_now() >= phase::open) {
            std::uint8_t payload[125];
            std::size_t n = protocol::build_close_payload(close_code::going_away, "server shutting down", payload);
            self->start_close(std::string(reinterpret_cast<char*>(payload), n));
        } else {
            self->teardown(make_error_code(error::going_away));
        }
    });
}

WSX_DECL void session::on_close_frame(std::uint16_t code, std::string_view reason) {
    f_.close_received = true;
    closing().peer.code = code;
    closing().peer.reason.assign(reason);
    if (phase_now() < phase::closing) {
        // Echo the peer's code (RFC 6455 5.5.1); a close without a code is answered without one.
        std::uint8_t payload[2];
        std::size_t n = 0;
        if (code != close_code::no_status) {
            payload[0] = static_cast<std::uint8_t>(code >> 8);
            payload[1] = static_cast<std::uint8_t>(code & 0xff);
            n = 2;
        }
        send_close_frame(payload, n);
    } else if (!queue_.writing() && !queue_.has_staged()) {
        finish_close();
    }
}

WSX_DECL void session::start_close(const std::string& payload) {
    if (phase_now() >= phase::closing) return;
    if (phase_now() < phase::open) return teardown(make_error_code(error::closed));
    send_close_frame(reinterpret_cast<const std::uint8_t*>(payload.data()), payload.size());
}

WSX_DECL void session::send_close_frame(const std::uint8_t* payload, std::size_t n) {
    enter(phase::closing);
    queue_.push_frame(protocol::opcode::close, payload, n, true, false, key());
    note_queued();
    timing().close_deadline = now() + options_->close_timeout;
    schedule_timer();
}

WSX_DECL void session::finish_close() {
    if (is_closed()) return;
    if (is_server_ || f_.failing) {
        // The server closes TCP first (RFC 6455 7.1.1). Half-close and
        // let the peer read our close frame before the socket goes.
        io_shutdown_send();
        if (f_.failing) return; // wait for the peer's EOF or the close timeout
        teardown({});
    }
    // A client waits for the server to close TCP, up to the close timeout.
}

WSX_DECL void session::fail(std::error_code ec) {
    if (is_closed() || f_.failing) return;
    f_.failing = true;
    closing().failure = ec;
    report_error(ec);
    if (phase_now() < phase::open) return teardown(ec);
    if (phase_now() == phase::open) {
        std::uint8_t payload[125];
        const std::string message = ec.message();
        std::string_view reason = message;
        if (reason.size() > 123) reason = reason.substr(0, 123);
        std::size_t n = protocol::build_close_payload(close_code_for(ec), reason, payload);
        send_close_frame(payload, n);
    } else if (!queue_.writing() && !queue_.has_staged()) {
        finish_close();
    }
}

WSX_DECL void session::report_error(std::error_code ec) {
    if (f_.reported_error || !endpoint_) return;
    f_.reported_error = true;
    invoke_nothrow([&] {
        if (endpoint_->on_error) endpoint_->on_error(*this, ec);
    });
}

WSX_DECL void session::teardown(std::error_code ec) {
    const phase was = phase_now();
    if (was == phase::closed) return;
    enter(phase::closed);
    const bool was_open = was >= phase::open;
    cancel_timer();
    io_close();
    queue_.fail_all(make_error_code(error::closed));
    if (streams_) fail_waiting(make_error_code(error::closed));
    buffered_.store(0, std::memory_order_relaxed);
    account_memory();
    // A server's session leaves the registry with its caps, in one lock;
    // one without a server (a client's) is listed only while open.
    if (owner_) {
        owner_->topics.leave_all(id_);
        owner_->forget(id_, remote_.address());
    }
    else if (was_open && endpoint_->registry)
        endpoint_->registry->remove(id_);
    // A client that never opened still hears on_close (1006), as the
    // browser fires close after a failed connect; a server session
    // that never opened was never the user's.
    if (was_open || (!is_server_ && endpoint_)) {
        close_reason r;
        if (f_.close_received) {
            r = closing_->peer;
        } else if (f_.failing) {
            r.code = close_code_for(closing_->failure);
            r.reason = closing_->failure.message();
        } else {
            r.code = close_code::abnormal;
            if (ec) r.reason = ec.message();
        }
        invoke_nothrow([&] {
            if (endpoint_->on_close) endpoint_->on_close(*this, r);
        });
    }
    instance_.reset();
}

WSX_DECL bool session::handlers_gone() const noexcept {
    return endpoint_ && (endpoint_->detached.load(std::memory_order_acquire) ||
                         (endpoint_->make_instance && !instance_));
}

} // namespace wsx

#endif
