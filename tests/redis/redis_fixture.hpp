// Copyright (c) 2026 wsx developers. Distributed under the Boost Software License, Version 1.0.
#ifndef WSX_TESTS_REDIS_FIXTURE_HPP
#define WSX_TESTS_REDIS_FIXTURE_HPP

// A redis-server of the test's own (never the system's service on 6379):
// started on a free loopback port with nothing saved to disk, killed by its
// PID when the test ends or asks; and a second, plain hiredis connection
// that asks Redis what it sees (PUBSUB NUMSUB), independent of the
// backplane under test. Every wait is bounded.

#include "loopback.hpp"

#include <wsx/redis.hpp>
#include <wsx/sync_client.hpp>
#include <wsx/wsx.hpp>

#include <hiredis/hiredis.h>

#include <signal.h>
#include <spawn.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <fcntl.h>
#include <unistd.h>

#include <initializer_list>
#include <memory>
#include <stdexcept>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#ifndef WSX_REDIS_SERVER
#define WSX_REDIS_SERVER "redis-server"
#endif

extern char** environ;

namespace wsx_test {

class redis_process {
public:
    explicit redis_process(std::uint16_t port = unused_port()) : port_(port) { start(); }
    ~redis_process() { kill(); }
    redis_process(const redis_process&) = delete;
    redis_process& operator=(const redis_process&) = delete;

    std::uint16_t port() const noexcept { return port_; }

    // Starts it on the same port and waits until it answers PING.
    void start() {
        if (pid_ > 0) return;
        const std::string port = std::to_string(port_);
        const char* argv[] = {WSX_REDIS_SERVER, "--port", port.c_str(), "--bind", "127.0.0.1", "--save", "",
                              "--appendonly", "no", "--daemonize", "no", "--loglevel", "warning", nullptr};
        posix_spawn_file_actions_t fa;
        posix_spawn_file_actions_init(&fa);
        posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
        // Nothing else of the test's: a client socket inherited by Redis
        // would stay open after the test closed it.
        posix_spawn_file_actions_addclosefrom_np(&fa, 3);
        pid_t pid = 0;
        const int rc = posix_spawn(&pid, WSX_REDIS_SERVER, &fa, nullptr, const_cast<char**>(argv), environ);
        posix_spawn_file_actions_destroy(&fa);
        if (rc != 0) throw std::runtime_error("cannot start " WSX_REDIS_SERVER);
        pid_ = pid;
        const bool up = eventually([&] {
            if (exited()) return true;
            redisContext* c = redisConnect("127.0.0.1", port_);
            bool ok = false;
            if (c && !c->err) {
                auto* r = static_cast<redisReply*>(redisCommand(c, "PING"));
                ok = r && r->type == REDIS_REPLY_STATUS;
                if (r) freeReplyObject(r);
            }
            if (c) redisFree(c);
            if (!ok) std::this_thread::sleep_for(20ms);
            return ok;
        });
        if (!up || pid_ <= 0) {
            kill();
            throw std::runtime_error("redis-server did not come up on port " + port);
        }
    }

    // SIGSTOP and SIGCONT: Redis keeps its connections but answers nothing
    // meanwhile, as a Redis that has stalled.
    void pause() { ::kill(pid_, SIGSTOP); }
    void resume() { ::kill(pid_, SIGCONT); }

    // SIGKILL: Redis gets no chance to say goodbye, as in a crash.
    void kill() {
        if (pid_ <= 0) return;
        ::kill(pid_, SIGKILL);
        int status = 0;
        ::waitpid(pid_, &status, 0);
        pid_ = -1;
    }

private:
    bool exited() {
        int status = 0;
        if (::waitpid(pid_, &status, WNOHANG) == pid_) {
            pid_ = -1;
            return true;
        }
        return false;
    }
    std::uint16_t port_;
    pid_t pid_ = -1;
};

// A plain synchronous hiredis connection for the test's own questions.
class redis_probe {
public:
    explicit redis_probe(std::uint16_t port) {
        timeval tv{5, 0};
        c_ = redisConnectWithTimeout("127.0.0.1", port, tv);
        if (!c_ || c_->err) throw std::runtime_error("redis_probe: cannot connect");
        redisSetTimeout(c_, tv);
    }
    ~redis_probe() { redisFree(c_); }
    redis_probe(const redis_probe&) = delete;
    redis_probe& operator=(const redis_probe&) = delete;

