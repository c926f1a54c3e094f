// Copyright (c) 2026 wsx developers. Distributed under the Boost Software License, Version 1.0.
#ifndef WSX_TESTS_SUPPORT_TINYPROXY_HPP
#define WSX_TESTS_SUPPORT_TINYPROXY_HPP

// A tinyproxy of the test's own, the HTTP CONNECT proxy the client tests go
// through: started in the foreground (-d) on a free loopback port with a
// configuration file written into a fresh temporary directory, killed by
// its PID when the test ends. Its log (stderr, unbuffered) is kept in that
// directory, so that a test can count the CONNECT requests it saw. Every
// wait is bounded. Debian: apt-get install tinyproxy.

#include "loopback.hpp"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#ifndef WSX_TINYPROXY
#define WSX_TINYPROXY "tinyproxy"
#endif

extern char** environ;

namespace wsx_test {

struct tinyproxy_config {
    std::string user;                     // with password: BasicAuth user password
    std::string password;
    std::vector<std::uint16_t> connect_ports; // empty: CONNECT to any port
};

class tinyproxy_process {
public:
    explicit tinyproxy_process(const tinyproxy_config& c = {}) : port_(unused_port()) {
        char dir[] = "/tmp/wsx-tinyproxy-XXXXXX";
        if (!::mkdtemp(dir)) throw std::runtime_error("tinyproxy_process: mkdtemp failed");
        dir_ = dir;
        {
            std::ofstream conf(conf_path());
            conf << "Port " << port_ << "\n"
                 << "Listen 127.0.0.1\n"
                 << "Timeout 30\n"
                 << "MaxClients 50\n"
                 << "LogLevel Info\n"
                 << "Allow 127.0.0.1\n"
                 << "DisableViaHeader Yes\n";
            if (!c.user.empty()) conf << "BasicAuth " << c.user << " " << c.password << "\n";
            for (auto p : c.connect_ports) conf << "ConnectPort " << p << "\n";
        }
        start();
    }
    ~tinyproxy_process() {
        kill();
        std::remove(conf_path().c_str());
        std::remove(log_path().c_str());
        ::rmdir(dir_.c_str());
    }
    tinyproxy_process(const tinyproxy_process&) = delete;
    tinyproxy_process& operator=(const tinyproxy_process&) = delete;

    std::uint16_t port() const noexcept { return port_; }
    // "http://[user:password@]127.0.0.1:port"
    std::string url(const std::string& userinfo = {}) const {
        return "http://" + (userinfo.empty() ? std::string() : userinfo + "@") + "127.0.0.1:" + std::to_string(port_);
    }
    std::string log() const {
        std::ifstream in(log_path());
        std::stringstream ss;
        ss << in.rdbuf();
        return ss.str();
    }
    // How many times `text` appears in the log so far.
    std::size_t count_in_log(const std::string& text) const {
        std::string l = log();
        std::size_t n = 0;
        for (std::size_t at = l.find(text); at != std::string::npos; at = l.find(text, at + text.size())) ++n;
        return n;
    }

    void kill() {
        if (pid_ <= 0) return;
        ::kill(pid_, SIGKILL);
        int status = 0;
        ::waitpid(pid_, &status, 0);
        pid_ = -1;
    }

private:
    std::string conf_path() const { return dir_ + "/tinyproxy.conf"; }
    std::string log_path() const { return dir_ + "/tinyproxy.log"; }

    void start() {
        const std::string conf = conf_path();
        const std::string log = log_path();
        const char* argv[] = {WSX_TINYPROXY, "-d", "-c", conf.c_str(), nullptr};
        posix_spawn_file_actions_t fa;
        posix_spawn_file_actions_init(&fa);
        posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
        posix_spawn_file_actions_addopen(&fa, 1, log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0600);
        posix_spawn_file_actions_adddup2(&fa, 1, 2);
        // Nothing else of the test's: a socket inherited by the proxy would
        // stay open after the test closed it.
        posix_spawn_file_actions_addclosefrom_np(&fa, 3);
        pid_t pid = 0;
        const int rc = posix_spawnp(&pid, WSX_TINYPROXY, &fa, nullptr, const_cast<char**>(argv), environ);
        posix_spawn_file_actions_destroy(&fa);
        if (rc != 0)
            throw std::runtime_error("cannot start " WSX_TINYPROXY " (" + std::string(std::strerror(rc)) +
                                     "); Debian: apt-get install tinyproxy");
        pid_ = pid;
        // Up once it accepts a TCP connection.
        const bool up = eventually([&] {
            int status = 0;
            if (::waitpid(pid_, &status, WNOHANG) == pid_) {
                pid_ = -1;
                return true;
            }
            asio::io_context io;
            asio::ip::tcp::socket s(io);
            std::error_code ec;
            s.connect(asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"), port_), ec);
            if (ec) std::this_thread::sleep_for(10ms);
            return !ec;
        });
        if (!up || pid_ <= 0) {
            std::string l = this->log();
            kill();
            throw std::runtime_error("tinyproxy did not come up on port " + std::to_string(port_) + ":\n" + l);
        }
    }

    std::uint16_t port_;
    std::string dir_;
    pid_t pid_ = -1;
};

} // namespace wsx_test

#endif
