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
#include <cstring>
#include <utility>

namespace wsx::detail {

WSX_DECL redis_link::redis_link(strand_type strand, std::chrono::milliseconds command_timeout)
    : strand_(strand), fd_(strand), timer_(strand), command_timeout_(command_timeout) {}

WSX_DECL redis_link::~redis_link() {
    // The owner is going away: nobody is left to tell.
    push_ = nullptr;
    for (auto& p : replies_) p.done = nullptr;
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
    return send(n, argv, lens, std::move(done), false);
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
    return send(static_cast<int>(args.size()), argv.data(), lens.data(), std::move(done), false);
}

WSX_DECL bool redis_link::subscription(std::string_view verb, std::string_view channel) {
    const char* argv[2] = {verb.data(), channel.data()};
    const std::size_t lens[2] = {verb.size(), channel.size()};
    return send(2, argv, lens, nullptr, true);
}

WSX_DECL bool redis_link::send(int argc, const char** argv, const std::size_t* lens, reply_fn done,
                               bool expects_confirmation) {
    if (!ac_ || !up_) return false;
    // A subscription's confirmations (and its messages) come through the
    // channel's callback; UNSUBSCRIBE registers none of its own.
    const int rc = expects_confirmation ? redisAsyncCommandArgv(ac_, &on_push_cb, this, argc, argv, lens)
                                        : redisAsyncCommandArgv(ac_, &on_reply_cb, this, argc, argv, lens);
    if (rc != REDIS_OK) return false;
    const auto now = std::chrono::steady_clock::now();
    if (expects_confirmation)
        confirms_.push_back(now);
    else
        replies_.push_back({now, std::move(done)});
    watch_deadline();
    return true;
}

WSX_DECL void redis_link::close() noexcept {
    closing_ = true;
    ++gen_;
    // Runs the pending replies with nullptr, then hook_cleanup (which gives
    // the descriptor back), then closes the descriptor.
    if (ac_) redisAsyncFree(ac_);
    ac_ = nullptr;
    release_fd();
    // Whatever hiredis did not answer is answered here: a reply callback
    // runs exactly once, which the backplane's pending count relies on.
    auto unanswered = std::move(replies_);
    replies_.clear();
    for (auto& r : unanswered)
        if (r.done) r.done(nullptr);
    confirms_.clear();
    timer_.cancel();
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

// hiredis freed an established connection on its own (EOF, a read or
// write error): its pending replies have had their nullptr already.
WSX_DECL void redis_link::lost() noexcept {
    if (!closing_ && down_cb_)
        asio::post(strand_, [cb = std::move(down_cb_)] { cb(make_error_code(redis_error::connection_lost)); });
    down_cb_ = nullptr;
    up_ = false;
    confirms_.clear();
    ++gen_;
    timer_.cancel();
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
    // hiredis asks for the next wait itself (its add hooks), and may free
    // the context in here (hook_cleanup then clears ac_).
    if (read && want_read_ && !paused_)
        redisAsyncHandleRead(ac_);
    else if (!read && want_write_)
        redisAsyncHandleWrite(ac_);
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
    bool any = false;
    std::chrono::steady_clock::time_point oldest{};
    if (!replies_.empty()) {
        oldest = replies_.front().sent;
        any = true;
    }
    if (!confirms_.empty()) {
        oldest = any ? std::min(oldest, confirms_.front()) : confirms_.front();
        any = true;
    }
    if (!any) return;
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

WSX_DECL void redis_link::on_reply_cb(redisAsyncContext*, void* reply, void* priv) {
    auto* l = static_cast<redis_link*>(priv);
    if (l->replies_.empty()) return;
    reply_fn done = std::move(l->replies_.front().done);
    l->replies_.pop_front();
    if (done) done(static_cast<const redisReply*>(reply));
}

WSX_DECL void redis_link::on_push_cb(redisAsyncContext*, void* reply, void* priv) {
    auto* l = static_cast<redis_link*>(priv);
    const auto* r = static_cast<const redisReply*>(reply);
    // nullptr: the context is being freed.
    if (!r || r->type != REDIS_REPLY_ARRAY || r->elements < 3) return;
    const redisReply* kind = r->element[0];
    if (kind->type != REDIS_REPLY_STRING) return;
    const std::string_view k(kind->str, kind->len);
    if (k == "message") {
        const redisReply* ch = r->element[1];
        const redisReply* body = r->element[2];
        if (ch->type == REDIS_REPLY_STRING && body->type == REDIS_REPLY_STRING && l->push_)
            l->push_(std::string_view(ch->str, ch->len), std::string_view(body->str, body->len));
    } else if ((k == "subscribe" || k == "unsubscribe") && !l->confirms_.empty()) {
        l->confirms_.pop_front();
    }
}

} // namespace wsx::detail

#endif
