// Copyright (c) 2026 wsx developers. Distributed under the Boost Software License, Version 1.0.
#ifndef WSX_BACKPLANE_HPP
#define WSX_BACKPLANE_HPP

// What server::use_backplane() needs from something that carries topic
// publications between nodes (docs/scaling.md). wsx::redis_backplane
// (<wsx/redis.hpp>) is one; this header is here so that the server knows
// the shape without knowing Redis, and a plain build pulls in no hiredis.

#include <wsx/protocol/frame.hpp>

#include <cstddef>
#include <functional>
#include <string_view>
#include <system_error>

namespace wsx {

/// The server's side of a backplane. Implementations live on their own
/// strand: every call here may come from any thread and must only queue.
class backplane {
public:
    /// Hands what another node published to this node's local subscribers.
    using deliver_fn = std::function<void(std::string_view topic, protocol::opcode op, const void* data, std::size_t size)>;
    /// This node's subscriber count of a topic now (any thread; takes the
    /// topic registry's lock, so never call it under that lock).
    using count_fn = std::function<std::size_t(std::string_view topic)>;
    /// The answer of cluster_subscribers(): an error when the other nodes'
    /// counts could not be had (the count is then this node's alone).
    using count_handler = std::function<void(std::error_code, std::size_t)>;

    virtual ~backplane() = default;

    /// Called once, by server::use_backplane(). `deliver` and `count` may
    /// be called on the backplane's strand until detach().
    virtual void attach(deliver_fn deliver, count_fn count) = 0;
    /// Throws std::system_error when a publication of `size` bytes cannot
    /// be carried, before the server delivers anything locally.
    virtual void check(std::string_view topic, std::size_t size) const = 0;
    /// Carries a publication to the other nodes (after the local delivery).
    virtual void publish(std::string_view topic, protocol::opcode op, const void* data, std::size_t size) = 0;
    /// `topic` got its first local subscriber (true) or lost its last
    /// (false). Called under the topic registry's lock: queue, never block
    /// and never call back into the server.
    virtual void interest(std::string_view topic, bool has_subscribers) noexcept = 0;
    /// Answers with the subscribers of `topic` over every live node, this
    /// one included, exactly once and never inline (server::cluster_subscribers()).
    virtual void cluster_subscribers(std::string_view topic, count_handler handler) = 0;
    /// The server stops or goes away: nothing more is delivered, and the
    /// backplane's connections close so that io_context::run() can return.
    virtual void detach() noexcept = 0;
};

} // namespace wsx

#endif
