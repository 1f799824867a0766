#!/usr/bin/env bash
# CI step for hostile input (issue 6): builds everything with clang under AddressSanitizer +
# UndefinedBehaviorSanitizer and the libFuzzer targets (separate build dir, build-sanitize), runs the
# whole CTest suite under the sanitizers, then runs each fuzz target for FUZZ_SECONDS seconds (default
# 60) on a copy of its checked-in seed corpus. Fails if any test fails, any sanitizer reports, or any
# fuzz target finds a crash (the input is kept in build-sanitize/fuzz-artifacts/ to check into
# tests/fuzz/regressions/<target>/). Prints executions and corpus size per target and the time taken.
#
# Environment: FUZZ_SECONDS (default 60; 0 skips fuzzing), SANITIZE_BUILD_DIR (default build-sanitize),
# JOBS (default 2), SKIP_SANITIZER_SUITE=1 (only fuzz).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

build=$(realpath -m "${SANITIZE_BUILD_DIR:-build-sanitize}")
fuzz_seconds=${FUZZ_SECONDS:-60}
jobs=${JOBS:-2}
targets=(netdef_fuzzer tensor_file_fuzzer operator_fuzzer)

start=$(date +%s)
stamp() { echo "sanitize_and_fuzz: [$(( $(date +%s) - start ))s] $*"; }

# Any sanitizer report stops the process with a non-zero exit, so CTest and libFuzzer see it.
export ASAN_OPTIONS=${ASAN_OPTIONS:-abort_on_error=1:detect_leaks=1:strict_string_checks=1:detect_stack_use_after_return=1:check_initialization_order=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
# LLVM's libomp keeps per-thread team structures it never frees when team sizes change (allocated inside
# the uninstrumented runtime; not our memory): LeakSanitizer reports them at exit. Only that is suppressed.
mkdir -p "$build"
printf 'leak:libomp.so\n' >"$build/lsan.supp"
export LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$build/lsan.supp:print_suppressions=0}

stamp "configuring $build (clang, ASan+UBSan, libFuzzer)"
# No Python front end here: an ASan-instrumented extension cannot be loaded into the uninstrumented
# /usr/bin/python3.
CC=clang CXX=clang++ cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCAFFE2_MASK_SANITIZE=ON -DCAFFE2_MASK_FUZZ=ON -DCAFFE2_MASK_BUILD_BENCHMARKS=OFF \
  -DCAFFE2_MASK_BUILD_PYTHON=OFF >/dev/null
stamp "building (-j$jobs)"
cmake --build "$build" -j"$jobs"

if [ "${SKIP_SANITIZER_SUITE:-0}" != 1 ]; then
  stamp "running the whole test suite under ASan/UBSan"
  ctest --test-dir "$build" -j"$jobs" --output-on-failure --timeout 600
  stamp "sanitizer suite passed"
fi

if [ "$fuzz_seconds" -le 0 ]; then
  stamp "FUZZ_SECONDS=$fuzz_seconds: fuzzing skipped"
  exit 0
fi

artifacts=$build/fuzz-artifacts
mkdir -p "$artifacts"
work=$(mktemp -d "${TMPDIR:-/tmp}/caffe2_mask_fuzz.XXXXXX")
trap 'rm -rf "$work"' EXIT

declare -A max_len=([netdef_fuzzer]=65536 [tensor_file_fuzzer]=65536 [operator_fuzzer]=4096)
summary=()
failed=()
for target in "${targets[@]}"; do
  corpus=$work/$target
  mkdir -p "$corpus"
  cp -r tests/fuzz/corpus/$target/. "$corpus"/
  seeds=$(find "$corpus" -type f | wc -l)
  log=$artifacts/$target.log
  stamp "fuzzing $target for ${fuzz_seconds}s ($seeds seeds)"
  status=0
  "$build/bin/$target" -max_total_time="$fuzz_seconds" -max_len="${max_len[$target]}" -rss_limit_mb=2048 \
    -timeout=20 -print_final_stats=1 -artifact_prefix="$artifacts/$target-" "$corpus" >"$log" 2>&1 || status=$?
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
  rss=$(sed -n 's/^stat::peak_rss_mb: *//p' "$log" | tail -1)
  size=$(find "$corpus" -type f | wc -l)
  line="$target: ${execs:-?} executions (${rate:-?}/s), corpus $seeds -> $size inputs, peak RSS ${rss:-?} MB, exit $status"
  summary+=("$line")
  if [ "$status" -ne 0 ]; then
    failed+=("$target")
    echo "---- $target failed; the end of its log ($log):" >&2
    tail -60 "$log" >&2
    ls "$artifacts"/"$target"-* 2>/dev/null >&2 || true
  fi
done

stamp "fuzz summary"
printf '  %s\n' "${summary[@]}"
if [ ${#failed[@]} -ne 0 ]; then
  echo "sanitize_and_fuzz: FAILED: ${failed[*]} (crash inputs in $artifacts; check each into tests/fuzz/regressions/<target>/)" >&2
  exit 1
fi
stamp "done: sanitizer suite and fuzzing passed"
