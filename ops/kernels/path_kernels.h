// Internal: the serial kernels of one code path, as a table of function pointers.
//
// Each path lives in its own translation unit compiled with that path's instruction-set flags
// (path_scalar.cc, path_avx2.cc, path_avx512.cc). The public entry points in mask_kernels.cc pick a
// table once per call, split large inputs over threads, and call these serial range kernels.
// Deliberately free of templates and standard-library inline code, so nothing compiled with AVX flags
// can leak into a baseline translation unit through a shared inline definition.
#ifndef CAFFE2_MASK_OPS_KERNELS_PATH_KERNELS_H_
#define CAFFE2_MASK_OPS_KERNELS_PATH_KERNELS_H_

#include <cstdint>

namespace caffe2::kernels::detail {

// BooleanMask rows of at least this size are copied run by run, and with streaming stores when the
// output is at least StreamingThresholdBytes() (docs/performance.md, "Large rows").
inline constexpr int64_t kMinStreamedCompactRowBytes = 256;

struct PathKernels {
  // Number of true bytes in mask[0, n).
  int64_t (*count_true)(const bool* mask, int64_t n);
  // Compaction of rows [0, n); indices (if not null) get index_base + i. out holds exactly the kept rows.
  // stream: the output is large; rows of kMinStreamedCompactRowBytes and more are then written with
  // streaming stores, and the caller calls StreamFence() before handing the output over.
  int64_t (*compact)(const void* data, const bool* mask, int64_t n, int64_t row_bytes, void* out,
                     int64_t* indices, int64_t index_base, bool stream);
  // Expansion of rows [0, n) from `packed` (exactly CountTrue rows).
  void (*expand)(const void* packed, const bool* mask, int64_t n, int64_t row_bytes, void* out);
  // Positions [begin, end): adds the positions each pair covers to counts[0, pairs) and returns the
  // first uncovered position in the range, or -1.
  int64_t (*unmask_check)(const bool* const* masks, int64_t pairs, int64_t begin, int64_t end,
                          int64_t* counts);
  // Positions [begin, end): out row p (out points at row 0) = values[i] row next[i]++ for the covering
  // pair. next[0, pairs) holds, on entry, each pair's first row for this range.
  void (*unmask_scatter)(const bool* const* masks, const void* const* values, int64_t pairs, int64_t begin,
                         int64_t end, int64_t row_bytes, void* out, int64_t* next);
  // Segments [s0, s1) whose first mask byte is `mask` and whose lengths sum to mask_len: out[s] = true
  // bytes in segment s. Reads mask[0, mask_len) only.
  void (*segment_count32)(const int32_t* lengths, int64_t s0, int64_t s1, const bool* mask, int64_t mask_len,
                          int32_t* out);
  void (*segment_count64)(const int64_t* lengths, int64_t s0, int64_t s1, const bool* mask, int64_t mask_len,
                          int64_t* out);
  // count items of item_bytes (2, 4, 8) at dst set to the pattern at item.
  void (*fill)(void* dst, int64_t count, int64_t item_bytes, const void* item);
  // One SequenceMask row of bytes >= 32 bytes: dst[j] = src[j] for kept_begin <= j < kept_end, else
  // byte j % 8 of fill_word (the item pattern, from an item boundary). src may equal dst.
  void (*mask_row)(const void* src, void* dst, int64_t bytes, int64_t kept_begin, int64_t kept_end,
                   uint64_t fill_word);
};

const PathKernels& ScalarKernels();
// Only valid to call (and to run) when the CPU supports the path.
const PathKernels& Avx2Kernels();
const PathKernels& Avx512Kernels();

// Tests only: for its lifetime, the public entry points called from this thread run `table` instead of
// the active path's (the emulated AVX-512 table, which only test executables contain, so that operator
// tests run the AVX-512 logic on any CPU). Threaded calls hand it to their workers as they do the path.
// The scoping rules of ScopedCpuPath apply.
class ScopedKernelTable {
 public:
  explicit ScopedKernelTable(const PathKernels* table);
  ~ScopedKernelTable();
  ScopedKernelTable(const ScopedKernelTable&) = delete;
  ScopedKernelTable& operator=(const ScopedKernelTable&) = delete;

 private:
  const PathKernels* previous_;
  const void* outer_;
};

}  // namespace caffe2::kernels::detail

#endif  // CAFFE2_MASK_OPS_KERNELS_PATH_KERNELS_H_
