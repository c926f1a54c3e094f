// Copyright (c) 2026 wsx developers. Distributed under the Boost Software License, Version 1.0.

// client_testee URL [--fragment N] [--max-send-queue N] [--deflate [PARAMS]]
//
// The wsx client under test in the client-role conformance suite
// (conformance.py): it connects to URL, sends every text and binary message
// back unchanged until the server closes, and reports what it saw as one
// line each on stdout, flushed at once so that the suite can read them even
// if it has to kill this process:
//
//   open
//   extensions <Sec-WebSocket-Extensions agreed>   (only with --deflate, right after open)
//   error <message>
//   close <code>[ <reason>]
//
// --deflate turns permessage-deflate on (built with zlib only) and
// compresses every message, however small (compress_threshold 0), so that
// the suites exercise the compressor. PARAMS, optional, a comma-separated
// list of deflate_options to set: server_no_context_takeover,
// client_no_context_takeover, server_max_window_bits=N,
// client_max_window_bits=N, threshold=N.
//
// It exits 0 whatever happened on the wire (the suite judges the lines and
// the bytes), 2 on a bad command line, 1 if connect() itself threw.

#include <wsx/wsx.hpp>
#ifdef WSX_TESTEE_DEFLATE
#include <wsx/deflate.hpp>
#endif

#include <cstddef>
#include <cstdint>
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
              << "usage: client_testee ws://HOST:PORT/PATH [--fragment N] [--max-send-queue N] [--deflate [PARAMS]]\n";
    return 2;
}

#ifdef WSX_TESTEE_DEFLATE
// PARAMS of --deflate (see the top of this file); false on anything else.
bool parse_deflate(std::string_view list, wsx::deflate_options& d) {
    while (!list.empty()) {
        const std::size_t comma = list.find(',');
        const std::string_view item = list.substr(0, comma);
        list = comma == std::string_view::npos ? std::string_view() : list.substr(comma + 1);
        const std::size_t eq = item.find('=');
        const std::string_view name = item.substr(0, eq);
        std::size_t value = 0;
        if (eq != std::string_view::npos && !parse_size(std::string(item.substr(eq + 1)).c_str(), value)) return false;
        const bool has_value = eq != std::string_view::npos;
        if (name == "server_no_context_takeover" && !has_value) {
            d.server_no_context_takeover = true;
        } else if (name == "client_no_context_takeover" && !has_value) {
            d.client_no_context_takeover = true;
        } else if (name == "server_max_window_bits" && has_value && value <= 255) {
            d.server_max_window_bits = static_cast<std::uint8_t>(value);
        } else if (name == "client_max_window_bits" && has_value && value <= 255) {
            d.client_max_window_bits = static_cast<std::uint8_t>(value);
        } else if (name == "threshold" && has_value) {
            d.compress_threshold = value;
        } else {
            return false;
        }
    }
    return true;
}
#endif

} // namespace

int main(int argc, char** argv) {
    std::string url;
    std::size_t fragment = 0;
    // As echo_server: an echo of a message at the 16 MiB receive limit
    // must fit in the send queue together with its frame header.
    std::size_t max_send_queue = 64 * 1024 * 1024;
    bool deflate = false;
    std::string deflate_params;
    for (int i = 1; i < argc; ++i) {
        std::string_view arg = argv[i];
        if (arg == "--fragment" && i + 1 < argc) {
            if (!parse_size(argv[++i], fragment)) return usage("--fragment needs a number of bytes");
        } else if (arg == "--max-send-queue" && i + 1 < argc) {
            if (!parse_size(argv[++i], max_send_queue)) return usage("--max-send-queue needs a number of bytes");
        } else if (arg == "--deflate") {
#ifdef WSX_TESTEE_DEFLATE
            deflate = true;
            if (i + 1 < argc && std::string_view(argv[i + 1]).substr(0, 2) != "--" &&
                std::string_view(argv[i + 1]).find("://") == std::string_view::npos)
                deflate_params = argv[++i];
#else
            return usage("--deflate needs wsx built with zlib (WSX_WITH_DEFLATE)");
#endif
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
#ifdef WSX_TESTEE_DEFLATE
    if (deflate) {
        wsx::deflate_options d;
        d.compress_threshold = 0;
        if (!parse_deflate(deflate_params, d)) return usage("--deflate: bad parameter list");
        try {
            ws.options().deflate = wsx::enable_deflate(d);
        } catch (const std::system_error& e) {
            return usage(e.what());
        }
    }
#endif

    ws.on_open([deflate](wsx::session& s) {
          std::cout << "open" << std::endl;
          if (deflate) std::cout << "extensions " << printable(s.extensions()) << std::endl;
      })
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
