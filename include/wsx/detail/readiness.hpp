// Copyright (c) 2026 wsx developers. Distributed under the Boost Software License, Version 1.0.
#ifndef WSX_DETAIL_READINESS_HPP
#define WSX_DETAIL_READINESS_HPP

// Readiness for plain-TCP sockets without one Asio wait per message.
//
// Asio 1.22 re-arms a descriptor with EPOLL_CTL_MOD on every async_wait (a
// wait is never speculative), so a connection that waits, reads and waits
// again pays one epoll_ctl per message, and each idle connection holds a
// descriptor_state and a pending wait operation in Asio's reactor. Here each
// socket is added once, edge-triggered for both directions, to the epoll set
// of Asio's own reactor, with a slot of ours as its event's data: the
// reactor's one epoll_wait reports it, queues the slot as an operation and
// the scheduler runs it, which resumes the stream's parked operation. A
// wake-up costs that one epoll_wait and no epoll_ctl; the sockets' own
// syscalls are the reads and writes. Writability is watched only from the
// first write that finds the socket full (see watch_writable).
//
// What this takes from Asio beyond its documented interface, all of it in
// this header: the reactor's epoll descriptor (a private member, read once
// per io_context), the reactor's treatment of an event's data as a
// scheduler_operation it queues (it touches only that base: its link and its
// result word), and scheduler::compensating_work_started, which Asio's own
// descriptor operations call for the same reason. The version range in
// detail/readiness_config.hpp is where that holds; elsewhere the transport
// waits through Asio (transport::tcp).
//
// No lock is shared by the connections: a socket's readiness and parked
// flags are one atomic word in a table indexed by descriptor (chunks that
// never move, so the reactor may keep a slot's address), which the thread
// delivering an event and the socket's strand change with compare-and-swap.
// Whoever clears the parked bit owns the parked operation.

#include <wsx/detail/readiness_config.hpp>

#if WSX_DETAIL_READINESS

#include <asio/detail/epoll_reactor.hpp>
#include <asio/detail/scheduler.hpp>
#include <asio/detail/scheduler_operation.hpp>
#include <asio/execution_context.hpp>
#include <asio/io_context.hpp>
#include <asio/post.hpp>

#include <atomic>
#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <memory>
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
    retry,    ///< readiness came while parking: try again, from the executor (a post)
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

// One socket's readiness, both directions and the generation of its
// descriptor, in one atomic word, so that the thread delivering events and
// the stream's strand agree on it with compare-and-swap instead of a lock.
// Per direction (19 bits): parked, ready, hangup, then a 16-bit count of the
// edges delivered; above them the generation (24 bits).
namespace readiness_word {
inline constexpr std::uint64_t parked = 1;   ///< an operation waits in the stream
inline constexpr std::uint64_t ready = 2;    ///< an edge came and no syscall has shown the socket drained since
inline constexpr std::uint64_t hangup = 4;   ///< FIN, reset or error reported: readiness that lasts
inline constexpr unsigned edge_shift = 3;
inline constexpr std::uint64_t edge_mask = 0xffffu;
inline constexpr unsigned side_bits = 19;
inline constexpr unsigned gen_shift = 40;
inline constexpr std::uint64_t gen_mask = 0xffffffu;

inline constexpr unsigned shift(direction d) noexcept { return d == direction::read ? 0 : side_bits; }
inline constexpr bool has(std::uint64_t w, direction d, std::uint64_t flag) noexcept { return ((w >> shift(d)) & flag) != 0; }
inline constexpr std::uint64_t with(std::uint64_t w, direction d, std::uint64_t flag) noexcept { return w | (flag << shift(d)); }
inline constexpr std::uint64_t without(std::uint64_t w, direction d, std::uint64_t flag) noexcept { return w & ~(flag << shift(d)); }
inline constexpr std::uint32_t edges(std::uint64_t w, direction d) noexcept {
    return static_cast<std::uint32_t>((w >> (shift(d) + edge_shift)) & edge_mask);
}
inline constexpr std::uint64_t with_edge(std::uint64_t w, direction d) noexcept {
    const unsigned at = shift(d) + edge_shift;
    const std::uint64_t next = ((w >> at) + 1) & edge_mask;
    return (w & ~(edge_mask << at)) | (next << at);
}
inline constexpr std::uint32_t gen(std::uint64_t w) noexcept { return static_cast<std::uint32_t>((w >> gen_shift) & gen_mask); }
/// Both directions idle and not ready, in generation g.
inline constexpr std::uint64_t fresh(std::uint32_t g) noexcept { return (static_cast<std::uint64_t>(g) & gen_mask) << gen_shift; }
} // namespace readiness_word

