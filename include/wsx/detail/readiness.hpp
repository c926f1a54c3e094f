// Copyright (c) 2026 wsx developers. Distributed under the Boost Software License, Version 1.0.
#ifndef WSX_DETAIL_READINESS_HPP
#define WSX_DETAIL_READINESS_HPP

// Readiness for plain-TCP sockets without one Asio wait per message.
//
// Asio 1.22 re-arms a descriptor with EPOLL_CTL_MOD on every async_wait (a
// wait is never speculative), so a connection that waits, reads and waits
// again pays one epoll_ctl per message, and each idle connection holds a
// descriptor_state and a pending wait operation in Asio's reactor. Here each
// socket is added once, edge-triggered for both directions, to an epoll set
// of our own; Asio waits on that set's descriptor, so the MOD is paid once
// per batch of events, and a waiting connection holds only the handler it
// parked in its stream. Writability is watched only from the first write
// that finds the socket full (see watch_writable).
//
// Without epoll (non-Linux), or with WSX_NO_READINESS_SERVICE defined, the
// transport keeps waiting through Asio. The service also needs the Networking
// TS executor members (on_work_started/on_work_finished), which
// ASIO_NO_TS_EXECUTORS removes.

#if defined(__linux__) && !defined(WSX_NO_READINESS_SERVICE) && !defined(ASIO_NO_TS_EXECUTORS)
#define WSX_DETAIL_READINESS 1
#else
#define WSX_DETAIL_READINESS 0
#endif

#if WSX_DETAIL_READINESS

#include <asio/execution_context.hpp>
#include <asio/io_context.hpp>
#include <asio/posix/stream_descriptor.hpp>

#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <new>
#include <system_error>
#include <type_traits>
#include <utility>
#include <vector>

#include <sys/epoll.h>
#include <unistd.h>

namespace wsx::detail {

/// How a parked operation is resumed.
enum class wake {
    ready,    ///< the socket reported readiness: try the syscall again
    aborted,  ///< close(): complete with operation_aborted
};

// A parked completion handler, type-erased without a heap allocation: the
// session's handlers (a strand plus a shared_ptr and a member pointer) fit
// inline, and a connection parks one per message. Larger ones go to the heap.
// A write parks only when the socket is full, so its slot is one pointer
// and a parked write is always on the heap: 64 bytes less per connection.
template <std::size_t InlineSize> class basic_parked_op {
    using parked_op = basic_parked_op;

public:
    static constexpr std::size_t inline_size = InlineSize < sizeof(void*) ? sizeof(void*) : InlineSize;

    basic_parked_op() noexcept = default;
    basic_parked_op(basic_parked_op&& other) noexcept {
        if (other.vt_) other.vt_->relocate(other, *this);
    }
    basic_parked_op& operator=(basic_parked_op&&) = delete;
    ~basic_parked_op() { reset(); }

    bool empty() const noexcept { return vt_ == nullptr; }

    template <class F> void emplace(F&& f) {
        using T = std::decay_t<F>;
        reset();
        if constexpr (fits_inline<T>()) {
            ::new (static_cast<void*>(buf_)) T(std::forward<F>(f));
            vt_ = &inline_ops<T>::table;
        } else {
            ::new (static_cast<void*>(buf_)) T*(new T(std::forward<F>(f)));
            vt_ = &heap_ops<T>::table;
        }
    }

    void reset() noexcept {
        if (vt_) {
            const vtable* vt = vt_;
            vt_ = nullptr;
            vt->destroy(*this);
        }
    }

    // Moves the operation out and leaves this empty before running it, as
    // the run may end the life of whatever holds this parked_op.
    void run(wake w) {
        const vtable* vt = vt_;
        vt_ = nullptr;
        vt->run(*this, w);
    }

private:
    struct vtable {
        void (*relocate)(parked_op& from, parked_op& to) noexcept;
        void (*destroy)(parked_op&) noexcept;
        void (*run)(parked_op&, wake);
    };

    // Pointer alignment, not max_align_t: handlers hold pointers, and the
    // padding would be paid twice in every stream.
    static constexpr std::size_t inline_align = alignof(void*);
    template <class T> static constexpr bool fits_inline() {
        return sizeof(T) <= inline_size && alignof(T) <= inline_align;
    }

    template <class T> struct inline_ops {
        static T* get(parked_op& p) noexcept { return std::launder(reinterpret_cast<T*>(p.buf_)); }
        // Handler moves are assumed not to throw, as Asio's own operations assume.
        static void relocate(parked_op& from, parked_op& to) noexcept {
            T* src = get(from);
            ::new (static_cast<void*>(to.buf_)) T(std::move(*src));
            src->~T();
            to.vt_ = from.vt_;
            from.vt_ = nullptr;
        }
        static void destroy(parked_op& p) noexcept { get(p)->~T(); }
        static void run(parked_op& p, wake w) {
            T* src = get(p);
            T local(std::move(*src));
            src->~T();
            std::move(local)(w);
        }
        static constexpr vtable table{&relocate, &destroy, &run};
    };

    template <class T> struct heap_ops {
        static T*& get(parked_op& p) noexcept { return *std::launder(reinterpret_cast<T**>(p.buf_)); }
        static void relocate(parked_op& from, parked_op& to) noexcept {
            ::new (static_cast<void*>(to.buf_)) T*(get(from));
            to.vt_ = from.vt_;
            from.vt_ = nullptr;
        }
        static void destroy(parked_op& p) noexcept { delete get(p); }
        static void run(parked_op& p, wake w) {
            std::unique_ptr<T> owned(get(p));
            T local(std::move(*owned));
            owned.reset();
            std::move(local)(w);
        }
        static constexpr vtable table{&relocate, &destroy, &run};
    };

    alignas(inline_align) unsigned char buf_[inline_size];
    const vtable* vt_ = nullptr;
};

/// A parked read (inline) and a parked write (on the heap).
using parked_op = basic_parked_op<64>;
using parked_write_op = basic_parked_op<0>;

/// Direction of a socket operation.
enum class direction { read = 0, write = 1 };

// One socket's readiness, kept in its stream. `fd` belongs to the stream (its
// strand); everything else is guarded by the service's mutex.
struct readiness_entry {
    enum state : unsigned char { idle, parked, taken };
    struct side {
        // Edge-triggered epoll reports a transition once: this flag remembers
        // it until a syscall shows the socket drained.
        bool ready = false;
        // The peer's FIN, a reset or an error was reported. That readiness
        // lasts (the next syscall returns at once), and a short read does
        // not show it gone: recv returns the data before a FIN and the FIN
        // on the next call, with no further edge in between.
        bool hangup = false;
        state st = idle;
        // Bumped by every delivered event, so that a syscall can tell
        // whether an edge arrived while it ran (see readiness_service::park).
        std::uint32_t edges = 0;
    };
    int fd = -1;
    // EPOLLOUT is in the set (readiness_service::watch_writable). The
    // stream's strand alone reads and writes it.
    bool out_watched = false;
    side sides[2];
    parked_op read_op;
    parked_write_op write_op;
    side& of(direction d) noexcept { return sides[static_cast<int>(d)]; }
    // Calls f with the parked operation of one direction (their types differ).
    template <class F> decltype(auto) with_op(direction d, F&& f) {
        if (d == direction::read) return f(read_op);
        return f(write_op);
    }
};

/// The per-io_context service that owns the inner epoll set.
class readiness_service : public asio::execution_context::service {
public:
    using key_type = readiness_service;
    inline static asio::execution_context::id id;

