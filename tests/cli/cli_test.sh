#!/usr/bin/env bash
# End-to-end tests of caffe2_mask_run: each test case is a function `t_<name>`, run as
#   cli_test.sh RUNNER EXAMPLES_DIR PROTOC PROTO_ROOT <name>
# (one CTest test per case, see CMakeLists.txt; `cli_test.sh ... list` prints the names). A case
# runs the binary, then checks exit code, stdout, stderr and files. Exit 0 pass, 1 fail, 77 skip.
set -uo pipefail

RUNNER="$1"
EXAMPLES="$2"
PROTOC="$3"
PROTO_ROOT="$4"
CASE="$5"

WORK="$(mktemp -d "${TMPDIR:-/tmp}/cli_test.XXXXXX")"
trap 'rm -rf "$WORK"' EXIT
OUT="$WORK/out"
ERR="$WORK/err"
RC=0

fail() {
  echo "FAIL [$CASE]: $*" >&2
  echo "--- stdout:" >&2
  cat "$OUT" >&2 2>/dev/null
  echo "--- stderr:" >&2
  cat "$ERR" >&2 2>/dev/null
  exit 1
}

# run ARGS...: runs the binary, keeping stdout, stderr and the exit code.
run() {
  "$RUNNER" "$@" >"$OUT" 2>"$ERR"
  RC=$?
  return 0
}

expect_rc() { [[ "$RC" == "$1" ]] || fail "exit code $RC, expected $1"; }
expect_out() { grep -qF -- "$1" "$OUT" || fail "stdout lacks: $1"; }
expect_out_re() { grep -qE -- "$1" "$OUT" || fail "stdout lacks a line matching: $1"; }
expect_no_out() { ! grep -qF -- "$1" "$OUT" || fail "stdout has: $1"; }
expect_err() { grep -qF -- "$1" "$ERR" || fail "stderr lacks: $1"; }
expect_file_same() { cmp -s "$1" "$2" || fail "files differ: $1 $2"; }

# A failure: non-zero exit, one paragraph on stderr (no blank line, no crash report, nothing on stdout
# after the error), starting with the program name.
expect_clean_failure() {
  [[ "$RC" != 0 ]] || fail "expected a failure, got exit 0"
  [[ "$RC" -lt 128 ]] || fail "exit code $RC means the process was killed by a signal"
  [[ -s "$ERR" ]] || fail "stderr is empty"
  head -n1 "$ERR" | grep -q '^caffe2_mask_run: error: ' || fail "stderr does not start with 'caffe2_mask_run: error: '"
  ! grep -q '^$' "$ERR" || fail "stderr has a blank line: more than one paragraph"
  ! grep -qiE 'terminate called|Check failed|\*\*\* |Aborted|stack trace|AddressSanitizer|runtime error' "$ERR" ||
    fail "stderr has a crash report"
  [[ "$(wc -l <"$ERR")" -le 12 ]] || fail "stderr has more than 12 lines"
}

# The folder exists and holds nothing, not even hidden temporary files.
expect_empty_dir() {
  [[ -d "$1" ]] || return 0
  [[ -z "$(ls -A "$1")" ]] || fail "folder $1 is not empty: $(ls -A "$1")"
}

# ---- shared fixtures ----

PR="$EXAMPLES/padding_removal"
PR_ARGS=(--net "$PR/net.pbtxt" --input tokens,mask,padding_mask,lengths
         --input_file "$PR/tokens.npy,$PR/mask.npy,$PR/padding_mask.npy,$PR/lengths.npy")
AM="$EXAMPLES/attention_masks"
TB="$EXAMPLES/training_backward"
TB_ARGS=(--init_net "$TB/init_net.pbtxt" --net "$TB/net.pbtxt" --input x,lengths,keep_rows
         --input_file "$TB/x.npy,$TB/lengths.npy,$TB/keep_rows.npy")

# A net with no operators: the runner then just loads inputs and writes outputs.
IDENTITY="$WORK/identity.pbtxt"
echo 'name: "identity"' >"$IDENTITY"

# A net that fills blobs of every dtype (GivenTensor*Fill).
FILLS="$WORK/fills.pbtxt"
cat >"$FILLS" <<'EOF'
name: "fills"
op { type: "GivenTensorFill" output: "f" arg { name: "shape" ints: [2, 2] } arg { name: "values" floats: [1.5, -2, 0.25, 8] } }
op { type: "GivenTensorDoubleFill" output: "d" arg { name: "shape" ints: 2 } arg { name: "values" floats: [0.5, -1e10] } }
op { type: "GivenTensorIntFill" output: "i" arg { name: "shape" ints: 3 } arg { name: "values" ints: [-7, 0, 2147483647] } }
op { type: "GivenTensorInt64Fill" output: "l" arg { name: "shape" ints: 1 } arg { name: "values" ints: 1099511627776 } }
op { type: "GivenTensorBoolFill" output: "b" arg { name: "shape" ints: 3 } arg { name: "values" ints: [1, 0, 1] } }
op { type: "GivenTensorStringFill" output: "s" arg { name: "shape" ints: 2 } arg { name: "values" strings: ["ab", "c d"] } }
EOF
FILLS_SUMMARY="$WORK/fills_summary.txt"
cat >"$FILLS_SUMMARY" <<'EOF'
b: bool [3]
  [true, false, true]
d: double [2]
  [0.5, -1e+10]
f: float [2, 2]
  [[1.5, -2],
   [0.25, 8]]
i: int32 [3]
  [-7, 0, 2147483647]
l: int64 [1]
  [1099511627776]
s: string [2]
  ["ab", "c d"]
EOF

# A binary file from octal/hex escapes.
bytes() { printf "$1" >"$2"; }

