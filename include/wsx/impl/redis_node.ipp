// Copyright (c) 2026 wsx developers. Distributed under the Boost Software License, Version 1.0.
#ifndef WSX_IMPL_REDIS_NODE_IPP
#define WSX_IMPL_REDIS_NODE_IPP

// detail::redis_node: the Redis backplane's logic. Included by
// detail/redis_node.hpp, or compiled once by redis_src.hpp with
// WSX_SEPARATE_COMPILATION.

#include <wsx/detail/os_random.hpp>
#include <wsx/detail/redis_envelope.hpp>
#include <wsx/detail/redis_node.hpp>
#include <wsx/error.hpp>
#include <wsx/protocol/utf8.hpp>

#include <asio/bind_executor.hpp>
#include <asio/post.hpp>

#include <algorithm>
#include <cstring>

namespace wsx::detail {

// Redis's own ceiling for one bulk string (proto-max-bulk-len's default).
inline constexpr std::size_t redis_max_bulk = 512u * 1024 * 1024;

// Redis 7.0 has no TTL per hash field, so each node has a hash of its own
// with a TTL on the whole, rewritten in one script so that no node ever
// reads it half-written. A node with no topics keeps no hash. The nodes set
// lives as long as the longest TTL any node gave it, so that a cluster whose
// nodes all went away leaves nothing behind.
// KEYS: this node's hash, the nodes set. ARGV: the TTL in ms, the node id, then topic, count pairs.
inline constexpr const char* presence_write_script = R"lua(
redis.call('DEL', KEYS[1])
if #ARGV > 2 then
  for i = 3, #ARGV, 2 do redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1]) end
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
  redis.call('SADD', KEYS[2], ARGV[2])
  if redis.call('PTTL', KEYS[2]) < tonumber(ARGV[1]) then redis.call('PEXPIRE', KEYS[2], ARGV[1]) end
end
return 1
)lua";

// The other nodes' counts of one topic, summed. A node whose hash has
// expired is dead (or has no topics left): it leaves the set, so that the
// set does not grow with the ids of nodes long gone. The asking node's own
// hash is skipped: it adds its live count.
// KEYS: the nodes set. ARGV: the hashes' prefix, the topic, the asking node's id.
inline constexpr const char* presence_query_script = R"lua(
local total = 0
for _, node in ipairs(redis.call('SMEMBERS', KEYS[1])) do
  if node ~= ARGV[3] then
    local n = redis.call('HGET', ARGV[1] .. node, ARGV[2])
    if n then
      total = total + tonumber(n)
    elseif redis.call('EXISTS', ARGV[1] .. node) == 0 then
      redis.call('SREM', KEYS[1], node)
    end
  end
end
return total
)lua";

WSX_DECL redis_node::redis_node(asio::io_context& io, redis_options o)
    : opts_(std::move(o)), strand_(asio::make_strand(io)), resolver_(strand_), retry_timer_(strand_),
      presence_timer_(strand_) {
    if (opts_.node_id.empty()) {
        unsigned char raw[8];
        os_random(raw, sizeof raw);
        static const char hex[] = "0123456789abcdef";
        for (unsigned char b : raw) {
            opts_.node_id += hex[b >> 4];
            opts_.node_id += hex[b & 15];
        }
    }
    auto bad = [](const std::string& what) {
        throw std::system_error(make_error_code(error::bad_argument), "wsx: redis_options: " + what);
    };
    if (opts_.node_id.size() > 255) bad("node_id is at most 255 bytes; got " + std::to_string(opts_.node_id.size()));
    if (opts_.host.empty()) bad("host is empty");
    if (opts_.max_payload > redis_max_bulk - 1024)
        bad("max_payload is at most " + std::to_string(redis_max_bulk - 1024) + " bytes (Redis's bulk string limit)");
    if (opts_.max_pending < opts_.max_payload)
        bad("max_pending (" + std::to_string(opts_.max_pending) + ") is less than max_payload (" +
            std::to_string(opts_.max_payload) + ")");
    if (opts_.connect_timeout.count() <= 0 || opts_.command_timeout.count() <= 0 || opts_.ping_interval.count() <= 0)
        bad("connect_timeout, command_timeout and ping_interval must be positive");
    if (opts_.reconnect_min.count() <= 0 || opts_.reconnect_max < opts_.reconnect_min)
        bad("reconnect_min must be positive and at most reconnect_max");
    // A TTL of one interval or less would let a live node's counts expire
    // between two rewrites.
    if (opts_.presence_interval.count() <= 0 || opts_.presence_ttl <= opts_.presence_interval)
        bad("presence_interval must be positive and less than presence_ttl (" +
            std::to_string(opts_.presence_ttl.count()) + " ms; three intervals is usual)");
    presence_key_ = opts_.channel_prefix + "presence:" + opts_.node_id;
    nodes_key_ = opts_.channel_prefix + "nodes";
    unsigned seed = 0;
    os_random(&seed, sizeof seed);
    rng_.seed(seed);
    // A message carries at most max_payload, an envelope and a channel's
    // name; the slack covers RESP's framing and the presence answers.
    const std::size_t max_reply = opts_.max_payload + 64 * 1024;
    pub_ = std::make_shared<redis_link>(strand_, opts_.command_timeout, max_reply);
    sub_ = std::make_shared<redis_link>(strand_, opts_.command_timeout, max_reply);
}

