// Copyright (c) 2026 wsx developers. Distributed under the Boost Software License, Version 1.0.
// libFuzzer target for wsx::protocol::reader. The first input byte picks the
// role, the mode, RSV1, the limits and the split; the rest is the byte
// stream. The reader must never crash, and feeding the stream whole, in
// random pieces and one byte at a time must give the same events (streaming
// data compared as one byte string between other events) and the same error.

#include <wsx/protocol/reader.hpp>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

namespace {

using namespace wsx::protocol;

// Serialises events into one string, so comparing runs is comparing strings.
struct recorder {
    std::string log;
    bool in_data = false;

    void tag(char t) {
        in_data = false;
        log.push_back(t);
    }
    void blob(const std::uint8_t* d, std::size_t n) {
        log += std::to_string(n);
        log.push_back(':');
        log.append(reinterpret_cast<const char*>(d), n);
    }
    void on_message(opcode op, const std::uint8_t* d, std::size_t n, bool z) {
        tag('M');
        log.push_back(static_cast<char>('0' + static_cast<int>(op)));
        log.push_back(z ? 'z' : '-');
        blob(d, n);
    }
    void on_message_begin(opcode op, bool z) {
        tag('B');
        log.push_back(static_cast<char>('0' + static_cast<int>(op)));
        log.push_back(z ? 'z' : '-');
    }
    void on_message_data(const std::uint8_t* d, std::size_t n) {
        if (n == 0) std::abort(); // the reader promises never to send empty data
        if (!in_data) log.push_back('D');
        in_data = true;
        log.append(reinterpret_cast<const char*>(d), n); // merged: cuts depend on the split
    }
    void on_message_end() { tag('E'); }
    void on_ping(const std::uint8_t* d, std::size_t n) {
        if (n > 125) std::abort();
        tag('P');
        blob(d, n);
    }
    void on_pong(const std::uint8_t* d, std::size_t n) {
        if (n > 125) std::abort();
        tag('O');
        blob(d, n);
    }
    void on_close(std::uint16_t code, std::string_view reason) {
        if (code != 1005 && !is_valid_close_code(code)) std::abort();
        tag('C');
        log += std::to_string(code);
        log.push_back(':');
        log.append(reason.data(), reason.size());
    }
};

struct result {
    std::string log;
    int error = 0;
    bool closed = false;
    bool operator!=(const result& o) const { return log != o.log || error != o.error || closed != o.closed; }
};

result run(const reader_options& opts, const std::uint8_t* data, std::size_t n, std::uint32_t seed, int how) {
    reader r(opts);
    recorder rec;
    result out;
    std::size_t pos = 0;
    std::uint32_t state = seed * 2654435761u + 1;
    while (pos < n || (how == 0 && pos == 0)) {
        std::size_t k = n - pos;
        if (how == 1) {
            state = state * 1103515245u + 12345u;
            k = (state >> 16) % 20; // includes empty pieces
            if (k > n - pos) k = n - pos;
        } else if (how == 2) {
            k = 1;
        }
        // Each piece in its own heap block, so ASan sees any read past it or
        // any use after feed() returned.
        std::vector<std::uint8_t> piece(data + pos, data + pos + k);
        const std::error_code ec = r.feed(piece.data(), piece.size(), rec);
        if (out.error != 0 && ec.value() != out.error) std::abort(); // errors are sticky
        if (ec) out.error = ec.value();
        pos += k;
        if (n == 0) break;
    }
    out.log = rec.log;
    out.closed = r.closed();
    if (out.closed && out.error != 0) std::abort();
    return out;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0) return 0;
    const std::uint8_t cfg = data[0];
    reader_options o;
    o.local_role = (cfg & 1) ? role::client : role::server;
    o.streaming = (cfg & 2) != 0;
    o.allow_rsv1 = (cfg & 4) != 0;
    if (cfg & 8) {
        o.max_frame_size = 64;
        o.max_message_size = 200;
    } else {
        o.max_frame_size = 1 << 20;
        o.max_message_size = 1 << 20;
    }
    const std::uint32_t seed = cfg >> 4;
    const std::uint8_t* stream = data + 1;
    const std::size_t n = size - 1;

    const result whole = run(o, stream, n, seed, 0);
    const result pieces = run(o, stream, n, seed, 1);
    if (pieces != whole) {
        std::fprintf(stderr, "split feeding differs from whole feeding\n");
        std::abort();
    }
    if (n <= 4096) {
        const result bytes = run(o, stream, n, seed, 2);
        if (bytes != whole) {
            std::fprintf(stderr, "byte-at-a-time feeding differs from whole feeding\n");
            std::abort();
        }
    }
    return 0;
}
