// Copyright (c) 2026 wsx developers. Distributed under the Boost Software License, Version 1.0.

// fragment_cost --port N --pid PID [--size BYTES] [--cases abc] [--timeout SECONDS] [--text]
//
// What reassembling one large message costs a running echo server, by how
// the message is fragmented (issue 13: wsx's cost was quadratic in the
// number of fragments). It starts nothing: it connects to the server on
// 127.0.0.1:N, sends one message of --size bytes (16 MiB by default) as
//   a: one frame,
//   b: fragments of 1 KiB (16,384 for 16 MiB),
//   c: fragments of 16 bytes (1,048,576 for 16 MiB),
// one connection per case, waits for the whole echo and checks it, and
// reports the CPU time the server process (PID) used meanwhile: utime +
// stime from /proc/PID/stat, read after the handshake and after the echo.
// bench/load/fragment_cost.sh starts a Release echo_server, runs this and
// stops the server.
//
// A case that does not finish within --timeout seconds (600 by default) is
// reported as "> T s" with the CPU used so far, and the cases after it are
// not run (the server would still be busy with it). Exit status: 0 all
// cases echoed correctly, 1 a case failed, 2 bad usage, 3 a case timed out.
//
// Like wsx_loadgen it speaks RFC 6455 with its own few lines and does not
// link wsx, so a framing bug in wsx cannot cancel out.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

namespace {

using clock_type = std::chrono::steady_clock;

struct settings {
    int port = 0;
    long pid = 0;
    std::size_t size = 16 * 1024 * 1024;
    std::string cases = "abc";
    double timeout = 600;
    bool text = false;
};

int usage(const std::string& why) {
    std::cerr << "fragment_cost: " << why << "\n"
              << "usage: fragment_cost --port N --pid PID [--size BYTES] [--cases abc] [--timeout SECONDS] [--text]\n";
    return 2;
}

// utime + stime of the process, in seconds; negative if it cannot be read.
double process_cpu(long pid) {
    std::ifstream f("/proc/" + std::to_string(pid) + "/stat");
    std::string stat;
    if (!std::getline(f, stat)) return -1;
    // The command name (field 2) may hold spaces and parentheses: the
    // fields after it start behind the last ')'.
    const auto close = stat.rfind(')');
    if (close == std::string::npos) return -1;
    std::istringstream rest(stat.substr(close + 2));
    std::string field;
    unsigned long long utime = 0, stime = 0;
    for (int i = 3; i <= 15 && rest >> field; ++i) {
        if (i == 14) utime = std::strtoull(field.c_str(), nullptr, 10);
        if (i == 15) stime = std::strtoull(field.c_str(), nullptr, 10);
    }
    return static_cast<double>(utime + stime) / static_cast<double>(sysconf(_SC_CLK_TCK));
}

// One frame of RFC 6455 5.2 as a client sends it (masked), appended to out.
void append_frame(std::string& out, std::uint8_t first_byte, const char* payload, std::size_t n, std::uint32_t& rng) {
    out.push_back(static_cast<char>(first_byte));
    if (n < 126) {
        out.push_back(static_cast<char>(0x80 | n));
    } else if (n <= 0xFFFF) {
        out.push_back(static_cast<char>(0x80 | 126));
        out.push_back(static_cast<char>(n >> 8));
        out.push_back(static_cast<char>(n & 0xFF));
    } else {
        out.push_back(static_cast<char>(0x80 | 127));
        for (int i = 7; i >= 0; --i) out.push_back(static_cast<char>((static_cast<std::uint64_t>(n) >> (8 * i)) & 0xFF));
    }
    rng = rng * 1664525u + 1013904223u; // a different key per frame; any key will do
    char key[4];
    std::memcpy(key, &rng, 4);
    out.append(key, 4);
    const std::size_t at = out.size();
    out.append(payload, n);
    for (std::size_t i = 0; i < n; ++i) out[at + i] = static_cast<char>(out[at + i] ^ key[i & 3]);
}

// The message as frames of `fragment` payload bytes (0: one frame).
std::string build_wire(const std::string& msg, std::size_t fragment, bool text, std::size_t& frames) {
    const std::size_t per = fragment == 0 ? msg.size() : fragment;
    std::string wire;
    wire.reserve(msg.size() + (msg.size() / per + 1) * 14);
    std::uint32_t rng = 12345;
    frames = 0;
    std::size_t at = 0;
    do {
        const std::size_t n = std::min(per, msg.size() - at);
        const bool fin = at + n == msg.size();
        const std::uint8_t opcode = frames == 0 ? (text ? 0x1 : 0x2) : 0x0;
        append_frame(wire, static_cast<std::uint8_t>((fin ? 0x80 : 0x00) | opcode), msg.data() + at, n, rng);
        at += n;
        ++frames;
    } while (at != msg.size());
    return wire;
}

class connection {
public:
    ~connection() {
        if (fd_ >= 0) ::close(fd_);
    }

