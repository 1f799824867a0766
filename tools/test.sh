#!/usr/bin/env bash
# The whole test suite, from a fresh machine: installs what is missing, builds (Release), runs every
# test with CTest, then the sanitizer suite and the bounded fuzz runs. This is the README's test
# command and what CI runs (.ci/run).
set -euo pipefail
cd "$(dirname "$0")/.."

# --distributed: Dask's scheduler, so the examples/distributed test runs instead of skipping.
tools/install_deps.sh --distributed

jobs=2
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release
cmake --build build -j"$jobs"
ctest --test-dir build -j"$jobs" --output-on-failure

# The same suite again under AddressSanitizer + UndefinedBehaviorSanitizer (clang), then each
# libFuzzer target for a bounded time (FUZZ_SECONDS, default 60). See docs/reliability.md.
tools/sanitize_and_fuzz.sh

# The thread-safety test under ThreadSanitizer (clang, libomp + Archer; build-tsan). See
# docs/reliability.md, "Thread safety".
tools/tsan.sh
