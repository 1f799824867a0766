#!/usr/bin/env bash
# Regenerates the examples' binary input files with the runner itself, deterministically: each
# example's make_inputs.pbtxt is a net of GivenTensor*Fill operators whose outputs are written next
# to it. Usage: examples/generate_inputs.sh [path/to/caffe2_mask_run]   (default: build/bin/...)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
runner="${1:-$here/../build/bin/caffe2_mask_run}"

"$runner" --net "$here/padding_removal/make_inputs.pbtxt" --iter 0 --output '*' \
  --output_folder "$here/padding_removal" --output_format npy
"$runner" --net "$here/training_backward/make_inputs.pbtxt" --iter 0 --output '*' \
  --output_folder "$here/training_backward" --output_format npy
# Binary BlobProto, written as <folder>/<blob name>; renamed to a .pb suffix for readers.
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
"$runner" --net "$here/attention_masks/make_inputs.pbtxt" --iter 0 --output self_scores \
  --output_folder "$tmp" --output_format blob
mv "$tmp/self_scores" "$here/attention_masks/self_scores.pb"
