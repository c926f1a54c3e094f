// Copyright (c) 2026 wsx developers. Distributed under the Boost Software License, Version 1.0.
#ifndef WSX_EXAMPLES_COMMON_PORT_HPP
#define WSX_EXAMPLES_COMMON_PORT_HPP

// The one argument of the smallest examples (hello_server, hello_client,
// sync_client): an optional port, 8080 without one. --help (or -h) prints
// the usage to stdout and exits 0; anything else that is not a port prints
// it to stderr and exits 2, as every example does.

#include <cstdint>
#include <cstdlib>
#include <iostream>
#include <string>

namespace examples {

inline std::uint16_t port_argument(int argc, char** argv, const char* usage) {
    const std::string p = argc > 1 ? argv[1] : "8080";
    if (p == "--help" || p == "-h") {
        std::cout << "usage: " << usage << "\n";
        std::exit(EXIT_SUCCESS);
    }
    if (argc > 2 || p.empty() || p.size() > 5 || p.find_first_not_of("0123456789") != std::string::npos ||
        std::stoul(p) > 65535) {
        std::cerr << "usage: " << usage << "\n";
        std::exit(2);
    }
    return static_cast<std::uint16_t>(std::stoul(p));
}

} // namespace examples

#endif
