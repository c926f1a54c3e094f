// Copyright (c) 2026 wsx developers. Distributed under the Boost Software License, Version 1.0.

// wsx::message_stream: one message sent in fragments as it is produced, what
// session::send_stream() and send_binary_stream() return (the servlet's
// getSendWriter() and getSendStream()). docs/streams.md has the rules and an
// example.
//
// session.hpp includes this header at its end, where wsx::session is
// complete and before its impl files, which need message_stream whole. So
// session.hpp comes first, outside the include guard: included on its own,
// this header lets session.hpp include it at that point.
#include <wsx/session.hpp>

#ifndef WSX_SEND_STREAM_HPP
#define WSX_SEND_STREAM_HPP

#include <wsx/error.hpp>
#include <wsx/message.hpp>
#include <wsx/protocol/utf8.hpp>

#include <asio/associated_executor.hpp>
#include <asio/async_result.hpp>
#include <asio/dispatch.hpp>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string_view>
#include <system_error>
#include <utility>

namespace wsx {

/// One outgoing message in fragments: `write()` sends the next fragment,
/// `finish()` the last one (which may be empty). The first fragment is a
/// text or binary frame with FIN clear, the others continuation frames; a
/// client masks each. The message is sent uncompressed, also where
/// permessage-deflate was agreed (RSV1 clear).
///
/// Backpressure: the token of each write (a callback `void(std::error_code)`,
/// `asio::use_future`, `asio::use_awaitable`) completes once that fragment
/// is written to the socket, so a producer that waits for it before the next
/// write has one fragment in memory, however slowly the peer reads. The
/// session's max_send_queue still bounds a producer that does not wait: a
/// write into a full queue cannot be skipped (the peer holds the start of
/// the message), so the write and the connection fail with
/// error::send_queue_full (close 1008), under either send_policy.
///
/// While the stream is open, the session's other sends wait behind it and
/// leave after its last fragment, in the order they were made (counted
/// against max_send_queue and the memory budget meanwhile); pings, pongs
/// and a close frame may come in between, as RFC 6455 5.4 allows.
///
/// Text streams check the text as UTF-8 across writes (a code point may be
/// split between two writes): a write that breaks it, or a finish() in the
/// middle of a code point, throws std::system_error(error::bad_argument)
/// and sends nothing. Calling write() or finish() after finish(), or on a
/// moved-from or default-constructed stream, throws error::invalid_state.
///
/// A stream destroyed before finish() ends without a last fragment: if it
/// wrote nothing, the session just goes on; if it did, the peer holds part
/// of a message that will never be whole, and the connection is closed with
/// 1011 (internal error) rather than handing over a truncated message as if
/// it were complete.
///
/// Threads: write() and finish() may be called from any thread (the bytes
/// are copied when they must travel to the session's strand, as send()
/// does); the object itself is not synchronised, so use it from one thread
/// at a time. A stream whose session is gone completes every call with
/// error::closed.
class message_stream {
public:
    /// No stream: every call but destruction and assignment throws.
    message_stream() noexcept = default;
    message_stream(const message_stream&) = delete;
    message_stream& operator=(const message_stream&) = delete;
    /// Takes the stream over; `other` is left with none.
    message_stream(message_stream&& other) noexcept { take(other); }
    /// Ends this stream's own (as destruction does), then takes `other`'s.
    message_stream& operator=(message_stream&& other) noexcept {
        if (this != &other) {
            abandon();
            take(other);
        }
        return *this;
    }
    /// Before finish(): see the class comment (1011 once anything was written).
    ~message_stream() { abandon(); }

    /// True for a text stream (send_stream()), false for binary.
    bool is_text() const noexcept { return text_; }
    /// True while write() and finish() may be called.
    bool is_open() const noexcept { return id_ != 0 && !finished_; }

