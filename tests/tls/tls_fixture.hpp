// Copyright (c) 2026 wsx developers. Distributed under the Boost Software License, Version 1.0.
#ifndef WSX_TESTS_TLS_TLS_FIXTURE_HPP
#define WSX_TESTS_TLS_TLS_FIXTURE_HPP

// What the TLS tests share: a wss echo server on 127.0.0.1 (a wsx::server
// with one listen_tls() port) and a client probe (a wsx::client with the
// test's TLS options) that records how its connection went. Everything runs on one
// io_context driven by the test thread (run_until), with deadlines.

#include "cert_factory.hpp"
#include "loopback.hpp"

#include <wsx/tls.hpp>

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

namespace wsx_test {

inline wsx::tls_certificate cert_of(const issued& i) { return wsx::tls_certificate::from_pem(i.cert_pem, i.key_pem); }

// A client that trusts the test CA and nothing else.
inline wsx::tls_client_options trusting_test_ca() {
    wsx::tls_client_options o;
    o.ca_pem = pki().ca.cert_pem;
    return o;
}

// A client that trusts the test CA and presents `cert` when asked (mutual TLS).
inline wsx::tls_client_options presenting(const issued& cert) {
    wsx::tls_client_options o = trusting_test_ca();
    o.certificate = cert_of(cert);
    return o;
}

// The server certificate, asking clients for certificates issued by the
// test's client CA.
inline wsx::tls_server_options mutual_tls(wsx::tls_client_auth mode = wsx::tls_client_auth::required) {
    wsx::tls_server_options o(cert_of(pki().server));
    o.client_auth = mode;
    o.client_ca_pem = pki().client_ca.cert_pem;
    return o;
}

inline std::string wss_url(std::uint16_t port, std::string_view host = "127.0.0.1", std::string_view target = "/echo") {
    return "wss://" + std::string(host) + ":" + std::to_string(port) + std::string(target);
}

// Echoes every message; remembers the SNI name each connection asked for,
// and how each ended. The handlers may run on several threads (a test that
// runs the server's io_context on io_threads): they record under a mutex;
// read the vectors once those threads are stopped, or from the thread that
// runs the io_context.
struct tls_echo_server {
    wsx::server server;
    std::mutex mu;
    std::vector<std::string> asked_names;
    std::vector<wsx::close_reason> closes;
    std::vector<std::error_code> errors;
    std::atomic<int> opens{0};

    tls_echo_server(asio::io_context& io, const wsx::tls_server_options& o, wsx::session_options so = {})
        : server(io) {
        server.default_options() = so;
        server.endpoint("/echo")
            .on_open([this](wsx::session& s) {
                std::lock_guard<std::mutex> lock(mu);
                asked_names.emplace_back(s.requested_server_name());
                ++opens;
            })
            .on_message([](wsx::session& s, const wsx::message& m) { s.send(m); })
            .on_error([this](wsx::session&, std::error_code ec) {
                std::lock_guard<std::mutex> lock(mu);
                errors.push_back(ec);
            })
            .on_close([this](wsx::session&, const wsx::close_reason& r) {
                std::lock_guard<std::mutex> lock(mu);
                closes.push_back(r);
            });
        server.listen_tls("127.0.0.1", 0, o);
    }
    std::uint16_t port() const { return server.port(); }
};

// One client connection and everything its handlers saw.
struct tls_probe {
    asio::io_context& io;
    wsx::client client;
    bool opened = false;
    int closes = 0;
    std::vector<std::error_code> errors;
    wsx::close_reason close;
    std::vector<std::string> received;

    tls_probe(asio::io_context& io_, const wsx::tls_client_options& o) : io(io_), client(io_, o) {
        client.on_open([this](wsx::session&) { opened = true; })
            .on_message([this](wsx::session&, const wsx::message& m) { received.emplace_back(m.text()); })
            .on_error([this](wsx::session&, std::error_code ec) { errors.push_back(ec); })
            .on_close([this](wsx::session&, const wsx::close_reason& r) {
                close = r;
                ++closes;
            });
    }

    // Connects and waits until the connection opened or ended; false only
    // if neither happened in time (a hang).
    bool connect(const std::string& url, ms limit = default_limit) {
        client.connect(url);
        return run_until(io, [&] { return opened || closes > 0; }, limit);
    }
    std::error_code first_error() const { return errors.empty() ? std::error_code() : errors.front(); }
};

} // namespace wsx_test

#endif
