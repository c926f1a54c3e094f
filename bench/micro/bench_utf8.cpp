// Copyright (c) 2026 wsx developers. Distributed under the Boost Software License, Version 1.0.
// UTF-8 validation throughput on 1 MiB of ASCII, of mixed text and of CJK text.

#include <wsx/protocol/utf8.hpp>

#include <benchmark/benchmark.h>

#include <cstdint>
#include <string>
#include <vector>

namespace {

std::vector<std::uint8_t> fill(const std::string& unit, std::size_t n) {
    std::vector<std::uint8_t> out;
    out.reserve(n + unit.size());
    while (out.size() + unit.size() <= n) out.insert(out.end(), unit.begin(), unit.end());
    while (out.size() < n) out.push_back('.');
    return out;
}

void run(benchmark::State& state, const std::vector<std::uint8_t>& text) {
    if (!wsx::protocol::is_valid_utf8(text.data(), text.size())) {
        state.SkipWithError("benchmark input is not valid UTF-8");
        return;
    }
    for (auto _ : state) {
        wsx::protocol::utf8_validator v;
        bool ok = v.feed(text.data(), text.size());
        benchmark::DoNotOptimize(ok);
    }
    state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) * static_cast<std::int64_t>(text.size()));
}

constexpr std::size_t mib = 1 << 20;

void bm_utf8_ascii(benchmark::State& state) {
    run(state, fill("{\"user\":\"alice\",\"text\":\"hello world, this is a chat message\",\"id\":12345}\n", mib));
}

// JSON-ish chat text mixing ASCII with 2-, 3- and 4-byte code points.
void bm_utf8_mixed(benchmark::State& state) {
    run(state, fill("{\"name\":\"Jos\xC3\xA9\",\"msg\":\"\xD0\x9F\xD1\x80\xD0\xB8\xD0\xB2\xD0\xB5\xD1\x82 "
                    "\xE4\xBD\xA0\xE5\xA5\xBD \xF0\x9F\x98\x80 caf\xC3\xA9\"}\n",
                    mib));
}

// Almost no ASCII: the DFA alone.
void bm_utf8_cjk(benchmark::State& state) {
    run(state, fill("\xE4\xBD\xA0\xE5\xA5\xBD\xE4\xB8\x96\xE7\x95\x8C\xE3\x81\x93\xE3\x82\x93\xED\x95\x9C", mib));
}

} // namespace

BENCHMARK(bm_utf8_ascii);
BENCHMARK(bm_utf8_mixed);
BENCHMARK(bm_utf8_cjk);
BENCHMARK_MAIN();
