// Copyright (c) 2026 wsx developers. Distributed under the Boost Software License, Version 1.0.
#ifndef WSX_DETAIL_REDIS_NODE_HPP
#define WSX_DETAIL_REDIS_NODE_HPP

// The Redis backplane's logic (docs/scaling.md): two connections, because
// a Redis connection in subscribe mode takes no PUBLISH; the topics this
// node has local subscribers for, subscribed on Redis as they come and go
// and all again after a reconnection; the state, the lost count, and the
// reconnection's backoff with jitter; a PING every ping_interval on the
// subscribing connection, which otherwise may await no answer for long
// enough to miss a Redis that stopped answering; and presence: this node's
// subscriber counts rewritten in Redis every presence_interval, and the
// cluster-wide count asked of Redis.
//
// Everything below runs on one strand. The backplane interface is called
// from any thread (a publish, a first subscriber) and only posts to it.

#include <wsx/backplane.hpp>
#include <wsx/detail/config.hpp>
#include <wsx/detail/read_turn.hpp>
#include <wsx/detail/redis_link.hpp>
#include <wsx/redis_error.hpp>
#include <wsx/redis_options.hpp>

#include <asio/io_context.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/steady_timer.hpp>
#include <asio/strand.hpp>

#include <atomic>
#include <deque>
#include <cstdint>
#include <functional>
#include <memory>
#include <random>
#include <set>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

namespace wsx::detail {

class redis_node final : public backplane, public std::enable_shared_from_this<redis_node> {
public:
    using state_fn = std::function<void(redis_state, std::error_code)>;

    // Throws std::system_error(error::bad_argument) for options out of range.
    redis_node(asio::io_context& io, redis_options o);
    ~redis_node() override;

    void attach(deliver_fn deliver, count_fn count) override;
    void check(std::string_view topic, std::size_t size) const override;
    void publish(std::string_view topic, protocol::opcode op, const void* data, std::size_t size) override;
    void interest(std::string_view topic, bool has_subscribers) noexcept override;
    void cluster_subscribers(std::string_view topic, count_handler handler) override;
    void detach() noexcept override;

    redis_state state() const noexcept { return state_.load(std::memory_order_acquire); }
    std::uint64_t lost() const noexcept { return counts_->lost.load(std::memory_order_relaxed); }
    std::uint64_t dropped() const noexcept { return counts_->dropped.load(std::memory_order_relaxed); }
    std::size_t pending_bytes() const noexcept { return counts_->pending.load(std::memory_order_relaxed); }
    void on_state(state_fn f);
    // Received, not yet delivered (on the strand only: a deliver_fn may ask).
    std::size_t inbox_bytes() const noexcept { return inbox_bytes_; }
    static constexpr std::size_t inbox_limit = 256 * 1024;
    const redis_options& options() const noexcept { return opts_; }

private:
    // Shared with the reply callbacks queued in hiredis, which may run
    // (with nullptr) while the node is being destroyed.
    struct counts {
        std::atomic<std::uint64_t> lost{0};
        std::atomic<std::uint64_t> dropped{0};
        std::atomic<std::size_t> pending{0}; // envelope bytes posted or sent, not yet confirmed
        // Ends a publication: confirmed, or lost.
        void settle(std::size_t bytes, bool confirmed) noexcept {
            pending.fetch_sub(bytes, std::memory_order_relaxed);
            if (!confirmed) lost.fetch_add(1, std::memory_order_relaxed);
        }
    };
    using strand_type = redis_link::strand_type;

    void connect_now();
    void on_resolved(unsigned attempt, std::error_code ec, const asio::ip::tcp::resolver::results_type& r);
    void on_link_up(unsigned attempt, const std::shared_ptr<redis_link>& link, std::error_code ec);
    void on_link_ready(unsigned attempt);
    void fail(unsigned attempt, std::error_code ec);
    void retry();
    void set_state(redis_state s, std::error_code ec);
    void send_publication(const std::string& channel, const std::string& envelope);
    void on_interest(const std::string& topic, bool has);
    void on_message(std::string_view channel, std::string_view payload);
    void drain();
    void deliver_one(const deliver_fn& deliver, std::string_view channel, std::string_view payload);
    void presence_tick(unsigned attempt);
    void write_presence();
    void ask_presence(const std::string& topic, count_handler h);
    void stop();

    redis_options opts_;
    strand_type strand_;
    asio::ip::tcp::resolver resolver_;
    asio::steady_timer retry_timer_;
    asio::steady_timer presence_timer_;
    std::string presence_key_; // channel_prefix + "presence:" + node_id: this node's hash, topic -> count
    std::string nodes_key_;    // channel_prefix + "nodes": the ids of the nodes that have written one
    std::shared_ptr<redis_link> pub_;
    std::shared_ptr<redis_link> sub_;
    std::shared_ptr<counts> counts_ = std::make_shared<counts>();
    std::atomic<redis_state> state_{redis_state::down};
    unsigned attempt_ = 0;  // the connection attempt that callbacks must belong to
    unsigned failures_ = 0; // in a row: the backoff's exponent
    int ready_ = 0;         // links up and set up in this attempt
    bool stopped_ = false;
    deliver_fn deliver_;
    count_fn count_;
    state_fn state_cb_;
    std::set<std::string> wanted_; // topics with local subscribers
    // Received, not yet delivered. Past inbox_limit bytes the subscribing
    // connection is not read until drain() has caught up.
    std::deque<std::pair<std::string, std::string>> inbox_;
    std::size_t inbox_bytes_ = 0;
    bool drain_posted_ = false;
    std::minstd_rand rng_;
};

} // namespace wsx::detail

#if !defined(WSX_SEPARATE_COMPILATION)
#include <wsx/impl/redis_node.ipp>
#endif

#endif
