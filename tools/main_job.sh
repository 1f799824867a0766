#!/usr/bin/env bash
# The main job, from a fresh machine: installs what is missing, builds the net runner (Release) and
# runs the padding-removal example end to end (BooleanMask + BooleanMaskLengths, then BooleanUnmask),
# printing the timing line and every output. Extra arguments go to the runner (e.g. --iter=100).
set -euo pipefail
cd "$(dirname "$0")/.."

tools/install_deps.sh

cmake -S . -B build -DCMAKE_BUILD_TYPE=Release
cmake --build build -j2 --target caffe2_mask_run

example=examples/padding_removal
set -x
build/bin/caffe2_mask_run --net "$example/net.pbtxt" \
  --input tokens,mask,padding_mask,lengths \
  --input_file "$example/tokens.npy,$example/mask.npy,$example/padding_mask.npy,$example/lengths.npy" \
  --output '*' "$@"
