// Copyright (c) 2026 wsx developers. Distributed under the Boost Software License, Version 1.0.
#ifndef WSX_DETAIL_STREAM_SESSION_HPP
#define WSX_DETAIL_STREAM_SESSION_HPP

// The session over one transport's stream: the one subclass of
// wsx::session, which implements the session's io_ calls with the
// stream's operations (the contract in include/wsx/transport/README.md).
// Handlers never see it: they take wsx::session&, whatever the transport.
//
// Also the makers of one transport (detail/session_maker.hpp's interfaces).

#include <wsx/detail/send_queue.hpp>
#include <wsx/detail/session_maker.hpp>
#include <wsx/peer_certificate.hpp>
#include <wsx/session.hpp>
#include <wsx/tls_options.hpp>
#include <wsx/transport/accepted_socket.hpp>
#include <wsx/transport/socket.hpp>

#include <asio/bind_executor.hpp>
#include <asio/error.hpp>
#include <asio/io_context.hpp>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <system_error>
#include <type_traits>
#include <utility>

namespace wsx::detail {

// A stream that can write without an operation (the socket is non-blocking).
template <class Stream, class = void> struct has_write_now : std::false_type {};
template <class Stream>
struct has_write_now<Stream, std::void_t<decltype(std::declval<Stream&>().write_now(
                                 std::declval<const buffer_span&>(), std::declval<std::error_code&>()))>>
    : std::true_type {};

// A stream that can read into the caller's memory.
template <class Stream, class = void> struct has_read_into : std::false_type {};
template <class Stream>
struct has_read_into<Stream, std::void_t<decltype(std::declval<Stream&>().read_into(
                                 std::declval<std::uint8_t*>(), std::size_t{}, std::declval<std::error_code&>()))>>
    : std::true_type {};

template <class Stream> class stream_session final : public session {
public:
    template <class... StreamArgs>
    stream_session(asio::io_context& io, std::uint64_t id, bool is_server, StreamArgs&&... args)
        : session(io, id, is_server, has_write_now<Stream>::value), stream_(std::forward<StreamArgs>(args)...) {}

    bool is_secure() const noexcept override { return stream_.is_secure(); }
    const wsx::peer_certificate* peer_certificate() const noexcept override { return stream_.peer_certificate(); }
    std::string_view requested_server_name() const noexcept override { return stream_.requested_server_name(); }
    int native_handle() const noexcept override { return stream_.descriptor(); }

private:
    // The completion handlers hold the session by this pointer: the
    // session's protected members are reached through the derived type.
    std::shared_ptr<stream_session> self() { return std::static_pointer_cast<stream_session>(shared_from_this()); }

    void io_handshake() override {
        stream_.async_handshake(is_server(), asio::bind_executor(get_executor(), [self = self()](std::error_code ec) {
                                    self->on_transport_ready(ec);
                                }));
    }
    void io_read(read_step next) override {
        stream_.async_read(asio::bind_executor(
            get_executor(), [self = self(), next](std::error_code ec, std::uint8_t* data, std::size_t n) {
                next(*self, ec, data, n);
            }));
    }
    std::size_t io_read_now(std::uint8_t*& data, std::error_code& ec) override { return stream_.read_now(data, ec); }
    std::size_t io_read_into(std::uint8_t* data, std::size_t size, std::error_code& ec) override {
        if constexpr (has_read_into<Stream>::value) {
            return stream_.read_into(data, size, ec);
        } else {
            (void)data;
            (void)size;
            ec = asio::error::operation_not_supported;
            return 0;
        }
    }
    std::size_t io_write_now(buffer_span bufs, std::error_code& ec) override {
        if constexpr (has_write_now<Stream>::value) {
            return stream_.write_now(bufs, ec);
        } else {
            (void)bufs;
            ec = asio::error::operation_not_supported;
            return 0;
        }
    }
    void io_write(buffer_span bufs) override {
        stream_.async_write(bufs, asio::bind_executor(get_executor(), [self = self()](std::error_code ec, std::size_t) {
                                self->on_written(ec);
                            }));
    }
    void io_shutdown_send() noexcept override { stream_.shutdown_send(); }
    void io_close() noexcept override { stream_.close(); }
    transport::socket& tcp_socket() noexcept override { return stream_.socket(); }
    void set_host(const std::string& host) override { stream_.set_host(host); }

    Stream stream_;
};

// The makers of one transport (transport::tcp, transport::tls), holding its
// context: a TLS listener's certificates, a TLS client's trusted CAs.
template <class Transport> class transport_server_maker final : public server_session_maker {
public:
    template <class... ContextArgs>
    explicit transport_server_maker(ContextArgs&&... args) : ctx_(std::forward<ContextArgs>(args)...) {}
    std::shared_ptr<session> make(asio::io_context& io, transport::socket sock, std::uint64_t id) override {
        return std::make_shared<stream_session<typename Transport::stream>>(io, id, true, std::move(sock), ctx_);
    }
#if WSX_DETAIL_READINESS
    // A stream that takes the descriptor as accept4 gave it does; the others
    // get it as an Asio socket (which registers it in Asio's reactor).
    std::shared_ptr<session> make(asio::io_context& io, transport::accepted_socket&& sock, std::uint64_t id) override {
        using stream = typename Transport::stream;
        if constexpr (std::is_constructible_v<stream, asio::io_context&, transport::accepted_socket&&,
                                              typename Transport::server_context&>) {
            return std::make_shared<stream_session<stream>>(io, id, true, io, std::move(sock), ctx_);
        } else {
            transport::socket s(io);
            std::error_code ec;
            s.assign(sock.peer().protocol(), sock.descriptor(), ec);
            if (ec) return nullptr; // sock still owns the descriptor, and closes it
            sock.release();
            return make(io, std::move(s), id);
        }
    }
#endif

private:
    typename Transport::server_context ctx_;
};

template <class Transport> class transport_client_maker final : public client_session_maker {
public:
    template <class... ContextArgs>
    explicit transport_client_maker(ContextArgs&&... args)
        : ctx_(std::make_shared<typename Transport::client_context>(std::forward<ContextArgs>(args)...)) {}
    std::shared_ptr<session> make(asio::io_context& io, std::uint64_t id) override {
        return std::make_shared<stream_session<typename Transport::stream>>(io, id, false, io, ctx_);
    }

private:
    // Shared with each stream, which may outlive this maker.
    std::shared_ptr<typename Transport::client_context> ctx_;
};

} // namespace wsx::detail

#endif