WSX_DECL redis_node::~redis_node() {
    pub_->close();
    sub_->close();
}

WSX_DECL void redis_node::attach(deliver_fn deliver, count_fn count) {
    asio::post(strand_, [self = shared_from_this(), d = std::move(deliver), c = std::move(count)]() mutable {
        if (self->stopped_) return;
        self->deliver_ = std::move(d);
        self->count_ = std::move(c);
        std::weak_ptr<redis_node> weak = self;
        self->sub_->on_push([weak](std::string_view channel, std::string_view payload) {
            if (auto n = weak.lock()) n->on_message(channel, payload);
        });
        self->set_state(redis_state::reconnecting, {});
        self->connect_now();
    });
}

WSX_DECL void redis_node::check(std::string_view, std::size_t size) const {
    if (size > opts_.max_payload)
        throw std::system_error(make_error_code(error::message_too_big),
                                "wsx: the Redis backplane carries at most " + std::to_string(opts_.max_payload) +
                                    " bytes per publication (redis_options::max_payload); this one has " +
                                    std::to_string(size));
}

WSX_DECL void redis_node::publish(std::string_view topic, protocol::opcode op, const void* data, std::size_t size) {
    std::string channel;
    channel.reserve(opts_.channel_prefix.size() + topic.size());
    channel += opts_.channel_prefix;
    channel.append(topic.data(), topic.size());
    std::string env = encode_envelope(opts_.node_id, op, data, size);
    // Counted from here to Redis's answer, so that a publisher faster than
    // Redis meets the bound instead of filling the strand's queue and
    // hiredis's output buffer.
    const std::size_t bytes = env.size();
    if (counts_->pending.fetch_add(bytes, std::memory_order_relaxed) + bytes > opts_.max_pending) {
        counts_->settle(bytes, false);
        return;
    }
    // Posted, also from the strand: publications from one thread keep
    // their order through the strand's queue and the one connection.
    asio::post(strand_, [self = shared_from_this(), ch = std::move(channel), env = std::move(env)] {
        self->send_publication(ch, env);
    });
}

WSX_DECL void redis_node::interest(std::string_view topic, bool has_subscribers) noexcept {
    try {
        asio::post(strand_, [self = shared_from_this(), t = std::string(topic), has_subscribers] {
            self->on_interest(t, has_subscribers);
        });
    } catch (...) {
        // Out of memory under the registry's lock: the topic is left as it
        // was on Redis (at worst a node hears a topic nobody here wants).
    }
}

WSX_DECL void redis_node::detach() noexcept {
    try {
        asio::post(strand_, [self = shared_from_this()] { self->stop(); });
    } catch (...) {
    }
}

WSX_DECL void redis_node::on_state(state_fn f) {
    asio::post(strand_, [self = shared_from_this(), f = std::move(f)]() mutable { self->state_cb_ = std::move(f); });
}

