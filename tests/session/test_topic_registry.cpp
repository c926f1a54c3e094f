// Copyright (c) 2026 wsx developers. Distributed under the Boost Software License, Version 1.0.
// The topic registry alone, with session ids and no sessions: subscribe,
// unsubscribe and leave_all in every order, many topics per session and
// many sessions per topic, and threads changing it at once (also under
// ThreadSanitizer). The registry's two views (topic -> sessions, session ->
// topics) must always agree.

#include "wsx_catch.hpp"

#include <wsx/detail/topic_registry.hpp>
#include <wsx/wsx.hpp>

#include "memory_transport.hpp"

#include <algorithm>
#include <array>
#include <atomic>
#include <iterator>
#include <memory>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <utility>
#include <vector>

using wsx::detail::topic_registry;

namespace {

bool subscribe(topic_registry& r, std::string_view t, std::uint64_t id) {
    return r.subscribe(t, id, {}, [] { return false; });
}

std::set<std::string> topics_of(const topic_registry& r, std::uint64_t id) {
    auto v = r.topics_of(id);
    return {v.begin(), v.end()};
}

// The two views agree: every listed topic counts the session, and the
// counts add up to the listed subscriptions.
void check_agree(const topic_registry& r, const std::vector<std::string>& names, std::uint64_t ids) {
    std::size_t listed = 0, counted = 0;
    for (std::uint64_t id = 1; id <= ids; ++id) {
        for (auto& t : r.topics_of(id)) CHECK(r.is_subscribed(t, id));
        listed += r.topics_of(id).size();
    }
    for (auto& t : names) counted += r.subscribers(t);
    CHECK(listed == counted);
}

} // namespace

TEST_CASE("topic registry: every order of subscribe, unsubscribe and leave_all", "[session][topics]") {
    // Three steps over two sessions and two topics, in every order.
    enum step { sub_a1, sub_b1, sub_a2, unsub_a1, leave1 };
    std::array<step, 5> order{sub_a1, sub_b1, sub_a2, unsub_a1, leave1};
    std::sort(order.begin(), order.end());
    int orders = 0;
    do {
        ++orders;
        topic_registry r;
        std::set<std::string> mine1, mine2; // the model
        for (step s : order) {
            switch (s) {
            case sub_a1: CHECK(subscribe(r, "a", 1) == mine1.insert("a").second); break;
            case sub_b1: CHECK(subscribe(r, "b", 1) == mine1.insert("b").second); break;
            case sub_a2: CHECK(subscribe(r, "a", 2) == mine2.insert("a").second); break;
            case unsub_a1: CHECK(r.unsubscribe("a", 1) == (mine1.erase("a") == 1)); break;
            case leave1:
                r.leave_all(1);
                mine1.clear();
                break;
            }
            CHECK(topics_of(r, 1) == mine1);
            CHECK(topics_of(r, 2) == mine2);
            CHECK(r.subscribers("a") == mine1.count("a") + mine2.count("a"));
            CHECK(r.subscribers("b") == mine1.count("b"));
        }
    } while (std::next_permutation(order.begin(), order.end()));
    CHECK(orders == 120);
}

TEST_CASE("topic registry: many topics per session, many sessions per topic", "[session][topics]") {
    topic_registry r;
    std::vector<std::string> names;
    for (int i = 0; i < 200; ++i) names.push_back("topic/" + std::to_string(i));
    constexpr std::uint64_t sessions = 1000;
    for (std::uint64_t id = 1; id <= sessions; ++id) CHECK(subscribe(r, "all", id));
    for (auto& t : names) CHECK(subscribe(r, t, 7));
    CHECK(r.subscribers("all") == sessions);
    CHECK(r.topics_of(7).size() == names.size() + 1);
    for (auto& t : names) CHECK(r.subscribers(t) == 1);
    names.push_back("all");
    check_agree(r, names, sessions);

    r.leave_all(7);
    CHECK(r.topics_of(7).empty());
    CHECK(r.subscribers("all") == sessions - 1);
    for (std::size_t i = 0; i + 1 < names.size(); ++i) CHECK(r.subscribers(names[i]) == 0);
    for (std::uint64_t id = 1; id <= sessions; ++id) r.unsubscribe("all", id);
    CHECK(r.subscribers("all") == 0);
    check_agree(r, names, sessions);
}

TEST_CASE("topic registry: a closing session is not added", "[session][topics]") {
    topic_registry r;
    CHECK_FALSE(r.subscribe("t", 1, {}, [] { return true; }));
    CHECK(r.subscribers("t") == 0);
    CHECK(r.topics_of(1).empty());
}

TEST_CASE("topic registry: threads subscribing, leaving and publishing at once keep both views in step",
          "[session][topics][threads]") {
    topic_registry r;
    std::vector<std::string> names;
    for (int i = 0; i < 8; ++i) names.push_back(std::string(1, static_cast<char>('a' + i)));
    constexpr int threads_n = 4;
    constexpr std::uint64_t ids_per_thread = 16;
    // Live sessions (never started), so that collect() finds someone.
    asio::io_context io;
    std::vector<std::shared_ptr<wsx::session>> sessions;
    for (std::uint64_t id = 1; id <= threads_n * ids_per_thread; ++id)
        sessions.push_back(std::make_shared<wsx::detail::stream_session<wsx_test::memory_transport::stream>>(
            io, id, true, io, std::make_shared<wsx_test::wire>()));
    std::atomic<bool> go{false};
    // Catch's assertions are for the main thread only: the threads count.
    std::atomic<int> collected{0}, wrong{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < threads_n; ++t) {
        threads.emplace_back([&, t] {
            std::mt19937 rng(static_cast<unsigned>(t) + 1);
            while (!go) std::this_thread::yield();
            // Each thread owns its ids (a session's calls come from one
            // place at a time in practice), but all share the topics; so
            // it knows exactly which of its own ids a collect must find.
            std::set<std::pair<std::uint64_t, std::string>> mine;
            const std::uint64_t first = static_cast<std::uint64_t>(t) * ids_per_thread + 1;
            topic_registry::subscriber_list out;
            for (int i = 0; i < 3000; ++i) {
                const std::uint64_t id = first + rng() % ids_per_thread;
                const std::string& topic = names[rng() % names.size()];
                switch (rng() % 5) {
                case 0:
                case 1:
                    if (r.subscribe(topic, id, sessions[id - 1], [] { return false; }) != mine.insert({id, topic}).second)
                        ++wrong;
                    break;
                case 2:
                    if (r.unsubscribe(topic, id) != (mine.erase({id, topic}) == 1)) ++wrong;
                    break;
                case 3:
                    r.leave_all(id);
                    for (auto it = mine.begin(); it != mine.end();) it = it->first == id ? mine.erase(it) : std::next(it);
                    break;
                case 4: {
                    out.clear();
                    const std::uint64_t skip = rng() % 2 ? id : 0;
                    r.collect(topic, skip, out);
                    collected += static_cast<int>(out.size());
                    std::set<std::uint64_t> found, expected;
                    for (auto& s : out)
                        if (s->id() >= first && s->id() < first + ids_per_thread && !found.insert(s->id()).second) ++wrong;
                    for (auto& [who, what] : mine)
                        if (what == topic && who != skip) expected.insert(who);
                    if (found != expected) ++wrong;
                    break;
                }
                }
            }
        });
    }
    go = true;
    for (auto& th : threads) th.join();
    CHECK(wrong == 0);
    CHECK(collected > 0);
    check_agree(r, names, threads_n * ids_per_thread);
}
