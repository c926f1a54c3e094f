// Copyright (c) 2026 wsx developers. Distributed under the Boost Software License, Version 1.0.
#ifndef WSX_TLS_HPP
#define WSX_TLS_HPP

// wss://: the same server and client over TLS. Separate from <wsx/wsx.hpp>
// so that a plain build needs no OpenSSL; link wsx::tls.
//
//   wsx::tls_server server{io, wsx::tls_certificate::from_files("chain.pem", "key.pem")};
//   server.endpoint("/chat").on_message([](wsx::tls_session& s, const wsx::message& m) { s.send(m); });
//   server.listen(443);
//
//   wsx::tls_client ws{io};                       // trusts the system's CAs
//   ws.connect("wss://example.com/chat");         // certificate and host name are checked
//
// Handlers take wsx::tls_session& (or auto&): one generic lambda serves both.
// server.listen_plain(80) serves ws:// from the same server and endpoints.

#include <wsx/client.hpp>
#include <wsx/endpoint.hpp>
#include <wsx/server.hpp>
#include <wsx/session.hpp>
#include <wsx/tls_error.hpp>
#include <wsx/tls_options.hpp>
#include <wsx/transport/tls.hpp>

namespace wsx {

/// The wss:// server: made with a certificate (a tls_certificate or
/// tls_server_options; a bad one throws std::system_error at once), then
/// used like wsx::server. listen_plain() adds a ws:// port with the same
/// endpoints; `s.stream().is_secure()` tells a session which port it came in on.
using tls_server = basic_server<transport::tls>;
/// The wss:// client: verifies the server's certificate and host name
/// (against the system's CAs unless tls_client_options names others).
using tls_client = basic_client<transport::tls>;
/// A connection of a tls_server or tls_client, what their handlers receive;
/// `stream()` reaches the TLS details (is_secure(), requested_server_name()).
using tls_session = basic_session<transport::tls>;
/// A weak reference to a tls_session (see basic_session_handle).
using tls_session_handle = basic_session_handle<transport::tls>;

} // namespace wsx

#endif
