#!/usr/bin/env bash
# Peak resident memory of caffe2_mask_run for every input format and output mode (issue 11's memory
# target: peak RSS <= 1.2 x (input + outputs) + 64 MiB), measured with /usr/bin/time -v.
#
#   tools/benchmarks/peak_rss.sh [RUNNER] [MIB]
#
# RUNNER defaults to build/bin/caffe2_mask_run, MIB (the size of each input's values) to 1024. The
# inputs are written once into a scratch folder (removed at the end): float32 values of MIB MiB as .npy,
# TensorProto raw_data, TensorProto float_data, BlobProtos around both, and int32 values of MIB MiB as
# TensorProto int32_data (packed varints), of shape [1, N] (so that
# BooleanMask with a one-element all-false mask reads them and outputs nothing). Prints one Markdown table row
# per case: the case, the tensors that count (input + outputs), the peak RSS and the ratio to the tensors
# and to the target.
set -euo pipefail

runner=${1:-build/bin/caffe2_mask_run}
mib=${2:-1024}
[[ -x /usr/bin/time ]] || { echo "peak_rss.sh: /usr/bin/time is missing (apt-get install time; tools/install_deps.sh)" >&2; exit 1; }
[[ -x $runner ]] || { echo "peak_rss.sh: no runner at '$runner'" >&2; exit 1; }
runner=$(cd "$(dirname "$runner")" && pwd)/$(basename "$runner")

scratch=$(mktemp -d "${TMPDIR:-/tmp}/peak_rss.XXXXXX")
trap 'rm -rf "$scratch"' EXIT
cd "$scratch"

python3 - "$mib" <<'EOF'
import struct, sys
mib = int(sys.argv[1])
count = mib * (1 << 20) // 4
block = struct.pack('<f', 0.5) * ((1 << 20) // 4)  # 1 MiB of 0.5f

def varint(v):
    out = b''
    while v >= 0x80:
        out += bytes([(v & 0x7f) | 0x80]); v >>= 7
    return out + bytes([v])

def field(number, wire, value=b''):
    return varint(number << 3 | wire) + (varint(len(value)) + value if wire == 2 else value)

def write(name, head):
    with open(name, 'wb') as f:
        f.write(head)
        for _ in range(mib):
            f.write(block)

header = "{'descr': '<f4', 'fortran_order': False, 'shape': (1, %d), }" % count
header += ' ' * ((64 - (10 + len(header) + 1) % 64) % 64) + '\n'
write('x.npy', b'\x93NUMPY\x01\x00' + struct.pack('<H', len(header)) + header.encode())
head = field(1, 0, varint(1)) + field(1, 0, varint(count)) + field(2, 0, varint(1))  # dims [1, count], FLOAT
raw = head + varint(13 << 3 | 2) + varint(4 * count)
floats = head + varint(3 << 3 | 2) + varint(4 * count)
write('x_raw.pb', raw)
write('x_float.pb', floats)
def blob(tensor_head):
    return field(1, 2, b'x') + field(2, 2, b'Tensor') + varint(3 << 3 | 2) + varint(len(tensor_head) + 4 * count) + tensor_head
write('x_blob_raw.pb', blob(raw))
write('x_blob_float.pb', blob(floats))
# int32 values as Caffe2 writes them: packed int32_data varints (one byte each here), MIB MiB of tensor.
with open('x_int32.pb', 'wb') as f:
    f.write(field(1, 0, varint(1)) + field(1, 0, varint(count)) + field(2, 0, varint(2)) + varint(4 << 3 | 2) + varint(count))
    ones = b'\x01' * (1 << 20)
    for _ in range(mib // 4):
        f.write(ones)
with open('m.npy', 'wb') as f:  # a one-element all-false mask
    h = "{'descr': '|b1', 'fortran_order': False, 'shape': (1,), }"
    h += ' ' * ((64 - (10 + len(h) + 1) % 64) % 64) + '\n'
    f.write(b'\x93NUMPY\x01\x00' + struct.pack('<H', len(h)) + h.encode() + b'\x00')
EOF
printf 'op { type: "BooleanMask" input: "x" input: "m" output: "y" }\n' > mask.pbtxt
printf 'op { type: "Sum" input: "x" output: "y" }\n' > sum.pbtxt

# case name, tensors that count (in MiB), then the runner's arguments. A case named "refused ..." must
# fail (a limit refuses the input); every other must succeed.
measure() {
  local name=$1 tensors=$2
  shift 2
  rm -rf o
  local log status=0
  log=$(/usr/bin/time -v "$runner" "$@" --iter 0 2>&1 >/dev/null) || status=$?
  if [[ $name == refused* ]]; then
    [[ $status -ne 0 ]] || { echo "peak_rss.sh: $name was not refused" >&2; exit 1; }
  elif [[ $status -ne 0 ]]; then
    echo "peak_rss.sh: $name failed: $log" >&2
    exit 1
  fi
  local kib
  kib=$(sed -n 's/^[[:space:]]*Maximum resident set size (kbytes): //p' <<<"$log")
  awk -v n="$name" -v t="$tensors" -v k="$kib" 'BEGIN {
    m = k / 1024; target = 1.2 * t + 64
    printf "| %s | %d MiB | %d MiB | %.2fx | %.2f of the target |\n", n, t, m, m / t, m / target }'
}

echo "| case | input + outputs | peak RSS | / tensors | / (1.2 x tensors + 64 MiB) |"
echo "|---|---|---|---|---|"
for input in x.npy x_raw.pb x_float.pb x_blob_raw.pb x_blob_float.pb x_int32.pb; do
  measure "read $input (BooleanMask, empty output)" "$mib" --net mask.pbtxt --input x,m --input_file "$input",m.npy
done
for input in x.npy x_raw.pb x_blob_float.pb; do
  measure "refused $input (--max_tensor_bytes=1048576)" "$mib" --net mask.pbtxt --input x,m --input_file "$input",m.npy \
    --max_tensor_bytes=1048576
done
measure "x.npy -> Sum -> stdout summaries (--output '*')" $((2 * mib)) --net sum.pbtxt --input x --input_file x.npy --output '*'
for format in npy blob; do
  measure "x.npy -> Sum, --output '*' --output_format $format" $((2 * mib)) --net sum.pbtxt --input x \
    --input_file x.npy --output '*' --output_folder o --output_format "$format"
done
measure "x_raw.pb -> Sum, --output '*' --output_format blob" $((2 * mib)) --net sum.pbtxt --input x \
  --input_file x_raw.pb --output '*' --output_folder o --output_format blob
