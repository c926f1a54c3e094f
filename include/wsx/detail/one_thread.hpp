// Copyright (c) 2026 wsx developers. Distributed under the Boost Software License, Version 1.0.
#ifndef WSX_DETAIL_ONE_THREAD_HPP
#define WSX_DETAIL_ONE_THREAD_HPP

// Sends between connections of an io_context that one thread runs.
//
// A send to another connection is posted to that connection's strand: a
// publish to 1,000 subscribers is 1,000 strand posts, each a lock, a queued
// operation and a trip through the scheduler, which cost more in user space
// than the rest of the delivery. When the program has said that one thread
// runs the io_context (`asio::io_context io{1}`, Asio's own hint for that
// promise), a connection whose handlers are not on the stack cannot be
// running anywhere else, so its strand guards nothing: the send is queued on
// it at once, and the connection is listed here. After the current handler,
// one posted function writes each listed connection's queue: one write per
// receiver for all the sends of a turn, as with posts, and no handler of the
// receiver ever runs inside the sender (writes report errors through their
// own completions, on the receiver's strand).

#include <wsx/detail/session_executor.hpp>

#include <asio/execution_context.hpp>
#include <asio/io_context.hpp>
#include <asio/post.hpp>

#include <memory>
#include <utility>
#include <vector>

namespace wsx::detail {

template <class Session, class Flush>
class one_thread_flush : public asio::detail::execution_context_service_base<one_thread_flush<Session, Flush>> {
public:
    explicit one_thread_flush(asio::execution_context& ctx)
        : asio::detail::execution_context_service_base<one_thread_flush>(ctx),
          io_(static_cast<asio::io_context&>(ctx)) {}

    // This io_context's service when one thread runs it; else nullptr.
    static one_thread_flush* find(asio::io_context& io) {
        return runs_on_one_thread(io) ? &asio::use_service<one_thread_flush>(io) : nullptr;
    }

    // May `s` be sent to here and now, without its strand?
    bool on_its_thread() const noexcept { return io_.get_executor().running_in_this_thread(); }

    // Lists `s` to be flushed after the current handler (once per turn).
    void add(std::shared_ptr<Session> s) {
        list_.push_back(std::move(s));
        if (posted_) return;
        posted_ = true;
        asio::post(io_, [this] { run(); });
    }

    void shutdown() override { list_.clear(); }

private:
    void run() {
        posted_ = false;
        std::vector<std::shared_ptr<Session>> now;
        now.swap(list_);
        for (auto& s : now) Flush{}(*s);
        // Keep the capacity: the next turn lists as many.
        now.clear();
        if (list_.empty()) list_.swap(now);
    }

    asio::io_context& io_;
    std::vector<std::shared_ptr<Session>> list_;
    bool posted_ = false;
};

} // namespace wsx::detail

#endif