struct readiness_entry;
class readiness_service;

// Asio keeps its reactor's epoll descriptor private. Access is not checked
// for the names in an explicit instantiation, and the friend this one
// defines hands the member pointer out. Read once per io_context.
struct reactor_epoll_fd {
    using type = int asio::detail::epoll_reactor::*;
    friend type member_pointer(reactor_epoll_fd) noexcept;
};
template <class Tag, typename Tag::type Member> struct expose_member {
    friend typename Tag::type member_pointer(Tag) noexcept { return Member; }
};
template struct expose_member<reactor_epoll_fd, &asio::detail::epoll_reactor::epoll_fd_>;

// Where the service finds a descriptor's state: a table indexed by the
// descriptor number, in chunks that never move, so that an event is looked
// up without a lock while another thread adds a socket. A slot is also the
// operation Asio's reactor queues when its socket has events (the event's
// data points here): a descriptor number has one slot for good, so the
// reactor never holds the address of something freed.
struct readiness_slot : asio::detail::scheduler_operation {
    readiness_slot() noexcept : asio::detail::scheduler_operation(&readiness_slot::on_events) {}

    std::atomic<std::uint64_t> word{0};
    // Valid for the word's generation; read only by whoever takes a parked
    // operation, which keeps its stream (and so the entry) alive.
    std::atomic<readiness_entry*> entry{nullptr};
    readiness_service* service = nullptr;

    // What the scheduler calls with the events the reactor saw (its result
    // word); without an owner it is destroying what it holds at shutdown.
    static void on_events(void* owner, asio::detail::scheduler_operation* base, const asio::error_code&,
                          std::size_t events);
};

// One socket's registration, kept in its stream and touched by its strand
// alone, except the parked operations: the thread that delivers an event
// takes an operation out once its compare-and-swap has cleared `parked`.
struct readiness_entry {
    int fd = -1;
    std::uint32_t gen = 0;
    // EPOLLOUT is in the set (readiness_service::watch_writable).
    bool out_watched = false;
    // No other process holds the descriptor (accept4 made it close-on-exec):
    // closing it takes it out of the epoll set, so remove() need not.
    bool unshared = false;
    parked_op read_op;
    parked_write_op write_op;
    // Calls f with the parked operation of one direction (their types differ).
    template <class F> decltype(auto) with_op(direction d, F&& f) {
        if (d == direction::read) return f(read_op);
        return f(write_op);
    }
};

/// What a syscall told about a socket it found drained, for
/// readiness_service::drained and park: the edge count read before it, and
/// whether it failed with EAGAIN (rather than reading or writing less than
/// asked). EAGAIN also proves that the direction has no hangup pending: a
/// socket at its end or in error answers with 0 or the error instead.
struct drain_mark {
    std::uint32_t edges;
    bool would_block;
};

#ifdef WSX_DETAIL_READINESS_COUNTERS
// For tests: what the service did, counted (relaxed atomics, compiled in only
// when the test defines the macro, so a production build pays nothing).
struct readiness_counters {
    std::atomic<std::uint64_t> ctl_calls{0};   ///< epoll_ctl calls (add, watch_writable, remove)
    std::atomic<std::uint64_t> events{0};      ///< sockets' events the reactor delivered
    std::atomic<std::uint64_t> resumed{0};     ///< parked operations resumed by an event
};
#define WSX_DETAIL_READINESS_COUNT(c) (counters_.c.fetch_add(1, std::memory_order_relaxed))
#else
#define WSX_DETAIL_READINESS_COUNT(c) ((void)0)
#endif

