// Copyright (c) 2026 wsx developers. Distributed under the Boost Software License, Version 1.0.
// libFuzzer target for wsx::protocol::inflater (needs zlib: wsx::deflate).
// The first input byte picks the window, context takeover, text or binary,
// the size limit and how the rest is cut into messages and pieces. The
// inflater must never crash, never hold more than the limit (+1 byte) of
// output or more zlib memory than its window needs, and give the same
// result whole as in pieces (see below for windows under 15 bits).

#include <wsx/protocol/deflate.hpp>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <system_error>
#include <vector>

namespace {

using namespace wsx::protocol;

struct run_result {
    std::vector<std::vector<std::uint8_t>> messages;
    std::error_code ec;
};

// Messages are separated at every byte 0xA5 (so the fuzzer can make
// several); each message is fed in pieces of `piece` bytes (0: whole).
run_result run(const std::uint8_t* data, std::size_t size, int bits, bool no_context, bool text,
               std::uint64_t limit, std::size_t piece) {
    run_result r;
    inflater in(bits, no_context);
    std::vector<std::uint8_t> out;
    std::size_t start = 0;
    for (std::size_t i = 0; i <= size && !r.ec; ++i) {
        if (i != size && data[i] != 0xA5) continue;
        const std::uint8_t* m = data + start;
        const std::size_t n = i - start;
        start = i + 1;
        out.clear();
        if (piece == 0) {
            r.ec = in.inflate(m, n, out, limit, text);
        } else {
            in.begin(limit, text);
            for (std::size_t k = 0; k < n && !r.ec; k += piece)
                r.ec = in.update(m + k, n - k < piece ? n - k : piece, out);
            if (!r.ec) r.ec = in.finish(out);
        }
        if (out.size() > limit + 1 || out.capacity() > limit + 1) std::abort();
        if (in.memory_usage() > (std::size_t{1} << bits) + (std::size_t{1} << 15) + 16 * 1024) std::abort();
        if (!r.ec) r.messages.push_back(out);
    }
    return r;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0) return 0;
    const std::uint8_t cfg = data[0];
    ++data;
    --size;
    const int bits = 8 + (cfg & 7);
    const bool no_context = (cfg & 8) != 0;
    const bool text = (cfg & 16) != 0;
    const std::uint64_t limit = (cfg & 32) != 0 ? 4096 : 1 << 16;
    const std::size_t piece = 1 + ((cfg >> 6) * 5);

    const run_result whole = run(data, size, bits, no_context, text, limit, 0);
    const run_result pieces = run(data, size, bits, no_context, text, limit, piece);
    // zlib checks a distance against the output it has (this call's plus
    // the window), not strictly against the window size: with a window
    // below 15 bits, a reference too far back can pass in one split and
    // fail in another. Then only the messages before the divergence match.
    if (bits == 15 || (!whole.ec && !pieces.ec)) {
        if (whole.ec != pieces.ec || whole.messages != pieces.messages) std::abort();
    } else {
        const std::size_t common = std::min(whole.messages.size(), pieces.messages.size());
        for (std::size_t i = 0; i < common; ++i)
            if (whole.messages[i] != pieces.messages[i]) std::abort();
    }
    return 0;
}
