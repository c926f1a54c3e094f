// Copyright (c) 2026 wsx developers. Distributed under the Boost Software License, Version 1.0.
#ifndef WSX_PROTOCOL_READER_HPP
#define WSX_PROTOCOL_READER_HPP

// The incremental frame reader (RFC 6455 5, 7.4, 8.1): bytes in, events out.
//
// It can be fed one byte at a time or a megabyte at a time and gives the same
// events (in streaming mode: the same bytes, possibly cut into different
// pieces). It never blocks, never reads a clock and keeps only what it must:
// at most 14 header bytes, at most 125 control payload bytes, and the message
// being assembled, which the limits bound before any of it is buffered.
//
// Fast path: a single-frame message that lies entirely in the fed buffer is
// unmasked in place, validated and handed to the visitor as a view into that
// buffer. Only fragmented messages and frames cut by feed() boundaries are
// copied into the assembly buffer, which keeps its capacity between
// messages (up to retained_capacity), so the steady state does not allocate.
//
// Visitor requirements (a template parameter: no virtual calls):
//   always:          void on_ping(const std::uint8_t* data, std::size_t size);
//                    void on_pong(const std::uint8_t* data, std::size_t size);
//                    void on_close(std::uint16_t code, std::string_view reason); // 1005 if no code
//   whole messages:  void on_message(opcode op, const std::uint8_t* data, std::size_t size, bool compressed);
//   streaming:       void on_message_begin(opcode op, bool compressed);
//                    void on_message_data(const std::uint8_t* data, std::size_t size); // never size 0
//                    void on_message_end();
//                    on_message_data may take a third argument, `bool final`: true when these
//                    are the message's last bytes (its final frame ends here and, for
//                    uncompressed text, they complete its UTF-8), so that a consumer can
//                    say "last" with the data instead of in an empty call after it.
//                    on_message_end follows either way.
// A visitor needs only the message members of the mode it is used in; they
// are detected at compile time. Using a visitor in a mode whose members it
// lacks is a programming error: feed() throws std::system_error(invalid_state).
// All pointers handed out are valid only during the call. If a visitor
// throws, the exception propagates out of feed(), the rest of that buffer is
// not consumed, and the reader must be reset() before it is fed again.

#include <wsx/error.hpp>
#include <wsx/protocol/close.hpp>
#include <wsx/protocol/frame.hpp>
#include <wsx/protocol/mask.hpp>
#include <wsx/protocol/utf8.hpp>

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <string_view>
#include <system_error>
#include <type_traits>
#include <utility>
#include <vector>

