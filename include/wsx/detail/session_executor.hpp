// Copyright (c) 2026 wsx developers. Distributed under the Boost Software License, Version 1.0.
#ifndef WSX_DETAIL_SESSION_EXECUTOR_HPP
#define WSX_DETAIL_SESSION_EXECUTOR_HPP

// A session's strand: the executor its handlers run on, one at a time.
//
// When one thread runs the io_context (made with the hint for that,
// `asio::io_context io{1}`), that thread already keeps every handler apart,
// and an asio::strand per connection would only cost an allocation, a lock
// and a queue for nothing. There the strand is the io_context's executor
// plus the session it runs for. Its one job beyond the io_context's is
// running_in_this_thread(): the session asks it to choose between acting at
// once (inside one of its own handlers) and posting (from anywhere else),
// so a handler run through it marks the thread with its session while it
// runs. Everywhere else (an io_context more threads may run) it is an
// asio::strand.

#include <asio/detail/concurrency_hint.hpp>
#include <asio/detail/scheduler.hpp>
#include <asio/dispatch.hpp>
#include <asio/execution.hpp>
#include <asio/io_context.hpp>
#include <asio/post.hpp>
#include <asio/query.hpp>
#include <asio/require.hpp>
#include <asio/strand.hpp>

#include <type_traits>
#include <utility>
#include <new>

namespace wsx::detail {

// True when the io_context was made for one thread (its concurrency hint
// promises that only one thread runs it).
inline bool runs_on_one_thread(asio::io_context& io) {
#if !defined(ASIO_HAS_IOCP)
    const int hint = asio::use_service<asio::detail::scheduler>(io).concurrency_hint();
    return hint == 1 || !ASIO_CONCURRENCY_HINT_IS_LOCKING(SCHEDULER, hint);
#else
    (void)io;
    return false;
#endif
}

class session_executor {
public:
    using inner_executor_type = asio::io_context::executor_type;

    // The strand of the session at `owner`, on `io`.
    session_executor(asio::io_context& io, const void* owner) {
        if (runs_on_one_thread(io)) {
            new (&light_) light{io.get_executor(), owner};
        } else {
            new (&strand_) strand(io.get_executor());
            is_strand_ = true;
        }
    }
    // Two forms in one union rather than a std::variant: 32 bytes in every
    // session instead of 40, and copies that do not throw, as Asio asks of
    // an executor.
    session_executor(const session_executor& o) noexcept : is_strand_(o.is_strand_), never_(o.never_) {
        if (is_strand_)
            new (&strand_) strand(o.strand_);
        else
            new (&light_) light(o.light_);
    }
    session_executor& operator=(const session_executor& o) noexcept {
        if (this != &o) {
            this->~session_executor();
            new (this) session_executor(o);
        }
        return *this;
    }
    ~session_executor() {
        if (is_strand_) strand_.~strand();
    }

    inner_executor_type get_inner_executor() const noexcept {
        return is_strand_ ? strand_.get_inner_executor() : light_.inner;
    }

    // True inside one of the session's handlers (or work posted to it).
    bool running_in_this_thread() const noexcept {
        return is_strand_ ? strand_.running_in_this_thread() : running() == light_.owner;
    }

    template <class F> void execute(F&& f) const {
        // Through post and dispatch, which every Asio version has public:
        // dispatch runs it at once when that is allowed (the io_context's
        // thread; a free strand), post never does. Wrapped, so that they do
        // not send it on to the executor it is bound to: this one.
        if (is_strand_) {
            if (never_)
                asio::post(strand_, bare<std::decay_t<F>>{std::forward<F>(f)});
            else
                asio::dispatch(strand_, bare<std::decay_t<F>>{std::forward<F>(f)});
            return;
        }
        marked<std::decay_t<F>> m{light_.owner, std::forward<F>(f)};
        if (never_)
            asio::post(light_.inner, std::move(m));
        else
            asio::dispatch(light_.inner, std::move(m));
    }

    session_executor require(asio::execution::blocking_t::never_t) const noexcept {
        session_executor e(*this);
        e.never_ = true;
        return e;
    }
    session_executor require(asio::execution::blocking_t::possibly_t) const noexcept {
        session_executor e(*this);
        e.never_ = false;
        return e;
    }
    asio::execution::blocking_t query(asio::execution::blocking_t) const noexcept {
        return never_ ? asio::execution::blocking_t(asio::execution::blocking.never)
                      : asio::execution::blocking_t(asio::execution::blocking.possibly);
    }
    // Every other query (the context, the allocator, ...) is the io_context's.
    template <class Property,
              class = std::enable_if_t<!std::is_same_v<Property, asio::execution::blocking_t> &&
                                       asio::can_query<const inner_executor_type&, Property>::value>>
    decltype(auto) query(const Property& p) const noexcept {
        return asio::query(get_inner_executor(), p);
    }

    friend bool operator==(const session_executor& a, const session_executor& b) noexcept {
        if (a.is_strand_ != b.is_strand_ || a.never_ != b.never_) return false;
        return a.is_strand_ ? a.strand_ == b.strand_ : a.light_.owner == b.light_.owner && a.light_.inner == b.light_.inner;
    }
    friend bool operator!=(const session_executor& a, const session_executor& b) noexcept { return !(a == b); }

private:
    struct light {
        inner_executor_type inner;
        const void* owner;
    };
    using strand = asio::strand<inner_executor_type>;

    // The session whose handler this thread is running, if any.
    static const void*& running() noexcept {
        static thread_local const void* owner = nullptr;
        return owner;
    }

    template <class F> struct bare {
        F f;
        void operator()() { f(); }
    };
    template <class F> struct marked {
        const void* owner;
        F f;
        void operator()() {
            struct mark {
                const void* saved;
                explicit mark(const void* o) : saved(running()) { running() = o; }
                ~mark() { running() = saved; }
                mark(const mark&) = delete;
                mark& operator=(const mark&) = delete;
            } m(owner);
            f();
        }
    };

    union {
        light light_;
        strand strand_;
    };
    bool is_strand_ = false;
    bool never_ = false;
};

} // namespace wsx::detail

#endif
