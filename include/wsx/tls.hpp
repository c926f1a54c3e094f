// Copyright (c) 2026 wsx developers. Distributed under the Boost Software License, Version 1.0.
#ifndef WSX_TLS_HPP
#define WSX_TLS_HPP

// wss://: the same server, client and session over TLS. Separate from
// <wsx/wsx.hpp> so that a plain build needs no OpenSSL; link wsx::tls.
//
//   wsx::server server{io};
//   server.endpoint("/chat").on_message([](wsx::session& s, const wsx::message& m) { s.send(m); });
//   server.listen_tls(443, wsx::tls_certificate::from_files("chain.pem", "key.pem"));
//   server.listen(80);                              // ws:// too, same endpoints
//
//   wsx::client ws{io};                             // trusts the system's CAs
//   ws.connect("wss://example.com/chat");           // certificate and host name are checked
//
// Including this header anywhere in the program is what lets
// server::listen_tls() and wss:// URLs work: it hands the TLS transport to
// the server and the client (detail::tls_hooks) before main() runs.

#include <wsx/client.hpp>
#include <wsx/detail/stream_session.hpp>
#include <wsx/endpoint.hpp>
#include <wsx/server.hpp>
#include <wsx/session.hpp>
#include <wsx/tls_error.hpp>
#include <wsx/tls_options.hpp>
#include <wsx/transport/tls.hpp>

#include <memory>

namespace wsx::detail {

inline std::shared_ptr<server_session_maker> make_tls_server_maker(const tls_server_options& o) {
    return std::make_shared<transport_server_maker<transport::tls>>(o);
}
inline std::shared_ptr<client_session_maker> make_tls_client_maker(const tls_client_options& o) {
    return std::make_shared<transport_client_maker<transport::tls>>(o);
}
inline bool install_tls() noexcept {
    tls_hooks().server = &make_tls_server_maker;
    tls_hooks().client = &make_tls_client_maker;
    return true;
}
inline const bool tls_installed = install_tls();

} // namespace wsx::detail

#endif
