// Copyright (c) 2026 wsx developers. Distributed under the Boost Software License, Version 1.0.
#ifndef WSX_TRANSPORT_EPOLL_TCP_HPP
#define WSX_TRANSPORT_EPOLL_TCP_HPP

// Plain TCP on Linux without one Asio wait per message: at the handshake the
// socket leaves Asio's bookkeeping for detail::readiness_service's (see
// detail/readiness.hpp for why), and from then on it is read and written
// with plain system calls. transport/plain.hpp makes it the default where
// it exists; transport/tcp.hpp is the portable twin. The contract both keep
// is transport/README.md.
//
// Defined only where the service is (Linux, WSX_NO_READINESS_SERVICE not
// defined): include transport/plain.hpp rather than this header.

#include <wsx/detail/readiness.hpp>
#include <wsx/detail/thread_buffer.hpp>
#include <wsx/peer_certificate.hpp>
#include <wsx/transport/accepted_socket.hpp>
#include <wsx/transport/socket.hpp>
#include <wsx/transport/tcp.hpp>

#include <asio/associated_executor.hpp>
#include <asio/dispatch.hpp>
#include <asio/io_context.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/post.hpp>
#include <asio/write.hpp>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <system_error>
#include <type_traits>
#include <utility>
#include <vector>

#if WSX_DETAIL_READINESS

#include <cerrno>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

namespace wsx::transport {

/// Plain TCP for ws:// through the readiness service's epoll set (see transport/README.md).
struct epoll_tcp {
    /// Listener-wide state a stream is made from (empty for TCP).
    using server_context = tcp::server_context;
    /// Client-wide state a stream is made from (empty for TCP).
    using client_context = tcp::client_context;

    /// One connection's socket, read into the thread's buffer and written
    /// with gather writes. Until the handshake, Asio holds it (to connect
    /// it, or one accepted through Asio) or the stream itself (one the
    /// listener accepted); the readiness service from then on.
    class stream : public plain_stream_info {
    public:
        /// The executor of the socket.
        using executor_type = asio::io_context::executor_type;

        /// A server-side stream over an accepted socket.
        stream(transport::socket sock, server_context&) : sock_(std::move(sock)) {}
        /// A server-side stream over a descriptor the listener accepted itself.
        stream(asio::io_context& io, accepted_socket&& sock, server_context&) : sock_(io) { ent_.fd = sock.release(); }
        /// A client-side stream whose socket will connect.
        stream(asio::io_context& io, const std::shared_ptr<client_context>&) : sock_(io) {}

        // The service keeps the address of ent_ while the socket is registered.
        stream(const stream&) = delete;
        stream& operator=(const stream&) = delete;
        ~stream() { close(); }

        /// The TCP socket, before the handshake: to connect it, and to read
        /// the peer's address. After the handshake the descriptor belongs to
        /// the readiness service (descriptor() is valid always).
        transport::socket& socket() noexcept { return sock_; }
        /// The socket's descriptor (-1 once closed), without taking it back from the readiness service.
        int descriptor() const noexcept {
            if (ent_.fd >= 0) return ent_.fd;
            return sock_.is_open() ? static_cast<int>(const_cast<transport::socket&>(sock_).native_handle()) : -1;
        }

        /// Called once the TCP connection exists: nothing to negotiate; the
        /// socket moves to the readiness service. A service that cannot take
        /// it (out of memory, max_user_watches) fails the connection.
        template <class Handler> void async_handshake(bool /*as_server*/, Handler&& h) {
            std::error_code ec;
            if (ent_.fd >= 0 && !svc_) {
                adopt_accepted(ec);
            } else {
                sock_.non_blocking(true, ec);
                if (!ec) sock_.set_option(asio::ip::tcp::no_delay(true), ec);
                if (!ec) adopt(ec);
            }
            auto ex = asio::get_associated_executor(h, sock_.get_executor());
            asio::post(ex, [h = std::forward<Handler>(h), ec]() mutable { h(ec); });
        }

        /// Waits until the socket is readable, then reads what is there into
        /// the thread's buffer. The handler gets (ec, data, size); the bytes
        /// stay valid until the handler returns.
        template <class Handler> void async_read(Handler&& h) {
            using H = std::decay_t<Handler>;
            H handler(std::forward<Handler>(h));
            auto ex = asio::get_associated_executor(handler, sock_.get_executor());
            if (!registered()) // closed
                return read_resume<H>{this, std::move(handler)}.abort(ex);
            if (svc_->park(ent_, detail::direction::read, nullptr, [&] { return read_parked(this, std::move(handler)); }))
                return;
            // The read itself waits for the handler's executor: the data
            // goes into the buffer of the thread that runs the handler.
            asio::post(ex, read_resume<H>{this, std::move(handler)});
        }

