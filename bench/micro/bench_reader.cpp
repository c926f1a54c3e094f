// Copyright (c) 2026 wsx developers. Distributed under the Boost Software License, Version 1.0.
// The frame reader on masked text frames (what a server receives): parse +
// unmask + UTF-8 validate + deliver, for 16-byte, 1 KiB and 1 MiB payloads.
//
// The reader unmasks in place, so every iteration needs a fresh masked copy.
// The copy is made with the timer paused (the bm_reader_* figures are the
// reader alone); the bm_reader_with_copy_* variants include the copy, to
// show what pausing hides. Each iteration feeds a batch big enough (>= 64 KiB)
// that the cost of pausing the timer is noise.

#include <wsx/protocol/reader.hpp>

#include <benchmark/benchmark.h>

#include <cstdint>
#include <cstring>
#include <vector>

namespace {

using namespace wsx::protocol;

struct sink {
    std::size_t messages = 0;
    std::size_t bytes = 0;
    void on_message(opcode, const std::uint8_t* d, std::size_t n, bool) {
        benchmark::DoNotOptimize(d);
        ++messages;
        bytes += n;
    }
    void on_ping(const std::uint8_t*, std::size_t) {}
    void on_pong(const std::uint8_t*, std::size_t) {}
    void on_close(std::uint16_t, std::string_view) {}
};

// `count` masked text frames of `payload` ASCII bytes each, back to back.
std::vector<std::uint8_t> make_frames(std::size_t payload, std::size_t count, bool text) {
    std::vector<std::uint8_t> out;
    std::uint8_t key[4] = {0x12, 0x34, 0x56, 0x78};
    for (std::size_t f = 0; f < count; ++f) {
        out.push_back(text ? 0x81 : 0x82);
        if (payload < 126) {
            out.push_back(static_cast<std::uint8_t>(0x80 | payload));
        } else if (payload <= 0xFFFF) {
            out.push_back(0x80 | 126);
            out.push_back(static_cast<std::uint8_t>(payload >> 8));
            out.push_back(static_cast<std::uint8_t>(payload));
        } else {
            out.push_back(0x80 | 127);
            for (int i = 7; i >= 0; --i) out.push_back(static_cast<std::uint8_t>(static_cast<std::uint64_t>(payload) >> (8 * i)));
        }
        out.insert(out.end(), key, key + 4);
        for (std::size_t i = 0; i < payload; ++i)
            out.push_back(static_cast<std::uint8_t>(("hello, websocket world! "[i % 24]) ^ key[i % 4]));
        key[0] = static_cast<std::uint8_t>(key[0] + 1);
    }
    return out;
}

void run(benchmark::State& state, std::size_t payload, std::size_t count, bool text, bool time_copy) {
    const std::vector<std::uint8_t> pristine = make_frames(payload, count, text);
    std::vector<std::uint8_t> work(pristine.size());
    reader r;
    sink s;
    for (auto _ : state) {
        if (!time_copy) state.PauseTiming();
        std::memcpy(work.data(), pristine.data(), pristine.size());
        if (!time_copy) state.ResumeTiming();
        if (r.feed(work.data(), work.size(), s)) {
            state.SkipWithError("reader failed");
            break;
        }
    }
    if (s.messages != state.iterations() * count) state.SkipWithError("lost messages");
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * count));
    state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * count * payload));
}

void bm_reader_16b(benchmark::State& state) { run(state, 16, 4096, true, false); }
void bm_reader_1kib(benchmark::State& state) { run(state, 1024, 256, true, false); }
void bm_reader_1mib(benchmark::State& state) { run(state, 1 << 20, 1, true, false); }
void bm_reader_1mib_binary(benchmark::State& state) { run(state, 1 << 20, 1, false, false); }
void bm_reader_with_copy_16b(benchmark::State& state) { run(state, 16, 4096, true, true); }
void bm_reader_with_copy_1mib(benchmark::State& state) { run(state, 1 << 20, 1, true, true); }

// A 1 MiB message arriving in 64 KiB reads: the assembly path (one copy).
void bm_reader_1mib_in_64kib_reads(benchmark::State& state) {
    const std::vector<std::uint8_t> pristine = make_frames(1 << 20, 1, true);
    std::vector<std::uint8_t> work(pristine.size());
    reader r;
    sink s;
    for (auto _ : state) {
        state.PauseTiming();
        std::memcpy(work.data(), pristine.data(), pristine.size());
        state.ResumeTiming();
        for (std::size_t pos = 0; pos < work.size(); pos += 65536) {
            const std::size_t k = work.size() - pos < 65536 ? work.size() - pos : 65536;
            if (r.feed(work.data() + pos, k, s)) state.SkipWithError("reader failed");
        }
    }
    state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) << 20);
}

} // namespace

BENCHMARK(bm_reader_16b);
BENCHMARK(bm_reader_1kib);
BENCHMARK(bm_reader_1mib);
BENCHMARK(bm_reader_1mib_binary);
BENCHMARK(bm_reader_1mib_in_64kib_reads);
BENCHMARK(bm_reader_with_copy_16b);
BENCHMARK(bm_reader_with_copy_1mib);
BENCHMARK_MAIN();
