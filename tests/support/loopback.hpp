// Copyright (c) 2026 wsx developers. Distributed under the Boost Software License, Version 1.0.
#ifndef WSX_TESTS_SUPPORT_LOOPBACK_HPP
#define WSX_TESTS_SUPPORT_LOOPBACK_HPP

// Helpers for the loopback integration tests (tests/integration): a wsx
// server and client on 127.0.0.1, and a hand-written "raw peer" that speaks
// just enough of RFC 6455 over a blocking socket to misbehave on purpose
// (stop reading, never answer a close, trickle a request one byte at a time).
//
// Every wait here has a deadline, so a library bug makes a test fail, never
// hang. Nothing here measures speed: the deadlines are generous and only
// bound how long a broken build takes to report.
//
// The raw peer is written from RFC 6455 directly, not from the library's own
// frame writer/reader, so that a bug there cannot hide itself in the tests.

#include <wsx/wsx.hpp>

#include <asio/connect.hpp>
#include <asio/executor_work_guard.hpp>
#include <asio/io_context.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/post.hpp>
#include <asio/read.hpp>
#include <asio/write.hpp>

#include <poll.h>
#include <sys/socket.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <cerrno>
#include <cstring>
#include <functional>
#include <future>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <system_error>
#include <thread>
#include <vector>

namespace wsx_test {

// Shrinks a server session's kernel send buffer, so that a peer that stops
// reading fills it after a few KiB (the backpressure and budget tests).
inline void set_send_buffer(wsx::session& s, int bytes) {
    if (::setsockopt(s.native_handle(), SOL_SOCKET, SO_SNDBUF, &bytes, sizeof bytes) != 0)
        throw std::system_error(errno, std::generic_category(), "setsockopt(SO_SNDBUF)");
}

// Grows a socket's kernel receive buffer, as the kernel's autotuning does
// for a peer that streams for long, so that megabytes can wait in it (the
// fair-reading and read-count tests). SO_RCVBUFFORCE needs root; SO_RCVBUF
// is capped by net.core.rmem_max.
inline void grow_receive_buffer(int fd, int bytes = 8 << 20) {
    if (::setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &bytes, sizeof bytes) != 0)
        ::setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &bytes, sizeof bytes);
}

using namespace std::chrono_literals;
using ms = std::chrono::milliseconds;
using steady = std::chrono::steady_clock;