    // How many connections are subscribed to `channel` (PUBSUB NUMSUB).
    long long numsub(const std::string& channel) {
        auto* r = static_cast<redisReply*>(redisCommand(c_, "PUBSUB NUMSUB %b", channel.data(), channel.size()));
        long long n = -1;
        if (r && r->type == REDIS_REPLY_ARRAY && r->elements == 2 && r->element[1]->type == REDIS_REPLY_INTEGER)
            n = r->element[1]->integer;
        if (r) freeReplyObject(r);
        return n;
    }
    // Any command; its status or string reply, or "<error: ...>".
    std::string command(std::initializer_list<std::string> args) {
        std::vector<const char*> argv;
        std::vector<std::size_t> lens;
        for (auto& a : args) {
            argv.push_back(a.data());
            lens.push_back(a.size());
        }
        auto* r = static_cast<redisReply*>(
            redisCommandArgv(c_, static_cast<int>(argv.size()), argv.data(), lens.data()));
        std::string out = "<no reply>";
        if (r && (r->type == REDIS_REPLY_STATUS || r->type == REDIS_REPLY_STRING)) out.assign(r->str, r->len);
        if (r && r->type == REDIS_REPLY_ERROR) out = "<error: " + std::string(r->str, r->len) + ">";
        if (r) freeReplyObject(r);
        return out;
    }
        // PUBLISH raw bytes, as another program might.
    long long publish(const std::string& channel, const std::string& bytes) {
        auto* r = static_cast<redisReply*>(redisCommand(c_, "PUBLISH %b %b", channel.data(), channel.size(),
                                                         bytes.data(), bytes.size()));
        long long n = r && r->type == REDIS_REPLY_INTEGER ? r->integer : -1;
        if (r) freeReplyObject(r);
        return n;
    }

private:
    redisContext* c_ = nullptr;
};

// Waits until `channel` has exactly `n` subscribers on Redis.
inline bool numsub_becomes(std::uint16_t port, const std::string& channel, long long n) {
    redis_probe p(port);
    return eventually([&] {
        if (p.numsub(channel) == n) return true;
        std::this_thread::sleep_for(10ms);
        return false;
    });
}

// One node: a wsx server on its own io_context and thread, with the
// backplane on the test's Redis. Clients of "/t/{topic}" subscribe to topic.
struct test_node {
    asio::io_context io;
    wsx::server server{io};
    wsx::redis_backplane redis;
    event_log states;
    std::unique_ptr<io_threads> runner;

    using tweak_fn = std::function<void(wsx::redis_options&)>;

    static wsx::redis_options options_for(std::uint16_t port, std::string id, std::size_t max_payload,
                                          const tweak_fn& tweak) {
        wsx::redis_options o{"127.0.0.1", port, "", 0, "wsx:", std::move(id)};
        o.max_payload = max_payload;
        // Short waits, so that a restarted Redis is found again soon.
        o.reconnect_min = std::chrono::milliseconds(20);
        o.reconnect_max = std::chrono::milliseconds(300);
        if (tweak) tweak(o);
        return o;
    }

    test_node(std::uint16_t redis_port, std::string id, std::size_t max_payload = 1024 * 1024,
              const tweak_fn& tweak = {})
        : redis{io, options_for(redis_port, std::move(id), max_payload, tweak)} {
        redis.on_state([this](wsx::redis_state s, std::error_code) { states.add(wsx::to_string(s)); });
        server.endpoint("/t/{topic}").on_open([](wsx::session& s) { s.subscribe(s.path_param("topic")); });
        // A chat room: what a member sends goes to every other member, here and on other nodes.
        server.endpoint("/chat/{topic}")
            .on_open([](wsx::session& s) { s.subscribe(s.path_param("topic")); })
            .on_message([](wsx::session& s, const wsx::message& m) { s.publish(s.path_param("topic"), m); });
        server.use_backplane(redis);
        server.listen("127.0.0.1", 0);
        runner = std::make_unique<io_threads>(io);
    }
    ~test_node() { stop_and_join(io, server, *runner); }

    bool connected() {
        return eventually([&] { return redis.state() == wsx::redis_state::connected; });
    }
    // A client subscribed to `topic` here (once the server has it in the topic).
    std::unique_ptr<wsx::sync_client> join(const std::string& topic, std::size_t expect_local,
                                           const std::string& path = "/t/") {
        auto c = std::make_unique<wsx::sync_client>();
        c->connect(url_for(server, path + topic));
        if (!eventually([&] { return server.subscribers(topic) == expect_local; }))
            throw std::runtime_error("the client did not join " + topic);
        return c;
    }
};

// The next message's text, or "<nothing>" when none came in time.
inline std::string next_text(wsx::sync_client& c, std::chrono::milliseconds limit = default_limit) {
    auto m = c.receive(limit);
    if (!m) return "<nothing>";
    return std::string(m->text());
}

} // namespace wsx_test

#endif