namespace wsx {
namespace protocol {

/// Which end of the connection we are. RFC 6455 5.1: a client masks every
/// frame it sends and a server masks none, so the role says what to expect.
enum class role : std::uint8_t { server, client };

/// What a reader enforces and how it delivers messages.
struct reader_options {
    // The limits first, then the one-byte fields together: 24 bytes, not
    // 32, in every connection's reader.
    std::uint64_t max_frame_size = 16 * 1024 * 1024;   ///< payload bytes of one data frame; over: error::frame_too_big
    std::uint64_t max_message_size = 16 * 1024 * 1024; ///< payload bytes of one message; over: error::message_too_big
    role local_role = role::server;                    ///< server: frames must be masked; client: must not be
    bool streaming = false;                            ///< false: whole messages; true: fragments as they arrive
    bool allow_rsv1 = false;                           ///< true once permessage-deflate is negotiated
};

namespace detail {

template <class V, class = void>
struct has_control_members : std::false_type {};
template <class V>
struct has_control_members<
    V, std::void_t<decltype(std::declval<V&>().on_ping(std::declval<const std::uint8_t*>(), std::size_t{})),
                   decltype(std::declval<V&>().on_pong(std::declval<const std::uint8_t*>(), std::size_t{})),
                   decltype(std::declval<V&>().on_close(std::uint16_t{}, std::string_view{}))>> : std::true_type {};

template <class V, class = void>
struct has_whole_message_members : std::false_type {};
template <class V>
struct has_whole_message_members<V, std::void_t<decltype(std::declval<V&>().on_message(
                                        opcode::text, std::declval<const std::uint8_t*>(), std::size_t{}, false))>>
    : std::true_type {};

template <class V, class = void>
struct has_final_data_member : std::false_type {};
template <class V>
struct has_final_data_member<V, std::void_t<decltype(std::declval<V&>().on_message_data(
                                    std::declval<const std::uint8_t*>(), std::size_t{}, false))>> : std::true_type {};

template <class V, class = void>
struct has_data_member : has_final_data_member<V> {};
template <class V>
struct has_data_member<V, std::void_t<decltype(std::declval<V&>().on_message_data(std::declval<const std::uint8_t*>(),
                                                                                  std::size_t{}))>> : std::true_type {};

template <class V, class = void>
struct has_streaming_members : std::false_type {};
template <class V>
struct has_streaming_members<V, std::void_t<decltype(std::declval<V&>().on_message_begin(opcode::text, false)),
                                            decltype(std::declval<V&>().on_message_end())>>
    : has_data_member<V> {};

// An allocator whose resize() leaves new bytes as they are (default-
// initialized, not zeroed): they are about to be overwritten by a read.
template <class T> struct uninitialized_allocator : std::allocator<T> {
    template <class U> struct rebind {
        using other = uninitialized_allocator<U>;
    };
    uninitialized_allocator() noexcept = default;
    template <class U> uninitialized_allocator(const uninitialized_allocator<U>&) noexcept {}
    template <class U> void construct(U* p) noexcept(std::is_nothrow_default_constructible<U>::value) {
        ::new (static_cast<void*>(p)) U;
    }
    template <class U, class... Args> void construct(U* p, Args&&... args) {
        ::new (static_cast<void*>(p)) U(std::forward<Args>(args)...);
    }
};

} // namespace detail

/// The incremental frame reader: feed it bytes in any split and it calls a
/// visitor for each message, ping, pong and close, checking every RFC 6455
/// rule on the way (the header comment above lists the visitor's members).
/// Allocation-free on the hot path; single-frame messages are handed out in
/// place, unmasked.
class reader {
public:
    /// Above this, the assembly buffer is given back after each message: one
    /// huge message must not pin its memory for the life of the connection.
    /// Below it, fragmented messages are assembled without allocating. (A
    /// fresh 1 MiB buffer costs ~4x the copy itself in page faults, which is
    /// why the threshold is not smaller.)
    static constexpr std::size_t retained_capacity = 1024 * 1024;

    /// A reader at the start of a stream.
    explicit reader(reader_options options = {}) : opts_(options) {}

    /// Consumes all n bytes, unmasking them in place, and calls the visitor
    /// for each event in order. Returns the first error; from then on the
    /// reader returns that error for every call until reset(). Bytes after a
    /// close frame are ignored.
    template <class Visitor>
    std::error_code feed(std::uint8_t* data, std::size_t n, Visitor& v) {
        std::error_code ec;
        std::size_t used = 0;
        do used += feed_some(data + used, n - used, v, ec);
        while (!ec && used < n);
        return ec;
    }

    /// Like feed(), but a visitor may call pause() to stop it after that
    /// event: returns the bytes consumed, n unless paused. The rest must be
    /// fed next, as they are (they may be unmasked in part already; the
    /// reader knows where it stopped). Errors go to ec, as feed() returns them.
    template <class Visitor>
    std::size_t feed_some(std::uint8_t* data, std::size_t n, Visitor& v, std::error_code& ec);

    /// From inside a visitor call of feed_some(): it returns after this
    /// event. A caller with a budget for one turn (events it may run before
    /// other work gets the thread) stops here and feeds the rest later.
    void pause() noexcept { pause_ = true; }

    /// Back to the start of a stream, forgetting any error (the options stay).
    void reset() noexcept {
        stage_ = stage::header;
        hdr_len_ = 0;
        hdr_need_ = 2;
        in_message_ = false;
        msg_size_ = 0;
        utf8_.reset();
        buf_.clear();
        ec_ = {};
        pause_ = false;
    }

