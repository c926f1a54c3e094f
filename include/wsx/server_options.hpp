// Copyright (c) 2026 wsx developers. Distributed under the Boost Software License, Version 1.0.
#ifndef WSX_SERVER_OPTIONS_HPP
#define WSX_SERVER_OPTIONS_HPP

// Limits of a whole server, as opposed to those of one connection
// (session_options): what all connections together may hold, and how many
// may be open. docs/limits.md explains each default.

#include <chrono>
#include <cstddef>
#include <cstdint>

namespace wsx {

/// Server-wide limits: `server.options()`, set before listen().
struct server_options {
    /// Bytes all connections together may hold for unfinished incoming
    /// messages (the reassembly and inflate buffers) and queued outgoing
    /// ones (0: no budget). Past it, the connections holding the most are
    /// closed with 1013 (Try Again Later) until the total is back under it;
    /// each hears on_error(error::memory_budget_exceeded). The per-connection
    /// limits (session_options) still apply; this caps their sum.
    std::size_t memory_budget = std::size_t{1} << 30;
    /// Open WebSocket connections the server admits at once (0: no cap).
    /// One more is answered 503 Service Unavailable with Retry-After.
    std::size_t max_connections = 0;
    /// Open WebSocket connections admitted from one remote IP address
    /// (0: no cap); past it, 503 with Retry-After as above. Behind a proxy
    /// every client has the proxy's address: leave it 0 there.
    std::size_t max_connections_per_address = 0;
    /// The Retry-After of those 503 answers.
    std::chrono::seconds retry_after{5};
};

/// What a server holds and has refused, for an operator to watch
/// (`server.stats()`, safe from any thread; each figure is read on its own,
/// so they may be a moment apart).
struct server_stats {
    /// Accepted connections not yet closed, handshakes in progress included.
    std::size_t connections = 0;
    /// Connections admitted at the handshake and not yet closed: what
    /// max_connections caps.
    std::size_t admitted_connections = 0;
    /// Bytes counted against server_options::memory_budget now.
    std::size_t memory_in_use = 0;
    /// Upgrade requests answered 503 because a connection cap was reached.
    std::uint64_t refused_by_cap = 0;
    /// Connections closed because the memory budget was exceeded.
    std::uint64_t closed_by_budget = 0;
};

} // namespace wsx

#endif
