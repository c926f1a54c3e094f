// Copyright (c) 2026 wsx developers. Distributed under the Boost Software License, Version 1.0.
#ifndef WSX_TESTS_REDIS_FAKE_REDIS_HPP
#define WSX_TESTS_REDIS_FAKE_REDIS_HPP

// A server on a loopback port that speaks just enough RESP2 to pass for
// Redis with the backplane (AUTH, SELECT, SUBSCRIBE, UNSUBSCRIBE, PING,
// EVAL, PUBLISH), written from the protocol's description rather than
// from hiredis, so that a test can make it misbehave on purpose: answer
// a command with bytes that are not RESP, with a reply of the wrong shape,
// or with half a reply before closing. It runs on a thread of its own and
// is stopped (every connection closed) when the test says or at its end.

#include <asio/executor_work_guard.hpp>
#include <asio/io_context.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/post.hpp>
#include <asio/write.hpp>

#include <atomic>
#include <cctype>
#include <cstdlib>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace wsx_test {

inline std::string resp_bulk(const std::string& s) { return "$" + std::to_string(s.size()) + "\r\n" + s + "\r\n"; }

class fake_redis {
public:
    // One connection's view: which it is (0, 1, ... in accepting order) and
    // how many channels it is subscribed to.
    struct peer {
        std::size_t id = 0;
        long long subs = 0;
    };
    // What to send for one command; nullopt for Redis's own answer. Setting
    // `close` closes the connection once the answer is written.
    using script = std::function<std::optional<std::string>(peer&, const std::vector<std::string>& cmd, bool& close)>;

    fake_redis(std::uint16_t port, script s) : script_(std::move(s)), acceptor_(io_) {
        const asio::ip::tcp::endpoint ep(asio::ip::make_address("127.0.0.1"), port);
        acceptor_.open(ep.protocol());
        acceptor_.set_option(asio::ip::tcp::acceptor::reuse_address(true));
        acceptor_.bind(ep);
        acceptor_.listen();
        accept();
        thread_ = std::thread([this] { io_.run(); });
    }
    ~fake_redis() { stop(); }
    fake_redis(const fake_redis&) = delete;
    fake_redis& operator=(const fake_redis&) = delete;

    // Closes the port and every connection, and joins the thread.
    void stop() {
        if (!thread_.joinable()) return;
        asio::post(io_, [this] {
            std::error_code ec;
            acceptor_.close(ec);
            for (auto& c : conns_) c->sock.close(ec);
            guard_.reset();
        });
        thread_.join();
    }

    std::size_t connections() const noexcept { return accepted_.load(); }
    // How many times each command came, over every connection.
    std::size_t seen(const std::string& verb) const {
        std::lock_guard<std::mutex> lock(mu_);
        std::size_t n = 0;
        for (auto& v : verbs_) n += v == verb;
        return n;
    }

    // Redis's answer, for what the script leaves alone.
    static std::string redis_answer(peer& p, const std::vector<std::string>& cmd) {
        const std::string& v = cmd[0];
        if (v == "SUBSCRIBE" || v == "UNSUBSCRIBE") {
            const bool sub = v == "SUBSCRIBE";
            p.subs = sub ? p.subs + 1 : (p.subs > 0 ? p.subs - 1 : 0);
            return "*3\r\n" + resp_bulk(sub ? "subscribe" : "unsubscribe") + resp_bulk(cmd.at(1)) + ":" +
                   std::to_string(p.subs) + "\r\n";
        }
        if (v == "PING") return p.subs > 0 ? "*2\r\n$4\r\npong\r\n$0\r\n\r\n" : "+PONG\r\n";
        if (v == "EVAL") return ":1\r\n";
        if (v == "PUBLISH") return ":0\r\n";
        if (v == "AUTH" || v == "SELECT") return "+OK\r\n";
        return "-ERR unknown command\r\n";
    }

private:
    struct conn {
        explicit conn(asio::io_context& io) : sock(io) {}
        asio::ip::tcp::socket sock;
        std::string in;
        char buf[4096];
        peer who;
    };

    void accept() {
        auto c = std::make_shared<conn>(io_);
        acceptor_.async_accept(c->sock, [this, c](std::error_code ec) {
            if (ec) return;
            c->who.id = accepted_++;
            conns_.push_back(c);
            read(c);
            accept();
        });
    }

    void read(const std::shared_ptr<conn>& c) {
        c->sock.async_read_some(asio::buffer(c->buf), [this, c](std::error_code ec, std::size_t n) {
            if (ec) return;
            c->in.append(c->buf, n);
            std::vector<std::string> cmd;
            while (take_command(c->in, cmd)) {
                {
                    std::lock_guard<std::mutex> lock(mu_);
                    verbs_.push_back(cmd[0]);
                }
                bool close = false;
                auto answer = script_(c->who, cmd, close);
                const std::string out = answer ? *answer : redis_answer(c->who, cmd);
                std::error_code wec;
                // Small answers on loopback: a blocking write keeps the order simple.
                asio::write(c->sock, asio::buffer(out), wec);
                if (close || wec) {
                    c->sock.close(wec);
                    return;
                }
            }
            read(c);
        });
    }

    // A client's command: an array of bulk strings (all hiredis sends).
    static bool take_command(std::string& in, std::vector<std::string>& cmd) {
        cmd.clear();
        if (in.empty() || in[0] != '*') return false;
        std::size_t at = in.find("\r\n");
        if (at == std::string::npos) return false;
        const long n = std::strtol(in.c_str() + 1, nullptr, 10);
        if (n <= 0) return false;
        at += 2;
        for (long i = 0; i < n; ++i) {
            if (at >= in.size() || in[at] != '$') return false;
            const std::size_t eol = in.find("\r\n", at);
            if (eol == std::string::npos) return false;
            const auto len = static_cast<std::size_t>(std::strtol(in.c_str() + at + 1, nullptr, 10));
            if (in.size() < eol + 2 + len + 2) return false;
            cmd.push_back(in.substr(eol + 2, len));
            at = eol + 2 + len + 2;
        }
        in.erase(0, at);
        for (auto& ch : cmd[0]) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
        return true;
    }

    script script_;
    asio::io_context io_;
    asio::executor_work_guard<asio::io_context::executor_type> guard_ = asio::make_work_guard(io_);
    asio::ip::tcp::acceptor acceptor_;
    std::vector<std::shared_ptr<conn>> conns_;
    std::atomic<std::size_t> accepted_{0};
    mutable std::mutex mu_;
    std::vector<std::string> verbs_;
    std::thread thread_;
};

} // namespace wsx_test

#endif
