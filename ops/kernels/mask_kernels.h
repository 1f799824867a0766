// Pure kernels of the mask operators: pointers and sizes in, no tensors, no workspace.
//
// Callers (the operator classes) validate every input before calling; the kernels assume valid input
// but never read or write outside the ranges documented on each function. Every size is int64_t.
// `bool` arrays hold only 0 or 1 (the spec guarantees it); the kernels rely on that to turn mask bytes
// into bitmasks and to count with byte sums.
//
// Each kernel runs one of three code paths (scalar, AVX2, AVX-512), chosen once from the CPU's features;
// one binary runs everywhere. Inputs of at least ParallelThresholdBytes() bytes are processed by an
// OpenMP team (its size follows OMP_NUM_THREADS); smaller inputs never enter a parallel region.
// No kernel allocates on the heap (BooleanUnmask with more than kMaxStackPairs pairs is the one
// exception, see there).
#ifndef CAFFE2_MASK_OPS_KERNELS_MASK_KERNELS_H_
#define CAFFE2_MASK_OPS_KERNELS_MASK_KERNELS_H_

#include <cstdint>
#include <limits>

namespace caffe2::kernels {

// ---------------------------------------------------------------------------------------------------
// Code path selection
// ---------------------------------------------------------------------------------------------------
enum class CpuPath { kScalar, kAVX2, kAVX512 };

// True when this CPU (and OS) can run `path`. kScalar always; kAVX2 needs AVX2+BMI1+BMI2+POPCNT;
// kAVX512 needs AVX-512F+BW (plus the AVX2 set). Detected once.
bool PathSupported(CpuPath path);
// The best supported path, unless a ScopedCpuPath is active.
CpuPath ActivePath();
const char* CpuPathName(CpuPath path);

// Forces a path for its lifetime (tests and benchmarks) on the calling thread only: kernels called
// from this thread use it (they read it on entry and hand it to their worker threads); other threads
// are not affected, so guards in several threads may overlap. Throws std::invalid_argument for a path
// this CPU cannot run. Every Scoped* guard below must be destroyed on the thread that created it, inner
// guards of a kind before outer ones (scoped objects do that); otherwise the destructor aborts.
class ScopedCpuPath {
 public:
  explicit ScopedCpuPath(CpuPath path);
  ~ScopedCpuPath();
  ScopedCpuPath(const ScopedCpuPath&) = delete;
  ScopedCpuPath& operator=(const ScopedCpuPath&) = delete;

 private:
  CpuPath previous_;
  const void* outer_;
};

// Inputs of at least this many bytes (see each kernel for what it counts) are split over an OpenMP
// team; below it no parallel region is entered. The default was measured (docs/performance.md).
// 0 forces threading for every non-empty input; a huge value disables it. The setter is process-wide
// and safe while kernels run on other threads (an atomic); a ScopedParallelThreshold overrides it on
// its own thread. The getter returns the value in force on the calling thread.
int64_t ParallelThresholdBytes();
void SetParallelThresholdBytes(int64_t bytes);
inline constexpr int64_t kDefaultParallelThresholdBytes = int64_t{1} << 20;

// SequenceMask calls whose output is at least this many bytes write rows of 4 KiB and more with
// non-temporal stores, which bypass the cache: at that size the output would not stay cached for its
// consumer anyway, and an ordinary store costs a read of the destination first. The default is the
// crossover measured in docs/performance.md ("Streaming stores"). 0 streams every such call; a huge
// value never streams. Process-wide, like the parallel threshold.
int64_t StreamingThresholdBytes();
void SetStreamingThresholdBytes(int64_t bytes);
inline constexpr int64_t kDefaultStreamingThresholdBytes = int64_t{24} << 20;

// Override a threshold on the calling thread for the lifetime of the object (tests, benchmarks); the
// rules of ScopedCpuPath apply.
class ScopedParallelThreshold {
 public:
  explicit ScopedParallelThreshold(int64_t bytes);
  ~ScopedParallelThreshold();
  ScopedParallelThreshold(const ScopedParallelThreshold&) = delete;
  ScopedParallelThreshold& operator=(const ScopedParallelThreshold&) = delete;