    bool open(int port, std::string& why) {
        fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
        if (fd_ < 0) return fail(why, "socket");
        sockaddr_in a{};
        a.sin_family = AF_INET;
        a.sin_port = htons(static_cast<std::uint16_t>(port));
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        if (::connect(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) return fail(why, "connect");
        int one = 1;
        ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        const std::string request = "GET / HTTP/1.1\r\nHost: 127.0.0.1:" + std::to_string(port) +
                                    "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                                    "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n";
        const auto deadline = clock_type::now() + std::chrono::seconds(10);
        if (!send_all(request, deadline, why)) return false;
        while (in_.find("\r\n\r\n") == std::string::npos)
            if (!receive(deadline, why)) return false;
        if (in_.rfind("HTTP/1.1 101", 0) != 0) {
            why = "handshake refused: " + in_.substr(0, in_.find("\r\n"));
            return false;
        }
        in_.erase(0, in_.find("\r\n\r\n") + 4);
        return true;
    }

    bool send_all(std::string_view bytes, clock_type::time_point deadline, std::string& why) {
        std::size_t at = 0;
        while (at != bytes.size()) {
            if (!wait(POLLOUT, deadline, why)) return false;
            const ssize_t n = ::send(fd_, bytes.data() + at, bytes.size() - at, MSG_NOSIGNAL | MSG_DONTWAIT);
            if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) continue;
            if (n < 0) return fail(why, "send");
            at += static_cast<std::size_t>(n);
        }
        return true;
    }

    // Reads frames until a whole data message has arrived; its payload goes
    // to msg.
    bool read_message(std::string& msg, clock_type::time_point deadline, std::string& why) {
        msg.clear();
        for (;;) {
            std::size_t header = 0;
            std::uint64_t len = 0;
            while (!parse_header(header, len))
                if (!receive(deadline, why)) return false;
            while (in_.size() < header + len)
                if (!receive(deadline, why)) return false;
            const auto b0 = static_cast<std::uint8_t>(in_[0]);
            const std::uint8_t opcode = b0 & 0x0F;
            if (opcode == 0x8) {
                why = "the server closed the connection (close frame)";
                return false;
            }
            if (opcode < 0x8) msg.append(in_, header, static_cast<std::size_t>(len));
            in_.erase(0, header + static_cast<std::size_t>(len));
            if (opcode < 0x8 && (b0 & 0x80) != 0) return true;
        }
    }

private:
    static bool fail(std::string& why, const char* what) {
        why = std::string(what) + ": " + std::strerror(errno);
        return false;
    }

    bool wait(short events, clock_type::time_point deadline, std::string& why) {
        for (;;) {
            const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - clock_type::now());
            if (left.count() <= 0) {
                why = "timeout";
                return false;
            }
            pollfd p{fd_, events, 0};
            const int r = ::poll(&p, 1, static_cast<int>(std::min<long long>(left.count(), 1000)));
            if (r > 0) return true;
            if (r < 0 && errno != EINTR) return fail(why, "poll");
        }
    }

    bool receive(clock_type::time_point deadline, std::string& why) {
        if (!wait(POLLIN, deadline, why)) return false;
        char buf[256 * 1024];
        const ssize_t n = ::recv(fd_, buf, sizeof buf, MSG_DONTWAIT);
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) return true;
        if (n < 0) return fail(why, "recv");
        if (n == 0) {
            why = "the server closed the connection";
            return false;
        }
        in_.append(buf, static_cast<std::size_t>(n));
        return true;
    }

    // A server's frame header (unmasked) at the front of in_.
    bool parse_header(std::size_t& header, std::uint64_t& len) const {
        if (in_.size() < 2) return false;
        const auto b1 = static_cast<std::uint8_t>(in_[1]);
        len = b1 & 0x7F;
        header = 2;
        if (len == 126) {
            if (in_.size() < 4) return false;
            len = (static_cast<std::uint64_t>(static_cast<std::uint8_t>(in_[2])) << 8) | static_cast<std::uint8_t>(in_[3]);
            header = 4;
        } else if (len == 127) {
            if (in_.size() < 10) return false;
            len = 0;
            for (int i = 0; i < 8; ++i) len = (len << 8) | static_cast<std::uint8_t>(in_[2 + i]);
            header = 10;
        }
        return true;
    }

    int fd_ = -1;
    std::string in_;
};