/// The per-io_context service that keeps the sockets' readiness.
class readiness_service : public asio::execution_context::service {
public:
    using key_type = readiness_service;
    inline static asio::execution_context::id id;

    explicit readiness_service(asio::io_context& io)
        : asio::execution_context::service(io), exec_(io.get_executor()),
          reactor_(asio::use_service<asio::detail::epoll_reactor>(io)) {
        static_assert(std::is_same_v<asio::detail::io_context_impl, asio::detail::scheduler>,
                      "wsx: the readiness service needs Asio's scheduler as the io_context's implementation");
        for (auto& c : chunks_) c.store(nullptr, std::memory_order_relaxed);
        reactor_.init_task(); // the scheduler runs the reactor from now on
        epfd_ = reactor_.*member_pointer(reactor_epoll_fd{});
        if (epfd_ < 0) throw std::system_error(EBADF, std::system_category(), "wsx: Asio's reactor has no epoll set");
    }

    ~readiness_service() override {
        for (auto& c : chunks_) delete[] c.load(std::memory_order_relaxed);
    }

    readiness_service(const readiness_service&) = delete;
    readiness_service& operator=(const readiness_service&) = delete;

    /// Adds a socket, edge-triggered, for reading; writing is added by the
    /// first watch_writable(). Called on the stream's strand. `unshared`:
    /// see readiness_entry.
    std::error_code add(readiness_entry& e, int fd, bool unshared = false) {
        if (shut_.load(std::memory_order_acquire)) return std::make_error_code(std::errc::operation_canceled);
        readiness_slot* s = slot_for(fd, true);
        if (!s) return std::make_error_code(std::errc::too_many_files_open);
        // A generation of its own, so that a stream resumed by an event
        // checks the entry it takes against the word it changed. Both
        // directions ready: ADD with EPOLLET reports the current state as an
        // edge, but a syscall first costs nothing when there is no data.
        const std::uint32_t g = (readiness_word::gen(s->word.load(std::memory_order_relaxed)) + 1) & readiness_word::gen_mask;
        std::uint64_t w = readiness_word::fresh(g);
        w = readiness_word::with(readiness_word::with(w, direction::read, readiness_word::ready), direction::write,
                                 readiness_word::ready);
        s->entry.store(&e, std::memory_order_release);
        s->word.store(w, std::memory_order_release);
        e.fd = fd;
        e.gen = g;
        e.out_watched = false;
        e.unshared = unshared;
        epoll_event ev = event_for(*s, false);
        WSX_DETAIL_READINESS_COUNT(ctl_calls);
        if (::epoll_ctl(epfd_, EPOLL_CTL_ADD, fd, &ev) != 0) {
            std::error_code ec(errno, std::system_category());
            forget(e);
            return ec;
        }
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
        epoll_event ev = event_for(slot_of(e), true);
        WSX_DETAIL_READINESS_COUNT(ctl_calls);
        if (::epoll_ctl(epfd_, EPOLL_CTL_MOD, e.fd, &ev) != 0) return std::error_code(errno, std::system_category());
        e.out_watched = true;
        return {};
    }

    /// Takes a socket out; the caller closes the descriptor next. Parked
    /// operations are returned to the caller, which completes them. Called
    /// on the stream's strand.
    void remove(readiness_entry& e, parked_op& rd, parked_write_op& wr) {
        // A descriptor another process may hold too (a fork's child) stays
        // in the set after close(), and its events would keep reaching the
        // slot: take it out first. An unshared one leaves the set as it is
        // closed, and an epoll_ctl per connection is saved. Either way, an
        // event the reactor took before this may still be queued, and reach
        // the slot's next socket: it can only make that socket look ready,
        // which its first syscall corrects (drain_mark).
        if (!e.unshared) {
            WSX_DETAIL_READINESS_COUNT(ctl_calls);
            ::epoll_ctl(epfd_, EPOLL_CTL_DEL, e.fd, nullptr);
        }
        const std::uint64_t old = forget(e);
        // An operation whose parked bit this thread cleared is ours; one
        // taken by an event before is on its way to its executor, and finds
        // the socket closed there.
        if (readiness_word::has(old, direction::read, readiness_word::parked)) take(e.read_op, rd);
        if (readiness_word::has(old, direction::write, readiness_word::parked)) take(e.write_op, wr);
    }

