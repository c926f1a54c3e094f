// Copyright (c) 2026 wsx developers. Distributed under the Boost Software License, Version 1.0.
#ifndef WSX_IMPL_SYNC_CLIENT_IPP
#define WSX_IMPL_SYNC_CLIENT_IPP

// sync_client's calls (see sync_client.hpp): inline in a header-only build,
// compiled once by <wsx/src.hpp> with WSX_SEPARATE_COMPILATION. They are
// here, not in the class, because each instantiates the client's handlers
// and completion tokens, which a program that never makes a sync_client
// should not compile.

#include <wsx/sync_client.hpp>

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>

namespace wsx {

template <class Pred> void sync_client::run_until(Pred done, duration timeout) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    if (io_.stopped()) io_.restart();
    while (!done()) {
        auto now = std::chrono::steady_clock::now();
        if (now >= deadline) return;
        if (io_.run_one_for(deadline - now) == 0 && io_.stopped()) {
            // No work left: no handler can make done() true any more.
            // (This used to restart and spin at full CPU until the
            // deadline, e.g. receive() before connect().)
            io_.restart();
            return;
        }
    }
}

template <class Start> void sync_client::wait_send(Start start, duration timeout) {
    // Shared, not on this stack frame: after a timeout the completion
    // still runs later (inside a later call's run_until) and must not
    // write into a frame that is gone.
    struct outcome {
        bool done = false;
        std::error_code result;
    };
    auto o = std::make_shared<outcome>();
    start([o](std::error_code ec) {
        o->done = true;
        o->result = ec;
    });
    run_until([&] { return o->done; }, timeout);
    if (!o->done) throw std::system_error(make_error_code(error::closed), "wsx: send timed out");
    if (o->result) throw std::system_error(o->result, "wsx: send failed");
}

WSX_DECL sync_client::sync_client(const session_options& o) : client_(io_) {
    client_.options(o);
    client_.on_open([this](session&) { opened_ = true; })
        .on_message([this](session&, const message& m) { inbox_.push_back(m); })
        .on_error([this](session&, std::error_code ec) {
            if (!error_) error_ = ec;
        })
        .on_close([this](session&, const close_reason& r) {
            closed_ = true;
            close_ = r;
        });
}

WSX_DECL void sync_client::connect(std::string_view url, duration timeout) {
    opened_ = closed_ = false;
    error_.clear();
    inbox_.clear();
    client_.options().handshake_timeout = timeout;
    client_.connect(url);
    run_until([&] { return opened_ || closed_; }, timeout + std::chrono::seconds(1));
    if (!opened_) {
        std::error_code ec = error_ ? error_ : make_error_code(error::handshake_timeout);
        throw std::system_error(ec, "wsx: cannot connect to " + std::string(url));
    }
}

WSX_DECL void sync_client::send(std::string_view text, duration timeout) {
    wait_send([&](auto cb) { client_.send(text, cb); }, timeout);
}

WSX_DECL void sync_client::send_binary(byte_view bytes, duration timeout) {
    wait_send([&](auto cb) { require_session().send_binary(bytes, cb); }, timeout);
}

WSX_DECL std::optional<message> sync_client::receive(duration timeout) {
    run_until([&] { return !inbox_.empty() || closed_; }, timeout);
    if (inbox_.empty()) return std::nullopt;
    message m = std::move(inbox_.front());
    inbox_.pop_front();
    return m;
}

WSX_DECL void sync_client::close(std::uint16_t code, std::string_view reason, duration timeout) {
    if (client_.session() && !closed_) {
        client_.close(code, reason);
        run_until([&] { return closed_; }, timeout);
    }
}

WSX_DECL session& sync_client::require_session() {
    if (!client_.session())
        throw std::system_error(make_error_code(error::invalid_state), "wsx: send() before connect()");
    return *client_.session();
}

} // namespace wsx

#endif
