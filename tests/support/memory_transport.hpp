// Copyright (c) 2026 wsx developers. Distributed under the Boost Software License, Version 1.0.
#ifndef WSX_TESTS_SUPPORT_MEMORY_TRANSPORT_HPP
#define WSX_TESTS_SUPPORT_MEMORY_TRANSPORT_HPP

// A transport with no socket (include/wsx/transport/README.md's contract),
// for deterministic session tests (tests/session): a session's stream writes
// into a `wire` the test reads, and reads what the test puts there. Nothing
// happens until the test runs the io_context, so every test is a fixed
// sequence of steps: no sockets, no threads, no sleeps.
//
// The wire can also say no: a capacity makes the "socket" full (the session
// must queue and wait), and fail_read_at / fail_write_at make the n-th
// operation fail, so a test can break a connection at every step.

#include "loopback.hpp"
#include "manual_clock.hpp"

#include <wsx/detail/send_queue.hpp>
#include <wsx/detail/session_access.hpp>
#include <wsx/detail/stream_session.hpp>
#include <wsx/detail/thread_buffer.hpp>
#include <wsx/detail/unique_function.hpp>
#include <wsx/peer_certificate.hpp>
#include <wsx/transport/socket.hpp>

#include <asio/associated_executor.hpp>
#include <asio/buffer.hpp>
#include <asio/error.hpp>
#include <asio/io_context.hpp>
#include <asio/post.hpp>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>
#include <stdexcept>
#include <system_error>
#include <vector>

namespace wsx_test {

// One connection seen from the test: the bytes each way, and what the
// session did to the stream.
struct wire {
    std::string to_session;        // bytes the session has yet to read
    bool peer_done = false;        // the test's side ended: reads see eof once to_session is empty
    std::string from_session;      // bytes the session wrote, for the test to take()
    std::size_t capacity = SIZE_MAX; // how much from_session may hold: the "socket buffer"
    int reads = 0, writes = 0;     // read and write attempts that moved bytes (or failed)
    std::vector<const void*> sources; // where each buffer the session wrote from began (shared or copied bytes)
    int fail_read_at = 0;          // from the n-th read on, reads fail with connection_reset (0: never)
    int fail_write_at = 0;         // from the n-th write on, writes fail with broken_pipe (0: never)
    bool shut_down = false;        // the session half-closed (shutdown_send)
    bool closed = false;           // the session closed the stream

    // What a parked read or write does when the test changes the wire.
    wsx::detail::unique_function<void()> wake_read, wake_write;

    // The test's side: bytes for the session, then run the io_context.
    void feed(std::string_view bytes) {
        to_session.append(bytes);
        wake(wake_read);
    }
    // The test's side ends the stream (the peer closed TCP).
    void end() {
        peer_done = true;
        wake(wake_read);
    }
    // Everything the session wrote since the last take(); room for more.
    std::string take() {
        std::string out;
        out.swap(from_session);
        wake(wake_write);
        return out;
    }

private:
    static void wake(wsx::detail::unique_function<void()>& f) {
        if (!f) return;
        auto g = std::move(f);
        f = {};
        g();
    }
};

struct memory_transport {
    struct server_context {};
    struct client_context {};

    class stream {
    public:
        stream(asio::io_context& io, std::shared_ptr<wire> w) : io_(io), sock_(io), wire_(std::move(w)) {}
        stream(const stream&) = delete;
        stream& operator=(const stream&) = delete;

        wsx::transport::socket& socket() noexcept { return sock_; }
        void set_host(const std::string&) noexcept {}
        static constexpr bool is_secure() noexcept { return false; }
        static constexpr const wsx::peer_certificate* peer_certificate() noexcept { return nullptr; }
        static constexpr std::string_view requested_server_name() noexcept { return {}; }
        static constexpr int descriptor() noexcept { return -1; }

        template <class H> void async_handshake(bool, H&& h) {
            post(h, [h]() mutable { h(std::error_code{}); });
        }