    struct snapshot {
        bool ready;
        std::uint32_t edges;
    };
    /// The readiness flag and the edge count, read before a syscall.
    snapshot peek(const readiness_entry& e, direction d) const noexcept {
        const std::uint64_t w = slot_of(e).word.load(std::memory_order_acquire);
        return {readiness_word::has(w, d, readiness_word::ready), readiness_word::edges(w, d)};
    }

    /// A syscall saw the socket drained (a short read or write, or EAGAIN).
    /// The flag is cleared only if no edge was delivered since the mark: an
    /// edge that came while the syscall ran may be for data it did not see,
    /// and epoll will not report it again.
    void drained(readiness_entry& e, direction d, drain_mark m) noexcept {
        std::atomic<std::uint64_t>& word = slot_of(e).word;
        std::uint64_t w = word.load(std::memory_order_relaxed);
        for (;;) {
            if (!drains(w, d, m) || !readiness_word::has(w, d, readiness_word::ready)) return;
            if (word.compare_exchange_weak(w, cleared(w, d), std::memory_order_relaxed, std::memory_order_relaxed))
                return;
        }
    }

    /// Parks the operation made by `make()` until the socket is ready again;
    /// false (and nothing parked) if it is ready now, so the caller retries.
    /// With a mark, the caller's syscall found the socket drained, and the
    /// flag is cleared as in drained(). An edge that arrives between the
    /// check and the parking resumes the operation at once, through a post
    /// (wake::retry). Handlers hold outstanding work while parked, as Asio's
    /// pending operations do, so run() does not return under a waiting
    /// connection.
    template <class Make> bool park(readiness_entry& e, direction d, const drain_mark* mark, Make&& make) {
        std::atomic<std::uint64_t>& word = slot_of(e).word;
        std::uint64_t w = word.load(std::memory_order_acquire);
        if (mark && drains(w, d, *mark)) w = cleared(w, d);
        if (readiness_word::has(w, d, readiness_word::ready)) return false;
        // The io_context is going away: the caller drops the handler, as
        // Asio drops the operations it holds at shutdown.
        if (shut_.load(std::memory_order_acquire)) return true;
        // The operation is in place, and counted as work, before the word
        // says so: from then on the thread delivering events may run it.
        e.with_op(d, [&](auto& op) { op.emplace(make()); });
        exec_.on_work_started();
        std::uint64_t cur = word.load(std::memory_order_relaxed);
        for (;;) {
            std::uint64_t next = cur;
            if (mark && drains(cur, d, *mark)) next = cleared(next, d);
            if (readiness_word::has(next, d, readiness_word::ready)) {
                // An edge came meanwhile: give the operation back, to run again
                // from the executor (it must not run inside this call).
                e.with_op(d, [](auto& op) { op.run(wake::retry); });
                exec_.on_work_finished();
                return true;
            }
            next = readiness_word::with(next, d, readiness_word::parked);
            if (word.compare_exchange_weak(cur, next, std::memory_order_acq_rel, std::memory_order_relaxed)) return true;
        }
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
        // that cycle as Asio does with the operations it holds. No thread
        // runs the io_context any more.
        shut_.store(true, std::memory_order_release);
        std::vector<parked_op> doomed;
        std::vector<parked_write_op> doomed_writes;
        for_each_registered([&](readiness_slot& s, readiness_entry& e) {
            std::uint64_t w = s.word.load(std::memory_order_acquire);
            std::uint64_t next;
            do {
                next = readiness_word::without(readiness_word::without(w, direction::read, readiness_word::parked),
                                               direction::write, readiness_word::parked);
            } while (!s.word.compare_exchange_weak(w, next, std::memory_order_acq_rel, std::memory_order_acquire));
            if (readiness_word::has(w, direction::read, readiness_word::parked)) doomed.emplace_back(std::move(e.read_op));
            if (readiness_word::has(w, direction::write, readiness_word::parked)) doomed_writes.emplace_back(std::move(e.write_op));
        });
        doomed.clear();
        doomed_writes.clear();
    }

