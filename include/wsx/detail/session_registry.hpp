// Copyright (c) 2026 wsx developers. Distributed under the Boost Software License, Version 1.0.
#ifndef WSX_DETAIL_SESSION_REGISTRY_HPP
#define WSX_DETAIL_SESSION_REGISTRY_HPP

// The one list of live sessions, under one lock. A server's connections
// used to be in two maps (the server's, for its caps, budget and shutdown,
// and one per endpoint, for open_sessions()), so each connection cost two
// map nodes, two allocations and two locks as it came and went. Now the
// server owns one registry and every endpoint of it shares it; a client
// makes its own for its endpoint.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <unordered_map>
#include <utility>
#include <vector>

namespace wsx {

class session;

namespace detail {

struct endpoint_state;

class session_registry {
public:
    struct entry {
        // Weak: the registry must not keep a connection alive; the
        // session takes itself out as it ends.
        std::weak_ptr<wsx::session> session;
        // The endpoint the session is open on: null until it opens, so a
        // handshake in progress counts as a connection but is nobody's
        // open session. Compared only, never followed: an open session
        // holds its endpoint_state until after it leaves the registry.
        const endpoint_state* endpoint = nullptr;
        // Counted against the server's connection caps (server::core).
        bool admitted = false;
    };
    using map_type = std::unordered_map<std::uint64_t, entry>;

    // A server accepted the connection (before its handshake).
    void add(std::uint64_t id, std::weak_ptr<session> s) {
        std::lock_guard<std::mutex> lock(mu_);
        map_.emplace(id, entry{std::move(s)});
    }

    // The session opened on `ep`. A client's session is registered only
    // here: it has no caps or budget that would need it any earlier.
    void open(std::uint64_t id, std::weak_ptr<session> s, const endpoint_state* ep) {
        std::lock_guard<std::mutex> lock(mu_);
        entry& e = map_[id];
        e.session = std::move(s);
        e.endpoint = ep;
    }

    void remove(std::uint64_t id) {
        std::lock_guard<std::mutex> lock(mu_);
        map_.erase(id);
    }

    // The open sessions of one endpoint. This walks every connection of
    // the server, not just the endpoint's: O(all connections) where a map
    // per endpoint was O(its own). Broadcast to a whole endpoint is rare
    // once topics exist, and the per-endpoint map cost every connection a
    // map node, an allocation and a lock for it.
    std::vector<std::shared_ptr<session>> open_on(const endpoint_state* ep) const {
        std::vector<std::shared_ptr<session>> out;
        std::lock_guard<std::mutex> lock(mu_);
        for (auto& kv : map_)
            if (kv.second.endpoint == ep)
                if (auto s = kv.second.session.lock()) out.push_back(std::move(s));
        return out;
    }

    // Every live session, open or not (shutdown tells them all to go).
    std::vector<std::shared_ptr<session>> all() const {
        std::vector<std::shared_ptr<session>> out;
        std::lock_guard<std::mutex> lock(mu_);
        out.reserve(map_.size());
        for (auto& kv : map_)
            if (auto s = kv.second.session.lock()) out.push_back(std::move(s));
        return out;
    }

    std::size_t size() const {
        std::lock_guard<std::mutex> lock(mu_);
        return map_.size();
    }

    // Runs f(map) under the registry's lock, for what must change with the
    // map atomically: the server's cap counters live in server::core (they
    // are a server's business, keyed by address) but are guarded by this
    // lock, so that admitting or forgetting a connection is one lock.
    template <class F> decltype(auto) with_lock(F&& f) {
        std::lock_guard<std::mutex> lock(mu_);
        return std::forward<F>(f)(map_);
    }
    template <class F> decltype(auto) with_lock(F&& f) const {
        std::lock_guard<std::mutex> lock(mu_);
        return std::forward<F>(f)(static_cast<const map_type&>(map_));
    }

private:
    mutable std::mutex mu_;
    map_type map_;
};

} // namespace detail
} // namespace wsx

#endif