    explicit readiness_service(asio::io_context& io)
        : asio::execution_context::service(io), exec_(io.get_executor()), desc_(io) {
        int fd = ::epoll_create1(EPOLL_CLOEXEC);
        if (fd < 0) throw std::system_error(errno, std::system_category(), "wsx: epoll_create1");
        std::error_code ec;
        desc_.assign(fd, ec);
        if (ec) {
            ::close(fd);
            throw std::system_error(ec, "wsx: registering the readiness epoll set");
        }
        inner_ = fd;
    }

    readiness_service(const readiness_service&) = delete;
    readiness_service& operator=(const readiness_service&) = delete;

    /// Adds a socket, edge-triggered, for reading; writing is added by the
    /// first watch_writable().
    std::error_code add(readiness_entry& e, int fd) {
        std::uint32_t gen;
        bool arm_now = false;
        {
            std::lock_guard<std::mutex> lock(mu_);
            if (shut_) return std::make_error_code(std::errc::operation_canceled);
            if (static_cast<std::size_t>(fd) >= slots_.size()) slots_.resize(static_cast<std::size_t>(fd) + 1);
            slot& s = slots_[static_cast<std::size_t>(fd)];
            s.entry = &e;
            gen = s.gen;
            e.fd = fd;
            e.out_watched = false;
            // Both true: ADD with EPOLLET reports the current state as an
            // edge, but a syscall first costs nothing when there is no data.
            for (auto& side : e.sides) {
                side.ready = true;
                side.hangup = false;
                side.st = readiness_entry::idle;
                side.edges = 0;
            }
            if (!armed_) armed_ = arm_now = true;
        }
        epoll_event ev = event_for(fd, gen, false);
        if (::epoll_ctl(inner_, EPOLL_CTL_ADD, fd, &ev) != 0) {
            std::error_code ec(errno, std::system_category());
            std::lock_guard<std::mutex> lock(mu_);
            forget(e, fd);
            return ec;
        }
        if (arm_now) arm();
        return {};
    }

