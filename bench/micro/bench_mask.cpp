// Copyright (c) 2026 wsx developers. Distributed under the Boost Software License, Version 1.0.
// Unmasking throughput: mask_in_place over buffers of several sizes (1 MiB is the headline).

#include <wsx/protocol/mask.hpp>

#include <benchmark/benchmark.h>

#include <cstdint>
#include <vector>

namespace {

void bm_mask(benchmark::State& state) {
    const auto n = static_cast<std::size_t>(state.range(0));
    const std::size_t offset = static_cast<std::size_t>(state.range(1)); // misalignment of the payload
    std::vector<std::uint8_t> buf(n + 64, 0x5a);
    const std::array<std::uint8_t, 4> key{0x37, 0xfa, 0x21, 0x3d};
    for (auto _ : state) {
        wsx::protocol::mask_in_place(buf.data() + offset, n, key, 1);
        benchmark::ClobberMemory();
    }
    state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) * static_cast<std::int64_t>(n));
}

// A plain byte loop, for comparison.
void bm_mask_bytewise(benchmark::State& state) {
    const auto n = static_cast<std::size_t>(state.range(0));
    std::vector<std::uint8_t> buf(n, 0x5a);
    const std::uint8_t key[4] = {0x37, 0xfa, 0x21, 0x3d};
    for (auto _ : state) {
        std::uint8_t* p = buf.data();
        benchmark::DoNotOptimize(p);
        for (std::size_t i = 0; i < n; ++i) p[i] ^= key[i & 3];
        benchmark::ClobberMemory();
    }
    state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) * static_cast<std::int64_t>(n));
}

} // namespace

BENCHMARK(bm_mask)->Args({16, 0})->Args({125, 0})->Args({1024, 0})->Args({64 * 1024, 0})->Args({1 << 20, 0})
    ->Args({1 << 20, 6})->Args({1 << 20, 14});
BENCHMARK(bm_mask_bytewise)->Arg(1 << 20);
BENCHMARK_MAIN();
