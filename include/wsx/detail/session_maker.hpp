// Copyright (c) 2026 wsx developers. Distributed under the Boost Software License, Version 1.0.
#ifndef WSX_DETAIL_SESSION_MAKER_HPP
#define WSX_DETAIL_SESSION_MAKER_HPP

// The makers a listener or a client keeps, one per transport context, to
// make the session of each new connection. Only these interfaces reach
// server.hpp and client.hpp: the transports and the session over them
// (detail/stream_session.hpp) are named in the .ipp files, so a program's
// own translation units do not compile them (docs/compile-time.md). TLS
// adds its makers through tls_hooks() when <wsx/tls.hpp> is part of the
// program, so that a plain build never names OpenSSL.

#include <wsx/detail/readiness_config.hpp>
#include <wsx/transport/socket.hpp>

#include <asio/io_context.hpp>

#include <cstdint>
#include <memory>

namespace wsx {

class session;
namespace transport {
class accepted_socket;
}
struct tls_server_options;
struct tls_client_options;

namespace detail {

// How a listener makes the session of each connection it accepts.
class server_session_maker {
public:
    virtual ~server_session_maker() = default;
    virtual std::shared_ptr<session> make(asio::io_context& io, transport::socket sock, std::uint64_t id) = 0;
#if WSX_DETAIL_READINESS
    // A connection the listener accepted itself (detail/ready_listener.hpp).
    // Null when the connection had to be dropped (its socket is closed).
    virtual std::shared_ptr<session> make(asio::io_context& io, transport::accepted_socket&& sock, std::uint64_t id) = 0;
#endif
};

// How a client makes the session of each connection it opens.
class client_session_maker {
public:
    virtual ~client_session_maker() = default;
    virtual std::shared_ptr<session> make(asio::io_context& io, std::uint64_t id) = 0;
};

// TLS, when <wsx/tls.hpp> is part of the program (it fills these in before
// main()); null otherwise, and listen_tls() or a wss:// URL then throw.
struct tls_support {
    std::shared_ptr<server_session_maker> (*server)(const tls_server_options&) = nullptr;
    std::shared_ptr<client_session_maker> (*client)(const tls_client_options&) = nullptr;
};
inline tls_support& tls_hooks() noexcept {
    static tls_support hooks;
    return hooks;
}

} // namespace detail
} // namespace wsx

#endif