    /// True while a data message has started and its final frame has not ended.
    bool in_message() const noexcept { return in_message_; }
    /// True once a (valid) close frame has been delivered.
    bool closed() const noexcept { return stage_ == stage::closed; }
    /// The options in force.
    const reader_options& options() const noexcept { return opts_; }
    /// Accepts RSV1 (compressed messages) once permessage-deflate is negotiated.
    void set_allow_rsv1(bool allow) noexcept { opts_.allow_rsv1 = allow; }
    /// Bytes held for messages: the assembly buffer's capacity, and the
    /// buffer of a control frame cut by a feed() boundary once there was one.
    std::size_t memory_usage() const noexcept { return buf_.capacity() + (ctrl_ ? max_control_payload : 0); }

    /// Where the next payload bytes of a large frame may be received
    /// directly, without passing through the caller's buffer.
    struct payload_window {
        std::uint8_t* data = nullptr; ///< the first byte to write
        std::size_t size = 0;         ///< how many may be written; 0: none, feed as usual
    };

    /// In whole-message mode, inside a data frame with at least `at_least`
    /// payload bytes still to come: room at the end of the message being
    /// assembled for the next of them, at most `at_most` bytes. A caller
    /// whose own buffer holds `at_least` bytes reads a large payload into
    /// the window instead, in fewer, larger reads and with no copy. The
    /// window is at most what is assembled already (at least `at_least`, or
    /// the room the buffer kept from an earlier message), so the buffer
    /// grows with the bytes that really arrived, not with what a frame
    /// announces: under twice them (plus `at_least`) once a window is
    /// filled, under four times while one waits. Size 0 when there is no
    /// such frame; otherwise commit_payload() must follow before anything
    /// else.
    payload_window open_payload_window(std::size_t at_least, std::size_t at_most);

    /// Whether open_payload_window(at_least, n) would give a window (for
    /// any n > 0): a data frame's payload of at least that many bytes is
    /// being read, in whole-message mode.
    bool payload_window_possible(std::size_t at_least) const noexcept {
        return stage_ == stage::payload && !opts_.streaming && !is_control(frame_op_) && remaining_ >= at_least;
    }

    /// The first n bytes of the window w were written: unmasks and validates
    /// them like fed bytes, and delivers the message if they end it. n may
    /// be 0 (the read failed or found nothing). Errors go to ec, as
    /// feed_some() returns them.
    template <class Visitor>
    void commit_payload(const payload_window& w, std::size_t n, Visitor& v, std::error_code& ec);

private:
    enum class stage : std::uint8_t { header, payload, closed, failed };

    // The internal steps return true to go on, false after fail(): building a
    // std::error_code per frame would be an out-of-line call per frame.
    bool fail(error e) noexcept {
        stage_ = stage::failed;
        ec_ = make_error_code(e);
        return false;
    }
    // feed_some()'s exit after an error: the rest of the bytes are dropped.
    std::size_t failed(std::error_code& ec, std::size_t n) noexcept {
        pause_ = false;
        ec = ec_;
        return n;
    }
    std::size_t failed(std::error_code& ec, std::size_t n, error e) noexcept {
        fail(e);
        return failed(ec, n);
    }

    // Everything the first two header bytes can tell, checked as soon as
    // they are there. Returns 0 or the error.
    int check_prefix(std::uint8_t b0, std::uint8_t b1) const noexcept;

    // Unmasks [p, p + n) in place (continuing the current frame's key phase)
    // and, for a text message, validates it. Returns n, or the index of the
    // first byte that makes the message invalid UTF-8.
    std::size_t unmask_scan(std::uint8_t* p, std::size_t n) noexcept;

    void unmask(std::uint8_t* p, std::size_t n) noexcept {
        if (masked_) mask_in_place(p, n, key_, phase_);
        phase_ = static_cast<std::uint8_t>((phase_ + n) & 3);
    }

    // Appends to the message being assembled, growing the buffer by
    // grown_capacity(): linear in the message's size, whatever its fragments.
    void append(const std::uint8_t* p, std::size_t n);
    std::size_t grown_capacity(std::size_t need) const noexcept;