WSX_DECL void redis_node::stop() {
    if (stopped_) return;
    stopped_ = true;
    ++attempt_;
    deliver_ = nullptr;
    pub_->close();
    sub_->close();
    resolver_.cancel();
    retry_timer_.cancel();
    presence_timer_.cancel();
    wanted_.clear();
    inbox_.clear();
    inbox_bytes_ = 0;
    set_state(redis_state::down, make_error_code(redis_error::stopped));
}

WSX_DECL void redis_node::connect_now() {
    if (stopped_) return;
    ready_ = 0;
    resolver_.async_resolve(
        opts_.host, std::to_string(opts_.port),
        asio::bind_executor(strand_, [self = shared_from_this(), a = attempt_](
                                         std::error_code ec, const asio::ip::tcp::resolver::results_type& r) {
            self->on_resolved(a, ec, r);
        }));
}

WSX_DECL void redis_node::on_resolved(unsigned attempt, std::error_code ec,
                                      const asio::ip::tcp::resolver::results_type& r) {
    if (attempt != attempt_ || stopped_) return;
    if (!ec && r.empty()) ec = make_error_code(redis_error::connect_failed);
    if (ec) {
        fail(attempt, ec);
        return;
    }
    const std::string address = r.begin()->endpoint().address().to_string();
    std::weak_ptr<redis_node> weak = shared_from_this();
    for (auto* l : {&pub_, &sub_}) {
        std::weak_ptr<redis_link> wl = *l;
        (*l)->connect(
            address, opts_.port, opts_.connect_timeout,
            [weak, wl, attempt](std::error_code e) {
                auto n = weak.lock();
                auto link = wl.lock();
                if (n && link) n->on_link_up(attempt, link, e);
            },
            [weak, attempt](std::error_code e) {
                if (auto n = weak.lock()) n->fail(attempt, e);
            });
    }
}

WSX_DECL void redis_node::on_link_up(unsigned attempt, const std::shared_ptr<redis_link>& link, std::error_code ec) {
    if (attempt != attempt_ || stopped_) return;
    if (ec) {
        fail(attempt, ec);
        return;
    }
    // AUTH and SELECT first, pipelined; the link is ready at the last
    // answer. Replies run inside hiredis: they only post.
    std::weak_ptr<redis_node> weak = shared_from_this();
    auto answered = [weak, attempt, strand = strand_](bool last) {
        return [weak, attempt, strand, last](const redisReply* r) {
            const bool ok = r && r->type != REDIS_REPLY_ERROR;
            if (ok && !last) return;
            asio::post(strand, [weak, attempt, ok] {
                auto n = weak.lock();
                if (!n) return;
                if (ok)
                    n->on_link_ready(attempt);
                else
                    n->fail(attempt, make_error_code(redis_error::setup_refused));
            });
        };
    };
    const std::string db = std::to_string(opts_.db);
    const bool auth = !opts_.password.empty();
    const bool select = opts_.db != 0;
    bool queued = true;
    if (auth) {
        if (opts_.user.empty())
            queued = link->command({"AUTH", opts_.password}, answered(!select));
        else
            queued = link->command({"AUTH", opts_.user, opts_.password}, answered(!select));
    }
    if (queued && select) queued = link->command({"SELECT", db}, answered(true));
    if (!queued) {
        fail(attempt, make_error_code(redis_error::connection_lost));
        return;
    }
    if (!auth && !select) on_link_ready(attempt);
}

WSX_DECL void redis_node::on_link_ready(unsigned attempt) {
    if (attempt != attempt_ || stopped_) return;
    if (++ready_ < 2) return;
    failures_ = 0;
    set_state(redis_state::connected, {});
    for (auto& t : wanted_) sub_->subscription("SUBSCRIBE", opts_.channel_prefix + t);
    // The subscribing connection may await nothing for hours: without a
    // PING of its own, a Redis that stopped answering would be noticed only
    // by the other connection's commands.
    sub_->keepalive(opts_.ping_interval);
    presence_tick(attempt);
}

