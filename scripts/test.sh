#!/usr/bin/env bash
# The README's test command: installs dependencies, builds everything with
# g++ and runs the whole ctest suite, runs the threaded tests under TSan and
# the unit, loopback and TLS tests under ASan + UBSan (both with clang), then
# builds the fuzz targets with clang and runs each on its seed corpus for a
# bounded time.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${WSX_BUILD_DIR:-$root/build}
fuzz_seconds=${WSX_FUZZ_SECONDS:-60}
jobs=${WSX_JOBS:-$(nproc)}

bash "$root/scripts/deps.sh" test

# Every cache setting stated, because scripts/demo.sh shares this build
# directory and switches tests, benchmarks and TLS off: switched back on here.
echo "== build (g++, Release; tests, examples, benchmarks, TLS, deflate and Redis on)"
cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DCMAKE_CXX_COMPILER=g++ \
      -DWSX_BUILD_TESTS=ON -DWSX_BUILD_EXAMPLES=ON -DWSX_BUILD_BENCH=ON -DWSX_BUILD_FUZZ=OFF \
      -DWSX_WITH_TLS=ON -DWSX_WITH_DEFLATE=ON -DWSX_WITH_REDIS=ON -DWSX_SANITIZE=
cmake --build "$build" -j "$jobs"

echo "== tests"
(cd "$build" && ctest --output-on-failure -j "$jobs" --timeout 600)

echo "== ThreadSanitizer (clang): multi-threaded io_context with sends from other threads, and the Redis backplane on it"
tbuild="$build-tsan"
cmake -S "$root" -B "$tbuild" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_COMPILER=clang++ \
      -DWSX_SANITIZE=thread -DWSX_BUILD_EXAMPLES=OFF -DWSX_BUILD_BENCH=OFF -DWSX_WITH_REDIS=ON
cmake --build "$tbuild" -j "$jobs" --target integration_test_threads integration_test_shutdown integration_test_readiness integration_test_readiness_counters session_test_prepared_message integration_test_topics integration_test_one_thread integration_test_send_stream session_test_topic_registry session_test_posted_sends session_test_session_executor redis_test_redis_threads
(cd "$tbuild" && ctest --output-on-failure -R '(integration/test_(threads|shutdown|readiness|readiness_counters|topics|one_thread|send_stream)|session/test_(prepared_message|topic_registry|posted_sends|session_executor)|redis/test_redis_threads)$')

echo "== AddressSanitizer + UBSan (clang, -Werror): protocol, session, integration (on both TCP transports), deflate, json, tls and redis tests"
# Also the clang build of the library's own tests, whose warnings are errors too.
abuild="$build-asan"
cmake -S "$root" -B "$abuild" -G Ninja -DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_COMPILER=clang++ \
      -DWSX_SANITIZE=address -DWSX_BUILD_EXAMPLES=OFF -DWSX_BUILD_BENCH=OFF -DWSX_TEST_ASIO_WAIT_ALL=ON -DWSX_WITH_REDIS=ON
mapfile -t asan_targets < <(cmake --build "$abuild" --target help | sed -n 's/^\(\(protocol\|session\|integration\|deflate\|json\|tls\|redis\)_test_[a-z0-9_]*\): .*/\1/p')
cmake --build "$abuild" -j "$jobs" --target "${asan_targets[@]}"
(cd "$abuild" && ctest --output-on-failure -j "$jobs" -L 'protocol|session|integration|deflate|json|tls|redis' -E 'python')

if [ "$fuzz_seconds" -gt 0 ]; then
  echo "== fuzz (clang, libFuzzer + ASan + UBSan, ${fuzz_seconds}s each)"
  fbuild="$build-fuzz"
  cmake -S "$root" -B "$fbuild" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_COMPILER=clang++ \
        -DWSX_BUILD_FUZZ=ON -DWSX_BUILD_EXAMPLES=OFF -DWSX_BUILD_BENCH=OFF
  fuzzers=()
  for src in "$root"/tests/fuzz/fuzz_*.cpp; do fuzzers+=("$(basename "$src" .cpp)"); done
  cmake --build "$fbuild" -j "$jobs" --target "${fuzzers[@]}"
  for f in "${fuzzers[@]}"; do
    work=$(mktemp -d)
    cp -r "$root/tests/fuzz/corpus/$f/." "$work/"
    echo "-- $f"
    (cd "$work" && "$fbuild/tests/fuzz/$f" -max_total_time="$fuzz_seconds" -print_final_stats=1 "$work" 2>&1 | tail -n 12)
    rm -rf "$work"
  done
fi
echo "wsx: all tests passed"
