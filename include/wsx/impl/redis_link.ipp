// Copyright (c) 2026 wsx developers. Distributed under the Boost Software License, Version 1.0.
#ifndef WSX_IMPL_REDIS_LINK_IPP
#define WSX_IMPL_REDIS_LINK_IPP

// detail::redis_link: hiredis's async context on Asio. Included by
// detail/redis_link.hpp, or compiled once by redis_src.hpp with
// WSX_SEPARATE_COMPILATION.

#include <wsx/detail/redis_link.hpp>

#include <asio/bind_executor.hpp>
#include <asio/post.hpp>

#include <algorithm>
#include <csignal>
#include <cstring>
#include <memory>
#include <pthread.h>
#include <signal.h>
#include <strings.h>
#include <time.h>
#include <utility>

namespace wsx::detail {

WSX_DECL redis_link::redis_link(strand_type strand, std::chrono::milliseconds command_timeout, std::size_t max_reply)
    : strand_(strand), fd_(strand), timer_(strand), ping_timer_(strand), command_timeout_(command_timeout),
      max_reply_(max_reply) {}

WSX_DECL redis_link::~redis_link() {
    // The owner is going away: nobody is left to tell.
    push_ = nullptr;
    for (auto& p : pending_) p.done = nullptr;
    close();
}

WSX_DECL void redis_link::connect(const std::string& address, std::uint16_t port, std::chrono::milliseconds timeout,
                                  up_fn up, down_fn down) {
    close();
    closing_ = false;
    ac_ = redisAsyncConnect(address.c_str(), port);
    if (!ac_ || ac_->err) {
        // No hook is set yet: hiredis closes the descriptor itself.
        if (ac_) redisAsyncFree(ac_);
        ac_ = nullptr;
        asio::post(strand_, [up = std::move(up)] { up(make_error_code(redis_error::connect_failed)); });
        return;
    }
    ++gen_;
    up_cb_ = std::move(up);
    down_cb_ = std::move(down);
    ac_->data = this;
    ac_->ev.data = this;
    ac_->ev.addRead = &hook_add_read;
    ac_->ev.delRead = &hook_del_read;
    ac_->ev.addWrite = &hook_add_write;
    ac_->ev.delWrite = &hook_del_write;
    ac_->ev.cleanup = &hook_cleanup;
    redisAsyncSetConnectCallback(ac_, &on_connect_cb);
    redisAsyncSetDisconnectCallback(ac_, &on_disconnect_cb);
    std::error_code ec;
    fd_.assign(ac_->c.fd, ec);
    if (ec) {
        fail(ec, false);
        return;
    }
    // hiredis 0.14 finishes a non-blocking connect on the first write
    // event, and asks for one only with the first command: ask now, so
    // that the connect callback comes without a command.
    hook_add_write(this);
    timer_armed_ = true;
    timer_.expires_after(timeout);
    timer_.async_wait(asio::bind_executor(
        strand_, [self = shared_from_this(), g = gen_](std::error_code e) { self->on_deadline(g, e); }));
}

WSX_DECL bool redis_link::command(std::initializer_list<std::string_view> args, reply_fn done) {
    const char* argv[8];
    std::size_t lens[8];
    int n = 0;
    for (auto a : args) {
        if (n == 8) return false;
        argv[n] = a.data();
        lens[n] = a.size();
        ++n;
    }
    return send(n, argv, lens, {pending::kind::reply, {}, std::move(done), {}});
}

WSX_DECL bool redis_link::command(const std::vector<std::string>& args, reply_fn done) {
    std::vector<const char*> argv;
    std::vector<std::size_t> lens;
    argv.reserve(args.size());
    lens.reserve(args.size());
    for (auto& a : args) {
        argv.push_back(a.data());
        lens.push_back(a.size());
    }
    return send(static_cast<int>(args.size()), argv.data(), lens.data(), {pending::kind::reply, {}, std::move(done), {}});
}

WSX_DECL bool redis_link::subscription(std::string_view verb, std::string_view channel) {
    const char* argv[2] = {verb.data(), channel.data()};
    const std::size_t lens[2] = {verb.size(), channel.size()};
    const bool sub = verb.size() == 9 && strncasecmp(verb.data(), "SUBSCRIBE", 9) == 0;
    if (!sub && !(verb.size() == 11 && strncasecmp(verb.data(), "UNSUBSCRIBE", 11) == 0)) return false;
    if (!send(2, argv, lens,
              {sub ? pending::kind::subscribe : pending::kind::unsubscribe, {}, nullptr, std::string(channel)}))
        return false;
    subscribed_ = subscribed_ || sub;
    return true;
}

// Into hiredis's output buffer, past its async layer (which would file the
// command's callback where its own dispatch looks for it); then the same
// write wait as hiredis's own commands.
WSX_DECL bool redis_link::send(int argc, const char** argv, const std::size_t* lens, pending p) {
    if (!ac_ || !up_) return false;
    char* cmd = nullptr;
    const int len = redisFormatCommandArgv(&cmd, argc, argv, lens);
    if (len < 0 || !cmd) return false;
    const int rc = redisAppendFormattedCommand(&ac_->c, cmd, static_cast<std::size_t>(len));
    redisFreeCommand(cmd);
    if (rc != REDIS_OK) return false;
    p.sent = std::chrono::steady_clock::now();
    pending_.push_back(std::move(p));
    hook_add_write(this);
    watch_deadline();
    return true;
}

WSX_DECL void redis_link::keepalive(std::chrono::milliseconds every) {
    ping_every_ = every;
    arm_ping();
}

WSX_DECL void redis_link::arm_ping() {
    if (ping_every_.count() <= 0 || !up_) return;
    ping_timer_.expires_after(ping_every_);
    ping_timer_.async_wait(asio::bind_executor(
        strand_, [self = shared_from_this(), g = gen_](std::error_code e) { self->on_ping(g, e); }));
}

WSX_DECL void redis_link::on_ping(unsigned gen, std::error_code ec) {
    if (ec || gen != gen_ || !ac_ || !up_) return;
    // One at a time: while one waits (a paused link may not read its answer
    // for long) more would only pile up in Redis's output buffer.
    if (!ping_out_) {
        const char* argv[1] = {"PING"};
        const std::size_t lens[1] = {4};
        ping_out_ = send(1, argv, lens, {pending::kind::ping, {}, nullptr, {}});
    }
    arm_ping();
}

// A command's reply_fn runs exactly once, which the backplane's pending
// count relies on: with nullptr for whatever was not answered.
WSX_DECL void redis_link::answer_all() noexcept {
    auto unanswered = std::move(pending_);
    pending_.clear();
    for (auto& p : unanswered)
        if (p.done) p.done(nullptr);
    ping_out_ = false;
}

WSX_DECL void redis_link::close() noexcept {
    closing_ = true;
    ++gen_;
    // Runs the pending replies with nullptr, then hook_cleanup (which gives
    // the descriptor back), then closes the descriptor.
    if (ac_) redisAsyncFree(ac_);
    ac_ = nullptr;
    release_fd();
    answer_all();
    subscribed_ = false;
    timer_.cancel();
    ping_timer_.cancel();
    timer_armed_ = false;
    up_ = false;
    up_cb_ = nullptr;
    down_cb_ = nullptr;
}

WSX_DECL void redis_link::fail(std::error_code ec, bool was_up) {
    auto cb = was_up ? std::move(down_cb_) : std::move(up_cb_);
    close();
    if (cb) asio::post(strand_, [cb = std::move(cb), ec] { cb(ec); });
}

// hiredis frees an established connection (a write error, or our own
// close()): it knows of no reply we await, so they are answered here.
WSX_DECL void redis_link::lost() noexcept {
    if (!closing_ && down_cb_)
        asio::post(strand_, [cb = std::move(down_cb_)] { cb(make_error_code(redis_error::connection_lost)); });
    down_cb_ = nullptr;
    up_ = false;
    answer_all();
    subscribed_ = false;
    ++gen_;
    timer_.cancel();
    ping_timer_.cancel();
    timer_armed_ = false;
}

// The connect failed inside hiredis, which frees the context next.
WSX_DECL void redis_link::fail_pending_connect() noexcept {
    if (up_cb_)
        asio::post(strand_, [cb = std::move(up_cb_)] { cb(make_error_code(redis_error::connect_failed)); });
    up_cb_ = nullptr;
    down_cb_ = nullptr;
    ++gen_;
}

WSX_DECL void redis_link::release_fd() noexcept {
    want_read_ = want_write_ = false;
    read_armed_ = write_armed_ = false;
    // Never close(): the descriptor is hiredis's, which closes it next.
    // release() also ends the pending waits with operation_aborted.
    if (fd_.is_open()) (void)fd_.release();
}

WSX_DECL void redis_link::pause_reading(bool paused) {
    if (paused_ && !paused) resumed_ = std::chrono::steady_clock::now();
    paused_ = paused;
    if (!paused_ && want_read_) arm_read();
}

WSX_DECL void redis_link::arm_read() {
    if (read_armed_ || paused_ || !fd_.is_open()) return;
    read_armed_ = true;
    fd_.async_wait(asio::posix::descriptor_base::wait_read,
                   asio::bind_executor(strand_, [self = shared_from_this(), g = gen_](std::error_code ec) {
                       self->on_ready(true, g, ec);
                   }));
}

WSX_DECL void redis_link::arm_write() {
    if (write_armed_ || !fd_.is_open()) return;
    write_armed_ = true;
    fd_.async_wait(asio::posix::descriptor_base::wait_write,
                   asio::bind_executor(strand_, [self = shared_from_this(), g = gen_](std::error_code ec) {
                       self->on_ready(false, g, ec);
                   }));
}

WSX_DECL void redis_link::on_ready(bool read, unsigned gen, std::error_code ec) {
    if (gen != gen_) return;
    (read ? read_armed_ : write_armed_) = false;
    if (ec || !ac_) return;
    if (read) {
        if (want_read_ && !paused_) read_replies();
        return;
    }
    // hiredis asks for the next wait itself (its add hooks), and may free
    // the context in here (hook_cleanup then clears ac_).
    if (want_write_) handle_write();
}

// hiredis writes with write(), not send(MSG_NOSIGNAL): a write to a Redis
// connection the server has just closed raises SIGPIPE, whose default
// action ends the whole program. The signal goes to the thread that wrote,
// so it is blocked on this thread for the call, and one it raised is taken
// off the thread's pending set before unblocking; the write itself fails
// with EPIPE, which hiredis reports as the link's error. A SIGPIPE that was
// already pending stays pending.
WSX_DECL void redis_link::handle_write() {
    sigset_t pipe_only;
    sigemptyset(&pipe_only);
    sigaddset(&pipe_only, SIGPIPE);
    sigset_t pending;
    sigemptyset(&pending);
    sigpending(&pending);
    const bool was_pending = sigismember(&pending, SIGPIPE) == 1;
    sigset_t old;
    pthread_sigmask(SIG_BLOCK, &pipe_only, &old);
    redisAsyncHandleWrite(ac_);
    if (!was_pending) {
        const timespec zero{0, 0};
        while (sigtimedwait(&pipe_only, nullptr, &zero) == SIGPIPE) {
        }
    }
    pthread_sigmask(SIG_SETMASK, &old, nullptr);
}

// redisAsyncHandleRead's work with our dispatch in place of hiredis's.
// hiredis asks for reads only once connected (after the first write wait).
WSX_DECL void redis_link::read_replies() {
    redisContext* c = &ac_->c;
    if (!(c->flags & REDIS_CONNECTED)) return;
    // EOF (also in the middle of a reply) or a read error.
    if (redisBufferRead(c) != REDIS_OK) {
        fail(make_error_code(redis_error::connection_lost), up_);
        return;
    }
    struct reply_free {
        void operator()(redisReply* r) const noexcept { freeReplyObject(r); }
    };
    for (;;) {
        void* raw = nullptr;
        // Not RESP: nothing after it can be trusted either.
        if (redisGetReply(c, &raw) != REDIS_OK) {
            fail(make_error_code(redis_error::command_failed), up_);
            return;
        }
        if (!raw) break;
        std::unique_ptr<redisReply, reply_free> r(static_cast<redisReply*>(raw));
        if (const auto ec = dispatch(*r)) {
            r.reset();
            fail(ec, up_);
            return;
        }
    }
    // What is left is one reply not yet whole. hiredis would keep reading
    // a bulk string of any announced length; nothing we await is that big.
    if (c->reader && c->reader->len - c->reader->pos > max_reply_) {
        fail(make_error_code(redis_error::command_failed), up_);
        return;
    }
    arm_read();
}

// What Redis sends, in RESP2: a reply to each command in the order sent,
// and, once subscribed, pushed ["message", channel, payload] arrays between
// them. Anything else (a reply nobody awaits, a confirmation that is not
// the one awaited, a push of another shape) means the peer is not the
// Redis this was written for, or the two sides disagree on where they are;
// a connection made again starts both from nothing.
WSX_DECL std::error_code redis_link::dispatch(const redisReply& r) {
    const auto unexpected = make_error_code(redis_error::command_failed);
    auto is_text = [](const redisReply* e) { return e->type == REDIS_REPLY_STRING; };
    auto text = [](const redisReply* e) { return std::string_view(e->str, e->len); };
    const bool led_by_text = r.type == REDIS_REPLY_ARRAY && r.elements >= 1 && is_text(r.element[0]);
    if (subscribed_ && led_by_text && text(r.element[0]) == "message") {
        if (r.elements != 3 || !is_text(r.element[1]) || !is_text(r.element[2])) return unexpected;
        if (push_) push_(text(r.element[1]), text(r.element[2]));
        return {};
    }
    if (pending_.empty()) return unexpected;
    pending& p = pending_.front();
    switch (p.what) {
    case pending::kind::reply: {
        // Its type is the command's business: the owner's callback judges it.
        reply_fn done = std::move(p.done);
        pending_.pop_front();
        if (done) done(&r);
        return {};
    }
    case pending::kind::ping: {
        const bool plain = r.type == REDIS_REPLY_STATUS && std::string_view(r.str, r.len) == "PONG";
        const bool pushed = led_by_text && r.elements == 2 && text(r.element[0]) == "pong" && is_text(r.element[1]);
        if (!plain && !pushed) return unexpected;
        ping_out_ = false;
        pending_.pop_front();
        return {};
    }
    case pending::kind::subscribe:
    case pending::kind::unsubscribe: {
        const std::string_view verb = p.what == pending::kind::subscribe ? "subscribe" : "unsubscribe";
        if (!led_by_text || r.elements != 3 || text(r.element[0]) != verb || !is_text(r.element[1]) ||
            text(r.element[1]) != p.channel || r.element[2]->type != REDIS_REPLY_INTEGER)
            return unexpected;
        pending_.pop_front();
        return {};
    }
    }
    return unexpected;
}

WSX_DECL void redis_link::watch_deadline() {
    if (timer_armed_) return;
    timer_armed_ = true;
    timer_.expires_after(command_timeout_);
    timer_.async_wait(asio::bind_executor(
        strand_, [self = shared_from_this(), g = gen_](std::error_code e) { self->on_deadline(g, e); }));
}

WSX_DECL void redis_link::on_deadline(unsigned gen, std::error_code ec) {
    if (ec || gen != gen_) return;
    timer_armed_ = false;
    if (!ac_) return;
    if (!up_) {
        fail(make_error_code(redis_error::connect_timeout), false);
        return;
    }
    if (pending_.empty()) return;
    const auto oldest = pending_.front().sent;
    // Time spent paused is ours, not Redis's: a deadline counts from the resumption at the earliest.
    const auto now = std::chrono::steady_clock::now();
    const auto due = (paused_ ? now : std::max(oldest, resumed_)) + command_timeout_;
    if (now >= due) {
        fail(make_error_code(redis_error::command_timeout), true);
        return;
    }
    timer_armed_ = true;
    timer_.expires_at(due);
    timer_.async_wait(asio::bind_executor(
        strand_, [self = shared_from_this(), g = gen_](std::error_code e) { self->on_deadline(g, e); }));
}

WSX_DECL void redis_link::hook_add_read(void* p) {
    auto* l = static_cast<redis_link*>(p);
    l->want_read_ = true;
    l->arm_read();
}
WSX_DECL void redis_link::hook_del_read(void* p) { static_cast<redis_link*>(p)->want_read_ = false; }
WSX_DECL void redis_link::hook_add_write(void* p) {
    auto* l = static_cast<redis_link*>(p);
    l->want_write_ = true;
    l->arm_write();
}
WSX_DECL void redis_link::hook_del_write(void* p) { static_cast<redis_link*>(p)->want_write_ = false; }
WSX_DECL void redis_link::hook_cleanup(void* p) {
    auto* l = static_cast<redis_link*>(p);
    l->release_fd();
    l->ac_ = nullptr;
}

WSX_DECL void redis_link::on_connect_cb(const redisAsyncContext* c, int status) {
    auto* l = static_cast<redis_link*>(c->data);
    l->timer_.cancel();
    l->timer_armed_ = false;
    if (status != REDIS_OK) {
        // hiredis frees the context right after this returns.
        l->fail_pending_connect();
        return;
    }
    l->up_ = true;
    if (l->up_cb_) asio::post(l->strand_, [cb = std::move(l->up_cb_)] { cb(std::error_code{}); });
    l->up_cb_ = nullptr;
}

WSX_DECL void redis_link::on_disconnect_cb(const redisAsyncContext* c, int) {
    static_cast<redis_link*>(c->data)->lost();
}

} // namespace wsx::detail

#endif