# A .npy file with the given header dict; data from printf escapes.
npy() {
  local dict="$1" data="$2" file="$3"
  local len=$(( ${#dict} + 1 ))
  local pad=$(( (64 - (10 + len) % 64) % 64 ))
  local header="$dict$(printf '%*s' "$pad" '')"
  len=$(( ${#header} + 1 ))
  { printf '\x93NUMPY\x01\x00'; printf "\\x$(printf %02x $((len % 256)))\\x$(printf %02x $((len / 256)))";
    printf '%s\n' "$header"; printf "$data"; } >"$file"
}

# ---- help and documentation ----

t_help() {
  run --help
  expect_rc 0
  for flag in net init_net input input_file input_dims input_type output output_folder output_format warmup \
              iter run_individual gradient_for write_net list_operators describe_operator max_file_bytes \
              max_proto_depth max_tensor_bytes max_tensor_rank print_limit; do
    expect_out "  --$flag ("
  done
}

t_list_operators() {
  run --list_operators
  expect_rc 0
  for op in BooleanMask BooleanMaskGradient BooleanMaskLengths BooleanUnmask SequenceMask ConstantFill Sum \
            GivenTensorFill GivenTensorBoolFill GivenTensorStringFill; do
    expect_out_re "^$op +[A-Z]"
  done
}

t_describe_operator() {
  run --describe_operator=SequenceMask
  expect_rc 0
  expect_out "SequenceMask"
  expect_out "Inputs"
  expect_out "Outputs"
  expect_out "fill_val"
  expect_out "mode (required)"
  run --describe_operator=BooleanMask
  expect_rc 0
  expect_out "masked_indices"
}

t_describe_unknown_operator() {
  run --describe_operator=BooleanMsk
  expect_clean_failure
  expect_err "no operator called 'BooleanMsk'"
  expect_err "did you mean BooleanMask"
}

# ---- the examples ----

# The README's main-job command.
t_example_padding_removal() {
  run "${PR_ARGS[@]}" --output '*'
  expect_rc 0
  expect_out_re '^Main run finished\. Milliseconds per iter: [0-9.e+-]+\. Iters per second: [0-9.e+-]+$'
  expect_out $'packed: float [8]\n'
  expect_out "  [1.5, -2, 0.25, 4, 0.5, 3, -1, 2]"
  expect_out "packed_lengths: int32 [3]"
  expect_out "  [3, 1, 4]"
  expect_out "packed_positions: int64 [8]"
  expect_out "  [0, 1, 2, 4, 8, 9, 10, 11]"
  expect_out "restored: float [12]"
  expect_out "  [3, -4, 0.5, 0, 8, 0, 0, 0, 1, 6, -2, 4]"
  [[ ! -s "$ERR" ]] || fail "stderr is not empty"
}

t_example_attention_masks() {
  run --net "$AM/net.pbtxt" --input scores,key_lengths,self_scores \
      --input_file "$AM/scores.pbtxt,$AM/key_lengths.pbtxt,$AM/self_scores.pb" \
      --output masked_scores,causal_scores --iter 0
  expect_rc 0
  expect_out "masked_scores: float [2, 4]"
  expect_out "  [[0.9, -inf, -inf, -inf],"
  expect_out "   [0.1, 0.8, 0.5, -inf]]"
  expect_out "causal_scores: float [2, 3, 3]"
  expect_out "  [[[0.5, -inf, -inf],"
  expect_out "    [0.3, 0.9, -inf],"
  expect_out "    [0.7, 0.6, 0.8]],"
  expect_out "   [[1, -inf, -inf],"
  expect_no_out "Main run finished"
}

t_example_training_backward() {
  run "${TB_ARGS[@]}" --gradient_for selected --output selected,w_grad,x_grad --iter 0
  expect_rc 0
  expect_out "selected: float [2, 3]"
  expect_out "  [[1.1, 2.2, 0],"
  expect_out "w_grad: float [3, 3]"
  expect_out $'  [[1, 1, 0],\n   [0, 0, 0],\n   [1, 0, 0]]'
}

# The committed example inputs are exactly what their make_inputs.pbtxt nets produce.
t_example_inputs_regenerate() {
  mkdir "$WORK/gen1" "$WORK/gen2" "$WORK/gen3"
  run --net "$PR/make_inputs.pbtxt" --iter 0 --output '*' --output_folder "$WORK/gen1" --output_format npy
  expect_rc 0
  for f in tokens mask padding_mask lengths; do expect_file_same "$WORK/gen1/$f.npy" "$PR/$f.npy"; done
  run --net "$TB/make_inputs.pbtxt" --iter 0 --output '*' --output_folder "$WORK/gen2" --output_format npy
  expect_rc 0
  for f in x lengths keep_rows; do expect_file_same "$WORK/gen2/$f.npy" "$TB/$f.npy"; done
  run --net "$AM/make_inputs.pbtxt" --iter 0 --output self_scores --output_folder "$WORK/gen3"
  expect_rc 0
  expect_file_same "$WORK/gen3/self_scores" "$AM/self_scores.pb"
}

# ---- input formats ----

t_input_blobproto_binary() {
  mkdir "$WORK/blobs"
  run --net "$FILLS" --iter 0 --output '*' --output_folder "$WORK/blobs"
  expect_rc 0
  run --net "$IDENTITY" --iter 0 --input b,d,f,i,l,s \
      --input_file "$WORK/blobs/b,$WORK/blobs/d,$WORK/blobs/f,$WORK/blobs/i,$WORK/blobs/l,$WORK/blobs/s" --output '*'
  expect_rc 0
  diff "$OUT" "$FILLS_SUMMARY" >/dev/null || fail "summary differs from $(cat "$FILLS_SUMMARY")"
}

t_input_blobproto_text() {
  cat >"$WORK/x.pbtxt" <<'EOF'
# comment
name: "x"
type: "Tensor"
tensor { dims: 2 dims: 1 data_type: INT64 int64_data: [5, -6] }
EOF
  run --net "$IDENTITY" --iter 0 --input x --input_file "$WORK/x.pbtxt" --output x
  expect_rc 0
  expect_out "x: int64 [2, 1]"
  expect_out $'  [[5],\n   [-6]]'
}

t_input_tensorproto_text() {
  printf 'dims: 3\ndata_type: BOOL\nint32_data: [0, 5, 1]\n' >"$WORK/m.txt"
  run --net "$IDENTITY" --iter 0 --input m --input_file "$WORK/m.txt" --output m
  expect_rc 0
  expect_out "m: bool [3]"
  expect_out "  [false, true, true]"
}

t_input_tensorproto_binary() {
  # dims: 3 (08 03), data_type: FLOAT (10 01), float_data packed (1a 0c) 1.0 2.0 -0.5
  bytes '\x08\x03\x10\x01\x1a\x0c\x00\x00\x80\x3f\x00\x00\x00\x40\x00\x00\x00\xbf' "$WORK/t.bin"
  # dims: 2, data_type: FLOAT16 (10 0c), int32_data packed (22 05): 0x3c00 (1.0) 0xc000 (-2.0)
  bytes '\x08\x02\x10\x0c\x22\x06\x80\xf8\x00\x80\x80\x03' "$WORK/h.bin"
  # dims: 2, data_type: INT32 (10 02), raw_data (6a 08) little-endian 7, -1
  bytes '\x08\x02\x10\x02\x6a\x08\x07\x00\x00\x00\xff\xff\xff\xff' "$WORK/r.bin"
  run --net "$IDENTITY" --iter 0 --input t,h,r --input_file "$WORK/t.bin,$WORK/h.bin,$WORK/r.bin" --output t,h,r
  expect_rc 0
  expect_out $'t: float [3]\n  [1, 2, -0.5]'
  expect_out $'h: float16 [2]\n  [1, -2]'
  expect_out $'r: int32 [2]\n  [7, -1]'
}

t_input_npy() {
  mkdir "$WORK/npy"
  run --net "$FILLS" --iter 0 --output '*' --output_folder "$WORK/npy" --output_format npy
  expect_rc 0
  run --net "$IDENTITY" --iter 0 --input b,d,f,i,l,s \
      --input_file "$WORK/npy/b.npy,$WORK/npy/d.npy,$WORK/npy/f.npy,$WORK/npy/i.npy,$WORK/npy/l.npy,$WORK/npy/s.npy" \
      --output '*'
  expect_rc 0
  diff "$OUT" "$FILLS_SUMMARY" >/dev/null || fail "summary differs"
  # Hand-made files of the dtypes no fill operator makes: f2, i1, i2, u1, u2, and a scalar.
  npy "{'descr': '<f2', 'fortran_order': False, 'shape': (2,), }" '\x00\x3c\x00\xc0' "$WORK/h.npy"
  npy "{'descr': '|i1', 'fortran_order': False, 'shape': (2,), }" '\xff\x05' "$WORK/i1.npy"
  npy "{'descr': '<i2', 'fortran_order': False, 'shape': (1,), }" '\x00\x80' "$WORK/i2.npy"
  npy "{'descr': '|u1', 'fortran_order': False, 'shape': (2,), }" '\xff\x05' "$WORK/u1.npy"
  npy "{'descr': '<u2', 'fortran_order': False, 'shape': (1,), }" '\xff\xff' "$WORK/u2.npy"
  npy "{'descr': '<f8', 'fortran_order': False, 'shape': (), }" '\x00\x00\x00\x00\x00\x00\x04\x40' "$WORK/sc.npy"
  npy "{'descr': '|b1', 'fortran_order': False, 'shape': (3,), }" '\x00\x02\x01' "$WORK/b.npy"
  run --net "$IDENTITY" --iter 0 --input h,i1,i2,u1,u2,sc,b \
      --input_file "$WORK/h.npy,$WORK/i1.npy,$WORK/i2.npy,$WORK/u1.npy,$WORK/u2.npy,$WORK/sc.npy,$WORK/b.npy" --output h,i1,i2,u1,u2,sc,b
  expect_rc 0
  expect_out $'h: float16 [2]\n  [1, -2]'
  expect_out $'i1: int8 [2]\n  [-1, 5]'
  expect_out $'i2: int16 [1]\n  [-32768]'
  expect_out $'u1: uint8 [2]\n  [255, 5]'
  expect_out $'u2: uint16 [1]\n  [65535]'
  expect_out $'sc: double []\n  2.5'
  expect_out $'b: bool [3]\n  [false, true, true]'
}

# Written .npy files load in NumPy, when NumPy is installed.
t_npy_numpy_interop() {
  local py=""
  for candidate in python3 /usr/bin/python3; do
    if command -v "$candidate" >/dev/null && "$candidate" -c 'import numpy' 2>/dev/null; then py="$candidate"; break; fi
  done
  [[ -n "$py" ]] || { echo "SKIP: NumPy is not installed"; exit 77; }
  mkdir "$WORK/npy"
  run --net "$FILLS" --iter 0 --output '*' --output_folder "$WORK/npy" --output_format npy
  expect_rc 0
  "$py" - "$WORK/npy" <<'EOF' || fail "NumPy disagrees"
import sys, numpy as np
d = sys.argv[1]
assert np.load(d + "/f.npy").tolist() == [[1.5, -2.0], [0.25, 8.0]]
assert np.load(d + "/f.npy").dtype == np.float32
assert np.load(d + "/d.npy").tolist() == [0.5, -1e10]
assert np.load(d + "/i.npy").tolist() == [-7, 0, 2147483647]
assert np.load(d + "/l.npy").dtype == np.int64
assert np.load(d + "/b.npy").tolist() == [True, False, True]
assert np.load(d + "/s.npy").tolist() == ["ab", "c d"]
np.save(d + "/from_numpy.npy", np.arange(6, dtype=np.int16).reshape(2, 3))
EOF
  run --net "$IDENTITY" --iter 0 --input a --input_file "$WORK/npy/from_numpy.npy" --output a
  expect_rc 0
  expect_out $'a: int16 [2, 3]\n  [[0, 1, 2],\n   [3, 4, 5]]'
}

t_input_synthetic() {
  # Floats ((i*37) % 101)/50 - 1; bools i % 3 != 1 (T F T T F T); integers (i*7 + 3) % 10; strings s<i>.
  printf 'name: "n"\nop { type: "BooleanMask" input: "data" input: "m" output: "kept" }\n' >"$WORK/n.pbtxt"
  run --net "$WORK/n.pbtxt" --input data,m --input_dims '6;6' --input_type 'float;bool' --output m,kept --iter 0
  expect_rc 0
  expect_out $'m: bool [6]\n  [true, false, true, true, false, true]'
  expect_out $'kept: float [4]\n  [-1, 0.48, -0.8, 0.68]'
  run --net "$IDENTITY" --input a,b,c,d --input_dims '3;2,2;;4' --input_type 'float;int64;double;bool' \
      --output a,b,c,d --iter 0
  expect_rc 0
  expect_out $'a: float [3]\n  [-1, -0.26, 0.48]'
  expect_out $'b: int64 [2, 2]\n  [[3, 0],\n   [7, 4]]'
  expect_out $'c: double []\n  -1'
  expect_out $'d: bool [4]\n  [true, false, true, true]'
  run --net "$IDENTITY" --input a,b --input_dims '2;1' --input_type 'string' --output a,b --iter 0
  expect_rc 0
  expect_out $'a: string [2]\n  ["s0", "s1"]'
}

# ---- output formats ----

t_output_blobproto() {
  mkdir "$WORK/o"
  run "${PR_ARGS[@]}" --output restored,packed_lengths --output_folder "$WORK/o" --iter 0
  expect_rc 0
  [[ "$(ls -A "$WORK/o" | tr '\n' ' ')" == "packed_lengths restored " ]] || fail "unexpected files: $(ls -A "$WORK/o")"
  [[ ! -s "$OUT" ]] || fail "stdout should be empty with --output_folder and --iter 0"
  # The written BlobProto reads back (format detection) with the right name, dtype and values.
  run --net "$IDENTITY" --iter 0 --input r,l --input_file "$WORK/o/restored,$WORK/o/packed_lengths" --output r,l
  expect_rc 0
  expect_out $'r: float [12]\n  [3, -4, 0.5, 0, 8, 0, 0, 0, 1, 6, -2, 4]'
  expect_out $'l: int32 [3]\n  [3, 1, 4]'
  grep -q 'Tensor' "$WORK/o/restored" || fail "BlobProto lacks type 'Tensor'"
  grep -q 'restored' "$WORK/o/restored" || fail "BlobProto lacks its name"
}

t_output_npy() {
  mkdir "$WORK/o"
  run "${PR_ARGS[@]}" --output restored,packed_positions --output_folder "$WORK/o" --output_format npy --iter 0
  expect_rc 0
  [[ "$(ls -A "$WORK/o" | tr '\n' ' ')" == "packed_positions.npy restored.npy " ]] || fail "unexpected files: $(ls -A "$WORK/o")"
  head -c 6 "$WORK/o/restored.npy" | grep -q 'NUMPY' || fail "not a .npy file"
  grep -q "'descr': '<i8'" "$WORK/o/packed_positions.npy" || fail "packed_positions is not <i8"
  run --net "$IDENTITY" --iter 0 --input p --input_file "$WORK/o/packed_positions.npy" --output p
  expect_rc 0
  expect_out $'p: int64 [8]\n  [0, 1, 2, 4, 8, 9, 10, 11]'
}

t_output_folder_created() {
  run "${PR_ARGS[@]}" --output restored --output_folder "$WORK/new" --iter 0
  expect_rc 0
  [[ -f "$WORK/new/restored" ]] || fail "output folder was not created"
}

t_output_name_with_slash() {
  printf 'name: "n"\nop { type: "ConstantFill" output: "gpu_0/x" arg { name: "shape" ints: 2 } arg { name: "value" f: 3 } }\n' >"$WORK/n.pbtxt"
  mkdir "$WORK/o"
  run --net "$WORK/n.pbtxt" --output gpu_0/x --output_folder "$WORK/o" --iter 0
  expect_rc 0
  [[ -f "$WORK/o/gpu_0_x" ]] || fail "expected $WORK/o/gpu_0_x: $(ls -A "$WORK/o")"
}

t_output_stdout_summary() {
  run --net "$IDENTITY" --input big --input_dims '10,10' --output big --iter 0
  expect_rc 0
  expect_out "big: float [10, 10]"
  expect_out "(first 64 of 100 values, flattened)"
  run --net "$IDENTITY" --input big --input_dims '10,10' --output big --iter 0 --print_limit 3
  expect_rc 0
  expect_out $'  [-1, -0.26, 0.48, ...]  (first 3 of 100 values, flattened)'
}

# ---- nets and running ----

t_binary_net() {
  [[ -x "$PROTOC" ]] || { echo "SKIP: no protoc"; exit 77; }
  "$PROTOC" -I "$PROTO_ROOT" --encode=caffe2.NetDef proto/caffe2.proto <"$PR/net.pbtxt" >"$WORK/net.pb" ||
    fail "protoc --encode failed"
  run --net "$WORK/net.pb" --input tokens,mask,padding_mask,lengths \
      --input_file "$PR/tokens.npy,$PR/mask.npy,$PR/padding_mask.npy,$PR/lengths.npy" --output restored --iter 0
  expect_rc 0
  expect_out "  [3, -4, 0.5, 0, 8, 0, 0, 0, 1, 6, -2, 4]"
  "$PROTOC" -I "$PROTO_ROOT" --encode=caffe2.NetDef proto/caffe2.proto <"$TB/init_net.pbtxt" >"$WORK/init.pb"
  run --init_net "$WORK/init.pb" --net "$TB/net.pbtxt" --input x,lengths,keep_rows \
      --input_file "$TB/x.npy,$TB/lengths.npy,$TB/keep_rows.npy" --output w --iter 0
  expect_rc 0
  expect_out "w: float [3, 3]"
}

t_timing_line() {
  run "${PR_ARGS[@]}" --warmup 2 --iter 5
  expect_rc 0
  [[ "$(grep -c 'Main run finished' "$OUT")" == 1 ]] || fail "expected one timing line"
  expect_out_re '^Main run finished\. Milliseconds per iter: [0-9.e+-]+\. Iters per second: [0-9.e+-]+$'
  run "${PR_ARGS[@]}" --iter 0
  expect_rc 0
  expect_no_out "Main run finished"
}

t_run_individual() {
  run "${PR_ARGS[@]}" --iter 3 --run_individual
  expect_rc 0
  expect_out_re '^Main run finished\.'
  local i=0
  for op in 'BooleanMask "pack_tokens"' 'BooleanMaskLengths "real_lengths"' 'Sum "process"' \
            'BooleanMask "pick_padding"' 'ConstantFill "zero_padding"' 'BooleanUnmask "unpack_tokens"'; do
    expect_out_re "^Operator #$i $op: [0-9.e+-]+ ms/iter \([0-9.]+% of total\)$"
    i=$((i + 1))
  done
  expect_out "Time per operator type:"
  expect_out_re '^  [0-9.e+-]+ ms/iter  [0-9.]+%  BooleanMask$'
  run "${PR_ARGS[@]}" --iter 0 --run_individual
  expect_clean_failure
  expect_err "--iter > 0"
}

t_gradient_for() {
  run "${TB_ARGS[@]}" --gradient_for selected --output w_grad,h_grad,selected_grad --iter 2
  expect_rc 0
  expect_out $'w_grad: float [3, 3]\n  [[1, 1, 0],\n   [0, 0, 0],\n   [1, 0, 0]]'
  expect_out $'selected_grad: float [2, 3]\n  [[1, 1, 1],\n   [1, 1, 1]]'
  run "${TB_ARGS[@]}" --gradient_for nosuchblob --output w --iter 0
  expect_clean_failure
  expect_err "nosuchblob"
  expect_err "--gradient_for"
}

t_write_net() {
  mkdir "$WORK/o"
  run "${TB_ARGS[@]}" --gradient_for selected --write_net "$WORK/ran.pbtxt" --output w_grad --output_folder "$WORK/o" --iter 0
  expect_rc 0
  grep -q 'type: "BooleanMaskGradient"' "$WORK/ran.pbtxt" || fail "written net lacks the backward pass"
  grep -q 'name: "training_backward"' "$WORK/ran.pbtxt" || fail "written net lacks its name"
  [[ -z "$(ls -A "$WORK" | grep '^\.')" ]] || fail "temporary files left: $(ls -A "$WORK")"
  # The written net runs as it is, without --gradient_for, and gives the same gradient.
  run --init_net "$TB/init_net.pbtxt" --net "$WORK/ran.pbtxt" --input x,lengths,keep_rows \
      --input_file "$TB/x.npy,$TB/lengths.npy,$TB/keep_rows.npy" --output w_grad --iter 0
  expect_rc 0
  expect_out $'w_grad: float [3, 3]\n  [[1, 1, 0],'
}

t_net_types() {
  for type in "" simple dag async_scheduling; do
    sed "s/^type: \"simple\"/type: \"$type\"/" "$PR/net.pbtxt" >"$WORK/typed.pbtxt"
    run --net "$WORK/typed.pbtxt" --input tokens,mask,padding_mask,lengths \
        --input_file "$PR/tokens.npy,$PR/mask.npy,$PR/padding_mask.npy,$PR/lengths.npy" --output restored --iter 0
    expect_rc 0
  done
}

# ---- bad input: each is a clean failure naming what is at fault, and writes nothing ----

# bad_run ARGS...: runs with every output going to an empty folder, expects a clean failure and an
# empty folder.
bad_run() {
  mkdir -p "$WORK/o"
  run "$@" --output '*' --output_folder "$WORK/o" --write_net "$WORK/o/net.pbtxt"
  expect_clean_failure
  expect_empty_dir "$WORK/o"
}

t_bad_missing_net_file() {
  bad_run --net "$WORK/nope.pbtxt"
  expect_err "cannot open file '$WORK/nope.pbtxt'"
  expect_err "No such file"
}

t_bad_net_text_syntax() {
  printf 'name: "x"\nop {\n  type: "Sum"\n  inptu: "a"\n}\n' >"$WORK/bad.pbtxt"
  bad_run --net "$WORK/bad.pbtxt"
  expect_err "file '$WORK/bad.pbtxt'"
  expect_err "line 4"
  expect_err "inptu"
}

t_bad_net_binary_garbage() {
  bytes '\xff\xff\xff\xff\x0f\x01\x02\x03' "$WORK/bad.pb"
  bad_run --net "$WORK/bad.pb"
  expect_err "file '$WORK/bad.pb'"
  expect_err "caffe2.NetDef"
}

t_bad_net_empty_file() {
  : >"$WORK/empty.pb"
  bad_run --net "$WORK/empty.pb"
  expect_err "file '$WORK/empty.pb' is empty"
}

t_bad_unknown_operator() {
  sed 's/type: "BooleanMaskLengths"/type: "BooleanMaskLength"/' "$PR/net.pbtxt" >"$WORK/bad.pbtxt"
  bad_run --net "$WORK/bad.pbtxt" --input tokens,mask,padding_mask,lengths \
      --input_file "$PR/tokens.npy,$PR/mask.npy,$PR/padding_mask.npy,$PR/lengths.npy"
  expect_err "'BooleanMaskLength' is not registered"
  expect_err "did you mean"
  expect_err "BooleanMaskLengths"
  expect_err "net file '$WORK/bad.pbtxt'"
}

t_bad_missing_blob() {
  bad_run --net "$PR/net.pbtxt" --input tokens,mask,lengths \
      --input_file "$PR/tokens.npy,$PR/mask.npy,$PR/lengths.npy"
  expect_err "blob 'padding_mask'"
  expect_err "not in the workspace"
}

t_bad_input_count_mismatch() {
  bad_run --net "$PR/net.pbtxt" --input tokens,mask,padding_mask,lengths --input_file "$PR/tokens.npy,$PR/mask.npy"
  expect_rc 2
  expect_err "--input names 4 blobs"
  expect_err "--input_file gives 2 files"
}

t_bad_input_dims_and_files() {
  bad_run --net "$IDENTITY" --input a --input_file "$PR/tokens.npy" --input_dims 3
  expect_rc 2
  expect_err "not both"
  bad_run --net "$IDENTITY" --input a --input_dims 'x,3'
  expect_rc 2
  expect_err "--input_dims"
  bad_run --net "$IDENTITY" --input a --input_dims 3 --input_type complex
  expect_rc 2
  expect_err "'complex' is not a type"
}

t_bad_operator_error() {
  # 3 tokens for a 12-element mask: BooleanMask rejects it, naming the operator and the blobs.
  bad_run --net "$PR/net.pbtxt" --input tokens,mask,padding_mask,lengths \
      --input_file "$PR/lengths.npy,$PR/mask.npy,$PR/padding_mask.npy,$PR/lengths.npy"
  expect_err "BooleanMask"
  expect_err "pack_tokens"
  expect_err "net file '$PR/net.pbtxt'"
  run --net "$IDENTITY" --input a,m --input_dims '5;4' --input_type 'float;bool' --output a
  expect_rc 0
  printf 'name: "n"\nop { type: "BooleanMask" name: "select" input: "a" input: "m" output: "b" }\n' >"$WORK/n.pbtxt"
  bad_run --net "$WORK/n.pbtxt" --input a,m --input_dims '5;4' --input_type 'float;bool'
  expect_err "operator #0 BooleanMask \"select\""
  expect_err "'m'"
}

t_bad_init_net_error() {
  printf 'name: "init"\nop { type: "GivenTensorFill" output: "w" arg { name: "shape" ints: 3 } arg { name: "values" floats: [1, 2] } }\n' >"$WORK/init.pbtxt"
  bad_run --init_net "$WORK/init.pbtxt" --net "$IDENTITY"
  expect_err "GivenTensorFill"
  expect_err "init net from file '$WORK/init.pbtxt'"
}

t_bad_input_truncated_npy() {
  npy "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }" '\x00\x00\x80\x3f' "$WORK/t.npy"
  bad_run --net "$IDENTITY" --input a --input_file "$WORK/t.npy"
  expect_err "file '$WORK/t.npy'"
  expect_err "truncated"
  expect_err "input blob 'a'"
}

t_bad_input_fortran_npy() {
  npy "{'descr': '<f4', 'fortran_order': True, 'shape': (2, 2), }" '\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00' "$WORK/f.npy"
  bad_run --net "$IDENTITY" --input a --input_file "$WORK/f.npy"
  expect_err "file '$WORK/f.npy'"
  expect_err "Fortran"
}

t_bad_input_object_npy() {
  npy "{'descr': '|O', 'fortran_order': False, 'shape': (1,), }" '\x80\x03\x00\x00\x00\x00\x00\x00' "$WORK/o.npy"
  bad_run --net "$IDENTITY" --input a --input_file "$WORK/o.npy"
  expect_err "file '$WORK/o.npy'"
  expect_err "Python objects"
}

t_bad_input_bigendian_npy() {
  npy "{'descr': '>i4', 'fortran_order': False, 'shape': (1,), }" '\x00\x00\x00\x01' "$WORK/b.npy"
  bad_run --net "$IDENTITY" --input a --input_file "$WORK/b.npy"
  expect_err "big-endian"
}

t_bad_input_garbage() {
  bytes '\x01\x02\x03\xff\xfe' "$WORK/g.bin"
  bad_run --net "$IDENTITY" --input a --input_file "$WORK/g.bin"
  expect_err "file '$WORK/g.bin'"
  expect_err "neither a .npy file nor"
}

t_bad_input_empty_file() {
  : >"$WORK/e"
  bad_run --net "$IDENTITY" --input a --input_file "$WORK/e"
  expect_err "file '$WORK/e': it is empty"
}

t_bad_input_count_in_tensorproto() {
  printf 'dims: 2\ndims: 3\nfloat_data: [1, 2, 3]\n' >"$WORK/t.txt"
  bad_run --net "$IDENTITY" --input a --input_file "$WORK/t.txt"
  expect_err "file '$WORK/t.txt'"
  expect_err "dims [2, 3] need 6 values, but float_data holds 3"
}

t_bad_input_text_typo() {
  printf 'dims: 2\nflaot_data: [1, 2]\n' >"$WORK/t.txt"
  bad_run --net "$IDENTITY" --input a --input_file "$WORK/t.txt"
  expect_err "file '$WORK/t.txt'"
  expect_err "line 2"
}

t_bad_input_blob_wrong_type() {
  printf 'name: "q"\ntype: "QTensor"\ncontent: "xyz"\n' >"$WORK/q.txt"
  bad_run --net "$IDENTITY" --input a --input_file "$WORK/q.txt"
  expect_err "holds a 'QTensor', not a 'Tensor'"
}

t_bad_input_negative_and_overflowing_dims() {
  printf 'dims: -2\n' >"$WORK/n.txt"
  bad_run --net "$IDENTITY" --input a --input_file "$WORK/n.txt"
  expect_err "negative"
  printf 'dims: 4294967296\ndims: 4294967296\ndims: 4294967296\n' >"$WORK/o.txt"
  bad_run --net "$IDENTITY" --input a --input_file "$WORK/o.txt"
  expect_err "overflows"
}

t_bad_output_unknown_blob() {
  mkdir "$WORK/o"
  run "${PR_ARGS[@]}" --output restord,packed --output_folder "$WORK/o" --iter 0
  expect_clean_failure
  expect_err "blob 'restord' does not exist"
  expect_err "did you mean 'restored'"
  expect_empty_dir "$WORK/o"
}

t_bad_output_format() {
  bad_run "${PR_ARGS[@]}" --output_format csv
  expect_rc 2
  expect_err "--output_format is 'csv'"
}

t_bad_output_folder_parent_missing() {
  run "${PR_ARGS[@]}" --output restored --output_folder "$WORK/no/such/dir" --iter 0
  expect_clean_failure
  expect_rc 2
  expect_err "does not exist"
  [[ ! -e "$WORK/no" ]] || fail "created folders"
}

t_bad_output_folder_without_output() {
  run "${PR_ARGS[@]}" --output_folder "$WORK" --iter 0
  expect_clean_failure
  expect_err "--output_folder needs --output"
}

t_bad_file_too_big() {
  bad_run "${PR_ARGS[@]}" --max_file_bytes 100
  expect_err "more than the file size limit of 100 bytes"
  expect_err "--max_file_bytes"
}

t_bad_tensor_too_big() {
  bad_run --net "$IDENTITY" --input a --input_dims '1000,1000' --max_tensor_bytes 1000000
  expect_err "more than the limit of 1000000 bytes"
  bad_run --net "$IDENTITY" --input a --input_dims '1,1,1,1' --max_tensor_rank 3
  expect_err "rank limit"
}

t_bad_proto_depth() {
  local text='name: "x"'
  for _ in $(seq 1 12); do text="op { arg { name: \"n\" n { $text } } }"; done
  echo "$text" >"$WORK/deep.pbtxt"
  bad_run --net "$WORK/deep.pbtxt" --max_proto_depth 8
  expect_err "file '$WORK/deep.pbtxt'"
}

t_bad_unexpected_argument() {
  run "${PR_ARGS[@]}" stray
  expect_clean_failure
  expect_rc 2
  expect_err "unexpected argument 'stray'"
}

t_bad_no_net() {
  run --input a --input_dims 3
  expect_clean_failure
  expect_rc 2
  expect_err "--net is required"
}

t_bad_duplicate_input() {
  bad_run --net "$IDENTITY" --input a,a --input_dims '1;1'
  expect_err "blob 'a' twice"
}

# SIGTERM and SIGINT during a long benchmark: non-zero exit, a message, nothing written.
t_signal_leaves_nothing() {
  for sig in TERM INT; do
    rm -rf "$WORK/o" && mkdir "$WORK/o"
    "$RUNNER" "${PR_ARGS[@]}" --iter 2000000000 --output '*' --output_folder "$WORK/o" >"$OUT" 2>"$ERR" &
    local pid=$!
    sleep 1
    kill -s "$sig" "$pid"
    wait "$pid"
    RC=$?
    [[ "$RC" != 0 ]] || fail "SIG$sig: exit code 0"
    grep -q "no output file was written" "$ERR" || fail "SIG$sig: no message"
    [[ "$RC" == $((128 + $(kill -l SIG$sig))) ]] || fail "SIG$sig: exit code $RC"
    expect_empty_dir "$WORK/o"
  done
}

# Signals at each phase, with OMP_NUM_THREADS=1 and 2 (the signal must not reach an OpenMP worker),
# SIGHUP included: exit 128+N, a true message, and a folder holding exactly what it held before.
# A phase is reached with the runner's test-only pause (CAFFE2_MASK_RUN_TEST_PAUSE, tools/runner/test_pause.h).
start_paused() {  # PHASE ARGS...: starts the runner paused at PHASE; sets PID
  local phase="$1"; shift
  touch "$WORK/pause"
  CAFFE2_MASK_RUN_TEST_PAUSE="$phase:$WORK/pause" "$RUNNER" "$@" >"$OUT" 2>"$ERR" &
  PID=$!
  wait_for_err "test pause at $phase"
}
wait_for_err() {
  local i
  for i in $(seq 1 3000); do grep -qF -- "$1" "$ERR" && return 0; kill -0 "$PID" 2>/dev/null || break; sleep 0.01; done
  fail "stderr never showed: $1"
}
folder_state() { (cd "$1" && for f in $(ls -A | sort); do echo "$f $(md5sum <"$f")"; done); }

t_signal_at_each_phase() {
  for threads in 1 2; do
    for sig in INT TERM HUP; do
      for phase in loaded staged; do
        rm -rf "$WORK/o" && mkdir "$WORK/o" && echo previous >"$WORK/o/restored"
        local before; before="$(folder_state "$WORK/o")"
        OMP_NUM_THREADS=$threads start_paused "$phase" "${PR_ARGS[@]}" --iter 1 --output '*' --output_folder "$WORK/o"
        kill -s "$sig" "$PID"; wait "$PID"; RC=$?
        local n; n=$(kill -l "SIG$sig")
        [[ "$RC" == $((128 + n)) ]] || fail "SIG$sig at $phase (OMP_NUM_THREADS=$threads): exit $RC"
        expect_err "stopped by SIG$sig; no output file was written or changed"
        [[ "$(folder_state "$WORK/o")" == "$before" ]] || fail "SIG$sig at $phase: folder changed: $(ls -A "$WORK/o")"
      done
      # During the renames: the commit completes, then the run ends by the signal.
      rm -rf "$WORK/o" && mkdir "$WORK/o" && echo previous >"$WORK/o/restored"
      OMP_NUM_THREADS=$threads start_paused renaming "${PR_ARGS[@]}" --iter 1 --output restored,packed --output_folder "$WORK/o"
      kill -s "$sig" "$PID"
      wait_for_err "SIG$sig received during the output commit; finishing it first"
      rm -f "$WORK/pause"; wait "$PID"; RC=$?
      [[ "$RC" == $((128 + $(kill -l SIG$sig))) ]] || fail "SIG$sig while renaming: exit $RC"
      expect_err "stopped by SIG$sig; every output file was committed"
      [[ "$(ls -A "$WORK/o" | tr '\n' ' ')" == "packed restored " ]] || fail "SIG$sig while renaming: $(ls -A "$WORK/o")"
      ! grep -q previous "$WORK/o/restored" || fail "SIG$sig while renaming: restored is the previous file"
    done
  done
}

# gflags parse errors are command-line mistakes: exit 2 and one paragraph.
t_bad_flag_syntax() {
  run "${PR_ARGS[@]}" --itr 3
  expect_clean_failure; expect_rc 2; expect_err "unknown command line flag 'itr'"
  run "${PR_ARGS[@]}" --iter 1e3
  expect_clean_failure; expect_rc 2; expect_err "illegal value '1e3'"
}

t_bad_output_names() {
  run "${PR_ARGS[@]}" --output ''
  expect_clean_failure; expect_rc 2; expect_err "--output is given but names no blob"
  run "${PR_ARGS[@]}" --output ','
  expect_clean_failure; expect_rc 2; expect_err "entry 1 of 2 is empty"
  run "${PR_ARGS[@]}" --output 'restored,,packed' --output_folder "$WORK/o"
  expect_clean_failure; expect_rc 2; expect_err "entry 2 of 3 is empty"
  expect_empty_dir "$WORK/o"
  # A blob named "" that '*' would fetch.
  echo 'name: "empty" op { type: "ConstantFill" output: "" arg { name: "shape" ints: 1 } }' >"$WORK/empty.pbtxt"
  run --net "$WORK/empty.pbtxt" --iter 0 --output '*' --output_folder "$WORK/o"
  expect_clean_failure; expect_rc 1; expect_err "a blob has an empty name"
  expect_empty_dir "$WORK/o"
}

# Blob names of 245+ bytes: the temporary names are hashed to fit NAME_MAX; a file name over NAME_MAX
# is a clear error.
t_long_blob_names() {
  local long; long="$(printf 'b%.0s' $(seq 1 253))"
  echo "name: \"long\" op { type: \"ConstantFill\" output: \"$long\" arg { name: \"shape\" ints: 2 } arg { name: \"value\" f: 3 } }" >"$WORK/long.pbtxt"
  run --net "$WORK/long.pbtxt" --iter 0 --output "$long" --output_folder "$WORK/o"
  expect_rc 0
  [[ "$(ls -A "$WORK/o")" == "$long" ]] || fail "folder holds: $(ls -A "$WORK/o")"
  run --net "$WORK/long.pbtxt" --iter 0 --output "$long" --output_folder "$WORK/o2" --output_format npy
  expect_clean_failure; expect_rc 2; expect_err "more than the file-name limit of 255 bytes"
  expect_empty_dir "$WORK/o2"
}

# The timing line is consistent: ms/iter x iters/s = 1000 (to the 6 printed digits).
t_timing_line_consistent() {
  run "${PR_ARGS[@]}" --iter 50
  expect_rc 0
  local ms ips
  ms=$(sed -nE 's/^Main run finished\. Milliseconds per iter: ([0-9.e+-]+)\. .*/\1/p' "$OUT")
  ips=$(sed -nE 's/.*Iters per second: ([0-9.e+-]+)$/\1/p' "$OUT")
  awk -v a="$ms" -v b="$ips" 'BEGIN { p = a * b; exit !(p > 999 && p < 1001) }' || fail "ms/iter $ms x iters/s $ips != 1000"
}

# A previous output that is a folder: a clear error, and the user's other previous files kept.
t_output_is_a_folder() {
  mkdir -p "$WORK/o/packed" && echo previous >"$WORK/o/restored"
  run "${PR_ARGS[@]}" --iter 0 --output restored,packed --output_folder "$WORK/o"
  expect_clean_failure; expect_rc 1; expect_err "a folder of that name exists"
  [[ "$(cat "$WORK/o/restored")" == previous ]] || fail "the previous 'restored' was lost"
  [[ "$(ls -A "$WORK/o" | tr '\n' ' ')" == "packed restored " ]] || fail "folder holds: $(ls -A "$WORK/o")"
}

# A run killed with SIGKILL leaves its temporary files; the next run writing to the folder removes them.
t_stale_files_after_sigkill() {
  mkdir -p "$WORK/o"
  start_paused staged "${PR_ARGS[@]}" --iter 0 --output '*' --output_folder "$WORK/o"
  kill -s KILL "$PID"; wait "$PID"
  ls -A "$WORK/o" | grep -q "\.tmp\.caffe2_mask\.$PID\." || fail "no temporary file of the killed run"
  run "${PR_ARGS[@]}" --iter 0 --output restored --output_folder "$WORK/o"
  expect_rc 0
  [[ "$(ls -A "$WORK/o")" == restored ]] || fail "folder holds: $(ls -A "$WORK/o")"
}

# --ops_library: a library's operators are listed with their origin and run in a net beside the
# built-in ones; a library that cannot be loaded is an error naming it. The library is the test
# operator library of tests/caffe2_compat (LibraryAddConstant), passed in CAFFE2_MASK_TEST_OPS_LIBRARY.
t_ops_library() {
  [[ -n "${CAFFE2_MASK_TEST_OPS_LIBRARY:-}" ]] || { echo "no test operator library built"; exit 77; }
  run --ops_library="$CAFFE2_MASK_TEST_OPS_LIBRARY" --list_operators
  expect_rc 0
  expect_out_re "^LibraryAddConstant +.*\[operator library $CAFFE2_MASK_TEST_OPS_LIBRARY\]$"
  expect_out_re "^BooleanMask +[A-Z]"
  grep -E "^BooleanMask +" "$OUT" | grep -q "operator library" && fail "a built-in operator is listed as a library's"
  cat >"$WORK/net.pbtxt" <<'NET'
name: "library_and_builtin"
op { type: "LibraryAddConstant" input: "x" output: "y" arg { name: "addend" f: 10 } }
op { type: "BooleanMask" input: "y" input: "m" output: "kept" }
external_input: "x" external_input: "m"
NET
  cat >"$WORK/x.pbtxt" <<'T'
dims: 4 data_type: FLOAT float_data: 1 float_data: 2 float_data: 3 float_data: 4
T
  cat >"$WORK/m.pbtxt" <<'T'
dims: 4 data_type: BOOL int32_data: 1 int32_data: 0 int32_data: 0 int32_data: 1
T
  run --ops_library="$CAFFE2_MASK_TEST_OPS_LIBRARY" --net "$WORK/net.pbtxt" --input x,m \
      --input_file "$WORK/x.pbtxt,$WORK/m.pbtxt" --output kept --iter 0
  expect_rc 0
  expect_out "11, 14"
  run --ops_library="$WORK/missing.so" --list_operators
  expect_rc 1; expect_err "missing.so"
  run --ops_library="$CAFFE2_MASK_TEST_OPS_LIBRARY,," --list_operators
  expect_rc 2; expect_err "entry 2 of 3 is empty"
}

# A stdout whose reader goes away (| head): exit 141 as SIGPIPE would give, with a true message. The
# summary (200,000 values) is larger than a pipe's buffer, so the runner is still writing when head exits.
t_stdout_closed() {
  printf 'name: "copy"\nop { type: "Sum" input: "x" output: "y" }\n' >"$WORK/net.pbtxt"
  "$RUNNER" --net "$WORK/net.pbtxt" --input x --input_dims 200000 --output y --print_limit 200000 --iter 0 \
    2>"$ERR" | head -c 100 >"$OUT"
  RC=${PIPESTATUS[0]}
  expect_rc 141
  expect_err "cannot write to standard output (its reader closed the pipe)"
  expect_out "y: float [200000]"
}

if [[ "$CASE" == list ]]; then
  declare -F | awk '{print $3}' | grep '^t_' | sed 's/^t_//'
  exit 0
fi
declare -F "t_$CASE" >/dev/null || { echo "no test case '$CASE'" >&2; exit 1; }
"t_$CASE"
echo "PASS [$CASE]"
