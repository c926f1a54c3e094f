// Copyright (c) 2026 wsx developers. Distributed under the Boost Software License, Version 1.0.
//
// floor_echo: the "floor" of the load benchmark. A single-threaded epoll
// WebSocket echo server that spends as little CPU per message as this
// machine allows, so that the other servers' figures can be judged against
// what the kernel alone costs. It is NOT a library and NOT a competitor: it
// takes every shortcut that is still correct for wsx_loadgen (no UTF-8
// validation, no extensions, no limits but a 64 MiB frame cap, a minimal
// handshake) and is only ever used for plain ws:// on 127.0.0.1.
//
//   floor_echo --port N
//
// Per connection: an input vector that only holds a leftover partial frame
// (every recv lands in one static 32 KiB buffer and is processed there when
// nothing is left over), and an output vector used only after a partial
// send. All echoes of one recv leave in one sendmsg (gathered iovecs).

#include <wsx/protocol/base64.hpp>
#include <wsx/protocol/mask.hpp>
#include <wsx/protocol/sha1.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <csignal>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

namespace {

constexpr std::size_t recv_size = 32 * 1024;
constexpr std::uint64_t max_frame = 64ull * 1024 * 1024;
constexpr std::size_t max_iov = 1024; // IOV_MAX on Linux
constexpr std::size_t max_handshake = 16 * 1024;

struct conn {
    std::vector<std::uint8_t> in;  // leftover bytes: partial request or partial frame
    std::vector<std::uint8_t> out; // unsent output, only after a partial send
    bool open = false;
    bool upgraded = false;
    bool closing = false; // close frame echoed: close once `out` is drained
    bool want_out = false; // EPOLLOUT registered
};

int epfd = -1;
std::vector<conn> conns; // indexed by fd

alignas(64) std::uint8_t rbuf[recv_size];

// Batch of echoes for one recv: headers live in hdrs, payloads in the input buffer.
struct iovec iov[max_iov];
std::size_t niov = 0;
std::uint8_t hdrs[max_iov / 2][10];
std::size_t nhdr = 0;

void free_vec(std::vector<std::uint8_t>& v) { std::vector<std::uint8_t>().swap(v); }

void close_conn(int fd) {
    conn& c = conns[static_cast<std::size_t>(fd)];
    ::epoll_ctl(epfd, EPOLL_CTL_DEL, fd, nullptr);
    ::close(fd);
    free_vec(c.in);
    free_vec(c.out);
    c = conn{};
}

void set_out_interest(int fd, conn& c, bool want) {
    if (c.want_out == want) return;
    epoll_event ev{};
    ev.events = EPOLLIN | (want ? EPOLLOUT : 0u);
    ev.data.fd = fd;
    ::epoll_ctl(epfd, EPOLL_CTL_MOD, fd, &ev);
    c.want_out = want;
}

// Sends the gathered batch; whatever the socket does not take goes to c.out.
// Returns false on a fatal socket error.
bool flush_batch(int fd, conn& c) {
    if (niov == 0) return true;
    std::size_t total = 0;
    for (std::size_t i = 0; i < niov; ++i) total += iov[i].iov_len;
    std::size_t sent = 0;
    if (c.out.empty()) {
        msghdr msg{};
        msg.msg_iov = iov;
        msg.msg_iovlen = niov;
        ssize_t r;
        do r = ::sendmsg(fd, &msg, MSG_NOSIGNAL);
        while (r < 0 && errno == EINTR);
        if (r < 0) {
            if (errno != EAGAIN && errno != EWOULDBLOCK) {
                niov = nhdr = 0;
                return false;
            }
            r = 0;
        }
        sent = static_cast<std::size_t>(r);
    }
    if (sent < total) {
        c.out.reserve(c.out.size() + (total - sent));
        for (std::size_t i = 0; i < niov; ++i) {
            const auto* p = static_cast<const std::uint8_t*>(iov[i].iov_base);
            std::size_t n = iov[i].iov_len;
            if (sent >= n) {
                sent -= n;
                continue;
            }
            c.out.insert(c.out.end(), p + sent, p + n);
            sent = 0;
        }
        set_out_interest(fd, c, true);
    }
    niov = nhdr = 0;
    return true;
}

// Queues one unmasked frame (header + payload) for the batch.
bool queue_frame(int fd, conn& c, std::uint8_t b0, const std::uint8_t* payload, std::uint64_t len) {
    if (niov + 2 > max_iov && !flush_batch(fd, c)) return false;
    std::uint8_t* h = hdrs[nhdr++];
    std::size_t hl;
    h[0] = b0;
    if (len < 126) {
        h[1] = static_cast<std::uint8_t>(len);
        hl = 2;
    } else if (len <= 0xFFFF) {
        h[1] = 126;
        h[2] = static_cast<std::uint8_t>(len >> 8);
        h[3] = static_cast<std::uint8_t>(len);
        hl = 4;
    } else {
        h[1] = 127;
        for (int i = 0; i < 8; ++i) h[2 + i] = static_cast<std::uint8_t>(len >> (56 - 8 * i));
        hl = 10;
    }
    iov[niov].iov_base = h;
    iov[niov++].iov_len = hl;
    if (len != 0) {
        iov[niov].iov_base = const_cast<std::uint8_t*>(payload);
        iov[niov++].iov_len = static_cast<std::size_t>(len);
    }
    return true;
}

enum class result { more, done, fail };

// Parses and echoes every complete frame in [p, p+n). Sets `used` to the
// bytes consumed. `done` means a close frame was echoed.
result process_frames(int fd, conn& c, std::uint8_t* p, std::size_t n, std::size_t& used) {
    std::size_t pos = 0;
    std::size_t need = 0; // size of a partial frame at pos, once its header is known
    result res = result::more;
    while (n - pos >= 2) {
        std::uint8_t* f = p + pos;
        const std::size_t avail = n - pos;
        const std::uint8_t b0 = f[0];
        const bool masked = (f[1] & 0x80) != 0;
        std::uint64_t len = f[1] & 0x7F;
        std::size_t hl = 2;
        if (len == 126) {
            if (avail < 4) break;
            len = (std::uint64_t{f[2]} << 8) | f[3];
            hl = 4;
        } else if (len == 127) {
            if (avail < 10) break;
            len = 0;
            for (int i = 0; i < 8; ++i) len = (len << 8) | f[2 + i];
            hl = 10;
        }
        if (len > max_frame) {
            res = result::fail;
            break;
        }
        const std::size_t key_at = hl;
        if (masked) hl += 4;
        if (avail < hl + len) {
            need = hl + static_cast<std::size_t>(len);
            break;
        }
        std::uint8_t* payload = f + hl;
        if (masked) {
            std::array<std::uint8_t, 4> key;
            std::memcpy(key.data(), f + key_at, 4);
            wsx::protocol::mask_in_place(payload, static_cast<std::size_t>(len), key);
        }
        pos += hl + static_cast<std::size_t>(len);
        const std::uint8_t op = b0 & 0x0F;
        if (op <= 0x2) { // continuation, text, binary
            if (!queue_frame(fd, c, b0, payload, len)) return result::fail;
        } else if (op == 0x9) { // ping -> pong
            if (!queue_frame(fd, c, 0x8A, payload, len)) return result::fail;
        } else if (op == 0x8) { // close: echo it, then close
            if (!queue_frame(fd, c, 0x88, payload, len)) return result::fail;
            res = result::done;
            break;
        } else if (op == 0xA) { // unsolicited pong: ignore
        } else {
            res = result::fail;
            break;
        }
    }
    used = pos;
    if (!flush_batch(fd, c)) return result::fail;
    // Make room for the whole partial frame once instead of growing by
    // doubling; only after the flush, as the batch may point into c.in.
    if (res == result::more && need != 0 && c.in.capacity() < need) c.in.reserve(need);
    return res;
}

bool iequal_prefix(std::string_view s, std::string_view lower_prefix) {
    if (s.size() < lower_prefix.size()) return false;
    for (std::size_t i = 0; i < lower_prefix.size(); ++i) {
        char ch = s[i];
        if (ch >= 'A' && ch <= 'Z') ch = static_cast<char>(ch - 'A' + 'a');
        if (ch != lower_prefix[i]) return false;
    }
    return true;
}

// Answers the upgrade request in [p, p+n) (which ends with "\r\n\r\n").
bool answer_handshake(int fd, conn& c, std::string_view req) {
    std::string_view key;
    std::size_t at = req.find("\r\n");
    while (at != std::string_view::npos && at + 2 < req.size()) {
        const std::size_t start = at + 2;
        const std::size_t end = req.find("\r\n", start);
        if (end == std::string_view::npos) break;
        std::string_view line = req.substr(start, end - start);
        if (iequal_prefix(line, "sec-websocket-key:")) {
            line.remove_prefix(18);
            while (!line.empty() && (line.front() == ' ' || line.front() == '\t')) line.remove_prefix(1);
            while (!line.empty() && (line.back() == ' ' || line.back() == '\t')) line.remove_suffix(1);
            key = line;
            break;
        }
        at = end;
    }
    if (key.empty()) return false;
    static constexpr std::string_view guid = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
    wsx::protocol::sha1 h;
    h.update(key.data(), key.size());
    h.update(guid.data(), guid.size());
    const auto digest = h.finish();
    char accept[28];
    wsx::protocol::base64_encode(digest.data(), digest.size(), accept);
    std::string resp = "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                       "Sec-WebSocket-Accept: ";
    resp.append(accept, sizeof accept);
    resp += "\r\n\r\n";
    ssize_t r;
    do r = ::send(fd, resp.data(), resp.size(), MSG_NOSIGNAL);
    while (r < 0 && errno == EINTR);
    if (r < 0) {
        if (errno != EAGAIN && errno != EWOULDBLOCK) return false;
        r = 0;
    }
    if (static_cast<std::size_t>(r) < resp.size()) {
        c.out.assign(resp.begin() + r, resp.end());
        set_out_interest(fd, c, true);
    }
    c.upgraded = true;
    return true;
}

// Handles the bytes [p, p+n) that arrived; p is either rbuf (no leftover) or
// c.in's data. Returns false when the connection must be closed now.
bool consume(int fd, conn& c, std::uint8_t* p, std::size_t n, bool from_in) {
    std::size_t used = 0;
    const bool handshake = !c.upgraded;
    if (handshake) {
        const std::string_view s(reinterpret_cast<const char*>(p), n);
        const std::size_t end = s.find("\r\n\r\n");
        if (end == std::string_view::npos) {
            if (n > max_handshake) return false;
            if (!from_in) c.in.assign(p, p + n);
            return true;
        }
        if (!answer_handshake(fd, c, s.substr(0, end + 4))) return false;
        used = end + 4;
    }
    if (used < n) {
        std::size_t fused = 0;
        const result r = process_frames(fd, c, p + used, n - used, fused);
        if (r == result::fail) return false;
        used += fused;
        if (r == result::done) {
            free_vec(c.in);
            if (c.out.empty()) return false; // close frame sent: close now
            // Wait for the close frame to drain; stop listening for input so
            // that level-triggered EPOLLIN does not spin meanwhile.
            c.closing = true;
            epoll_event ev{};
            ev.events = EPOLLOUT;
            ev.data.fd = fd;
            ::epoll_ctl(epfd, EPOLL_CTL_MOD, fd, &ev);
            c.want_out = true;
            return true;
        }
    }
    if (from_in) {
        if (used == n) {
            // The request buffer is not kept (idle connections stay small);
            // a frame buffer keeps its capacity for the next large message.
            if (handshake)
                free_vec(c.in);
            else
                c.in.clear();
        } else if (used != 0) {
            c.in.erase(c.in.begin(), c.in.begin() + static_cast<std::ptrdiff_t>(used));
        }
    } else if (used < n) {
        c.in.insert(c.in.end(), p + used, p + n);
    }
    return true;
}

void on_readable(int fd, conn& c) {
    ssize_t r;
    do r = ::recv(fd, rbuf, recv_size, 0);
    while (r < 0 && errno == EINTR);
    if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return;
    if (r <= 0) {
        close_conn(fd);
        return;
    }
    const auto n = static_cast<std::size_t>(r);
    bool keep;
    if (c.in.empty()) {
        keep = consume(fd, c, rbuf, n, false);
    } else {
        c.in.insert(c.in.end(), rbuf, rbuf + n);
        keep = consume(fd, c, c.in.data(), c.in.size(), true);
    }
    if (!keep) close_conn(fd);
}

void on_writable(int fd, conn& c) {
    std::size_t off = 0;
    while (off < c.out.size()) {
        const ssize_t r = ::send(fd, c.out.data() + off, c.out.size() - off, MSG_NOSIGNAL);
        if (r < 0) {
            if (errno == EINTR) continue;
            if (errno == EAGAIN || errno == EWOULDBLOCK) break;
            close_conn(fd);
            return;
        }
        off += static_cast<std::size_t>(r);
    }
    if (off == c.out.size()) {
        c.out.clear(); // keeps its capacity: the next large echo would need it again
        if (c.closing) {
            close_conn(fd);
            return;
        }
        set_out_interest(fd, c, false);
    } else if (off != 0) {
        c.out.erase(c.out.begin(), c.out.begin() + static_cast<std::ptrdiff_t>(off));
    }
}

void on_accept(int lfd) {
    for (;;) {
        const int fd = ::accept4(lfd, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0) {
            if (errno == EINTR || errno == ECONNABORTED) continue;
            return; // EAGAIN, or EMFILE and friends: try again on the next event
        }
        const int one = 1;
        ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        if (conns.size() <= static_cast<std::size_t>(fd)) conns.resize(static_cast<std::size_t>(fd) + 1024);
        conns[static_cast<std::size_t>(fd)] = conn{};
        conns[static_cast<std::size_t>(fd)].open = true;
        epoll_event ev{};
        ev.events = EPOLLIN;
        ev.data.fd = fd;
        if (::epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev) != 0) {
            ::close(fd);
            conns[static_cast<std::size_t>(fd)].open = false;
        }
    }
}

