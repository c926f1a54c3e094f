// Copyright (c) 2026 wsx developers. Distributed under the Boost Software License, Version 1.0.

// client_testee URL [--fragment N] [--max-send-queue N]
//
// The wsx client under test in the client-role conformance suite
// (conformance.py): it connects to URL, sends every text and binary message
// back unchanged until the server closes, and reports what it saw as one
// line each on stdout, flushed at once so that the suite can read them even
// if it has to kill this process:
//
//   open
//   error <message>
//   close <code>[ <reason>]
//
// It exits 0 whatever happened on the wire (the suite judges the lines and
// the bytes), 2 on a bad command line, 1 if connect() itself threw.

#include <wsx/wsx.hpp>

#include <cstdlib>
#include <iostream>
#include <string>
#include <string_view>
#include <system_error>

namespace {

// A reason comes from the network: keep the report on one line.
std::string printable(std::string_view s) {
    std::string out;
    out.reserve(s.size());
    for (char c : s) out += (c == '\n' || c == '\r') ? ' ' : c;
    return out;
}

bool parse_size(const char* s, std::size_t& out) {
    std::string_view v(s);
    if (v.empty() || v.size() > 12 || v.find_first_not_of("0123456789") != std::string_view::npos) return false;
    out = static_cast<std::size_t>(std::stoull(std::string(v)));
    return true;
}

int usage(const char* why) {
    std::cerr << "client_testee: " << why << "\n"
              << "usage: client_testee ws://HOST:PORT/PATH [--fragment N] [--max-send-queue N]\n";
    return 2;
}

} // namespace

int main(int argc, char** argv) {
    std::string url;
    std::size_t fragment = 0;
    // As echo_server: an echo of a message at the 16 MiB receive limit
    // must fit in the send queue together with its frame header.
    std::size_t max_send_queue = 64 * 1024 * 1024;
    for (int i = 1; i < argc; ++i) {
        std::string_view arg = argv[i];
        if (arg == "--fragment" && i + 1 < argc) {
            if (!parse_size(argv[++i], fragment)) return usage("--fragment needs a number of bytes");
        } else if (arg == "--max-send-queue" && i + 1 < argc) {
            if (!parse_size(argv[++i], max_send_queue)) return usage("--max-send-queue needs a number of bytes");
        } else if (url.empty() && arg.substr(0, 2) != "--") {
            url = std::string(arg);
        } else {
            return usage(("unknown argument: " + std::string(arg)).c_str());
        }
    }
    if (url.empty()) return usage("no URL");

    asio::io_context io;
    wsx::client ws{io};
    ws.options().fragment_size = fragment;
    ws.options().max_send_queue = max_send_queue;

    ws.on_open([](wsx::session&) { std::cout << "open" << std::endl; })
        .on_message([](wsx::session& s, const wsx::message& m) { s.send(m); })
        .on_close([](wsx::session&, const wsx::close_reason& r) {
            std::cout << "close " << r.code;
            if (!r.reason.empty()) std::cout << ' ' << printable(r.reason);
            std::cout << std::endl;
        })
        .on_error([](wsx::session&, std::error_code ec) {
            std::cout << "error " << printable(ec.message()) << std::endl;
        });

    try {
        ws.connect(url);
    } catch (const std::system_error& e) {
        std::cerr << "client_testee: " << e.what() << "\n";
        return 1;
    }
    io.run();
    return EXIT_SUCCESS;
}
