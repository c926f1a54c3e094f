// Copyright (c) 2026 wsx developers. Distributed under the Boost Software License, Version 1.0.
#ifndef WSX_DETAIL_POSTED_SENDS_HPP
#define WSX_DETAIL_POSTED_SENDS_HPP

// How a session's sends reach its strand from off it. Member templates of
// wsx::session, defined here rather than in session.hpp because only the
// impl/session_*.ipp files that send use them.

#include <wsx/session.hpp>
#include <wsx/detail/one_thread.hpp>

#include <asio/post.hpp>

#include <atomic>
#include <cstddef>
#include <utility>

namespace wsx {

// Runs f on the strand: at once when already there (the common case: a
// handler answering its own session), else posted with a copy. (Pings,
// pongs and close frames: in order with the sends, below.)
template <class Payload, class F> void session::run_on_strand(Payload&& p, F&& f) {
    if (strand_.running_in_this_thread()) {
        f(*this, p);
    } else {
        post_send(0, [p = std::forward<Payload>(p), f = std::forward<F>(f)](session& s) mutable { f(s, p); });
    }
}

// A send from off the strand (another connection's handler, another thread)
// is posted, never run inside the caller: sends from one thread keep their
// order whatever their kind, and no handler of this session runs under a
// lock the caller holds. Posted sends that run back to back gather into one
// write, made by the last of them straight to the socket: a publish to many
// costs each receiver one posted function and one system call, and no write
// completion.
template <class F> void session::post_send(std::size_t bytes, F&& f) {
    posted_.fetch_add(bytes, std::memory_order_relaxed);
    posted_sends_.fetch_add(1, std::memory_order_relaxed);
    asio::post(strand_, [self = this->shared_from_this(), bytes, f = std::forward<F>(f)]() mutable {
        self->posted_.fetch_sub(bytes, std::memory_order_relaxed);
        // Modulo 2^16: a wrap can only make one flush early; the last of a
        // run always sees 1.
        const bool last = self->posted_sends_.fetch_sub(1, std::memory_order_relaxed) == 1;
        const bool in_turn = self->f_.in_dispatch;
        self->f_.in_dispatch = true; // what it queues waits for the last
        f(*self);
        self->f_.in_dispatch = in_turn;
        if (last && !in_turn && !self->is_closed()) self->finish_posted_sends();
    });
}

namespace detail {
// What one_thread_flush does to each connection it listed.
struct direct_flush {
    void operator()(session& s) const { s.finish_direct(); }
};
} // namespace detail

} // namespace wsx

#endif