    void notify_fork(asio::execution_context::fork_event event) override {
        // From the fork on, both processes hold every socket.
        if (event == asio::execution_context::fork_prepare)
            for_each_registered([](readiness_slot&, readiness_entry& e) { e.unshared = false; });
        // The child's reactor made a new epoll set (services hear of the
        // fork in the order they were made, so the reactor already has):
        // the sockets join it again.
        if (event != asio::execution_context::fork_child) return;
        epfd_ = reactor_.*member_pointer(reactor_epoll_fd{});
        for_each_registered([&](readiness_slot& s, readiness_entry& e) {
            epoll_event ev = event_for(s, e.out_watched);
            ::epoll_ctl(epfd_, EPOLL_CTL_ADD, e.fd, &ev);
        });
    }

#ifdef WSX_DETAIL_READINESS_COUNTERS
    const readiness_counters& counters() const noexcept { return counters_; }
#endif

private:
    friend struct readiness_slot;

    static constexpr std::size_t chunk_bits = 12;
    static constexpr std::size_t chunk_size = std::size_t{1} << chunk_bits; // 4096 descriptors
    static constexpr std::size_t max_chunks = 4096;                         // descriptors below 2^24

    static epoll_event event_for(readiness_slot& s, bool out) noexcept {
        epoll_event ev{};
        ev.events = EPOLLIN | EPOLLRDHUP | EPOLLET | (out ? EPOLLOUT : 0u);
        ev.data.ptr = static_cast<asio::detail::scheduler_operation*>(&s);
        return ev;
    }

    // True if a syscall marked `m` saw the socket drained for good: no edge
    // since, and no hangup (which EAGAIN disproves).
    static bool drains(std::uint64_t w, direction d, drain_mark m) noexcept {
        return readiness_word::edges(w, d) == m.edges && (m.would_block || !readiness_word::has(w, d, readiness_word::hangup));
    }
    static std::uint64_t cleared(std::uint64_t w, direction d) noexcept {
        return readiness_word::without(readiness_word::without(w, d, readiness_word::ready), d, readiness_word::hangup);
    }

    // The slot of a socket that add() took: its chunk exists. Looked up
    // rather than kept in the entry, which every connection carries.
    readiness_slot& slot_of(const readiness_entry& e) const noexcept {
        const auto n = static_cast<std::size_t>(e.fd);
        return chunks_[n >> chunk_bits].load(std::memory_order_acquire)[n & (chunk_size - 1)];
    }

    readiness_slot* slot_for(int fd, bool create) {
        if (fd < 0) return nullptr;
        const auto n = static_cast<std::size_t>(fd);
        const std::size_t ci = n >> chunk_bits;
        if (ci >= max_chunks) return nullptr;
        readiness_slot* chunk = chunks_[ci].load(std::memory_order_acquire);
        if (!chunk) {
            if (!create) return nullptr;
            // Two threads may add the chunk's first sockets at once: one
            // installs its chunk, the other frees its own.
            auto* fresh = new readiness_slot[chunk_size];
            for (std::size_t i = 0; i < chunk_size; ++i) fresh[i].service = this;
            if (chunks_[ci].compare_exchange_strong(chunk, fresh, std::memory_order_acq_rel, std::memory_order_acquire))
                chunk = fresh;
            else
                delete[] fresh;
        }
        return &chunk[n & (chunk_size - 1)];
    }

    template <class F> void for_each_registered(F&& f) {
        for (auto& c : chunks_) {
            readiness_slot* chunk = c.load(std::memory_order_acquire);
            if (!chunk) continue;
            for (std::size_t i = 0; i < chunk_size; ++i)
                if (readiness_entry* e = chunk[i].entry.load(std::memory_order_acquire)) f(chunk[i], *e);
        }
    }

    // Ends the entry's generation and returns the word as it was.
    std::uint64_t forget(readiness_entry& e) noexcept {
        readiness_slot& s = slot_of(e);
        const std::uint64_t old =
            s.word.exchange(readiness_word::fresh(e.gen + 1), std::memory_order_acq_rel);
        s.entry.store(nullptr, std::memory_order_release);
        return old;
    }

