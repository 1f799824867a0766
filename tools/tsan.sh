#!/usr/bin/env bash
# CI step for thread safety (issue 11 item 7, docs/reliability.md "Thread safety"): builds
# tests/thread_safety_test.cc and what it links with clang under ThreadSanitizer (its own build dir,
# build-tsan, only that target) and runs it. Fails on any test failure or any ThreadSanitizer report.
#
# OpenMP: clang's libomp, not libgomp, and the kernels really run threaded (OMP_NUM_THREADS is left as
# it is). libomp is not built with TSan, so its fork/join and barriers are invisible to TSan and the
# kernels' per-thread chunks would look racy; Archer (libarcher.so, shipped with libomp) is loaded as
# the OpenMP tool and tells TSan about every OpenMP synchronisation. No suppressions.
#
# Environment: TSAN_BUILD_DIR (default build-tsan), JOBS (default 2).
set -euo pipefail
cd "$(dirname "$0")/.."

build=$(realpath -m "${TSAN_BUILD_DIR:-build-tsan}")
jobs=${JOBS:-2}
start=$(date +%s)
stamp() { echo "tsan: [$(( $(date +%s) - start ))s] $*"; }

archer=$(clang++ -print-file-name=libarcher.so)
if [ ! -e "$archer" ]; then
  archer=$(find /usr/lib/llvm-*/lib -name libarcher.so 2>/dev/null | sort -V | tail -1)
fi
[ -e "$archer" ] || { echo "tsan: libarcher.so not found (install libomp-dev)" >&2; exit 1; }

launcher=()
if command -v ccache >/dev/null; then launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache -DCMAKE_C_COMPILER_LAUNCHER=ccache); fi
flags="-fsanitize=thread -fno-omit-frame-pointer"
stamp "configuring $build (clang, ThreadSanitizer)"
CC=clang CXX=clang++ cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCAFFE2_MASK_BUILD_BENCHMARKS=OFF \
  -DCMAKE_C_FLAGS="$flags" -DCMAKE_CXX_FLAGS="$flags" -DCMAKE_EXE_LINKER_FLAGS=-fsanitize=thread \
  -DCMAKE_SHARED_LINKER_FLAGS=-fsanitize=thread "${launcher[@]}" >/dev/null
stamp "building thread_safety_test (-j$jobs)"
cmake --build "$build" -j"$jobs" --target thread_safety_test

# halt_on_error: the first report ends the run with exit 66, so a race can never pass unnoticed.
# ignore_noninstrumented_modules: what Archer asks for, so that accesses inside the uninstrumented
# runtimes (libomp, protobuf, gtest) are not reported; every access in our code still is.
export TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1 history_size=4 ignore_noninstrumented_modules=1 ${TSAN_OPTIONS:-}"
export OMP_TOOL_LIBRARIES=$archer
stamp "running thread_safety_test under ThreadSanitizer (OpenMP tool: $archer)"
# Death tests fork a multi-threaded process, which TSan does not support; the normal build runs them.
"$build/bin/thread_safety_test" --gtest_filter='-*DeathTest*'
stamp "passed"