        template <class H> void async_read(H&& h) {
            if (wire_->closed) return post(h, [h]() mutable { h(asio::error::operation_aborted, nullptr, 0); });
            if (wire_->to_session.empty() && !wire_->peer_done) {
                // Parked until the test feeds bytes or ends the stream.
                wire_->wake_read = [this, h]() mutable { async_read(std::move(h)); };
                return;
            }
            post(h, [this, h]() mutable {
                std::uint8_t* data = nullptr;
                std::error_code ec;
                std::size_t n = read_now(data, ec);
                if (ec == asio::error::would_block) return async_read(std::move(h)); // taken meanwhile
                h(ec, ec ? nullptr : data, n);
            });
        }

        std::size_t read_now(std::uint8_t*& data, std::error_code& ec) {
            data = wsx::detail::thread_buffer();
            ec.clear();
            if (wire_->closed) {
                ec = asio::error::bad_descriptor;
                return 0;
            }
            if (wire_->to_session.empty()) {
                ec = wire_->peer_done ? std::error_code(asio::error::eof) : std::error_code(asio::error::would_block);
                return 0;
            }
            if (++wire_->reads >= wire_->fail_read_at && wire_->fail_read_at != 0) {
                ec = asio::error::connection_reset;
                return 0;
            }
            const std::size_t n = std::min(wire_->to_session.size(), wsx::detail::thread_buffer_size);
            std::memcpy(data, wire_->to_session.data(), n);
            wire_->to_session.erase(0, n);
            return n;
        }

        template <class Buffers> std::size_t write_now(const Buffers& bufs, std::error_code& ec) {
            ec.clear();
            if (wire_->closed || wire_->shut_down) {
                ec = asio::error::broken_pipe;
                return 0;
            }
            const std::size_t room = wire_->capacity - std::min(wire_->capacity, wire_->from_session.size());
            if (room == 0) {
                ec = asio::error::would_block;
                return 0;
            }
            if (++wire_->writes >= wire_->fail_write_at && wire_->fail_write_at != 0) {
                ec = asio::error::broken_pipe;
                return 0;
            }
            std::size_t n = 0;
            for (auto it = asio::buffer_sequence_begin(bufs); it != asio::buffer_sequence_end(bufs) && n < room; ++it) {
                asio::const_buffer b(*it);
                const std::size_t k = std::min(b.size(), room - n);
                if (k != 0) wire_->sources.push_back(b.data());
                wire_->from_session.append(static_cast<const char*>(b.data()), k);
                n += k;
            }
            return n;
        }

        template <class Buffers, class H> void async_write(const Buffers& bufs, H&& h) {
            // The buffers stay alive until the handler runs (the contract).
            std::size_t total = 0;
            for (auto it = asio::buffer_sequence_begin(bufs); it != asio::buffer_sequence_end(bufs); ++it)
                total += asio::const_buffer(*it).size();
            write_some(bufs, total, 0, std::forward<H>(h));
        }

        void shutdown_send() noexcept { wire_->shut_down = true; }
        void close() noexcept {
            if (wire_->closed) return;
            wire_->closed = true;
            // Parked operations complete with operation_aborted (the
            // contract), later, as Asio's reactor completes cancelled ones.
            auto r = std::move(wire_->wake_read);
            auto w = std::move(wire_->wake_write);
            wire_->wake_read = {};
            wire_->wake_write = {};
            if (r) asio::post(io_, std::move(r));
            if (w) asio::post(io_, std::move(w));
        }

    private:
        // Completions run through the handler's executor, never inside the call.
        template <class H, class F> void post(H& h, F f) {
            auto ex = asio::get_associated_executor(h, io_.get_executor());
            asio::post(ex, std::move(f));
        }

        template <class Buffers, class H> void write_some(const Buffers& bufs, std::size_t total, std::size_t done, H h) {
            // Walk the buffers first, as Asio's write operation does when it
            // resumes, closed or not: a session that freed them while the
            // write was in flight breaks the contract, and ASan sees it here.
            std::size_t left = 0;
            for (auto it = asio::buffer_sequence_begin(bufs); it != asio::buffer_sequence_end(bufs); ++it)
                left += asio::const_buffer(*it).size();
            if (left != total) throw std::logic_error("memory_transport: the buffers of a write changed while it was in flight");
            if (wire_->closed)
                return post(h, [h, done]() mutable { h(asio::error::operation_aborted, done); });
            // Skip what was written already, then write what fits.
            std::size_t skip = done;
            std::error_code ec;
            for (auto it = asio::buffer_sequence_begin(bufs); it != asio::buffer_sequence_end(bufs) && !ec; ++it) {
                asio::const_buffer b(*it);
                if (skip >= b.size()) {
                    skip -= b.size();
                    continue;
                }
                b += skip;
                skip = 0;
                const std::size_t n = write_now(asio::const_buffer(b), ec);
                done += n;
                if (n < b.size()) break;
            }
            if (ec && ec != asio::error::would_block) return post(h, [h, ec, done]() mutable { h(ec, done); });
            if (done == total) return post(h, [h, done]() mutable { h(std::error_code{}, done); });
            // Full: parked until the test takes what was written.
            wire_->wake_write = [this, bufs, total, done, h]() mutable { write_some(bufs, total, done, std::move(h)); };
        }

