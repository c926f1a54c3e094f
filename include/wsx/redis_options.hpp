// Copyright (c) 2026 wsx developers. Distributed under the Boost Software License, Version 1.0.
#ifndef WSX_REDIS_OPTIONS_HPP
#define WSX_REDIS_OPTIONS_HPP

// How the Redis backplane reaches Redis and names what it sends
// (docs/scaling.md). Needs nothing but the standard library, so a program
// can fill it in without including hiredis.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>

namespace wsx {

/// Where Redis is and how this node uses it. The first six members are
/// what most programs set, and the constructor takes them in that order:
/// `{"127.0.0.1", 6379, "", 0, "wsx:", "node-a"}`; the rest are set by name.
struct redis_options {
    /// Every member at its default.
    redis_options() = default;
    /// host, port, password, db, channel_prefix, node_id; the rest at their defaults.
    redis_options(std::string host_, std::uint16_t port_ = 6379, std::string password_ = {}, int db_ = 0,
                  std::string channel_prefix_ = "wsx:", std::string node_id_ = {})
        : host(std::move(host_)), port(port_), password(std::move(password_)), db(db_),
          channel_prefix(std::move(channel_prefix_)), node_id(std::move(node_id_)) {}

    /// Redis's host name or address (resolved by Asio, never blocking the io_context).
    std::string host = "127.0.0.1";
    /// Redis's port.
    std::uint16_t port = 6379;
    /// Sent with AUTH when not empty (with `user` on Redis 6 and later when that is set too).
    std::string password;
    /// SELECTed when not 0. Pub/sub channels are server-wide in Redis, whatever
    /// the database: nodes that must not hear each other need another channel_prefix.
    int db = 0;
    /// Put before every topic name to make the Redis channel: topic "lobby"
    /// travels on channel "wsx:lobby".
    std::string channel_prefix = "wsx:";
    /// This node's name in every envelope it publishes (1-255 bytes), so that
    /// it drops its own publications when they come back. Empty: a random one.
    /// Every node sharing a channel_prefix needs its own.
    std::string node_id;
    /// The ACL user for AUTH (Redis 6 and later); empty: AUTH with the password alone.
    std::string user;
    /// The largest payload server::publish() carries to other nodes; a larger
    /// one throws std::system_error(error::message_too_big) before anyone gets
    /// it. Kept well under Redis's default pub/sub client output limit (8 MiB
    /// soft, 32 MiB hard), past which Redis drops subscribers.
    std::size_t max_payload = 1024 * 1024;
    /// The most envelope bytes on their way to Redis and not yet confirmed
    /// by it (at least max_payload). While Redis is slow, publications past
    /// it are counted as lost rather than queued: a publisher outrunning
    /// Redis costs this much memory, no more.
    std::size_t max_pending = 16 * 1024 * 1024;
    /// How long one connection attempt may take.
    std::chrono::milliseconds connect_timeout{2000};
    /// How long Redis may take to answer a command (a PUBLISH, a SUBSCRIBE)
    /// before the connection counts as dead and is made again.
    std::chrono::milliseconds command_timeout{2000};
    /// How often the subscribing connection, which may otherwise await
    /// nothing, PINGs Redis: a Redis that stops answering without closing
    /// the connection is noticed within about this plus command_timeout.
    std::chrono::milliseconds ping_interval{1000};
    /// How often this node rewrites its subscriber counts in Redis, for
    /// server::cluster_subscribers() on the other nodes: a count there lags
    /// a change here by up to this much.
    std::chrono::milliseconds presence_interval{1000};
    /// How long Redis keeps this node's counts after its last rewrite (more
    /// than presence_interval): a node that died stops being counted after
    /// at most this long.
    std::chrono::milliseconds presence_ttl{3000};
    /// The first wait before reconnecting; each failure in a row doubles it,
    /// up to reconnect_max. Each wait is drawn between half and all of that (jitter).
    std::chrono::milliseconds reconnect_min{100};
    /// The longest wait before reconnecting.
    std::chrono::milliseconds reconnect_max{5000};
};

/// The backplane's connection to Redis.
enum class redis_state {
    /// Not attached to a server yet, or stopped (server::stop(), or the server went away).
    down,
    /// Connecting, the first time or after a failure: publications are counted
    /// as lost, local delivery goes on.
    reconnecting,
    /// Publishing to and subscribed on Redis.
    connected,
};

/// "down", "reconnecting" or "connected".
inline const char* to_string(redis_state s) noexcept {
    switch (s) {
    case redis_state::down: return "down";
    case redis_state::reconnecting: return "reconnecting";
    case redis_state::connected: return "connected";
    }
    return "unknown";
}

} // namespace wsx

#endif