// How long any single wait in a test may take before the test is declared
// failed. Generous: loaded CI machines and sanitizer builds are slow.
constexpr ms default_limit{20'000};

// Runs io on this thread until pred() holds or the limit passes; returns
// whether pred() held. Handlers run on this thread, so pred may read the
// test's plain variables.
template <class Pred> bool run_until(asio::io_context& io, Pred pred, ms limit = default_limit) {
    auto deadline = steady::now() + limit;
    while (!pred()) {
        auto now = steady::now();
        if (now >= deadline) return false;
        if (io.stopped()) io.restart();
        // Short slices: pred may become true through a handler that does
        // not end run_one (for example a timer elsewhere).
        auto slice = deadline - now;
        if (slice > 50ms) slice = 50ms;
        io.run_one_for(slice);
    }
    return true;
}

// Runs io until it has no work left (every connection, timer and acceptor
// gone) or the limit passes; returns true if it ran out of work.
inline bool run_to_completion(asio::io_context& io, ms limit = default_limit) {
    if (io.stopped()) io.restart();
    io.run_for(limit);
    return io.stopped();
}

inline std::string ws_url(std::uint16_t port, std::string_view target = "/") {
    return "ws://127.0.0.1:" + std::to_string(port) + std::string(target);
}

// A port on 127.0.0.1 that nothing listens on: bind, read the port, close.
// (Another process could take it in between; on a test machine that is
// rare enough, and the test then fails loudly rather than passing.)
inline std::uint16_t unused_port() {
    asio::io_context io;
    asio::ip::tcp::acceptor a(io, asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
    std::uint16_t port = a.local_endpoint().port();
    a.close();
    return port;
}

// Runs an io_context on background threads until stopped; for tests whose
// main thread blocks (the raw peer, futures). Handlers then run on those
// threads: record what they see in an event_log, assert on the main thread.
class io_threads {
public:
    explicit io_threads(asio::io_context& io, int n = 1) : io_(io), guard_(asio::make_work_guard(io)) {
        for (int i = 0; i < n; ++i) threads_.emplace_back([this] { io_.run(); });
    }
    io_threads(const io_threads&) = delete;
    io_threads& operator=(const io_threads&) = delete;
    ~io_threads() { stop(); }

    // Lets run() return once the remaining work is done (bounded by the
    // caller's own deadlines); then joins.
    void release() { guard_.reset(); }
    // Stops at once and joins.
    void stop() {
        guard_.reset();
        io_.stop();
        join();
    }
    // Waits for run() to return on every thread (after release()); false if
    // the limit passed first, in which case the io_context is stopped.
    bool join_within(ms limit) {
        auto deadline = steady::now() + limit;
        while (steady::now() < deadline) {
            if (finished()) {
                join();
                return true;
            }
            std::this_thread::sleep_for(5ms);
        }
        stop();
        return false;
    }

private:
    bool finished() const { return io_.stopped(); }
    void join() {
        for (auto& t : threads_)
            if (t.joinable()) t.join();
        threads_.clear();
    }
    asio::io_context& io_;
    asio::executor_work_guard<asio::io_context::executor_type> guard_;
    std::vector<std::thread> threads_;
};

// Stops `server` from its own io_context (posted, as a program's signal
// handler would), then lets `runner`'s threads finish what is left; false if
// they have not within the limit.
template <class Server>
bool stop_and_join(asio::io_context& io, Server& server, io_threads& runner, ms limit = default_limit) {
    asio::post(io, [&server] { server.stop(); });
    runner.release();
    return runner.join_within(limit);
}

// A thread-safe record of what handlers saw, for tests whose handlers run
// on other threads than the assertions.
class event_log {
public:
    void add(std::string e) {
        {
            std::lock_guard<std::mutex> lock(mu_);
            events_.push_back(std::move(e));
        }
        cv_.notify_all();
    }
    std::vector<std::string> events() const {
        std::lock_guard<std::mutex> lock(mu_);
        return events_;
    }
    bool contains(std::string_view e) const {
        std::lock_guard<std::mutex> lock(mu_);
        for (auto& x : events_)
            if (x == e) return true;
        return false;
    }
    std::size_t count(std::string_view e) const {
        std::lock_guard<std::mutex> lock(mu_);
        std::size_t n = 0;
        for (auto& x : events_)
            if (x == e) ++n;
        return n;
    }
    // Waits until e has been added (at least `times` times).
    bool wait_for(std::string_view e, ms limit = default_limit, std::size_t times = 1) const {
        std::unique_lock<std::mutex> lock(mu_);
        return cv_.wait_for(lock, limit, [&] {
            std::size_t n = 0;
            for (auto& x : events_)
                if (x == e) ++n;
            return n >= times;
        });
    }
    // Waits until pred(events) holds.
    template <class Pred> bool wait_until(Pred pred, ms limit = default_limit) const {
        std::unique_lock<std::mutex> lock(mu_);
        return cv_.wait_for(lock, limit, [&] { return pred(events_); });
    }

private:
    mutable std::mutex mu_;
    mutable std::condition_variable cv_;
    std::vector<std::string> events_;
};

// Waits (by polling, for values handlers update from other threads) until
// pred() holds or the limit passes.
template <class Pred> bool eventually(Pred pred, ms limit = default_limit) {
    auto deadline = steady::now() + limit;
    while (!pred()) {
        if (steady::now() >= deadline) return false;
        std::this_thread::sleep_for(2ms);
    }
    return true;
}

// Holds the thread that runs an io_context (a posted function that waits)
// until release() or destruction, so that bytes pile up in a server's
// sockets meanwhile. held() waits until the hold has begun.
class io_hold {
public:
    explicit io_hold(asio::io_context& io) : state_(std::make_shared<state>()) {
        asio::post(io, [st = state_, gate = state_->gate.get_future().share()] {
            st->held = true;
            gate.wait();
        });
    }
    io_hold(const io_hold&) = delete;
    io_hold& operator=(const io_hold&) = delete;
    ~io_hold() { release(); }
    bool held(ms limit = default_limit) const {
        return eventually([&] { return state_->held.load(); }, limit);
    }
    void release() {
        if (state_->released) return;
        state_->released = true;
        state_->gate.set_value();
    }

private:
    struct state {
        std::promise<void> gate;
        std::atomic<bool> held{false};
        bool released = false;
    };
    std::shared_ptr<state> state_;
};

// ---- the raw peer ---------------------------------------------------------

struct frame {
    std::uint8_t opcode = 0;
    bool fin = true;
    std::string payload;

    // The close code of a close frame (1005 when it carries none).
    std::uint16_t close_code() const {
        if (payload.size() < 2) return 1005;
        return static_cast<std::uint16_t>((static_cast<std::uint8_t>(payload[0]) << 8) |
                                          static_cast<std::uint8_t>(payload[1]));
    }
    std::string close_reason() const { return payload.size() > 2 ? payload.substr(2) : std::string(); }
};

namespace op {
constexpr std::uint8_t continuation = 0x0, text = 0x1, binary = 0x2, close = 0x8, ping = 0x9, pong = 0xA;
}

// Takes one whole frame off the front of `buffer` (unmasking it; masked
// tells whether it was), or nothing while the frame is still incomplete.
// The tests' own parser, independent of wsx's reader, for the raw peers.
inline std::optional<frame> take_frame(std::string& buffer, bool& masked) {
    const auto* p = reinterpret_cast<const std::uint8_t*>(buffer.data());
    std::size_t n = buffer.size();
    if (n < 2) return std::nullopt;
    frame f;
    f.fin = (p[0] & 0x80) != 0;
    f.opcode = p[0] & 0x0F;
    masked = (p[1] & 0x80) != 0;
    std::uint64_t len = p[1] & 0x7F;
    std::size_t at = 2;
    if (len == 126) {
        if (n < 4) return std::nullopt;
        len = (std::uint64_t(p[2]) << 8) | p[3];
        at = 4;
    } else if (len == 127) {
        if (n < 10) return std::nullopt;
        len = 0;
        for (int i = 0; i < 8; ++i) len = (len << 8) | p[2 + i];
        at = 10;
    }
    std::uint8_t key[4] = {0, 0, 0, 0};
    if (masked) {
        if (n < at + 4) return std::nullopt;
        std::memcpy(key, p + at, 4);
        at += 4;
    }
    if (n < at + len) return std::nullopt;
    f.payload.assign(buffer.data() + at, static_cast<std::size_t>(len));
    if (masked)
        for (std::size_t i = 0; i < f.payload.size(); ++i) f.payload[i] = static_cast<char>(f.payload[i] ^ key[i % 4]);
    buffer.erase(0, at + static_cast<std::size_t>(len));
    return f;
}

// RFC 6455 5.2 framing, by hand. A client masks; a server does not.
inline std::string encode_frame(std::uint8_t opcode, std::string_view payload, bool masked = true, bool fin = true) {
    std::string out;
    out.push_back(static_cast<char>((fin ? 0x80 : 0x00) | opcode));
    const std::uint8_t mask_bit = masked ? 0x80 : 0x00;
    const std::uint64_t n = payload.size();
    if (n < 126) {
        out.push_back(static_cast<char>(mask_bit | n));
    } else if (n <= 0xFFFF) {
        out.push_back(static_cast<char>(mask_bit | 126));
        out.push_back(static_cast<char>(n >> 8));
        out.push_back(static_cast<char>(n & 0xFF));
    } else {
        out.push_back(static_cast<char>(mask_bit | 127));
        for (int i = 7; i >= 0; --i) out.push_back(static_cast<char>((n >> (8 * i)) & 0xFF));
    }
    if (!masked) {
        out.append(payload.data(), payload.size());
        return out;
    }
    static thread_local std::mt19937 rng{12345};
    std::uint8_t key[4];
    for (auto& k : key) k = static_cast<std::uint8_t>(rng());
    out.append(reinterpret_cast<const char*>(key), 4);
    for (std::size_t i = 0; i < payload.size(); ++i)
        out.push_back(static_cast<char>(static_cast<std::uint8_t>(payload[i]) ^ key[i % 4]));
    return out;
}

inline std::string close_payload(std::uint16_t code, std::string_view reason = {}) {
    std::string p;
    p.push_back(static_cast<char>(code >> 8));
    p.push_back(static_cast<char>(code & 0xFF));
    p.append(reason.data(), reason.size());
    return p;
}

// A valid opening request (RFC 6455 4.1) with a fixed key; the matching
// accept value is the one from RFC 6455 1.3.
inline std::string upgrade_request(std::string_view target, std::uint16_t port, std::string_view extra_headers = {}) {
    std::string r = "GET " + std::string(target) + " HTTP/1.1\r\n";
    r += "Host: 127.0.0.1:" + std::to_string(port) + "\r\n";
    r += "Upgrade: websocket\r\nConnection: Upgrade\r\n";
    r += "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n";
    r.append(extra_headers.data(), extra_headers.size());
    r += "\r\n";
    return r;
}
constexpr std::string_view rfc_accept = "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=";

// A blocking TCP peer with a deadline on every read. It owns its own
// io_context (used only for the socket), so it works whichever thread runs
// the server's.
class raw_peer {
public:
    raw_peer() : sock_(io_) {}

    void connect(std::uint16_t port) {
        sock_.connect(asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"), port));
        sock_.set_option(asio::ip::tcp::no_delay(true));
    }

    asio::ip::tcp::socket& socket() noexcept { return sock_; }

    void write(std::string_view bytes) { asio::write(sock_, asio::buffer(bytes.data(), bytes.size())); }
    // A write that may fail (the server may already have dropped us).
    std::error_code try_write(std::string_view bytes) {
        std::error_code ec;
        asio::write(sock_, asio::buffer(bytes.data(), bytes.size()), ec);
        return ec;
    }

    // Waits for readable data or EOF; false on timeout.
    bool wait_readable(ms limit) {
        pollfd p{};
        p.fd = sock_.native_handle();
        p.events = POLLIN;
        int r = ::poll(&p, 1, static_cast<int>(limit.count()));
        return r > 0;
    }

    // Reads what is available (after waiting up to limit). Returns the bytes
    // read; sets eof when the peer closed (FIN or RST).
    std::string read_some(ms limit, bool& eof) {
        eof = false;
        if (!fill(limit, eof)) return {};
        std::string out = std::move(buffer_);
        buffer_.clear();
        return out;
    }

    // Reads the HTTP response head (up to the blank line); "" on timeout/EOF.
    std::string read_http_head(ms limit = default_limit) {
        auto deadline = steady::now() + limit;
        for (;;) {
            auto at = buffer_.find("\r\n\r\n");
            if (at != std::string::npos) {
                std::string head = buffer_.substr(0, at + 4);
                buffer_.erase(0, at + 4);
                return head;
            }
            bool eof = false;
            if (!fill(remaining(deadline), eof) || eof) return {};
        }
    }

    // Reads everything until the server closes the connection (an HTTP
    // reply with Connection: close); false on timeout.
    bool read_to_eof(std::string& out, ms limit = default_limit) {
        auto deadline = steady::now() + limit;
        for (;;) {
            bool eof = false;
            if (!fill(remaining(deadline), eof)) return false;
            if (eof) {
                out += buffer_;
                buffer_.clear();
                return true;
            }
        }
    }

    // Sends the upgrade request and checks the 101 answer.
    bool handshake(std::string_view target, std::uint16_t port, std::string_view extra_headers = {}) {
        write(upgrade_request(target, port, extra_headers));
        std::string head = read_http_head();
        return head.rfind("HTTP/1.1 101", 0) == 0 && head.find(std::string(rfc_accept)) != std::string::npos;
    }

    void send_frame(std::uint8_t opcode, std::string_view payload, bool fin = true) {
        write(encode_frame(opcode, payload, masks_, fin));
    }

    // ---- the server role: a raw server for testing the wsx client ----

    // Accepts one connection from `a` (waiting up to limit); from then on
    // this peer is the server end and sends unmasked frames.
    bool accept(asio::ip::tcp::acceptor& a, ms limit = default_limit) {
        pollfd p{};
        p.fd = a.native_handle();
        p.events = POLLIN;
        if (::poll(&p, 1, static_cast<int>(limit.count())) <= 0) return false;
        a.accept(sock_);
        masks_ = false;
        return true;
    }
    // Reads the client's opening request and answers 101 with the right
    // Sec-WebSocket-Accept; returns the request head ("" on failure).
    std::string accept_upgrade(std::string_view extra_headers = {}) {
        std::string head = read_http_head();
        auto at = head.find("Sec-WebSocket-Key: ");
        if (at == std::string::npos) return {};
        at += 19;
        std::string key = head.substr(at, head.find("\r\n", at) - at);
        std::string r = "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                        "Sec-WebSocket-Accept: " +
                        wsx::protocol::accept_key(key) + "\r\n";
        r.append(extra_headers.data(), extra_headers.size());
        r += "\r\n";
        write(r);
        return head;
    }
    void send_text(std::string_view s) { send_frame(op::text, s); }
    void send_close(std::uint16_t code, std::string_view reason = {}) { send_frame(op::close, close_payload(code, reason)); }
    void send_empty_close() { send_frame(op::close, {}); }

    // The next frame from the server (unmasked, as RFC 6455 requires of a
    // server); nullopt on timeout or EOF (then closed() is true).
    std::optional<frame> read_frame(ms limit = default_limit) {
        auto deadline = steady::now() + limit;
        for (;;) {
            if (auto f = parse_frame()) return f;
            bool eof = false;
            if (!fill(remaining(deadline), eof) || eof) return std::nullopt;
        }
    }

    // Skips frames until one with this opcode arrives.
    std::optional<frame> read_frame_of(std::uint8_t opcode, ms limit = default_limit) {
        auto deadline = steady::now() + limit;
        for (;;) {
            auto f = read_frame(remaining(deadline));
            if (!f) return std::nullopt;
            if (f->opcode == opcode) return f;
        }
    }

    // True once the server has closed the TCP connection (EOF or reset)
    // within the limit; the bytes before it are discarded.
    bool wait_closed(ms limit = default_limit) {
        auto deadline = steady::now() + limit;
        for (;;) {
            if (eof_) return true;
            bool eof = false;
            if (!fill(remaining(deadline), eof)) return false;
            buffer_.clear();
            if (eof) return true;
        }
    }
    bool closed() const noexcept { return eof_; }
    // True if the other end ever sent a masked frame (a server must not).
    bool saw_masked_frame() const noexcept { return masked_seen_; }

    // Makes the kernel receive buffer small, so a peer that stops reading
    // fills up the sender's side quickly. Call before connect().
    void shrink_receive_buffer(int bytes) {
        sock_.open(asio::ip::tcp::v4());
        sock_.set_option(asio::socket_base::receive_buffer_size(bytes));
    }

    void close() {
        std::error_code ec;
        sock_.close(ec);
    }
    // Drops the connection with a reset instead of a FIN (SO_LINGER 0).
    void reset() {
        std::error_code ec;
        sock_.set_option(asio::socket_base::linger(true, 0), ec);
        sock_.close(ec);
    }

private:
    static ms remaining(steady::time_point deadline) {
        auto left = std::chrono::duration_cast<ms>(deadline - steady::now());
        return left.count() < 0 ? ms(0) : left;
    }

    // Appends what the socket has to buffer_ after waiting up to limit.
    // Returns false on timeout; sets eof on end of stream or reset.
    bool fill(ms limit, bool& eof) {
        eof = false;
        if (eof_) {
            eof = true;
            return true;
        }
        if (!wait_readable(limit)) return false;
        char tmp[64 * 1024];
        std::error_code ec;
        std::size_t n = sock_.read_some(asio::buffer(tmp), ec);
        buffer_.append(tmp, n);
        if (ec) {
            eof_ = true;
            eof = true;
        }
        return true;
    }

    std::optional<frame> parse_frame() {
        bool masked = false;
        auto f = take_frame(buffer_, masked);
        if (f) masked_seen_ = masked_seen_ || masked;
        return f;
    }

    asio::io_context io_;
    asio::ip::tcp::socket sock_;
    std::string buffer_;
    bool eof_ = false;
    bool masked_seen_ = false;
    bool masks_ = true; // a client masks its frames, a server does not
};

// A listening socket on 127.0.0.1 for a raw_peer to accept() from.
struct raw_listener {
    asio::io_context io;
    asio::ip::tcp::acceptor acceptor{io, asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0)};
    std::uint16_t port() const { return acceptor.local_endpoint().port(); }
};

inline std::string url_for(const wsx::server& s, std::string_view target = "/") { return ws_url(s.port(), target); }

// Bytes 0..255 repeating, for binary payloads that are not all one value.
inline std::string pattern_bytes(std::size_t n, unsigned seed = 0) {
    std::string s(n, '\0');
    for (std::size_t i = 0; i < n; ++i) s[i] = static_cast<char>((i * 31 + seed) & 0xFF);
    return s;
}
// ASCII text of length n (valid UTF-8), varying so reordering is visible.
inline std::string pattern_text(std::size_t n, unsigned seed = 0) {
    std::string s(n, 'a');
    for (std::size_t i = 0; i < n; ++i) s[i] = static_cast<char>('a' + (i + seed) % 26);
    return s;
}

} // namespace wsx_test

#endif
