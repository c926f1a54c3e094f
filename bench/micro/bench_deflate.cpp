// Copyright (c) 2026 wsx developers. Distributed under the Boost Software License, Version 1.0.
// permessage-deflate throughput: compress and inflate one message of 16 B
// and 64 KiB chat-like JSON text, with context takeover (the default) and
// without (a reset per message, as with *_no_context_takeover), at the
// default level 6 and at level 1. Needs zlib (wsx::deflate).
//
// Run: build-XX/bench/bench_deflate --benchmark_min_time=0.2

#include <wsx/protocol/deflate.hpp>

#include "../../tests/deflate/deflate_test_data.hpp"

#include <benchmark/benchmark.h>

#include <cstdint>
#include <string>
#include <vector>

namespace {

using namespace wsx::protocol;

// A ring of distinct messages, so context takeover sees realistic history
// rather than the same message again (which would compress to one match).
std::vector<std::string> messages(std::size_t n) {
    std::vector<std::string> v;
    for (std::uint32_t i = 0; i < 16; ++i) v.push_back(wsx_test::text_message(n, 100 + i));
    return v;
}

// range(0): message size; range(1): no_context_takeover; range(2): level.
void bm_compress(benchmark::State& state) {
    const auto n = static_cast<std::size_t>(state.range(0));
    const auto msgs = messages(n);
    deflater d(15, state.range(1) != 0, static_cast<int>(state.range(2)));
    std::vector<std::uint8_t> out;
    std::size_t i = 0;
    std::size_t wire = 0;
    for (auto _ : state) {
        const std::string& m = msgs[i++ & 15];
        d.compress(reinterpret_cast<const std::uint8_t*>(m.data()), m.size(), out);
        wire += out.size();
        benchmark::DoNotOptimize(out.data());
    }
    state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) * static_cast<std::int64_t>(n));
    state.counters["ratio"] = static_cast<double>(wire) / static_cast<double>(state.iterations() * n);
}

// Inflates what bm_compress made (a fixed sequence of 16 messages, replayed
// with a fresh inflater each cycle so the context matches the sender's).
void bm_inflate(benchmark::State& state) {
    const auto n = static_cast<std::size_t>(state.range(0));
    const bool no_context = state.range(1) != 0;
    const auto msgs = messages(n);
    deflater d(15, no_context, static_cast<int>(state.range(2)));
    std::vector<std::vector<std::uint8_t>> wire(16);
    for (std::size_t k = 0; k < 16; ++k)
        d.compress(reinterpret_cast<const std::uint8_t*>(msgs[k].data()), msgs[k].size(), wire[k]);
    inflater in(15, no_context);
    std::vector<std::uint8_t> out;
    std::size_t i = 0;
    for (auto _ : state) {
        const std::size_t k = i++ & 15;
        if (k == 0) in.reset();
        const auto& w = wire[k];
        if (in.inflate(w.data(), w.size(), out, n, true)) state.SkipWithError("inflate failed");
        benchmark::DoNotOptimize(out.data());
    }
    state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) * static_cast<std::int64_t>(n));
}

void args(benchmark::internal::Benchmark* b) {
    for (long n : {16L, 64L * 1024})
        for (long nct : {0L, 1L})
            for (long level : {6L, 1L}) b->Args({n, nct, level});
}

} // namespace

BENCHMARK(bm_compress)->Apply(args);
BENCHMARK(bm_inflate)->Apply(args);
BENCHMARK_MAIN();