    // Starts the frame whose complete header (already checked by
    // check_prefix) is [h, h + size); p is just past it.
    template <class V>
    bool begin_frame(const std::uint8_t* h, std::size_t size, std::uint8_t*& p, std::uint8_t* end, V& v);
    template <class V>
    bool end_data_frame(V& v);
    template <class V>
    bool control(opcode op, const std::uint8_t* p, std::size_t n, V& v);

    reader_options opts_;
    // The one-byte fields come first and share one 32-byte run (declared
    // by purpose, they left 16 bytes of padding in every connection).
    stage stage_ = stage::header;
    bool pause_ = false; // pause() was called: feed_some() stops after the event

    // Header bytes, when a header is cut by a feed() boundary.
    std::uint8_t hdr_len_ = 0;
    std::uint8_t hdr_need_ = 2;
    std::uint8_t hdr_[max_header_size] = {};

    // The frame whose payload is being read.
    opcode frame_op_ = opcode::text;
    bool frame_fin_ = true;
    bool masked_ = false;
    std::uint8_t phase_ = 0;
    std::array<std::uint8_t, 4> key_{};

    // The data message in progress (flags).
    bool in_message_ = false;
    opcode msg_op_ = opcode::text;
    bool msg_compressed_ = false;
    bool msg_validate_ = false;

    // A control frame cut by a feed() boundary.
    // Made on the first control frame that arrives in pieces (rare): held
    // inline, these 125 bytes were a tenth of an idle connection.
    std::uint8_t ctrl_len_ = 0;
    std::unique_ptr<std::uint8_t[]> ctrl_;

    std::uint64_t remaining_ = 0; // payload bytes of the frame still to come

    // The data message in progress.
    std::uint64_t msg_size_ = 0; // sum of the announced frame sizes so far
    utf8_validator utf8_;
    // Grows without zeroing: a payload window is written by a read at once.
    std::vector<std::uint8_t, detail::uninitialized_allocator<std::uint8_t>> buf_;