        /// Reads more without waiting, into the thread's buffer. Used right
        /// after a read that filled the buffer, where more is likely there.
        std::size_t read_now(std::uint8_t*& data, std::error_code& ec) {
            data = detail::thread_buffer();
            return read_into(data, detail::thread_buffer_size, ec);
        }

        /// Like read_now(), into the caller's memory: a large payload goes
        /// straight into its message.
        std::size_t read_into(std::uint8_t* data, std::size_t size, std::error_code& ec) {
            if (!registered()) {
                ec = asio::error::bad_descriptor;
                return 0;
            }
            ec.clear();
            auto snap = svc_->peek(ent_, detail::direction::read);
            if (!snap.ready) {
                ec = asio::error::would_block;
                return 0;
            }
            return recv_some(data, size, snap.edges, ec);
        }

        /// Writes what the socket takes now, without waiting (the socket is
        /// non-blocking): the bytes written, or 0 with would_block when it
        /// is full. Lets a large message skip the copy into the send queue.
        template <class Buffers> std::size_t write_now(const Buffers& bufs, std::error_code& ec) {
            if (!registered()) {
                ec = asio::error::bad_descriptor;
                return 0;
            }
            ec.clear();
            ::iovec iov[max_iov];
            std::size_t count = 0;
            std::size_t total = 0;
            for (auto it = asio::buffer_sequence_begin(bufs); it != asio::buffer_sequence_end(bufs) && count < max_iov; ++it) {
                asio::const_buffer b(*it);
                if (b.size() == 0) continue;
                iov[count++] = {const_cast<void*>(b.data()), b.size()};
                total += b.size();
            }
            auto snap = svc_->peek(ent_, detail::direction::write);
            if (!snap.ready) {
                ec = asio::error::would_block;
                return 0;
            }
            std::size_t n = 0;
            for (;;) {
                const ::ssize_t r = send_iov(iov, count);
                if (r >= 0) {
                    n = static_cast<std::size_t>(r);
                    if (n < total) svc_->drained(ent_, detail::direction::write, {snap.edges, false});
                    return n;
                }
                if (errno == EINTR) continue;
                ec = std::error_code(errno, asio::error::get_system_category());
                if (ec == asio::error::would_block || ec == asio::error::try_again)
                    svc_->drained(ent_, detail::direction::write, {snap.edges, true});
                return 0;
            }
        }

        /// Writes every buffer (one gather write when the kernel takes it all);
        /// the handler gets (ec, bytes_written).
        template <class Buffers, class Handler> void async_write(const Buffers& bufs, Handler&& h) {
            using H = std::decay_t<Handler>;
            H handler(std::forward<Handler>(h));
            if (!registered()) { // closed
                auto ex = asio::get_associated_executor(handler, sock_.get_executor());
                asio::post(ex, [h = std::move(handler)]() mutable { h(std::error_code(asio::error::operation_aborted), 0); });
                return;
            }
            ::iovec local[max_iov];
            std::size_t count = 0;
            bool fits = true;
            for (auto it = asio::buffer_sequence_begin(bufs); it != asio::buffer_sequence_end(bufs); ++it) {
                asio::const_buffer b(*it);
                if (b.size() == 0) continue;
                if (count == max_iov) {
                    fits = false;
                    break;
                }
                local[count++] = {const_cast<void*>(b.data()), b.size()};
            }
            wr_done_ = 0;
            ::iovec* iov = local;
            if (!fits) {
                // More buffers than one sendmsg takes: rare, so copy them.
                auto& rest = pending().rest;
                rest.clear();
                for (auto it = asio::buffer_sequence_begin(bufs); it != asio::buffer_sequence_end(bufs); ++it) {
                    asio::const_buffer b(*it);
                    if (b.size() != 0) rest.push_back({const_cast<void*>(b.data()), b.size()});
                }
                iov = rest.data();
                count = rest.size();
            }
            std::error_code ec;
            if (write_or_park(iov, count, handler, ec)) return;
            auto ex = asio::get_associated_executor(handler, sock_.get_executor());
            asio::post(ex, [h = std::move(handler), ec, n = wr_done_]() mutable { h(ec, n); });
        }

        /// Half-close after the last frame, so the peer reads our close frame
        /// before it sees the end of the stream.
        void shutdown_send() noexcept {
            if (ent_.fd >= 0) {
                ::shutdown(ent_.fd, SHUT_WR);
                return;
            }
            std::error_code ec;
            sock_.shutdown(asio::ip::tcp::socket::shutdown_send, ec);
        }
        /// Closes the socket, cancelling every pending operation.
        void close() noexcept {
            if (registered()) {
                detail::parked_op rd;
                detail::parked_write_op wr;
                const int fd = ent_.fd;
                svc_->remove(ent_, rd, wr);
                ent_.fd = -1;
                ::close(fd);
                complete_aborted(rd, wr);
            } else if (ent_.fd >= 0) { // accepted, never handed to the service
                ::close(ent_.fd);
                ent_.fd = -1;
            }
            std::error_code ec;
            sock_.close(ec);
        }

