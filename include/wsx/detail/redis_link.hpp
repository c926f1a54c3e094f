// Copyright (c) 2026 wsx developers. Distributed under the Boost Software License, Version 1.0.
#ifndef WSX_DETAIL_REDIS_LINK_HPP
#define WSX_DETAIL_REDIS_LINK_HPP

// One hiredis async connection, driven by Asio on a strand: the adapter
// hiredis's `ev` hooks ask for (addRead/delRead/addWrite/delWrite/cleanup),
// with no event library and no thread of its own.
//
// hiredis owns the descriptor: it opens it and closes it when it frees the
// context. The stream_descriptor only waits on it, and gives it back
// (release(), never close()) in the cleanup hook, which hiredis calls
// before it closes the descriptor.
//
// hiredis connects, writes and parses RESP; which command a reply
// answers is decided here, not by hiredis's async dispatch. hiredis 0.14
// asserts on replies it does not expect (a pushed array of fewer than two
// elements or not led by a string, a reply with no command awaiting it),
// which would end the process on a misbehaving server or a proxy; and in
// subscribe mode it never hands a PING's answer to the PING's callback.
// Here every command awaits its answer in one queue, in the order sent,
// and a reply that does not fit what is awaited fails the connection.
//
// hiredis may free its context inside redisAsyncHandleWrite (a write
// error), and our reply and push callbacks run while a read is handled.
// So everything that could start or free a context (connecting, closing,
// the owner's reactions) runs from the strand's queue, never inline from
// a callback; what a callback does inline is copy, count and post.
//
// Every call here is made on the strand.

#include <wsx/detail/config.hpp>
#include <wsx/redis_error.hpp>

#include <hiredis/async.h>
#include <hiredis/hiredis.h>

#include <asio/io_context.hpp>
#include <asio/posix/stream_descriptor.hpp>
#include <asio/steady_timer.hpp>
#include <asio/strand.hpp>

#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <initializer_list>
#include <memory>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

namespace wsx::detail {

class redis_link : public std::enable_shared_from_this<redis_link> {
public:
    using strand_type = asio::strand<asio::io_context::executor_type>;
    // A command's reply; nullptr when none will come (the connection went
    // away). Runs inside hiredis: it may only look at the reply, count and post.
    using reply_fn = std::function<void(const redisReply*)>;
    // A pub/sub message: its channel and payload (views into hiredis's
    // reply, valid during the call); same rules.
    using push_fn = std::function<void(std::string_view channel, std::string_view payload)>;
    // Posted on the strand: the connection is up (no error) or failed to come up.
    using up_fn = std::function<void(std::error_code)>;
    // Posted on the strand: an established connection was lost. Not called after close().
    using down_fn = std::function<void(std::error_code)>;

    // A reply (a pushed message included) over `max_reply` bytes fails the connection.
    redis_link(strand_type strand, std::chrono::milliseconds command_timeout, std::size_t max_reply);
    ~redis_link();
    redis_link(const redis_link&) = delete;
    redis_link& operator=(const redis_link&) = delete;

    // Starts connecting to a numeric address (hiredis resolves names with a
    // blocking getaddrinfo, so names are resolved before this, by Asio).
    // Exactly one of up(error) or, after up(), down(error) follows, unless
    // close() comes first.
    void connect(const std::string& address, std::uint16_t port, std::chrono::milliseconds timeout, up_fn up,
                 down_fn down);
    bool is_up() const noexcept { return up_; }
    // Queues a command; false when there is no connection to queue it on
    // (`done` is then never called).
    bool command(std::initializer_list<std::string_view> args, reply_fn done);
    // The same with any number of arguments (a presence rewrite has two per topic).
    bool command(const std::vector<std::string>& args, reply_fn done);
    // SUBSCRIBE or UNSUBSCRIBE one channel: confirmations and messages
    // arrive through on_push(). False when it could not be queued.
    bool subscription(std::string_view verb, std::string_view channel);
    void on_push(push_fn f) { push_ = std::move(f); }
    // PINGs every `every` while the connection lasts, one at a time: a
    // Redis that stops answering without closing the connection then fails
    // it (command_timeout) even when nothing else is awaited. Answered
    // either way Redis answers a PING (+PONG, or ["pong", ""] in subscribe
    // mode); never passed to on_push().
    void keepalive(std::chrono::milliseconds every);
    // Stops reading the socket while the consumer of on_push() catches up:
    // what Redis sends meanwhile waits in the kernel's buffer and then in
    // Redis's output buffer, whose limit ends the connection. A reply
    // awaited meanwhile is not timed out: it may be unread in that buffer.
    void pause_reading(bool paused);
    bool reading_paused() const noexcept { return paused_; }
    // Frees the connection now. Pending replies get nullptr; neither up nor down follows.
    void close() noexcept;

private:
    struct pending {
        enum class kind : std::uint8_t { reply, subscribe, unsubscribe, ping };
        kind what;
        std::chrono::steady_clock::time_point sent;
        reply_fn done;       // kind::reply
        std::string channel; // kind::subscribe and unsubscribe: the confirmation names it
    };

    static void hook_add_read(void* p);
    static void hook_del_read(void* p);
    static void hook_add_write(void* p);
    static void hook_del_write(void* p);
    static void hook_cleanup(void* p);
    static void on_connect_cb(const redisAsyncContext* c, int status);
    static void on_disconnect_cb(const redisAsyncContext* c, int status);

    void arm_read();
    void arm_write();
    void on_ready(bool read, unsigned gen, std::error_code ec);
    void handle_write(); // redisAsyncHandleWrite, without SIGPIPE
    void read_replies();
    std::error_code dispatch(const redisReply& r);
    void answer_all() noexcept;
    void arm_ping();
    void on_ping(unsigned gen, std::error_code ec);
    void release_fd() noexcept;
    void fail(std::error_code ec, bool was_up);
    void lost() noexcept;
    void fail_pending_connect() noexcept;
    void watch_deadline();
    void on_deadline(unsigned gen, std::error_code ec);
    bool send(int argc, const char** argv, const std::size_t* lens, pending p);

    strand_type strand_;
    asio::posix::stream_descriptor fd_;
    asio::steady_timer timer_; // the connect timeout, then the oldest command's deadline
    asio::steady_timer ping_timer_;
    std::chrono::milliseconds ping_every_{0}; // 0: no keepalive
    std::chrono::milliseconds command_timeout_;
    std::size_t max_reply_;
    redisAsyncContext* ac_ = nullptr;
    unsigned gen_ = 0; // one per context: a wait of an older context does nothing
    bool want_read_ = false, want_write_ = false;
    bool read_armed_ = false, write_armed_ = false;
    bool up_ = false;
    bool paused_ = false;
    std::chrono::steady_clock::time_point resumed_{}; // the end of the last pause
    bool closing_ = false; // our own free: hiredis's disconnect callback is not a loss
    bool timer_armed_ = false;
    bool subscribed_ = false; // a SUBSCRIBE went out on this connection: arrays led by "message" are pushes
    bool ping_out_ = false;
    std::deque<pending> pending_; // every command's answer awaited, in the order sent (Redis answers in that order)
    up_fn up_cb_;
    down_fn down_cb_;
    push_fn push_;
};

} // namespace wsx::detail

#if !defined(WSX_SEPARATE_COMPILATION)
#include <wsx/impl/redis_link.ipp>
#endif

#endif