 private:
  int64_t previous_;
  const void* outer_;
};

class ScopedStreamingThreshold {
 public:
  explicit ScopedStreamingThreshold(int64_t bytes);
  ~ScopedStreamingThreshold();
  ScopedStreamingThreshold(const ScopedStreamingThreshold&) = delete;
  ScopedStreamingThreshold& operator=(const ScopedStreamingThreshold&) = delete;

 private:
  int64_t previous_;
  const void* outer_;
};

// ---------------------------------------------------------------------------------------------------
// Counting
// ---------------------------------------------------------------------------------------------------
// Number of true values in mask[0, n).
int64_t CountTrue(const bool* mask, int64_t n);

// ---------------------------------------------------------------------------------------------------
// BooleanMask
// ---------------------------------------------------------------------------------------------------
// Copies row i (row_bytes bytes) of `data` to the next slot of `out` for every mask[i] true, in order;
// if indices != nullptr also writes i to indices[k] in the same pass. Returns the number of rows kept.
// Reads data[0, n*row_bytes) and mask[0, n); writes exactly out[0, count*row_bytes) and
// indices[0, count) where count = CountTrue(mask, n). row_bytes >= 1.
// Threading threshold counts n*(row_bytes+1) bytes (data + mask).
int64_t BooleanMaskCompact(const void* data, const bool* mask, int64_t n, int64_t row_bytes, void* out,
                           int64_t* indices);

// BooleanMaskGradient: out row i = mask[i] ? packed row k++ : row_bytes zero bytes. Reads
// packed[0, CountTrue(mask,n)*row_bytes); writes out[0, n*row_bytes).
void BooleanMaskExpand(const void* packed, const bool* mask, int64_t n, int64_t row_bytes, void* out);

// ---------------------------------------------------------------------------------------------------
// BooleanMaskLengths
// ---------------------------------------------------------------------------------------------------
// out[s] = number of true values of mask in segment s, segments laid end to end with the given lengths.
// Precondition: every length >= 0 and their sum equals the mask size. Instantiated for int32_t, int64_t.
template <typename L>
void SegmentCountTrue(const L* lengths, int64_t segments, const bool* mask, L* out);

// ---------------------------------------------------------------------------------------------------
// BooleanUnmask
// ---------------------------------------------------------------------------------------------------
// Pairs up to this count are handled with per-pair state on the stack; more pairs take one heap
// allocation per call (no real net has that many).
inline constexpr int64_t kMaxStackPairs = 256;

// Check pass (writes nothing but covered_counts): position p is covered by the first pair i with
// masks[i][p] true. Writes covered_counts[0, pairs) (positions each pair covers, over all n positions)
// and returns the first position no pair covers, or -1 if every position is covered.
int64_t BooleanUnmaskCheck(const bool* const* masks, int64_t pairs, int64_t n, int64_t* covered_counts);

// Scatter pass. Precondition (from the check): every position is covered and values[i] holds exactly
// covered_counts[i] rows. out row p = values[i] row next_i++ for the covering pair i. Writes
// out[0, n*row_bytes). Threading threshold counts n*(row_bytes+pairs) bytes.
void BooleanUnmaskScatter(const bool* const* masks, const void* const* values, int64_t pairs, int64_t n,
                          int64_t row_bytes, void* out);

// ---------------------------------------------------------------------------------------------------
// SequenceMask
// ---------------------------------------------------------------------------------------------------
// The kept columns [begin, end) of one row; SequenceMaskApply clamps it to [0, M), and begin >= end
// means the whole row is masked.
struct Span {
  int64_t begin;
  int64_t end;
};

namespace detail {
inline constexpr int64_t kSpanMax = std::numeric_limits<int64_t>::max();
inline constexpr int64_t kSpanMin = std::numeric_limits<int64_t>::min();
// a + b saturated to int64 (the functors' inputs can come from int32 data and an int radius; the
// saturation keeps every combination defined without widening to 128 bits).
inline int64_t SatAdd(int64_t a, int64_t b) {
  int64_t r;
  if (__builtin_add_overflow(a, b, &r)) return b > 0 ? kSpanMax : kSpanMin;
  return r;
}
// a - b saturated to int64.
inline int64_t SatSub(int64_t a, int64_t b) {
  int64_t r;
  if (__builtin_sub_overflow(a, b, &r)) return b > 0 ? kSpanMin : kSpanMax;
  return r;
}
}  // namespace detail

// sequence: (i, j) masked when j >= lengths[i]; with repeat_from_axis, `block` = D and whole blocks of
// D columns are kept: [0, lengths[i] * D), computed without overflow. A negative length keeps nothing.
struct SequenceSpan {
  const int32_t* lengths;
  int64_t block = 1;
  Span operator()(int64_t i) const {
    const int64_t len = lengths[i];
    if (len <= 0) return {0, 0};
    int64_t end;
    if (__builtin_mul_overflow(len, block, &end)) end = detail::kSpanMax;
    return {0, end};
  }
};

// window: (i, j) masked when j > c + radius || j < c - radius, c = centers[i]; computed in 64 bits.
struct WindowSpan {
  const int32_t* centers;
  int64_t radius;
  Span operator()(int64_t i) const {
    const int64_t c = centers[i];
    return {detail::SatSub(c, radius), detail::SatAdd(detail::SatAdd(c, radius), 1)};
  }
};

// upper: masked j > i.
struct UpperSpan {
  Span operator()(int64_t i) const { return {0, i + 1}; }
};
// lower: masked j < i.
struct LowerSpan {
  Span operator()(int64_t i) const { return {i, detail::kSpanMax}; }
};
// upperdiag: masked j >= i.
struct UpperDiagSpan {
  Span operator()(int64_t i) const { return {0, i}; }
};
// lowerdiag: masked j <= i.
struct LowerDiagSpan {
  Span operator()(int64_t i) const { return {i + 1, detail::kSpanMax}; }
};

namespace detail {
using SpanThunk = Span (*)(const void* fn, int64_t i);
// Non-template engine of SequenceMaskApply: clamps spans, copies kept spans, fills masked spans with
// the item pattern, row-parallel and streamed above the thresholds (bytes counted: B*N*M*item_bytes).
void SequenceMaskRows(const void* in, void* out, int64_t item_bytes, const void* fill, int64_t B, int64_t N,
                      int64_t M, SpanThunk thunk, const void* fn);
}  // namespace detail

// Input viewed as [B, N, M] (B = 1 without `batch`). Row (b, i) keeps columns span(i) (clamped to
// [0, M)) copied from `in`; every other element is set to the item at `fill` (item_bytes 2, 4 or 8).
// in == out (in place) is allowed; other overlaps are not. A functor is called once per row, so the
// thunk indirection costs nothing measurable next to a row of M elements.
template <class SpanFn>
void SequenceMaskApply(const void* in, void* out, int64_t item_bytes, const void* fill, int64_t B, int64_t N,
                       int64_t M, SpanFn span) {
  detail::SequenceMaskRows(
      in, out, item_bytes, fill, B, N, M,
      [](const void* fn, int64_t i) { return (*static_cast<const SpanFn*>(fn))(i); }, &span);
}

// Fills count items of item_bytes (2, 4 or 8) at dst with the pattern at `item`; vectorised.
void FillItems(void* dst, int64_t count, int64_t item_bytes, const void* item);

// Copies `bytes` from src to dst (no overlap), split over the OpenMP team above the parallel
// threshold. `dst_written_before`: dst is memory written earlier (not fresh pages); there a copy of at
// least the streaming threshold uses streaming stores (glibc's memcpy streams only above its own,
// cache-size-derived threshold, so below it every destination line is read before it is written).
// Into fresh pages plain stores are faster: the page faults zero the lines through the cache anyway.
// Ordered before return (fenced), so another thread may read dst at once.
void CopyBytes(void* dst, const void* src, int64_t bytes, bool dst_written_before);

}  // namespace caffe2::kernels

#endif  // CAFFE2_MASK_OPS_KERNELS_MASK_KERNELS_H_