    private:
        static constexpr std::size_t max_iov = 64;

        // The descriptor is in the readiness service (before the handshake
        // ent_.fd may hold one the listener accepted, which is not yet).
        bool registered() const noexcept { return svc_ && ent_.fd >= 0; }

        // Takes the descriptor from Asio (which forgets it, descriptor_state
        // and all) and gives it to the service.
        void adopt(std::error_code& ec) {
            auto& svc = asio::use_service<detail::readiness_service>(sock_.get_executor().context());
            const int fd = sock_.release(ec);
            if (ec) return;
            ec = svc.add(ent_, fd);
            if (ec) {
                ent_.fd = -1;
                ::close(fd);
                return;
            }
            svc_ = &svc;
        }

        // The same for a descriptor the listener accepted: it is non-blocking
        // already, and no other process holds it.
        void adopt_accepted(std::error_code& ec) {
            const int fd = ent_.fd;
            const int one = 1;
            if (::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one) != 0) {
                ec = std::error_code(errno, asio::error::get_system_category());
                return; // close() closes it
            }
            auto& svc = asio::use_service<detail::readiness_service>(sock_.get_executor().context());
            ec = svc.add(ent_, fd, true);
            if (ec) {
                ent_.fd = -1;
                ::close(fd);
                return;
            }
            svc_ = &svc;
        }

        void complete_aborted(detail::parked_op& rd, detail::parked_write_op& wr) noexcept {
            svc_->finish(rd, detail::wake::aborted);
            svc_->finish(wr, detail::wake::aborted);
            release_rest();
        }

        void release_rest() noexcept {
            wr_.reset();
        }

        ::ssize_t send_iov(::iovec* iov, std::size_t count) noexcept {
            ::msghdr msg{};
            msg.msg_iov = iov;
            msg.msg_iovlen = count;
            return ::sendmsg(ent_.fd, &msg, MSG_NOSIGNAL);
        }

        // One recv into buf. A short read or EAGAIN means drained, unless
        // an edge came meanwhile (edges_before).
        std::size_t recv_some(std::uint8_t* buf, std::size_t size, std::uint32_t edges_before, std::error_code& ec) {
            for (;;) {
                const ::ssize_t r = ::recv(ent_.fd, buf, size, 0);
                if (r > 0) {
                    const auto n = static_cast<std::size_t>(r);
                    if (n < size) svc_->drained(ent_, detail::direction::read, {edges_before, false});
                    return n;
                }
                if (r == 0) {
                    ec = asio::error::eof;
                    return 0;
                }
                if (errno == EINTR) continue;
                ec = std::error_code(errno, asio::error::get_system_category());
                if (ec == asio::error::would_block || ec == asio::error::try_again)
                    svc_->drained(ent_, detail::direction::read, {edges_before, true});
                return 0;
            }
        }

        // Runs on the handler's executor: reads, and parks again if there
        // was nothing after all.
        template <class H> void finish_read(H h) {
            if (!registered()) { // closed while this was on its way
                h(std::error_code(asio::error::operation_aborted), nullptr, 0);
                return;
            }
            for (;;) {
                std::uint32_t before = svc_->peek(ent_, detail::direction::read).edges;
                std::uint8_t* buf = detail::thread_buffer();
                std::error_code ec;
                std::size_t n = recv_some(buf, detail::thread_buffer_size, before, ec);
                if (ec == asio::error::would_block || ec == asio::error::try_again) {
                    const detail::drain_mark mark{before, true};
                    if (svc_->park(ent_, detail::direction::read, &mark,
                                   [&] { return read_parked(this, std::move(h)); }))
                        return;
                    continue; // an edge came while recv ran
                }
                h(ec, ec ? nullptr : buf, n);
                return;
            }
        }

