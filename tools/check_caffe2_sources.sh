#!/usr/bin/env bash
# Checks that Caffe2's own mask operator sources compile unchanged against the INSTALLED package and
# compute what the built-in operators compute (docs/caffe2-cpp-api.md, "Caffe2's own sources").
#
#   tools/check_caffe2_sources.sh <caffe2 source folder> [build folder of this repo] [work folder]
#
# <caffe2 source folder> holds caffe2/operators/boolean_mask_ops.{cc,h}, boolean_unmask_ops.{cc,h} and
# boolean_unmask_ops_test.cc: a PyTorch 1.x checkout, or a copy of just those files. Nothing is
# fetched; nothing of Caffe2 enters this repository. Steps:
#   1. install the repo's build (default: build/) into <work>/prefix;
#   2. build tools/caffe2_sources/ against that prefix: Caffe2's two .cc files as an operator library,
#      Caffe2's gtest linked with it (and not with the built-ins), and the comparison driver;
#   3. run Caffe2's gtest;
#   4. run the driver once on the installed built-in library and once on Caffe2's, and diff the two.
# Exit status 0 when everything compiles, the gtest passes and the two outputs are identical.
set -euo pipefail

if [[ $# -lt 1 || $# -gt 3 ]]; then
  echo "usage: $0 <caffe2 source folder> [build folder of this repo] [work folder]" >&2
  exit 2
fi
here="$(cd "$(dirname "$0")/.." && pwd)"
caffe2_src="$(cd "$1" && pwd)"
build="$(cd "${2:-$here/build}" && pwd)"
work="${3:-$(mktemp -d /tmp/caffe2_sources_check.XXXXXX)}"
mkdir -p "$work"
prefix="$work/prefix"
run() { nice -n 19 "$@"; }

echo "== installing $build into $prefix"
run cmake --install "$build" --prefix "$prefix" >"$work/install.log"

echo "== building Caffe2's sources from $caffe2_src against the installed package"
run cmake -S "$here/tools/caffe2_sources" -B "$work/build" -DCMAKE_BUILD_TYPE=Release \
  -DCMAKE_PREFIX_PATH="$prefix" -DCAFFE2_SOURCE_DIR="$caffe2_src" >"$work/configure.log"
if ! run cmake --build "$work/build" -j2 >"$work/build.log" 2>&1; then
  grep -E "error|Error" "$work/build.log" | head -40 >&2
  echo "FAILED: Caffe2's sources do not compile unchanged (full log: $work/build.log)" >&2
  exit 1
fi

echo "== Caffe2's boolean_unmask_ops_test (built-ins not linked)"
run "$work/build/boolean_unmask_ops_test"

echo "== the same cases on the built-in operators and on Caffe2's"
builtin_lib="$(find "$prefix" -name 'libcaffe2_mask.so' | head -1)"
caffe2_lib="$work/build/libcaffe2_boolean_ops.so"
run "$work/build/mask_ops_compare" "$builtin_lib" >"$work/builtin.txt"
run "$work/build/mask_ops_compare" "$caffe2_lib" >"$work/caffe2.txt"
cases="$(grep -c '^[^ ]' "$work/builtin.txt")"
outputs="$(grep '^  [^ ]*: ' "$work/builtin.txt" | grep -vc '^  gradient: ' || true)"
gradients="$(grep -c '^  gradient: ' "$work/builtin.txt" || true)"
fails="$(grep -c '^  fails' "$work/builtin.txt" || true)"
if ! diff -u "$work/builtin.txt" "$work/caffe2.txt" >"$work/diff.txt"; then
  cat "$work/diff.txt" >&2
  echo "FAILED: the built-in operators and Caffe2's differ (above; both outputs in $work)" >&2
  exit 1
fi
echo "OK: $cases cases ($outputs outputs compared value by value, $gradients gradient operators, $fails rejected" \
  "by both) identical;" \
  "outputs in $work/builtin.txt"
