// Copyright (c) 2026 wsx developers. Distributed under the Boost Software License, Version 1.0.
#ifndef WSX_TRANSPORT_TCP_HPP
#define WSX_TRANSPORT_TCP_HPP

// Plain TCP through Asio's own waits: the portable transport, and the one
// every system but Linux uses (transport/plain.hpp picks). One wait per
// read; writes go straight to the non-blocking socket and wait only when it
// is full. The contract every transport keeps is transport/README.md.

#include <wsx/detail/thread_buffer.hpp>
#include <wsx/peer_certificate.hpp>
#include <wsx/transport/socket.hpp>

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

namespace wsx::transport {

/// What every plain-TCP stream reports about itself (transport::tcp and
/// transport::epoll_tcp): no encryption, no peer certificate, no SNI.
struct plain_stream_info {
    /// Always false: plain TCP.
    static constexpr bool is_secure() noexcept { return false; }
    /// Always null: a client certificate needs TLS (see transport::tls).
    static constexpr const wsx::peer_certificate* peer_certificate() noexcept { return nullptr; }
    /// Always "": SNI needs TLS.
    static constexpr std::string_view requested_server_name() noexcept { return {}; }
    /// The URL's host: only TLS uses it.
    static void set_host(const std::string&) noexcept {}
};

/// Plain TCP for ws:// with Asio doing the waiting (see transport/README.md).
struct tcp {
    /// Listener-wide state a stream is made from (empty for TCP).
    struct server_context {};
    /// Client-wide state a stream is made from (empty for TCP).
    struct client_context {};

    /// One connection's socket, read into the thread's buffer and written with gather writes.
    class stream : public plain_stream_info {
    public:
        /// The executor of the socket.
        using executor_type = asio::io_context::executor_type;

        /// A server-side stream over an accepted socket.
        stream(transport::socket sock, server_context&) : sock_(std::move(sock)) {}
        /// A client-side stream whose socket will connect.
        stream(asio::io_context& io, const std::shared_ptr<client_context>&) : sock_(io) {}

        /// The TCP socket: to connect it, and to read the peer's address.
        transport::socket& socket() noexcept { return sock_; }
        /// The socket's descriptor (-1 once closed).
        int descriptor() const noexcept {
            return sock_.is_open() ? static_cast<int>(const_cast<transport::socket&>(sock_).native_handle()) : -1;
        }

        /// Called once the TCP connection exists. Nothing to negotiate.
        template <class Handler> void async_handshake(bool /*as_server*/, Handler&& h) {
            std::error_code ec;
            sock_.non_blocking(true, ec);
            if (!ec) sock_.set_option(asio::ip::tcp::no_delay(true), ec);
            auto ex = asio::get_associated_executor(h, sock_.get_executor());
            asio::post(ex, [h = std::forward<Handler>(h), ec]() mutable { h(ec); });
        }

        /// Waits until the socket is readable, then reads what is there into
        /// the thread's buffer. The handler gets (ec, data, size); the bytes
        /// stay valid until the handler returns.
        template <class Handler> void async_read(Handler&& h) {
            sock_.async_wait(asio::socket_base::wait_read, read_op<std::decay_t<Handler>>{this, std::forward<Handler>(h)});
        }

        /// Reads more without waiting, into the thread's buffer. Used right
        /// after a read that filled the buffer, where more is likely there.
        std::size_t read_now(std::uint8_t*& data, std::error_code& ec) {
            data = detail::thread_buffer();
            return sock_.read_some(asio::buffer(data, detail::thread_buffer_size), ec);
        }

        /// Like read_now(), into the caller's memory: a large payload goes
        /// straight into its message.
        std::size_t read_into(std::uint8_t* data, std::size_t size, std::error_code& ec) {
            return sock_.read_some(asio::buffer(data, size), ec);
        }

        /// Writes what the socket takes now, without waiting (the socket is
        /// non-blocking): the bytes written, or 0 with would_block when it
        /// is full. Lets a large message skip the copy into the send queue.
        template <class Buffers> std::size_t write_now(const Buffers& bufs, std::error_code& ec) {
            return sock_.write_some(bufs, ec);
        }

        /// Writes every buffer (one gather write when the kernel takes it all);
        /// the handler gets (ec, bytes_written).
        template <class Buffers, class Handler> void async_write(const Buffers& bufs, Handler&& h) {
            asio::async_write(sock_, bufs, std::forward<Handler>(h));
        }

        /// Half-close after the last frame, so the peer reads our close frame
        /// before it sees the end of the stream.
        void shutdown_send() noexcept {
            std::error_code ec;
            sock_.shutdown(asio::ip::tcp::socket::shutdown_send, ec);
        }
        /// Closes the socket, cancelling every pending operation.
        void close() noexcept {
            std::error_code ec;
            sock_.close(ec);
        }

    private:
        // The wait's handler. It runs where the caller's handler wants to
        // (its associated executor, the session's strand) without a second
        // executor_binder: that copy of the strand was 24 bytes in every
        // pending wait, one per idle connection.
        template <class Handler> struct read_op {
            stream* self;
            Handler h;

            using executor_type = asio::associated_executor_t<Handler, transport::socket::executor_type>;
            executor_type get_executor() const noexcept {
                return asio::get_associated_executor(h, self->sock_.get_executor());
            }

            void operator()(std::error_code ec) {
                if (ec) {
                    h(ec, nullptr, 0);
                    return;
                }
                std::uint8_t* buf = detail::thread_buffer();
                std::size_t n = self->sock_.read_some(asio::buffer(buf, detail::thread_buffer_size), ec);
                if (ec == asio::error::would_block || ec == asio::error::try_again) {
                    self->async_read(std::move(h));
                    return;
                }
                h(ec, buf, n);
            }
        };


        transport::socket sock_;
    };
};

} // namespace wsx::transport

#endif