    /// Sends `chunk` as the next fragment. Without a token a failure goes
    /// to on_error, as for send().
    void write(std::string_view chunk) { submit(chunk.data(), chunk.size(), false); }
    /// Sends binary bytes as the next fragment (of a binary stream, or
    /// UTF-8 bytes of a text one).
    void write(byte_view chunk) { submit(chunk.data(), chunk.size(), false); }
    /// Sends the next fragment; the token completes once it is written to
    /// the socket (or with error::closed, error::send_queue_full).
    template <class Token> auto write(std::string_view chunk, Token&& token) {
        return submit(chunk.data(), chunk.size(), false, std::forward<Token>(token));
    }
    /// The same with binary bytes.
    template <class Token> auto write(byte_view chunk, Token&& token) {
        return submit(chunk.data(), chunk.size(), false, std::forward<Token>(token));
    }

    /// Sends the last fragment (empty): the message is complete, and the
    /// sends that waited for it follow.
    void finish() { submit(nullptr, 0, true); }
    /// The same; the token completes once the last fragment is written.
    template <class Token> auto finish(Token&& token) { return submit(nullptr, 0, true, std::forward<Token>(token)); }

private:
    friend class session;
    message_stream(std::weak_ptr<session> s, std::uint64_t id, bool text) noexcept
        : s_(std::move(s)), id_(id), text_(text) {}

    void take(message_stream& other) noexcept {
        s_ = std::move(other.s_);
        id_ = std::exchange(other.id_, 0);
        utf8_ = other.utf8_;
        text_ = other.text_;
        wrote_ = other.wrote_;
        finished_ = other.finished_;
    }

    // Checks the call (throws on misuse or broken text) and notes it.
    void prepare(const void* data, std::size_t size, bool fin) {
        if (id_ == 0)
            throw std::system_error(make_error_code(error::invalid_state),
                                    "wsx: this message_stream has no stream (default-constructed or moved from); "
                                    "start one with session::send_stream() or send_binary_stream()");
        if (finished_)
            throw std::system_error(make_error_code(error::invalid_state),
                                    "wsx: write() or finish() after finish(): the message is complete; start "
                                    "another with session::send_stream()");
        if (text_) {
            protocol::utf8_validator v = utf8_;
            if (v.scan(static_cast<const std::uint8_t*>(data), size) != size)
                throw std::system_error(make_error_code(error::bad_argument),
                                        "wsx: message_stream::write(): the text is not UTF-8 (a code point may be "
                                        "split between two writes, but not broken); nothing was sent");
            if (fin && !v.complete())
                throw std::system_error(make_error_code(error::bad_argument),
                                        "wsx: message_stream::finish(): the text ends in the middle of a code "
                                        "point; write its last bytes first");
            utf8_ = v;
        }
        wrote_ = true;
        finished_ = fin;
    }

    void submit(const void* data, std::size_t size, bool fin) {
        prepare(data, size, fin);
        if (auto s = s_.lock()) s->stream_send(id_, data, size, fin, {});
    }

    template <class Token> auto submit(const void* data, std::size_t size, bool fin, Token&& token) {
        prepare(data, size, fin);
        auto s = s_.lock();
        if (!s) return closed(std::forward<Token>(token));
        // By value: a deferred token (use_awaitable) starts the write later.
        session* sp = s.get();
        return sp->initiate(std::forward<Token>(token), [s, id = id_, data, size, fin](detail::send_queue::completion c) {
            s->stream_send(id, data, size, fin, std::move(c));
        });
    }

    // The session is gone: the token completes with error::closed.
    template <class Token> static auto closed(Token&& token) {
        return asio::async_initiate<Token, void(std::error_code)>(
            [](auto handler) {
                auto ex = asio::get_associated_executor(handler);
                asio::dispatch(ex, [h = std::move(handler)]() mutable { h(make_error_code(error::closed)); });
            },
            token);
    }

    void abandon() noexcept {
        if (id_ == 0 || finished_) return;
        if (auto s = s_.lock()) {
            try {
                s->abandon_stream(id_, wrote_);
            } catch (...) {
                // Out of memory posting it: the connection is then ended
                // by its timeouts or the peer; a destructor cannot report.
            }
        }
        id_ = 0;
    }

    std::weak_ptr<session> s_;
    std::uint64_t id_ = 0; // which stream of the session; 0: none
    protocol::utf8_validator utf8_;
    bool text_ = false;
    bool wrote_ = false;    // a fragment went (or is on its way) to the session
    bool finished_ = false; // finish() was called
};

} // namespace wsx

#endif