    /// Adds EPOLLOUT to a socket's events before its first parked write. Not
    /// from the start: once a poll has found the send buffer full, the kernel
    /// wakes the socket's waiters whenever an ACK frees space, and with
    /// EPOLLOUT registered each of those wakes the event loop for nothing
    /// (one extra wake-up per 1 MiB echo). MOD re-polls the socket, so a
    /// socket that became writable since the failed write reports it at once,
    /// and park() sees that edge. Called on the stream's strand; it stays
    /// watched from then on (a socket that filled once is likely to again).
    std::error_code watch_writable(readiness_entry& e) {
        if (e.out_watched) return {};
        std::uint32_t gen;
        {
            std::lock_guard<std::mutex> lock(mu_);
            gen = slots_[static_cast<std::size_t>(e.fd)].gen;
        }
        epoll_event ev = event_for(e.fd, gen, true);
        if (::epoll_ctl(inner_, EPOLL_CTL_MOD, e.fd, &ev) != 0) return std::error_code(errno, std::system_category());
        e.out_watched = true;
        return {};
    }

    /// Takes a socket out. Parked operations are returned to the caller,
    /// which completes them (with the lock released: they may re-enter).
    void remove(readiness_entry& e, parked_op& rd, parked_write_op& wr) {
        const int fd = e.fd;
        // Before the slot is cleared, so that no event for this socket is
        // reported once the descriptor number can be reused.
        ::epoll_ctl(inner_, EPOLL_CTL_DEL, fd, nullptr);
        std::lock_guard<std::mutex> lock(mu_);
        forget(e, fd);
        take_parked(e, rd, wr);
    }

    struct snapshot {
        bool ready;
        std::uint32_t edges;
    };
    /// The readiness flag and the edge count, read before a syscall.
    snapshot peek(readiness_entry& e, direction d) {
        std::lock_guard<std::mutex> lock(mu_);
        auto& s = e.of(d);
        return {s.ready, s.edges};
    }

    /// A syscall saw the socket drained (a short read or write, or EAGAIN).
    /// The flag is cleared only if no edge was delivered since `before`: an
    /// edge that came while the syscall ran may be for data it did not see,
    /// and epoll will not report it again.
    void drained(readiness_entry& e, direction d, std::uint32_t before) {
        std::lock_guard<std::mutex> lock(mu_);
        auto& s = e.of(d);
        if (s.edges == before && !s.hangup) s.ready = false;
    }

    /// Parks the operation made by `make()` until the socket is ready again;
    /// false (and nothing parked) if it is ready now, so the caller retries.
    /// With `before`, the caller's syscall found the socket drained, and the
    /// flag is cleared as in drained(). Handlers hold outstanding work while
    /// parked, as Asio's pending operations do, so run() does not return
    /// under a waiting connection.
    template <class Make> bool park(readiness_entry& e, direction d, const std::uint32_t* before, Make&& make) {
        std::lock_guard<std::mutex> lock(mu_);
        auto& s = e.of(d);
        if (before && s.edges == *before && !s.hangup) s.ready = false;
        if (s.ready) return false;
        // The io_context is going away: the caller drops the handler, as
        // Asio drops the operations it holds at shutdown.
        if (shut_) return true;
        e.with_op(d, [&](auto& op) { op.emplace(make()); });
        s.st = readiness_entry::parked;
        exec_.on_work_started();
        return true;
    }

    /// Completes an operation taken out by remove().
    template <class Op> void finish(Op& op, wake w) {
        if (op.empty()) return;
        op.run(w);
        exec_.on_work_finished();
    }

    void shutdown() override {
        // The parked handlers own their sessions, which own the streams that
        // hold the handlers: destroy them, without invoking them, to break
        // that cycle as Asio does with the operations it holds.
        std::vector<parked_op> doomed;
        std::vector<parked_write_op> doomed_writes;
        {
            std::lock_guard<std::mutex> lock(mu_);
            shut_ = true;
            for (auto& sl : slots_) {
                if (!sl.entry) continue;
                readiness_entry& e = *sl.entry;
                for (auto& side : e.sides) {
                    if (side.st != readiness_entry::parked) continue;
                    if (&side == &e.of(direction::read))
                        doomed.emplace_back(std::move(e.read_op));
                    else
                        doomed_writes.emplace_back(std::move(e.write_op));
                    side.st = readiness_entry::idle;
                }
            }
        }
        doomed.clear();
        doomed_writes.clear();
        std::error_code ec;
        desc_.close(ec);
        inner_ = -1;
    }

private:
    struct slot {
        readiness_entry* entry = nullptr;
        std::uint32_t gen = 0;
    };

