// Copyright (c) 2026 wsx developers. Distributed under the Boost Software License, Version 1.0.
#ifndef WSX_DETAIL_SERVER_CORE_HPP
#define WSX_DETAIL_SERVER_CORE_HPP

// What a wsx::server holds: its listeners, routes and defaults, the
// registry of its connections with their caps' counts, its memory budget
// and topics. The server holds it by pointer, and only impl/server.ipp
// includes this header, so a program's translation units that include
// server.hpp do not compile it (its maps, acceptors and timers).

#include <wsx/detail/one_thread.hpp>
#include <wsx/detail/ready_listener.hpp>
#include <wsx/detail/session_access.hpp>
#include <wsx/detail/session_maker.hpp>
#include <wsx/detail/session_parts.hpp>
#include <wsx/detail/session_registry.hpp>
#include <wsx/router.hpp>
#include <wsx/server.hpp>
#include <wsx/transport/socket.hpp>

#include <asio/io_context.hpp>
#include <asio/ip/address.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/steady_timer.hpp>

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

namespace wsx {

struct server::core final : detail::session_owner, std::enable_shared_from_this<server::core> {
    explicit core(asio::io_context& io) : io(io) {
        one_thread = detail::one_thread_flush<session, detail::direct_flush>::find(io);
    }

    asio::io_context& io;
    session_options defaults;
    protocol::http_limits limits;
    server_options opts;
    router<std::shared_ptr<endpoint_type>> routes;
    http_handler http;
    std::atomic<std::uint64_t> next_id{1};
    // Set once, before listening (use_backplane()), and read without a lock.
    std::shared_ptr<backplane> relay;

    struct listener {
        // Opens, binds and listens; where the readiness service exists it
        // then hands the descriptor to `ready`, which accepts.
        transport::acceptor acceptor;
#if WSX_DETAIL_READINESS
        detail::ready_listener ready;
#endif
        asio::steady_timer retry;
        maker_ptr maker; // makes the session (TCP or TLS) of each connection
        std::uint16_t port = 0;
        listener(asio::io_context& io, maker_ptr m);
        bool is_open() const noexcept;
    };
    // Connections accepted in one turn: a burst of them waits for the next
    // turn, so that the thread serves the others in between.
    static constexpr std::size_t accept_batch = 64;
    std::vector<std::shared_ptr<listener>> listeners;

    // Every accepted connection, shared with each endpoint (which
    // lists its open ones from it). An entry is `admitted` once route()
    // counted it against the caps, which forget() then gives back.
    // (The address is the session's own, passed back to forget(): a
    // copy here would be 32 bytes more per connection.)
    using entry = detail::session_registry::entry;
    using session_map = detail::session_registry::map_type;
    std::shared_ptr<detail::session_registry> registry = std::make_shared<detail::session_registry>();
    // The caps' counts, under the registry's lock (with_lock), so that
    // they change with the entries' `admitted` in one step.
    std::unordered_map<asio::ip::address, std::size_t> per_address; // admitted, by remote address
    std::size_t admitted = 0;
    std::atomic<std::uint64_t> refused_by_cap{0};
    std::atomic<std::uint64_t> closed_by_budget{0};

    void listen(const asio::ip::tcp::endpoint& ep, const std::string& shown, bool dual_stack, const maker_ptr& maker);

    // stop() and ~server may run on any thread while an accept handler
    // accepts on an io thread; neither Asio's objects nor ready_listener
    // are safe for concurrent use, so every touch of the listeners and
    // retry timers after listen() happens under accept_mu. (Neither calls
    // its handler from inside the initiating call, so holding the lock
    // across it cannot deadlock.)
    mutable std::mutex accept_mu;

    void accept(const std::shared_ptr<listener>& l);

    void start(transport::socket sock, detail::server_session_maker& maker);
#if WSX_DETAIL_READINESS
    void start(transport::accepted_socket&& sock, detail::server_session_maker& maker);
#endif
    void start(std::shared_ptr<session_type> s);

    detail::session_owner::decision route(session_type& s, const protocol::http_request& req) override;

    // Counts the connection against max_connections and
    // max_connections_per_address; false when either is reached.
    // One client over IPv4 and over the dual-stack listener is one address.
    static asio::ip::address counted_as(const asio::ip::address& a) {
        if (a.is_v6() && a.to_v6().is_v4_mapped()) return asio::ip::make_address_v4(asio::ip::v4_mapped, a.to_v6());
        return a;
    }
    bool admit(const session_type& s);
    void unadmit(const session_type& s);
    // Under the registry's lock.
    void release(entry& e, const asio::ip::address& address) noexcept;

    // Some connection took the memory budget past its limit: close the
    // ones holding the most until the total is back under it. Posted,
    // so that it never runs inside a session's handler, and one pass
    // at a time.
    void over_budget() noexcept override;
    void enforce_budget();

    server_stats stats() const;

    static std::string build_reply(const http_reply& r);

    void forget(std::uint64_t id, const asio::ip::address& from) noexcept override;

    std::vector<std::shared_ptr<session_type>> all() const;
    std::size_t count() const;

    void close_acceptors();
    std::uint16_t first_port() const;
    std::vector<std::uint16_t> all_ports() const;
};

} // namespace wsx

#endif