// Rewrites at once on connecting (the hash may have expired while Redis was
// away), then every interval while this connection lasts.
WSX_DECL void redis_node::presence_tick(unsigned attempt) {
    if (attempt != attempt_ || stopped_) return;
    write_presence();
    presence_timer_.expires_after(opts_.presence_interval);
    presence_timer_.async_wait(
        asio::bind_executor(strand_, [self = shared_from_this(), attempt](std::error_code ec) {
            if (!ec) self->presence_tick(attempt);
        }));
}

WSX_DECL void redis_node::write_presence() {
    std::vector<std::string> args{"EVAL", presence_write_script, "2", presence_key_, nodes_key_,
                                  std::to_string(opts_.presence_ttl.count()), opts_.node_id};
    args.reserve(args.size() + 2 * wanted_.size());
    for (auto& t : wanted_) {
        // wanted_ lags the registry by a post: a topic may have just lost its last subscriber.
        const std::size_t n = count_ ? count_(t) : 0;
        if (n == 0) continue;
        args.push_back(t);
        args.push_back(std::to_string(n));
    }
    // Nothing to do with the answer: a rewrite that failed is made again
    // next interval, and one that gets none fails the connection (command_timeout).
    pub_->command(args, nullptr);
}

WSX_DECL void redis_node::cluster_subscribers(std::string_view topic, count_handler handler) {
    asio::post(strand_, [self = shared_from_this(), t = std::string(topic), h = std::move(handler)]() mutable {
        self->ask_presence(t, std::move(h));
    });
}

WSX_DECL void redis_node::ask_presence(const std::string& topic, count_handler h) {
    const count_fn count = count_;
    auto local = [count, topic] { return count ? count(topic) : std::size_t{0}; };
    if (stopped_ || state() != redis_state::connected) {
        h(make_error_code(stopped_ ? redis_error::stopped : redis_error::not_connected), local());
        return;
    }
    // The reply callback runs inside hiredis, or with nullptr when the
    // connection closes (also at a command timeout and when the node goes
    // away): exactly once either way, and it only posts. The handler's own
    // count is read when it runs, so that it is as fresh as can be.
    auto answered = [strand = strand_, local, h](const redisReply* r) {
        std::error_code ec;
        long long others = 0;
        if (!r)
            ec = make_error_code(redis_error::connection_lost);
        else if (r->type == REDIS_REPLY_INTEGER && r->integer >= 0)
            others = r->integer;
        else
            ec = make_error_code(redis_error::command_failed);
        asio::post(strand, [local, h, ec, others] { h(ec, static_cast<std::size_t>(others) + local()); });
    };
    const std::string prefix = opts_.channel_prefix + "presence:";
    if (!pub_->command({"EVAL", presence_query_script, "1", nodes_key_, prefix, topic, opts_.node_id}, answered))
        h(make_error_code(redis_error::not_connected), local());
}

WSX_DECL void redis_node::fail(unsigned attempt, std::error_code ec) {
    if (attempt != attempt_ || stopped_) return;
    ++attempt_;
    // Closing runs the replies still awaited with nullptr: the
    // publications among them are counted as lost.
    pub_->close();
    sub_->close();
    set_state(redis_state::reconnecting, ec);
    retry();
}

WSX_DECL void redis_node::retry() {
    using ms = std::chrono::milliseconds;
    const unsigned shift = std::min(failures_, 20u);
    ++failures_;
    const auto ceiling = std::min<ms::rep>(opts_.reconnect_max.count(), opts_.reconnect_min.count() << shift);
    // Between half and all of the ceiling, so that nodes that lost Redis
    // together do not all come back in the same instant.
    std::uniform_int_distribution<ms::rep> pick(ceiling / 2, ceiling);
    retry_timer_.expires_after(ms(pick(rng_)));
    retry_timer_.async_wait(
        asio::bind_executor(strand_, [self = shared_from_this(), a = attempt_](std::error_code ec) {
            if (!ec && a == self->attempt_) self->connect_now();
        }));
}

WSX_DECL void redis_node::set_state(redis_state s, std::error_code ec) {
    if (state_.exchange(s, std::memory_order_acq_rel) == s) return;
    if (state_cb_) state_cb_(s, ec);
}