    std::error_code ec_;
};

inline int reader::check_prefix(std::uint8_t b0, std::uint8_t b1) const noexcept {
    const auto op = static_cast<opcode>(b0 & 0x0F);
    if ((b0 & 0x30) != 0) return static_cast<int>(error::bad_reserved_bits);
    if (is_reserved(op)) return static_cast<int>(error::bad_opcode);
    if ((b0 & 0x40) != 0 && (!opts_.allow_rsv1 || is_control(op) || op == opcode::continuation))
        return static_cast<int>(error::bad_reserved_bits);
    const bool masked = (b1 & 0x80) != 0;
    if (opts_.local_role == role::server) {
        if (!masked) return static_cast<int>(error::unmasked_frame);
    } else if (masked) {
        return static_cast<int>(error::masked_frame);
    }
    if (is_control(op)) {
        if ((b0 & 0x80) == 0) return static_cast<int>(error::fragmented_control_frame);
        if ((b1 & 0x7F) > max_control_payload) return static_cast<int>(error::bad_control_frame_size);
    } else if (op == opcode::continuation) {
        if (!in_message_) return static_cast<int>(error::unexpected_continuation);
    } else if (in_message_) {
        return static_cast<int>(error::expected_continuation);
    }
    return 0;
}

inline std::size_t reader::unmask_scan(std::uint8_t* p, std::size_t n) noexcept {
    if (!msg_validate_) {
        unmask(p, n);
        return n;
    }
    // A cache-sized piece at a time, so the validator reads bytes the
    // unmasking has just brought into L1. Between code points, the unmasking
    // pass itself tells whether the piece is all ASCII, hence valid.
    constexpr std::size_t piece = 16 * 1024;
    std::size_t done = 0;
    do {
        const std::size_t k = n - done < piece ? n - done : piece;
        std::uint8_t* const q = p + done;
        bool ascii = false;
        if (masked_ && utf8_.complete()) ascii = mask_in_place_all_ascii(q, k, key_, phase_);
        else if (masked_) mask_in_place(q, k, key_, phase_);
        phase_ = static_cast<std::uint8_t>((phase_ + k) & 3);
        if (!ascii) {
            const std::size_t ok = utf8_.scan(q, k);
            if (ok != k) return done + ok;
        }
        done += k;
    } while (done < n);
    return n;
}

inline std::size_t reader::grown_capacity(std::size_t need) const noexcept {
    // The smallest ceil(limit / 2^k) (at least 4 KiB) that holds `need`.
    // Each growth then at least doubles the buffer, so a message costs
    // O(its size) in copies however it is fragmented, and the capacity stays
    // under twice the bytes that really arrived. The steps halve down from
    // the limit rather than double up from 4 KiB so that the last one ends
    // exactly at the limit and the buffer it replaces is at most half of it:
    // a growth holds at most 1.5x the limit.
    const std::uint64_t limit = opts_.max_message_size; // need <= msg_size_ <= limit
    std::size_t cap = limit > SIZE_MAX ? SIZE_MAX : static_cast<std::size_t>(limit);
    const std::size_t half = cap / 2 + (cap & 1);
    const std::size_t want = need < 4096 ? 4096 : need;
    for (std::size_t h = half; h >= want; h = cap / 2 + (cap & 1)) cap = h;
    // Two smaller stops, so that a message of up to retained_capacity ends
    // in a buffer that is kept for the next one (a step of an odd limit
    // could overshoot it): the message's size once its final frame has
    // begun (then no more is needed), and retained_capacity itself. Only
    // when at most half the limit, the most a step's predecessor can be,
    // which keeps the 1.5x bound.
    const auto stop_at = [&](std::uint64_t v) {
        if (v >= need && v < cap && v <= half) cap = static_cast<std::size_t>(v);
    };
    if (frame_fin_) stop_at(msg_size_);
    stop_at(retained_capacity);
    return cap < need ? need : cap;
}

inline void reader::append(const std::uint8_t* p, std::size_t n) {
    const std::size_t need = buf_.size() + n;
    if (need > buf_.capacity()) buf_.reserve(grown_capacity(need));
    buf_.insert(buf_.end(), p, p + n);
}

template <class Visitor>
std::size_t reader::feed_some(std::uint8_t* data, std::size_t n, Visitor& v, std::error_code& ec) {
    constexpr bool whole_ok = detail::has_whole_message_members<Visitor>::value;
    constexpr bool streaming_ok = detail::has_streaming_members<Visitor>::value;
    static_assert(detail::has_control_members<Visitor>::value,
                  "wsx::protocol::reader visitor needs on_ping(const std::uint8_t*, std::size_t), "
                  "on_pong(const std::uint8_t*, std::size_t) and on_close(std::uint16_t, std::string_view)");
    static_assert(whole_ok || streaming_ok,
                  "wsx::protocol::reader visitor needs on_message(opcode, const std::uint8_t*, std::size_t, bool) "
                  "or on_message_begin(opcode, bool) + on_message_data(const std::uint8_t*, std::size_t) + "
                  "on_message_end()");
    if constexpr (!streaming_ok) {
        if (opts_.streaming)
            throw std::system_error(make_error_code(error::invalid_state),
                                    "wsx::protocol::reader: streaming mode needs a visitor with on_message_begin, "
                                    "on_message_data and on_message_end");
    }
    if constexpr (!whole_ok) {
        if (!opts_.streaming)
            throw std::system_error(make_error_code(error::invalid_state),
                                    "wsx::protocol::reader: whole-message mode needs a visitor with on_message; "
                                    "set reader_options::streaming for a streaming visitor");
    }

    if (stage_ == stage::failed) return failed(ec, n);
    std::uint8_t* p = data;
    std::uint8_t* const end = data + n;
    while (p != end) {
        if (pause_) {
            pause_ = false;
            return static_cast<std::size_t>(p - data);
        }
        if (stage_ == stage::header) {
            if (hdr_len_ == 0 && end - p >= 2) {
                // The header is usually whole in the buffer: decode it there.
                if (int e = check_prefix(p[0], p[1])) return failed(ec, n, static_cast<error>(e));
                const std::size_t need = header_size_from_length_byte(p[1]);
                if (static_cast<std::size_t>(end - p) >= need) {
                    const std::uint8_t* const h = p;
                    p += need;
                    if (!begin_frame(h, need, p, end, v)) return failed(ec, n);
                    continue;
                }
                hdr_[0] = p[0];
                hdr_[1] = p[1];
                hdr_len_ = 2;
                hdr_need_ = static_cast<std::uint8_t>(need);
                p += 2;
            }
            while (p != end && hdr_len_ < hdr_need_) {
                hdr_[hdr_len_++] = *p++;
                if (hdr_len_ == 2) {
                    if (int e = check_prefix(hdr_[0], hdr_[1])) return failed(ec, n, static_cast<error>(e));
                    hdr_need_ = static_cast<std::uint8_t>(header_size_from_length_byte(hdr_[1]));
                }
            }
            if (hdr_len_ < hdr_need_) break;
            const std::size_t need = hdr_len_;
            hdr_len_ = 0;
            hdr_need_ = 2;
            if (!begin_frame(hdr_, need, p, end, v)) return failed(ec, n);
        } else if (stage_ == stage::payload) {
            const std::size_t avail = static_cast<std::size_t>(end - p);
            const std::size_t take = remaining_ < avail ? static_cast<std::size_t>(remaining_) : avail;
            std::uint8_t* const q = p;
            p += take;
            remaining_ -= take;
            if (is_control(frame_op_)) {
                unmask(q, take);
                if (remaining_ == 0 && ctrl_len_ == 0) { // whole in this feed: no copy
                    stage_ = stage::header;
                    if (!control(frame_op_, q, take, v)) return failed(ec, n);
                    continue;
                }
                if (!ctrl_) ctrl_.reset(new std::uint8_t[max_control_payload]);
                std::memcpy(ctrl_.get() + ctrl_len_, q, take);
                ctrl_len_ = static_cast<std::uint8_t>(ctrl_len_ + take);
                if (remaining_ == 0) {
                    stage_ = stage::header;
                    if (!control(frame_op_, ctrl_.get(), ctrl_len_, v)) return failed(ec, n);
                }
                continue;
            }
            const std::size_t ok = unmask_scan(q, take);
            if (opts_.streaming) {
                if constexpr (streaming_ok) {
                    if constexpr (detail::has_final_data_member<Visitor>::value) {
                        if (ok != 0)
                            v.on_message_data(q, ok, ok == take && remaining_ == 0 && frame_fin_ &&
                                                         (!msg_validate_ || utf8_.complete()));
                    } else {
                        if (ok != 0) v.on_message_data(q, ok);
                    }
                }
            } else if (ok == take) {
                append(q, take);
            }
            if (ok != take) return failed(ec, n, error::invalid_utf8);
            if (remaining_ == 0 && !end_data_frame(v)) return failed(ec, n);
        } else {
            break; // closed: the rest is ignored
        }
    }
    pause_ = false; // a pause in the last event of the buffer stops nothing
    return n;
}

inline reader::payload_window reader::open_payload_window(std::size_t at_least, std::size_t at_most) {
    if (!payload_window_possible(at_least) || at_most == 0) return {};
    const std::size_t have = buf_.size();
    std::size_t w = have > at_least ? have : at_least;
    // Room the buffer kept from an earlier message costs nothing more.
    if (buf_.capacity() - have > w) w = buf_.capacity() - have;
    if (w > at_most) w = at_most;
    if (w > remaining_) w = static_cast<std::size_t>(remaining_);
    if (have + w > buf_.capacity()) buf_.reserve(grown_capacity(have + w));
    buf_.resize(have + w);
    return {buf_.data() + have, w};
}

template <class Visitor>
void reader::commit_payload(const payload_window& w, std::size_t n, Visitor& v, std::error_code& ec) {
    if (w.size == 0) return;
    std::uint8_t* const q = w.data;
    buf_.resize(buf_.size() - (w.size - n));
    if (n == 0) return;
    remaining_ -= n;
    if (unmask_scan(q, n) != n) {
        failed(ec, 0, error::invalid_utf8);
        return;
    }
    if (remaining_ == 0 && !end_data_frame(v)) failed(ec, 0);
    pause_ = false; // nothing more is fed in this call
}

template <class V>
bool reader::begin_frame(const std::uint8_t* h, std::size_t size, std::uint8_t*& p, std::uint8_t* end, V& v) {
    std::uint64_t payload;
    if (!detail::read_payload_length(h, payload)) return fail(error::bad_frame_length);
    const auto op = static_cast<opcode>(h[0] & 0x0F);
    const bool fin = (h[0] & 0x80) != 0;
    const bool rsv1 = (h[0] & 0x40) != 0;
    masked_ = (h[1] & 0x80) != 0;
    if (masked_) std::memcpy(key_.data(), h + size - 4, 4);
    phase_ = 0;
    const std::size_t avail = static_cast<std::size_t>(end - p);

    if (is_control(op)) {
        const auto len = static_cast<std::size_t>(payload); // <= 125, checked with the prefix
        if (avail >= len) {
            std::uint8_t* const q = p;
            p += len;
            unmask(q, len);
            return control(op, q, len, v);
        }
        frame_op_ = op;
        remaining_ = payload;
        ctrl_len_ = 0;
        stage_ = stage::payload;
        return true;
    }

    if (payload > opts_.max_frame_size) return fail(error::frame_too_big);
    if (op != opcode::continuation) {
        if (payload > opts_.max_message_size) return fail(error::message_too_big);
        msg_op_ = op;
        msg_compressed_ = rsv1;
        msg_validate_ = op == opcode::text && !rsv1; // compressed text is checked after inflating
        msg_size_ = payload;
        utf8_.reset();
        if (!opts_.streaming) {
            if constexpr (detail::has_whole_message_members<V>::value) {
                if (fin && avail >= payload) {
                    // The zero-copy path: the whole message is in the caller's buffer.
                    const auto len = static_cast<std::size_t>(payload);
                    std::uint8_t* const q = p;
                    p += len;
                    if (unmask_scan(q, len) != len || (msg_validate_ && !utf8_.complete()))
                        return fail(error::invalid_utf8);
                    v.on_message(op, q, len, rsv1);
                    return true;
                }
            }
            buf_.clear();
        }
        in_message_ = true;
        if (opts_.streaming) {
            if constexpr (detail::has_streaming_members<V>::value) v.on_message_begin(op, rsv1);
        }
    } else {
        if (payload > opts_.max_message_size - msg_size_) return fail(error::message_too_big);
        msg_size_ += payload;
    }
    frame_op_ = op;
    frame_fin_ = fin;
    remaining_ = payload;
    if (remaining_ == 0) return end_data_frame(v);
    stage_ = stage::payload;
    return true;
}

template <class V>
bool reader::end_data_frame(V& v) {
    stage_ = stage::header;
    if (!frame_fin_) return true;
    if (msg_validate_ && !utf8_.complete()) return fail(error::invalid_utf8);
    in_message_ = false;
    if (opts_.streaming) {
        if constexpr (detail::has_streaming_members<V>::value) v.on_message_end();
    } else {
        if constexpr (detail::has_whole_message_members<V>::value)
            v.on_message(msg_op_, buf_.data(), buf_.size(), msg_compressed_);
        if (buf_.capacity() > retained_capacity) decltype(buf_)().swap(buf_);
        else buf_.clear();
    }
    return true;
}

template <class V>
bool reader::control(opcode op, const std::uint8_t* p, std::size_t n, V& v) {
    if (op == opcode::ping) {
        v.on_ping(p, n);
    } else if (op == opcode::pong) {
        v.on_pong(p, n);
    } else {
        std::uint16_t code = 0;
        std::string_view reason;
        if (std::error_code ec = parse_close_payload(p, n, code, reason)) {
            stage_ = stage::failed;
            ec_ = ec;
            return false;
        }
        stage_ = stage::closed;
        v.on_close(code, reason);
    }
    return true;
}

} // namespace protocol
} // namespace wsx

#endif
