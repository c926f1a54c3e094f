// Copyright (c) 2026 wsx developers. Distributed under the Boost Software License, Version 1.0.
#ifndef WSX_REDIS_HPP
#define WSX_REDIS_HPP

// Topics across nodes through Redis pub/sub (docs/scaling.md). Separate
// from <wsx/wsx.hpp> so that a plain build needs no hiredis; link wsx::redis.
//
//   wsx::redis_backplane redis{io, {"127.0.0.1", 6379, "", 0, "chat:", "node-a"}};
//   redis.on_state([](wsx::redis_state s, std::error_code ec) { /* log it */ });
//   server.use_backplane(redis);           // before listening
//   server.publish("lobby", "hi");         // here at once, and on every node

#include <wsx/backplane.hpp>
#include <wsx/detail/redis_node.hpp>
#include <wsx/redis_error.hpp>
#include <wsx/redis_options.hpp>

#include <asio/io_context.hpp>

#include <cstdint>
#include <functional>
#include <memory>
#include <system_error>
#include <utility>

namespace wsx {

/// A backplane over Redis pub/sub, run on the io_context given (no thread
/// of its own). A handle: copies share one backplane, so the program may
/// keep one to watch state() and lost() after handing it to
/// server::use_backplane(). It connects once a server takes it.
class redis_backplane {
public:
    /// The state callback: the new state, and why when it is not connected.
    using state_handler = std::function<void(redis_state, std::error_code)>;

    /// A backplane on `io`. Throws std::system_error(error::bad_argument)
    /// for options out of range (a node_id over 255 bytes, a timeout of 0).
    redis_backplane(asio::io_context& io, redis_options o)
        : node_(std::make_shared<detail::redis_node>(io, std::move(o))) {}

    /// down, reconnecting or connected (any thread).
    redis_state state() const noexcept { return node_->state(); }
    /// Publications that may not have reached other nodes: made while not
    /// connected, or not confirmed by Redis before the connection dropped
    /// (any thread). Local delivery is not affected.
    std::uint64_t lost() const noexcept { return node_->lost(); }
    /// Messages on this node's channels that were not a well-formed
    /// envelope (another program publishing there), dropped (any thread).
    std::uint64_t dropped() const noexcept { return node_->dropped(); }
    /// Envelope bytes on their way to Redis, not yet confirmed (any thread);
    /// at most redis_options::max_pending.
    std::size_t pending_bytes() const noexcept { return node_->pending_bytes(); }
    /// Called on the backplane's strand at each change of state. Set it
    /// before server::use_backplane() to see the first connection.
    redis_backplane& on_state(state_handler h) {
        node_->on_state(std::move(h));
        return *this;
    }
    /// The options, with node_id filled in when it was left empty.
    const redis_options& options() const noexcept { return node_->options(); }

    /// What server::use_backplane() takes.
    std::shared_ptr<backplane> link() const { return node_; }

private:
    std::shared_ptr<detail::redis_node> node_;
};

} // namespace wsx

#endif