        asio::io_context& io_;
        wsx::transport::socket sock_;
        std::shared_ptr<wire> wire_;
    };
};

// A wsx::server with one connection over a wire, as if listen() had
// accepted it. run() runs what is ready and returns; timers fire only when
// the test moves the clock (clock.advance(), then run()).
struct memory_server {
    asio::io_context io;
    manual_clock clock;
    wsx::server server{io};
    std::shared_ptr<wire> w = std::make_shared<wire>();
    std::shared_ptr<wsx::session> session;

    memory_server() = default;
    memory_server(const memory_server&) = delete;
    memory_server& operator=(const memory_server&) = delete;
    // A parked operation holds the session, which holds the wire: break
    // that cycle, or a test that ends with the connection open leaks.
    ~memory_server() {
        w->wake_read = {};
        w->wake_write = {};
    }

    // Starts the connection; add endpoints first.
    void accept() {
        session = std::make_shared<wsx::detail::stream_session<memory_transport::stream>>(io, 1, true, io, w);
        wsx::detail::session_access::set_clock(*session, &clock);
        wsx::detail::server_access::start(server, session);
        run();
    }
    void run() {
        io.restart();
        io.poll();
    }
    // The peer sends `bytes`; runs what follows.
    void send(std::string_view bytes) {
        w->feed(bytes);
        run();
    }
};

// Several connections to one wsx::server over wires, as if listen() had
// accepted them (memory_server has one). Add endpoints first.
struct memory_connections {
    asio::io_context io;
    manual_clock clock;
    wsx::server server{io};
    std::vector<std::shared_ptr<wire>> wires;
    std::vector<std::shared_ptr<wsx::session>> sessions;

    memory_connections() = default;
    memory_connections(const memory_connections&) = delete;
    memory_connections& operator=(const memory_connections&) = delete;
    // A parked read holds its session, which holds the wire: break the cycle.
    ~memory_connections() {
        for (auto& w : wires) {
            w->wake_read = {};
            w->wake_write = {};
        }
    }

    // Starts connection number wires.size() + 1 (its session's id).
    std::size_t accept() {
        wires.push_back(std::make_shared<wire>());
        sessions.push_back(std::make_shared<wsx::detail::stream_session<memory_transport::stream>>(
            io, wires.size(), true, io, wires.back()));
        wsx::detail::session_access::set_clock(*sessions.back(), &clock);
        wsx::detail::server_access::start(server, sessions.back());
        run();
        return wires.size() - 1;
    }
    void run() {
        io.restart();
        io.poll();
    }
    void send(std::size_t i, std::string_view bytes) {
        wires[i]->feed(bytes);
        run();
    }
    // The peer ends TCP without a close frame.
    void drop(std::size_t i) {
        wires[i]->end();
        run();
    }
    // Starts a connection and completes its opening handshake on `target`:
    // false unless the answer was 101.
    bool open_websocket(std::string_view target) {
        const std::size_t k = accept();
        send(k, upgrade_request(target, 80));
        return wires[k]->take().rfind("HTTP/1.1 101", 0) == 0;
    }
    // Every frame connection i wrote since the last call (after running
    // what is ready).
    std::vector<frame> frames_from(std::size_t i) {
        run();
        std::vector<frame> out;
        std::string bytes = wires[i]->take();
        bool masked = false;
        while (auto f = take_frame(bytes, masked)) out.push_back(std::move(*f));
        return out;
    }
};

} // namespace wsx_test

#endif
