// Copyright (c) 2026 wsx developers. Distributed under the Boost Software License, Version 1.0.
#ifndef WSX_DETAIL_TOPIC_REGISTRY_HPP
#define WSX_DETAIL_TOPIC_REGISTRY_HPP

// Which sessions of one server are subscribed to which topic (docs/topics.md).
//
// Publishing must not scan every connection, nor take one lock that every
// publisher in the process shares: topics are spread over shards by the
// hash of their name, each with its own lock, so publishers to different
// topics rarely meet. A publish holds its shard's lock only to copy the
// subscribers out; the sends, which may run user code (on_error, on_drain),
// happen after it is released, so a handler may subscribe, unsubscribe or
// publish again without deadlock.
//
// Each session's own list (for topics(), and to leave every topic when it
// closes) lives in a second set of shards keyed by session id. A subscribe
// holds its member shard while it adds to the topic, so a session that is
// closing (leave_all) and a subscribe from another thread cannot leave a
// stale subscriber behind.

#include <wsx/backplane.hpp>
#include <wsx/error.hpp>

#include <array>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <system_error>
#include <unordered_map>
#include <vector>

namespace wsx {

class session;

/// The longest topic name, in bytes (topics are byte strings; any bytes).
inline constexpr std::size_t max_topic_size = 1024;

namespace detail {

class topic_registry {
public:
    using subscriber_list = std::vector<std::shared_ptr<session>>;

    // Adds session `id` to `topic`; false when it was subscribed already
    // or `gone()` says the session is closing (checked under the lock that
    // leave_all takes, so a closing session is never added afterwards).
    template <class Gone> bool subscribe(std::string_view topic, std::uint64_t id, std::weak_ptr<session> s, Gone gone) {
        check_name(topic);
        member_shard& m = member_of(id);
        std::lock_guard<std::mutex> ml(m.mu);
        if (gone()) return false;
        std::vector<std::string>& mine = m.of[id];
        for (auto& t : mine)
            if (t == topic) return false;
        {
            topic_shard& sh = shard_of(topic);
            std::lock_guard<std::mutex> tl(sh.mu);
            auto it = sh.topics.find(topic);
            if (it == sh.topics.end()) {
                auto e = std::make_unique<entry>();
                e->name.assign(topic.data(), topic.size());
                const std::string_view key = e->name;
                it = sh.topics.emplace(key, std::move(e)).first;
                if (relay_) relay_->interest(it->second->name, true);
            }
            it->second->subscribers.emplace(id, std::move(s));
        }
        mine.emplace_back(topic);
        return true;
    }

    // False when the session was not subscribed.
    bool unsubscribe(std::string_view topic, std::uint64_t id) {
        member_shard& m = member_of(id);
        std::lock_guard<std::mutex> ml(m.mu);
        auto it = m.of.find(id);
        if (it == m.of.end()) return false;
        auto& mine = it->second;
        for (std::size_t i = 0; i < mine.size(); ++i) {
            if (mine[i] != topic) continue;
            mine[i].swap(mine.back());
            mine.pop_back();
            if (mine.empty()) m.of.erase(it);
            leave(topic, id);
            return true;
        }
        return false;
    }

    // The session closed: it leaves every topic.
    void leave_all(std::uint64_t id) {
        member_shard& m = member_of(id);
        std::lock_guard<std::mutex> ml(m.mu);
        auto it = m.of.find(id);
        if (it == m.of.end()) return;
        for (auto& t : it->second) leave(t, id);
        m.of.erase(it);
    }

    bool is_subscribed(std::string_view topic, std::uint64_t id) const {
        const member_shard& m = member_of(id);
        std::lock_guard<std::mutex> ml(m.mu);
        auto it = m.of.find(id);
        if (it == m.of.end()) return false;
        for (auto& t : it->second)
            if (t == topic) return true;
        return false;
    }

    std::vector<std::string> topics_of(std::uint64_t id) const {
        const member_shard& m = member_of(id);
        std::lock_guard<std::mutex> ml(m.mu);
        auto it = m.of.find(id);
        return it == m.of.end() ? std::vector<std::string>{} : it->second;
    }

    std::size_t subscribers(std::string_view topic) const {
        const topic_shard& sh = shard_of(topic);
        std::lock_guard<std::mutex> tl(sh.mu);
        auto it = sh.topics.find(topic);
        return it == sh.topics.end() ? 0 : it->second->subscribers.size();
    }

    // Appends the live subscribers of `topic`, but session `skip` (0: none),
    // to `out`. A topic nobody subscribed to costs one lookup and no
    // allocation.
    void collect(std::string_view topic, std::uint64_t skip, subscriber_list& out) const {
        const topic_shard& sh = shard_of(topic);
        std::lock_guard<std::mutex> tl(sh.mu);
        auto it = sh.topics.find(topic);
        if (it == sh.topics.end()) return;
        out.reserve(out.size() + it->second->subscribers.size());
        for (auto& kv : it->second->subscribers) {
            if (kv.first == skip) continue;
            if (auto s = kv.second.lock()) out.push_back(std::move(s));
        }
    }

    // The backplane that carries this registry's publications to other
    // nodes (the server owns it). It is told when a topic gets its first
    // subscriber or loses its last, under the topic's shard lock, so that
    // the calls for one topic come in the order the changes happened; it
    // only queues them. Set before any subscribe, and read without a lock.
    void relay_to(backplane* b) noexcept { relay_ = b; }
    backplane* relay() const noexcept { return relay_; }

    static void check_name(std::string_view topic) {
        if (topic.size() > max_topic_size)
            throw std::system_error(make_error_code(error::bad_argument),
                                    "wsx: a topic name is at most " + std::to_string(max_topic_size) + " bytes; got " +
                                        std::to_string(topic.size()));
    }

private:
    struct entry {
        std::string name; // the map's key views it
        std::unordered_map<std::uint64_t, std::weak_ptr<session>> subscribers;
    };
    struct topic_shard {
        mutable std::mutex mu;
        std::unordered_map<std::string_view, std::unique_ptr<entry>> topics;
    };
    struct member_shard {
        mutable std::mutex mu;
        std::unordered_map<std::uint64_t, std::vector<std::string>> of;
    };
    static constexpr std::size_t shard_count = 32;

    topic_shard& shard_of(std::string_view topic) { return topics_[std::hash<std::string_view>{}(topic) % shard_count]; }
    const topic_shard& shard_of(std::string_view topic) const {
        return topics_[std::hash<std::string_view>{}(topic) % shard_count];
    }
    member_shard& member_of(std::uint64_t id) { return members_[id % shard_count]; }
    const member_shard& member_of(std::uint64_t id) const { return members_[id % shard_count]; }

    // Under the session's member shard lock.
    void leave(std::string_view topic, std::uint64_t id) {
        topic_shard& sh = shard_of(topic);
        std::lock_guard<std::mutex> tl(sh.mu);
        auto it = sh.topics.find(topic);
        if (it == sh.topics.end()) return;
        it->second->subscribers.erase(id);
        // An empty topic is forgotten: topic names from the network must
        // not pile up after their last subscriber left.
        if (it->second->subscribers.empty()) {
            if (relay_) relay_->interest(it->second->name, false);
            sh.topics.erase(it);
        }
    }

    std::array<topic_shard, shard_count> topics_;
    std::array<member_shard, shard_count> members_;
    backplane* relay_ = nullptr;
};

} // namespace detail
} // namespace wsx

#endif