        // Writes from iov until done, failed or parked. True if parked (the
        // handler moved into the service); false with ec set or everything
        // written (wr_done_ counts the bytes).
        template <class H> bool write_or_park(::iovec* iov, std::size_t count, H& h, std::error_code& ec) {
            for (;;) {
                auto snap = svc_->peek(ent_, detail::direction::write);
                bool blocked = false; // EAGAIN, rather than a short write
                while (snap.ready && count != 0) {
                    const std::size_t batch = count < max_iov ? count : max_iov;
                    std::size_t want = 0;
                    for (std::size_t i = 0; i < batch; ++i) want += iov[i].iov_len;
                    const ::ssize_t r = send_iov(iov, batch);
                    if (r < 0) {
                        if (errno == EINTR) continue;
                        ec = std::error_code(errno, asio::error::get_system_category());
                        if (ec != asio::error::would_block && ec != asio::error::try_again) {
                            release_rest();
                            return false;
                        }
                        ec.clear();
                        blocked = true;
                        break;
                    }
                    auto n = static_cast<std::size_t>(r);
                    wr_done_ += n;
                    while (n != 0 && n >= iov->iov_len) {
                        n -= iov->iov_len;
                        ++iov;
                        --count;
                    }
                    if (n != 0) {
                        iov->iov_base = static_cast<char*>(iov->iov_base) + n;
                        iov->iov_len -= n;
                    }
                    if (static_cast<std::size_t>(r) < want) break; // the kernel's buffer is full
                }
                if (count == 0) {
                    release_rest();
                    return false;
                }
                // The rest waits in the stream (a copy: the caller's iovecs
                // may be on its stack). The caller keeps the bytes alive.
                auto& pw = pending();
                if (pw.rest.empty() || iov < pw.rest.data() || iov >= pw.rest.data() + pw.rest.size()) {
                    pw.rest.assign(iov, iov + count);
                    pw.pos = 0;
                } else {
                    pw.pos = static_cast<std::size_t>(iov - pw.rest.data());
                }
                ec = svc_->watch_writable(ent_);
                if (ec) {
                    release_rest();
                    return false;
                }
                const detail::drain_mark mark{snap.edges, blocked};
                if (svc_->park(ent_, detail::direction::write, &mark,
                               [&] { return write_parked(this, std::move(h)); }))
                    return true;
                iov = pw.rest.data() + pw.pos; // an edge came: try again
                count = pw.rest.size() - pw.pos;
            }
        }

        // Runs on the handler's executor once the socket is writable again.
        template <class H> void finish_write(H h) {
            if (!registered()) { // closed while this was on its way
                release_rest();
                h(std::error_code(asio::error::operation_aborted), wr_done_);
                return;
            }
            std::error_code ec;
            auto& pw = pending();
            if (write_or_park(pw.rest.data() + pw.pos, pw.rest.size() - pw.pos, h, ec)) return;
            h(ec, wr_done_);
        }

        template <class H> struct read_resume {
            stream* self;
            H h;
            void operator()() { self->finish_read(std::move(h)); }
            template <class Ex> void abort(const Ex& ex) && {
                asio::post(ex, [h = std::move(h)]() mutable { h(std::error_code(asio::error::operation_aborted), nullptr, 0); });
            }
        };
        template <class H> struct write_resume {
            stream* self;
            H h;
            void operator()() { self->finish_write(std::move(h)); }
            template <class Ex> void abort(const Ex& ex) && {
                asio::post(ex, [h = std::move(h), n = self->wr_done_]() mutable {
                    h(std::error_code(asio::error::operation_aborted), n);
                });
            }
        };

        // What the service holds for a waiting operation (a read_resume or
        // write_resume). The handler owns the session and so this stream,
        // which therefore outlives it.
        template <class Resume> struct parked {
            Resume r;
            void operator()(detail::wake w) && {
                auto ex = asio::get_associated_executor(r.h, r.self->sock_.get_executor());
                switch (w) {
                case detail::wake::ready:
                    // Inline when the strand is free: the common case costs no post.
                    asio::dispatch(ex, std::move(r));
                    break;
                case detail::wake::retry: // from park(), inside the operation's own call
                    asio::post(ex, std::move(r));
                    break;
                case detail::wake::aborted:
                    std::move(r).abort(ex);
                    break;
                }
            }
        };
        template <class H> static parked<read_resume<H>> read_parked(stream* self, H&& h) {
            return {read_resume<H>{self, std::forward<H>(h)}};
        }
        template <class H> static parked<write_resume<H>> write_parked(stream* self, H&& h) {
            return {write_resume<H>{self, std::forward<H>(h)}};
        }

        // A write the socket did not take at once: the iovecs left (from
        // pos). Rare, so on the heap rather than in every idle connection.
        struct pending_write {
            std::vector<::iovec> rest;
            std::size_t pos = 0;
        };
        pending_write& pending() {
            if (!wr_) wr_ = std::make_unique<pending_write>();
            return *wr_;
        }

        detail::readiness_service* svc_ = nullptr;
        detail::readiness_entry ent_;
        std::unique_ptr<pending_write> wr_;
        std::size_t wr_done_ = 0;
        transport::socket sock_;
    };
};

} // namespace wsx::transport

#endif // WSX_DETAIL_READINESS

#endif