    static epoll_event event_for(int fd, std::uint32_t gen, bool out) noexcept {
        epoll_event ev{};
        ev.events = EPOLLIN | EPOLLRDHUP | EPOLLET | (out ? EPOLLOUT : 0u);
        ev.data.u64 = (static_cast<std::uint64_t>(gen) << 32) | static_cast<std::uint32_t>(fd);
        return ev;
    }

    // Under the lock. The generation tells a stale event (its socket closed,
    // the descriptor number reused) from a live one.
    void forget(readiness_entry& e, int fd) {
        if (fd >= 0 && static_cast<std::size_t>(fd) < slots_.size()) {
            slot& s = slots_[static_cast<std::size_t>(fd)];
            if (s.entry == &e) {
                s.entry = nullptr;
                ++s.gen;
            }
        }
    }

    // Under the lock.
    void take_parked(readiness_entry& e, parked_op& rd, parked_write_op& wr) {
        auto take = [](auto& from, auto& to) {
            using op_type = std::decay_t<decltype(to)>;
            to.~op_type();
            ::new (static_cast<void*>(&to)) op_type(std::move(from));
        };
        for (int i = 0; i < 2; ++i) {
            auto& s = e.sides[i];
            if (s.st == readiness_entry::parked) {
                if (i == 0)
                    take(e.read_op, rd);
                else
                    take(e.write_op, wr);
            }
            // A taken operation is on its way to its executor; it finds the
            // socket closed or cancelled there.
            s.st = readiness_entry::idle;
        }
    }

    struct waiter {
        readiness_service* self;
        void operator()(std::error_code ec) const { self->on_ready(ec); }
    };

    // The wait on the inner set is not work: counting it would keep run()
    // from returning while nothing is pending. The parked handlers are the
    // work. Asio counts the wait from its start to the end of its handler,
    // so take one unit back after starting it and give it back when the
    // handler begins (the count cannot reach zero inside a handler).
    void arm() {
        desc_.async_wait(asio::posix::descriptor_base::wait_read, waiter{this});
        exec_.on_work_finished();
    }

    void on_ready(std::error_code ec) {
        exec_.on_work_started();
        if (ec) return; // closed at shutdown
        constexpr int max_events = 128;
        epoll_event events[max_events];
        int n = ::epoll_wait(inner_, events, max_events, 0);
        // Re-armed before the batch is delivered: handlers may run long, and
        // another thread can take the next batch meanwhile.
        arm();
        if (n <= 0) return;

        struct taken {
            readiness_entry* e;
            direction d;
        };
        taken fire[2 * max_events];
        int count = 0;
        {
            std::lock_guard<std::mutex> lock(mu_);
            for (int i = 0; i < n; ++i) {
                const std::uint64_t key = events[i].data.u64;
                const auto fd = static_cast<std::size_t>(key & 0xffffffffu);
                const auto gen = static_cast<std::uint32_t>(key >> 32);
                if (fd >= slots_.size() || slots_[fd].entry == nullptr || slots_[fd].gen != gen) continue;
                readiness_entry* e = slots_[fd].entry;
                const std::uint32_t got = events[i].events;
                if (got & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR))
                    mark(*e, direction::read, (got & (EPOLLRDHUP | EPOLLHUP | EPOLLERR)) != 0, fire[count], count);
                if (got & (EPOLLOUT | EPOLLHUP | EPOLLERR))
                    mark(*e, direction::write, (got & (EPOLLHUP | EPOLLERR)) != 0, fire[count], count);
            }
        }
        // Without the lock: a handler may park again on the same socket. A
        // taken operation keeps its stream alive (it owns the session), so an
        // entry in `fire` stays valid until its own operation has run, even
        // if an earlier handler of this batch closed it.
        for (int i = 0; i < count; ++i) {
            fire[i].e->with_op(fire[i].d, [](auto& op) { op.run(wake::ready); });
            exec_.on_work_finished();
        }
    }

    template <class Taken> static void mark(readiness_entry& e, direction d, bool hangup, Taken& out, int& count) {
        auto& s = e.of(d);
        ++s.edges;
        s.ready = true;
        if (hangup) s.hangup = true;
        if (s.st == readiness_entry::parked) {
            s.st = readiness_entry::taken;
            out = {&e, d};
            ++count;
        }
    }

    asio::io_context::executor_type exec_;
    asio::posix::basic_stream_descriptor<asio::io_context::executor_type> desc_;
    int inner_ = -1;
    std::mutex mu_;
    std::vector<slot> slots_;
    bool armed_ = false;
    bool shut_ = false;
};

} // namespace wsx::detail

#endif // WSX_DETAIL_READINESS

#endif
