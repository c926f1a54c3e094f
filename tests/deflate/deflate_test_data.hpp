// Copyright (c) 2026 wsx developers. Distributed under the Boost Software License, Version 1.0.
// Deterministic message bodies for the deflate tests and benchmark.
#ifndef WSX_TESTS_DEFLATE_TEST_DATA_HPP
#define WSX_TESTS_DEFLATE_TEST_DATA_HPP

#include <cstddef>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

namespace wsx_test {

// Chat-like JSON text of exactly n bytes (ASCII plus some two- and
// three-byte UTF-8, never cut inside a code point): compressible, as real
// WebSocket traffic is.
inline std::string text_message(std::size_t n, std::uint32_t seed = 1) {
    static const char* const words[] = {"hello", "world", "the", "quick", "brown", "fox", "jumps", "over", "lazy",
                                        "dog", "room", "lobby", "message", "caf\xC3\xA9", "na\xC3\xAFve", "5\xE2\x82\xAC",
                                        "alice", "bob", "carol", "ok", "thanks", "see", "you", "later", "\xE4\xB8\xAD\xE6\x96\x87"};
    std::mt19937 g(seed);
    std::string s;
    s.reserve(n + 64);
    while (s.size() < n) {
        s += "{\"user\":\"";
        s += words[16 + g() % 3];
        s += "\",\"text\":\"";
        for (unsigned k = 0, m = 1 + g() % 12; k < m; ++k) {
            if (k != 0) s += ' ';
            s += words[g() % 25];
        }
        s += "\",\"seq\":";
        s += std::to_string(g() % 100000);
        s += "}\n";
    }
    // Cut back to n on a code point boundary, padding with ASCII.
    std::size_t cut = n;
    while (cut > 0 && (static_cast<unsigned char>(s[cut]) & 0xC0) == 0x80) --cut;
    s.resize(cut);
    s.append(n - cut, ' ');
    return s;
}

// Incompressible bytes.
inline std::vector<std::uint8_t> random_bytes(std::size_t n, std::uint32_t seed = 7) {
    std::mt19937 g(seed);
    std::vector<std::uint8_t> v(n);
    for (auto& b : v) b = static_cast<std::uint8_t>(g() >> 24);
    return v;
}

inline std::vector<std::uint8_t> bytes_of(const std::string& s) { return {s.begin(), s.end()}; }

} // namespace wsx_test

#endif