    template <class Op> static void take(Op& from, Op& to) {
        to.~Op();
        ::new (static_cast<void*>(&to)) Op(std::move(from));
    }

    // One socket's events, from the scheduler: mark them in its word and
    // resume what was parked. Several threads may deliver events of one
    // socket at once; the compare-and-swap gives each parked operation to
    // one of them.
    void deliver(readiness_slot& s, std::uint32_t got) {
        WSX_DETAIL_READINESS_COUNT(events);
        const bool rd = (got & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)) != 0;
        const bool rd_hup = (got & (EPOLLRDHUP | EPOLLHUP | EPOLLERR)) != 0;
        const bool wr = (got & (EPOLLOUT | EPOLLHUP | EPOLLERR)) != 0;
        const bool wr_hup = (got & (EPOLLHUP | EPOLLERR)) != 0;
        std::uint64_t w = s.word.load(std::memory_order_acquire);
        readiness_entry* e = nullptr;
        for (;;) {
            // Read before the exchange: once it succeeds the slot may be
            // reused, and the entry is valid only for this generation.
            e = s.entry.load(std::memory_order_acquire);
            if (!e) return; // no socket here now
            std::uint64_t next = w;
            if (rd) next = mark(next, direction::read, rd_hup);
            if (wr) next = mark(next, direction::write, wr_hup);
            if (s.word.compare_exchange_weak(w, next, std::memory_order_acq_rel, std::memory_order_acquire)) break;
        }
        const bool fire_read = rd && readiness_word::has(w, direction::read, readiness_word::parked);
        const bool fire_write = wr && readiness_word::has(w, direction::write, readiness_word::parked);
        // A taken operation keeps its stream alive (it owns the session), so
        // the entry stays valid until the operation has run, even if it closes
        // the stream.
        if (fire_write) {
            parked_write_op op(std::move(e->write_op));
            if (fire_read) resume(e->read_op, &op);
            resume(op, nullptr);
        } else if (fire_read) {
            resume(e->read_op, nullptr);
        }
    }

    // Runs a resumed operation. If it throws (a user's handler, run inline
    // on its strand), the other one taken with it goes to the executor
    // rather than being lost.
    template <class Op> void resume(Op& op, parked_write_op* also) {
        WSX_DETAIL_READINESS_COUNT(resumed);
        if (!also) {
            op.run(wake::ready);
            exec_.on_work_finished();
            return;
        }
        try {
            op.run(wake::ready);
        } catch (...) {
            exec_.on_work_finished();
            asio::post(exec_, [this, later = std::move(*also)]() mutable { resume(later, nullptr); });
            throw;
        }
        exec_.on_work_finished();
    }

    // The word with one direction's edge delivered: ready, counted, and no
    // longer parked (the caller takes the operation if it was).
    static std::uint64_t mark(std::uint64_t w, direction d, bool hangup) noexcept {
        w = readiness_word::with_edge(w, d);
        w = readiness_word::with(w, d, readiness_word::ready);
        if (hangup) w = readiness_word::with(w, d, readiness_word::hangup);
        return readiness_word::without(w, d, readiness_word::parked);
    }

    asio::io_context::executor_type exec_;
    asio::detail::epoll_reactor& reactor_;
    int epfd_ = -1;
    std::atomic<bool> shut_{false};
    std::atomic<readiness_slot*> chunks_[max_chunks];
#ifdef WSX_DETAIL_READINESS_COUNTERS
    readiness_counters counters_;
#endif
};

inline void readiness_slot::on_events(void* owner, asio::detail::scheduler_operation* base, const asio::error_code&,
                                      std::size_t events) {
    if (!owner) return;
    // Not work of its own, like Asio's descriptor operations: make up for
    // the unit the scheduler takes off when this returns.
    static_cast<asio::detail::scheduler*>(owner)->compensating_work_started();
    auto* s = static_cast<readiness_slot*>(base);
    s->service->deliver(*s, static_cast<std::uint32_t>(events));
}

#undef WSX_DETAIL_READINESS_COUNT

} // namespace wsx::detail

#endif // WSX_DETAIL_READINESS

#endif
