// Copyright (c) 2026 wsx developers. Distributed under the Boost Software License, Version 1.0.
#ifndef WSX_EXAMPLES_COMMON_OPTIONS_HPP
#define WSX_EXAMPLES_COMMON_OPTIONS_HPP

// What the examples' command lines have in common, so that each main()
// shows only its own flags:
//   - examples::args: --help (or -h) anywhere prints the usage to stdout and
//     exits 0; a bad or unknown flag prints why and the usage to stderr and
//     exits 2, the usual status for a usage error.
//   - examples::server_flags and examples::serve: the servers' --port,
//     --host, --tls --cert --key, and the program around the handlers
//     (listen, "NAME listening on port N", Ctrl-C or SIGTERM closes every
//     connection with 1001, "NAME stopped"), written once for ws:// and wss://.
// The smoke tests (tests/examples/smoke.sh) rely on those lines and statuses.

#include <wsx/wsx.hpp>
#ifdef WSX_EXAMPLE_TLS
#include <wsx/tls.hpp>
#endif

#include <asio/signal_set.hpp>

#include <csignal>
#include <cstdint>
#include <cstdlib>
#include <iostream>
#include <memory>
#include <string>
#include <string_view>
#include <system_error>

namespace examples {

class args {
public:
    // usage: the lines after "usage: ", e.g. "chat [--port N]\n".
    args(int argc, char** argv, std::string_view name, std::string_view usage)
        : argc_(argc), argv_(argv), name_(name), usage_(usage) {}

    // Moves to the next argument; false after the last one.
    bool next() {
        if (i_ + 1 >= argc_) return false;
        current_ = argv_[++i_];
        if (current_ == "--help" || current_ == "-h") help();
        return true;
    }
    std::string_view current() const { return current_; }
    bool is(std::string_view flag) const { return current_ == flag; }

    // The value after the current flag.
    std::string value() {
        if (i_ + 1 >= argc_) fail(std::string(current_) + " needs a value");
        return argv_[++i_];
    }
    std::uint16_t port() {
        std::string s = value();
        if (s.empty() || s.size() > 5 || s.find_first_not_of("0123456789") != std::string::npos || std::stoul(s) > 65535)
            fail("--port needs a number from 0 to 65535");
        return static_cast<std::uint16_t>(std::stoul(s));
    }

    // Exiting from here is safe: arguments are read before anything is
    // opened, and std::exit flushes std::cout.
    [[noreturn]] void help() const {
        std::cout << "usage: " << usage_;
        std::exit(EXIT_SUCCESS);
    }
    [[noreturn]] void fail(const std::string& why) const {
        std::cerr << name_ << ": " << why << "\n"
                  << "usage: " << usage_;
        std::exit(2);
    }
    [[noreturn]] void unknown() const { fail("unknown argument: " + std::string(current_)); }

private:
    int argc_;
    char** argv_;
    int i_ = 0;
    std::string_view current_;
    std::string_view name_;
    std::string_view usage_;
};

struct server_flags {
    explicit server_flags(std::uint16_t default_port) : port(default_port) {}

    std::uint16_t port;
    std::string host; // empty: every interface
    bool tls = false;
    std::string cert; // PEM: the certificate, then its intermediates
    std::string key;  // PEM: its private key

    // Takes the current argument if it is one of these flags.
    bool parse(args& a) {
        if (a.is("--port")) {
            port = a.port();
        } else if (a.is("--host")) {
            host = a.value();
        } else if (a.is("--tls")) {
#ifdef WSX_EXAMPLE_TLS
            tls = true;
#else
            a.fail("--tls needs wsx built with OpenSSL (WSX_WITH_TLS)");
#endif
        } else if (a.is("--cert")) {
            cert = a.value();
        } else if (a.is("--key")) {
            key = a.value();
        } else {
            return false;
        }
        return true;
    }

    // After the last argument: the flags that only make sense together.
    void check(const args& a) const {
        if (tls && cert.empty() && key.empty()) a.fail("--tls needs --cert CHAIN.pem and --key KEY.pem");
        if (tls && cert.empty()) a.fail("--tls needs --cert CHAIN.pem (the certificate chain)");
        if (tls && key.empty()) a.fail("--tls needs --key KEY.pem (the certificate's private key)");
        if (!tls && (!cert.empty() || !key.empty())) a.fail("--cert and --key are for --tls");
    }
};

// Makes the wsx::server on io, calls setup(server) to add the endpoints,
// listens (wss:// with --tls, else ws://), and runs io until a signal.
template <class Setup> int serve(asio::io_context& io, std::string_view name, const server_flags& flags, Setup setup) {
    wsx::server server{io};
    setup(server);
    try {
#ifdef WSX_EXAMPLE_TLS
        if (flags.tls) {
            // Loading the certificate throws on a missing or bad file, naming it and OpenSSL's reason.
            const auto cert = wsx::tls_certificate::from_files(flags.cert, flags.key);
            if (flags.host.empty())
                server.listen_tls(flags.port, cert);
            else
                server.listen_tls(flags.host, flags.port, cert);
        } else
#endif
        if (flags.host.empty()) {
            server.listen(flags.port);
        } else {
            server.listen(flags.host, flags.port);
        }
    } catch (const std::system_error& e) {
        std::cerr << name << ": " << e.what() << "\n";
        return EXIT_FAILURE;
    }
    {
        // Ctrl-C or a service manager's SIGTERM: close every connection with
        // 1001, then return. Watched before "listening" is printed, so that a
        // signal sent on seeing it finds the watch in place.
        asio::signal_set signals(io, SIGINT, SIGTERM);
        signals.async_wait([&](std::error_code ec, int) {
            if (!ec) server.stop();
        });
        std::cout << name << " listening on port " << server.port() << std::endl;
        io.run();
    }
    // The signal_set gave the default action back. A second signal of the
    // same stop (timeout(1) sends one to the process and one to its group)
    // must not kill the program on its way out.
    std::signal(SIGINT, SIG_IGN);
    std::signal(SIGTERM, SIG_IGN);
    std::cout << name << " stopped" << std::endl;
    return EXIT_SUCCESS;
}

} // namespace examples

#endif