WSX_DECL void redis_node::send_publication(const std::string& channel, const std::string& envelope) {
    auto c = counts_;
    const std::size_t bytes = envelope.size();
    std::weak_ptr<redis_node> weak = shared_from_this();
    auto answered = [c, bytes, weak, attempt = attempt_, strand = strand_](const redisReply* r) {
        // At most once: a publication Redis did not confirm may or may not have gone out.
        c->settle(bytes, r && r->type == REDIS_REPLY_INTEGER);
        // Neither a count nor an error: not an answer to PUBLISH, so the
        // connection is out of step with what it was sent.
        if (r && r->type != REDIS_REPLY_INTEGER && r->type != REDIS_REPLY_ERROR)
            asio::post(strand, [weak, attempt] {
                if (auto n = weak.lock()) n->fail(attempt, make_error_code(redis_error::command_failed));
            });
    };
    if (stopped_ || state() != redis_state::connected || !pub_->command({"PUBLISH", channel, envelope}, answered))
        c->settle(bytes, false);
}

WSX_DECL void redis_node::on_interest(const std::string& topic, bool has) {
    if (stopped_) return;
    const bool up = state() == redis_state::connected;
    if (has) {
        if (wanted_.insert(topic).second && up) sub_->subscription("SUBSCRIBE", opts_.channel_prefix + topic);
    } else {
        if (wanted_.erase(topic) && up) sub_->subscription("UNSUBSCRIBE", opts_.channel_prefix + topic);
    }
}

// Inside hiredis: copy, and deliver from the strand's queue, so that the
// handlers the deliveries may run never run inside hiredis.
WSX_DECL void redis_node::on_message(std::string_view channel, std::string_view payload) {
    inbox_.emplace_back(std::string(channel), std::string(payload));
    inbox_bytes_ += channel.size() + payload.size();
    if (inbox_bytes_ >= inbox_limit) sub_->pause_reading(true);
    if (drain_posted_) return;
    drain_posted_ = true;
    asio::post(strand_, [self = shared_from_this()] { self->drain(); });
}

// One turn of deliveries, bounded like a connection's reading turn
// (read_turn.hpp): a message to a topic with many local subscribers is
// many sends, and a burst of them must not hold the thread. What is left
// waits for the next turn, behind whatever else the thread has queued, and
// the subscribing connection is not read until the inbox is empty again.
WSX_DECL void redis_node::drain() {
    drain_posted_ = false;
    auto& turn = this_thread_turn();
    turn.begin();
    const deliver_fn deliver = deliver_;
    std::size_t i = 0;
    for (; i < inbox_.size() && !turn.spent(); ++i) {
        if (!deliver || stopped_) return;
        auto& [channel, payload] = inbox_[i];
        inbox_bytes_ -= channel.size() + payload.size();
        deliver_one(deliver, channel, payload);
    }
    inbox_.erase(inbox_.begin(), inbox_.begin() + static_cast<std::ptrdiff_t>(i));
    if (inbox_.empty()) {
        sub_->pause_reading(false);
        return;
    }
    sub_->pause_reading(true);
    drain_posted_ = true;
    asio::post(strand_, [self = shared_from_this()] { self->drain(); });
}

WSX_DECL void redis_node::deliver_one(const deliver_fn& deliver, std::string_view ch, std::string_view payload) {
    const auto e = decode_envelope(payload);
    if (!e || ch.substr(0, opts_.channel_prefix.size()) != opts_.channel_prefix) {
        counts_->dropped.fetch_add(1, std::memory_order_relaxed);
        return;
    }
    // This node's own publication: its subscribers here had it already.
    if (e->node == opts_.node_id) return;
    if (e->op == protocol::opcode::text) {
        protocol::utf8_validator v;
        if (!v.feed(reinterpret_cast<const std::uint8_t*>(e->payload.data()), e->payload.size()) || !v.complete()) {
            counts_->dropped.fetch_add(1, std::memory_order_relaxed);
            return;
        }
    }
    deliver(ch.substr(opts_.channel_prefix.size()), e->op, e->payload.data(), e->payload.size());
}

} // namespace wsx::detail

#endif
