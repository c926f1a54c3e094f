// Copyright (c) 2026 wsx developers. Distributed under the Boost Software License, Version 1.0.
// The wsx side of tests/tls/python_tls.py (wss:// against Python's
// websockets + ssl) and tests/tls/python_mtls.py (mutual TLS against
// Python's ssl):
//
//   tls_peer certs DIR                 writes ca.pem, server.pem, server.key, and for mutual TLS
//                                      client_ca.pem, client.pem, client.key (signed by client_ca) and
//                                      foreign.pem, foreign.key (signed by ca) (made now; never committed)
//   tls_peer server CERT KEY [CLIENT_CA]
//                                      wss echo server on 127.0.0.1:0 at /echo; prints "port N"; runs
//                                      until stdin closes. With CLIENT_CA it requires a client
//                                      certificate issued by it and first sends each client
//                                      "peer SUBJECT" (the verified subject)
//   tls_peer client URL CA [NAME]      connects (checking the certificate against CA, and against NAME
//                                      instead of the URL's host if given), sends text and binary
//                                      messages, checks each echo, closes with 1000; prints "open",
//                                      "echo ok", "close CODE" or "error MESSAGE"; exit 0 on success

#include "cert_factory.hpp"

#include <wsx/tls.hpp>

#include <asio/io_context.hpp>

#include <chrono>
#include <cstdio>
#include <iostream>
#include <string>
#include <thread>
#include <vector>

namespace {

int make_certs(const std::string& dir) {
    const auto& p = wsx_test::pki();
    auto write = [&](const std::string& name, const std::string& text) {
        std::FILE* f = std::fopen((dir + "/" + name).c_str(), "wb");
        if (!f) return false;
        bool ok = std::fwrite(text.data(), 1, text.size(), f) == text.size();
        return std::fclose(f) == 0 && ok;
    };
    bool ok = write("ca.pem", p.ca.cert_pem) && write("server.pem", p.server.cert_pem) &&
              write("server.key", p.server.key_pem) && write("client_ca.pem", p.client_ca.cert_pem) &&
              write("client.pem", p.client.cert_pem) && write("client.key", p.client.key_pem) &&
              write("foreign.pem", p.client_foreign.cert_pem) && write("foreign.key", p.client_foreign.key_pem);
    if (!ok) std::cerr << "tls_peer: cannot write into " << dir << "\n";
    return ok ? 0 : 1;
}

int serve(const std::string& cert, const std::string& key, const std::string& client_ca) {
    asio::io_context io;
    wsx::tls_server_options o(wsx::tls_certificate::from_files(cert, key));
    if (!client_ca.empty()) {
        o.client_auth = wsx::tls_client_auth::required;
        o.client_ca_file = client_ca;
    }
    wsx::server server(io);
    server.endpoint("/echo")
        .on_open([](wsx::session& s) {
            if (auto* peer = s.peer_certificate()) s.send("peer " + peer->subject);
        })
        .on_message([](wsx::session& s, const wsx::message& m) { s.send(m); });
    server.listen_tls("127.0.0.1", 0, o);
    std::cout << "port " << server.port() << std::endl;
    // Stops when the parent closes our stdin (or dies).
    std::thread watcher([&] {
        std::string line;
        while (std::getline(std::cin, line)) {
        }
        asio::post(io, [&] { server.stop(); });
    });
    io.run();
    watcher.join();
    return 0;
}

std::string payload(std::size_t n, bool binary) {
    std::string s(n, '\0');
    for (std::size_t i = 0; i < n; ++i)
        s[i] = binary ? static_cast<char>((i * 31 + 7) & 0xFF) : static_cast<char>('a' + i % 26);
    return s;
}

int connect(const std::string& url, const std::string& ca, const std::string& name) {
    asio::io_context io;
    wsx::tls_client_options o;
    o.ca_file = ca;
    o.server_name = name;
    wsx::client client(io, o);
    const std::vector<std::size_t> sizes = {0, 1, 125, 126, 16384, 65535, 65536, 1 << 20};
    std::vector<std::string> expected;
    std::size_t next = 0;
    bool all_echoed = false;
    int code = -1;
    bool failed = false;

    client
        .on_open([&](wsx::session& s) {
            std::cout << "open" << std::endl;
            for (std::size_t n : sizes)
                for (bool binary : {false, true}) {
                    expected.push_back(payload(n, binary));
                    if (binary)
                        s.send(wsx::message::binary(expected.back()));
                    else
                        s.send(expected.back());
                }
        })
        .on_message([&](wsx::session& s, const wsx::message& m) {
            if (next >= expected.size() || m.text() != expected[next]) {
                std::cout << "error echo " << next << " differs" << std::endl;
                failed = true;
                s.close(wsx::close_code::policy_violation);
                return;
            }
            if (++next == expected.size()) {
                all_echoed = true;
                std::cout << "echo ok" << std::endl;
                s.close(wsx::close_code::normal, "done");
            }
        })
        .on_error([&](wsx::session&, std::error_code ec) {
            std::cout << "error " << ec.message() << std::endl;
            failed = true;
        })
        .on_close([&](wsx::session&, const wsx::close_reason& r) {
            code = r.code;
            std::cout << "close " << r.code << std::endl;
        });
    client.connect(url);
    io.run_for(std::chrono::seconds(60));
    return (!failed && all_echoed && code == wsx::close_code::normal) ? 0 : 1;
}

} // namespace

int main(int argc, char** argv) {
    std::vector<std::string> a(argv + 1, argv + argc);
    try {
        if (a.size() == 2 && a[0] == "certs") return make_certs(a[1]);
        if ((a.size() == 3 || a.size() == 4) && a[0] == "server") return serve(a[1], a[2], a.size() == 4 ? a[3] : "");
        if ((a.size() == 3 || a.size() == 4) && a[0] == "client") return connect(a[1], a[2], a.size() == 4 ? a[3] : "");
    } catch (const std::exception& e) {
        std::cerr << "tls_peer: " << e.what() << "\n";
        return 2;
    }
    std::cerr << "usage: tls_peer certs DIR | server CERT KEY [CLIENT_CA] | client URL CA [NAME]\n";
    return 2;
}