extern "C" void on_signal(int) { std::_Exit(0); }

} // namespace

int main(int argc, char** argv) {
    int port = -1;
    for (int i = 1; i < argc; ++i) {
        const std::string_view a = argv[i];
        if (a == "--port" && i + 1 < argc) {
            port = std::atoi(argv[++i]);
        } else {
            std::fprintf(stderr, "usage: floor_echo --port N\n");
            return 2;
        }
    }
    if (port <= 0 || port > 65535) {
        std::fprintf(stderr, "usage: floor_echo --port N (1..65535)\n");
        return 2;
    }

    struct sigaction sa {};
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    ::sigaction(SIGTERM, &sa, nullptr);
    ::sigaction(SIGINT, &sa, nullptr);
    std::signal(SIGPIPE, SIG_IGN);

    const int lfd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (lfd < 0) {
        std::perror("floor_echo: socket");
        return 1;
    }
    const int one = 1;
    ::setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<std::uint16_t>(port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::bind(lfd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) != 0) {
        std::perror("floor_echo: bind");
        return 1;
    }
    // The kernel caps the backlog at net.core.somaxconn; ask for more than SOMAXCONN.
    if (::listen(lfd, SOMAXCONN > 65535 ? SOMAXCONN : 65535) != 0) {
        std::perror("floor_echo: listen");
        return 1;
    }
    epfd = ::epoll_create1(EPOLL_CLOEXEC);
    if (epfd < 0) {
        std::perror("floor_echo: epoll_create1");
        return 1;
    }
    epoll_event lev{};
    lev.events = EPOLLIN;
    lev.data.fd = lfd;
    ::epoll_ctl(epfd, EPOLL_CTL_ADD, lfd, &lev);
    std::fprintf(stderr, "floor_echo listening on port %d\n", port);

    epoll_event events[256];
    for (;;) {
        const int n = ::epoll_wait(epfd, events, 256, -1);
        if (n < 0) {
            if (errno == EINTR) continue;
            std::perror("floor_echo: epoll_wait");
            return 1;
        }
        for (int i = 0; i < n; ++i) {
            const int fd = events[i].data.fd;
            if (fd == lfd) {
                on_accept(lfd);
                continue;
            }
            if (static_cast<std::size_t>(fd) >= conns.size()) continue;
            conn& c = conns[static_cast<std::size_t>(fd)];
            if (!c.open) continue; // closed earlier in this batch
            const std::uint32_t ev = events[i].events;
            if ((ev & EPOLLOUT) && !c.out.empty()) {
                on_writable(fd, c);
                if (!c.open) continue;
            }
            if (ev & (EPOLLIN | EPOLLERR | EPOLLHUP)) {
                if (c.closing) {
                    // Close frame sent or pending; ignore further input.
                    if (ev & (EPOLLERR | EPOLLHUP)) close_conn(fd);
                    continue;
                }
                on_readable(fd, c);
            }
        }
    }
}