struct outcome {
    bool ok = false;
    bool timed_out = false;
    double cpu = 0;
    double wall = 0;
    std::string why;
};

outcome run_case(const settings& cfg, const std::string& msg, const std::string& wire) {
    outcome o;
    connection c;
    if (!c.open(cfg.port, o.why)) return o;
    const double cpu0 = process_cpu(cfg.pid);
    const auto t0 = clock_type::now();
    const auto deadline =
        t0 + std::chrono::duration_cast<clock_type::duration>(std::chrono::duration<double>(cfg.timeout));
    std::string echo;
    const bool done = c.send_all(wire, deadline, o.why) && c.read_message(echo, deadline, o.why);
    o.wall = std::chrono::duration<double>(clock_type::now() - t0).count();
    o.cpu = process_cpu(cfg.pid) - cpu0;
    o.timed_out = !done && o.why == "timeout";
    if (done && echo != msg) o.why = "the echo differs from the message sent";
    o.ok = done && echo == msg;
    return o;
}

} // namespace

int main(int argc, char** argv) {
    settings cfg;
    for (int i = 1; i < argc; ++i) {
        const std::string_view arg = argv[i];
        const bool has_value = i + 1 < argc;
        if (arg == "--port" && has_value) {
            cfg.port = std::atoi(argv[++i]);
        } else if (arg == "--pid" && has_value) {
            cfg.pid = std::atol(argv[++i]);
        } else if (arg == "--size" && has_value) {
            cfg.size = std::strtoull(argv[++i], nullptr, 10);
        } else if (arg == "--cases" && has_value) {
            cfg.cases = argv[++i];
        } else if (arg == "--timeout" && has_value) {
            cfg.timeout = std::atof(argv[++i]);
        } else if (arg == "--text") {
            cfg.text = true;
        } else {
            return usage("unknown or incomplete argument: " + std::string(arg));
        }
    }
    if (cfg.port <= 0 || cfg.port > 65535) return usage("--port needs the echo server's port");
    if (cfg.pid <= 0 || process_cpu(cfg.pid) < 0) return usage("--pid needs the echo server's process id");
    if (cfg.size == 0 || cfg.timeout <= 0) return usage("--size and --timeout must be positive");

    // ASCII, so that --text sends valid UTF-8; varied, so that a reordered
    // or shifted echo is caught.
    std::string msg(cfg.size, 'a');
    for (std::size_t i = 0; i < msg.size(); ++i) msg[i] = static_cast<char>('a' + (i * 7 + i / 4096) % 26);

    struct shape {
        char name;
        std::size_t fragment; // 0: one frame
    };
    const shape shapes[] = {{'a', 0}, {'b', 1024}, {'c', 16}};
    std::printf("%zu-byte %s message, server pid %ld, timeout %.0f s per case\n", cfg.size,
                cfg.text ? "text" : "binary", cfg.pid, cfg.timeout);
    std::printf("%-4s %10s %12s %14s %9s  %s\n", "case", "frames", "wire bytes", "server CPU s", "wall s", "echo");
    int status = 0;
    for (const shape& s : shapes) {
        if (cfg.cases.find(s.name) == std::string::npos) continue;
        if (status == 3) {
            std::printf("%-4c %10s %12s %14s %9s  not run (the server is still busy with the case that timed out)\n",
                        s.name, "-", "-", "-", "-");
            continue;
        }
        std::size_t frames = 0;
        const std::string wire = build_wire(msg, s.fragment, cfg.text, frames);
        const outcome o = run_case(cfg, msg, wire);
        // A case that timed out used at least what it used so far.
        char cpu[32], wall[32];
        std::snprintf(cpu, sizeof cpu, "%s%.2f", o.timed_out ? "> " : "", o.cpu);
        std::snprintf(wall, sizeof wall, "%s%.2f", o.timed_out ? "> " : "", o.wall);
        std::printf("%-4c %10zu %12zu %14s %9s  %s\n", s.name, frames, wire.size(), cpu, wall,
                    o.ok ? "ok" : o.timed_out ? "timed out" : o.why.c_str());
        if (o.timed_out) status = 3;
        else if (!o.ok) status = 1;
        std::fflush(stdout);
    }
    return status;
}
