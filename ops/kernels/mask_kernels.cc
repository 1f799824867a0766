// Public entry points: pick the code path, split large inputs over an OpenMP team, call the serial
// range kernels of path_kernels.h.
//
// Threading pattern for the order-dependent kernels (compaction, expansion, unmask scatter): each
// thread takes a contiguous chunk, counts its mask (pass 1), waits at a barrier, sums the counts of the
// chunks before it (its output or input offset: a prefix sum over at most kMaxThreads numbers), and
// processes its chunk independently (pass 2). The per-chunk counts live in a stack array.
//
// SequenceMask, above the streaming threshold, writes rows of 4 KiB and more with non-temporal stores
// (streaming.h), and BooleanMask its kept rows of 256 bytes and more when they are that large; the
// other kernels always use ordinary stores (docs/performance.md, "Streaming stores" and "Large rows",
// has the measurements behind these choices).
#include "ops/kernels/mask_kernels.h"

#include <omp.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <stdexcept>
#include <string>
#include <vector>

#include "ops/kernels/item_word.h"
#include "ops/kernels/path_kernels.h"
#include "ops/kernels/streaming.h"

namespace caffe2::kernels {
namespace {

using detail::PathKernels;

// ---------------------------------------------------------------------------------------------------
// CPU features and path selection
// ---------------------------------------------------------------------------------------------------
struct Features {
  bool avx2 = false;
  bool avx512 = false;
};

Features Detect() {
  Features f;
#if defined(__x86_64__) || defined(__i386__)
  __builtin_cpu_init();
  // __builtin_cpu_supports also checks that the OS saves the wide registers (XCR0), so a hypervisor
  // that hides AVX-512 state disables the path.
  f.avx2 = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("bmi") && __builtin_cpu_supports("bmi2") &&
           __builtin_cpu_supports("popcnt");
  f.avx512 = f.avx2 && __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw");
#endif
  return f;
}

const Features& CpuFeatures() {
  static const Features features = Detect();
  return features;
}

CpuPath BestPath() {
  static const CpuPath best = CpuFeatures().avx512 ? CpuPath::kAVX512
                              : CpuFeatures().avx2 ? CpuPath::kAVX2
                                                   : CpuPath::kScalar;
  return best;
}

// Process-wide settings, changed while kernels run on other threads: atomics.
std::atomic<int64_t> g_parallel_threshold{kDefaultParallelThresholdBytes};
std::atomic<int64_t> g_streaming_threshold{kDefaultStreamingThresholdBytes};

// The Scoped* guards override a setting for their own thread only, so guards that overlap in two
// threads cannot restore each other's values (a process-wide previous value would). Each kind has a
// per-thread stack of guards: `innermost` is the guard whose value is in force, nullptr for none.
// Kernels read the calling thread's slot on entry, before any parallel region.
template <typename T>
struct ThreadOverride {
  T value{};
  const void* innermost = nullptr;
};
thread_local ThreadOverride<CpuPath> t_path;
thread_local ThreadOverride<int64_t> t_parallel_threshold;
thread_local ThreadOverride<int64_t> t_streaming_threshold;
thread_local ThreadOverride<const PathKernels*> t_table;

template <typename T>
void PushOverride(ThreadOverride<T>& slot, const void* guard, T value, T* previous, const void** outer) {
  *previous = slot.value;
  *outer = slot.innermost;
  slot.value = value;
  slot.innermost = guard;
}

// A guard destroyed on another thread, or before a guard of its kind created after it, would restore
// a value that is not the one in force before it: abort rather than run with a wrong setting.
template <typename T>
void PopOverride(ThreadOverride<T>& slot, const void* guard, T previous, const void* outer, const char* what) {
  if (slot.innermost != guard) {
    std::fprintf(stderr,
                 "caffe2_mask: a %s was destroyed on another thread than the one that created it, or before "
                 "a %s created after it on its thread; guards must be scoped objects of one thread\n",
                 what, what);
    std::abort();
  }
  slot.value = previous;
  slot.innermost = outer;
}

const PathKernels& Kernels(CpuPath path) {
  switch (path) {
    case CpuPath::kAVX512: return detail::Avx512Kernels();
    case CpuPath::kAVX2: return detail::Avx2Kernels();
    case CpuPath::kScalar: break;
  }
  return detail::ScalarKernels();
}

const PathKernels& ActiveKernels() {
  return t_table.innermost != nullptr ? *t_table.value : Kernels(ActivePath());
}

// ---------------------------------------------------------------------------------------------------
// Threading helpers
// ---------------------------------------------------------------------------------------------------
// Bound of the stack arrays of per-thread counts. A larger OMP_NUM_THREADS is capped here (memory
// bandwidth stops scaling far below this anyway).
constexpr int kMaxThreads = 256;

// Team size for `bytes` of work, or 1 when the input is below the threshold or only one thread is
// allowed (then no parallel region is entered at all).
int TeamSize(int64_t bytes) {
  if (bytes < ParallelThresholdBytes()) return 1;
  const int t = omp_get_max_threads();
  return t < kMaxThreads ? t : kMaxThreads;
}

// Chunk boundaries on multiples of 64 rows (whole mask words and cache lines for 1-byte masks);
// chunk t is [ChunkStart(t), ChunkStart(t + 1)).
int64_t ChunkStart(int64_t n, int t, int team) {
  const int64_t units = (n + 63) / 64;
  const int64_t start = (units / team) * t + (t < units % team ? t : units % team);
  return start * 64 < n ? start * 64 : n;
}

// Start of part t of [0, total) split into T nearly equal contiguous parts.
int64_t EvenStart(int64_t total, int t, int T) { return total / T * t + (t < total % T ? t : total % T); }

// Saturating a*b for byte counts that only feed the threshold comparisons.
int64_t SatMul(int64_t a, int64_t b) {
  int64_t r;
  return __builtin_mul_overflow(a, b, &r) ? INT64_MAX : r;
}

// SequenceMask streams rows of at least this size. Streaming copies and fills store the partial lines
// at both ends of each span with ordinary stores, and cost a call per span: on 16 KiB rows that is
// noise and streaming gains 15-40%, on 256-byte rows it lost 25-40% (docs/performance.md). 4 KiB keeps
// the ordinary-store part under about 3% of a row.
constexpr int64_t kMinStreamedRowBytes = 4096;

// SequenceMask rows from 32 bytes up to this size are blended whole (PathKernels::mask_row), reading
// the masked bytes too; longer rows copy only their kept span. Measured (docs/performance.md, "Short
// rows"): blending beats spans by 12% on 256-byte rows, 26% on 1 KiB and 6-8% on 2 KiB (one thread),
// while on 4 KiB rows streamed spans beat it by 20%.
constexpr int64_t kMaxBlendedRowBytes = 2048;

// Sum of counts[0, t): where chunk t starts in the packed (compacted) rows.
int64_t ChunkOffset(const int64_t* counts, int t) {
  int64_t off = 0;
  for (int u = 0; u < t; ++u) off += counts[u];
  return off;
}

}  // namespace

bool PathSupported(CpuPath path) {
  switch (path) {
    case CpuPath::kScalar: return true;
    case CpuPath::kAVX2: return CpuFeatures().avx2;
    case CpuPath::kAVX512: return CpuFeatures().avx512;
  }
  return false;
}

CpuPath ActivePath() { return t_path.innermost != nullptr ? t_path.value : BestPath(); }

const char* CpuPathName(CpuPath path) {
  switch (path) {
    case CpuPath::kScalar: return "scalar";
    case CpuPath::kAVX2: return "avx2";
    case CpuPath::kAVX512: return "avx512";
  }
  return "unknown";
}

ScopedCpuPath::ScopedCpuPath(CpuPath path) {
  if (!PathSupported(path))
    throw std::invalid_argument(std::string("CPU path ") + CpuPathName(path) + " is not supported on this CPU");
  PushOverride(t_path, this, path, &previous_, &outer_);
}

ScopedCpuPath::~ScopedCpuPath() { PopOverride(t_path, this, previous_, outer_, "ScopedCpuPath"); }

namespace detail {
ScopedKernelTable::ScopedKernelTable(const PathKernels* table) {
  PushOverride(t_table, this, table, &previous_, &outer_);
}
ScopedKernelTable::~ScopedKernelTable() { PopOverride(t_table, this, previous_, outer_, "ScopedKernelTable"); }
}  // namespace detail

int64_t ParallelThresholdBytes() {
  return t_parallel_threshold.innermost != nullptr ? t_parallel_threshold.value
                                                   : g_parallel_threshold.load(std::memory_order_relaxed);
}

void SetParallelThresholdBytes(int64_t bytes) {
  g_parallel_threshold.store(bytes < 0 ? 0 : bytes, std::memory_order_relaxed);
}

int64_t StreamingThresholdBytes() {
  return t_streaming_threshold.innermost != nullptr ? t_streaming_threshold.value
                                                    : g_streaming_threshold.load(std::memory_order_relaxed);
}

void SetStreamingThresholdBytes(int64_t bytes) {
  g_streaming_threshold.store(bytes < 0 ? 0 : bytes, std::memory_order_relaxed);
}

ScopedParallelThreshold::ScopedParallelThreshold(int64_t bytes) {
  PushOverride(t_parallel_threshold, this, bytes < 0 ? int64_t{0} : bytes, &previous_, &outer_);
}
ScopedParallelThreshold::~ScopedParallelThreshold() {
  PopOverride(t_parallel_threshold, this, previous_, outer_, "ScopedParallelThreshold");
}

ScopedStreamingThreshold::ScopedStreamingThreshold(int64_t bytes) {
  PushOverride(t_streaming_threshold, this, bytes < 0 ? int64_t{0} : bytes, &previous_, &outer_);
}
ScopedStreamingThreshold::~ScopedStreamingThreshold() {
  PopOverride(t_streaming_threshold, this, previous_, outer_, "ScopedStreamingThreshold");
}

// ---------------------------------------------------------------------------------------------------
// Kernels
// ---------------------------------------------------------------------------------------------------
int64_t CountTrue(const bool* mask, int64_t n) {
  if (n <= 0) return 0;
  const PathKernels& k = ActiveKernels();
  const int team = TeamSize(n);
  if (team <= 1) return k.count_true(mask, n);
  int64_t total = 0;
#pragma omp parallel num_threads(team) reduction(+ : total)
  {
    const int t = omp_get_thread_num(), T = omp_get_num_threads();
    const int64_t b = ChunkStart(n, t, T), e = ChunkStart(n, t + 1, T);
    total += k.count_true(mask + b, e - b);
  }
  return total;
}

int64_t BooleanMaskCompact(const void* data, const bool* mask, int64_t n, int64_t row_bytes, void* out,
                           int64_t* indices) {
  if (n <= 0) return 0;
  const PathKernels& k = ActiveKernels();
  const int team = TeamSize(SatMul(n, row_bytes + 1));
  // Large rows are streamed when the output (the kept rows) is large; an input below the threshold
  // cannot have such an output, so only then is the mask counted to decide (1 byte per row of
  // >= 256 bytes read twice: under 0.4% more traffic).
  const bool may_stream =
      row_bytes >= detail::kMinStreamedCompactRowBytes && SatMul(n, row_bytes) >= StreamingThresholdBytes();
  const auto stream_output = [&](int64_t kept) { return may_stream && SatMul(kept, row_bytes) >= StreamingThresholdBytes(); };
  if (team <= 1) {
    const bool stream = may_stream && stream_output(k.count_true(mask, n));
    const int64_t kept = k.compact(data, mask, n, row_bytes, out, indices, 0, stream);
    if (stream) detail::StreamFence();
    return kept;
  }

  const char* d = static_cast<const char*>(data);
  char* o = static_cast<char*>(out);
  int64_t counts[kMaxThreads];
  int64_t total = 0;
#pragma omp parallel num_threads(team)
  {
    const int t = omp_get_thread_num(), T = omp_get_num_threads();
    const int64_t b = ChunkStart(n, t, T), e = ChunkStart(n, t + 1, T);
    counts[t] = k.count_true(mask + b, e - b);
#pragma omp barrier
    const int64_t off = ChunkOffset(counts, t);
    const bool stream = stream_output(ChunkOffset(counts, T));
    k.compact(d + b * row_bytes, mask + b, e - b, row_bytes, o + off * row_bytes,
              indices ? indices + off : nullptr, b, stream);
    if (stream) detail::StreamFence();
    if (t == T - 1) total = off + counts[t];
  }
  return total;
}

void BooleanMaskExpand(const void* packed, const bool* mask, int64_t n, int64_t row_bytes, void* out) {
  if (n <= 0) return;
  const PathKernels& k = ActiveKernels();
  const int team = TeamSize(SatMul(n, row_bytes + 1));
  if (team <= 1) return k.expand(packed, mask, n, row_bytes, out);

  const char* p = static_cast<const char*>(packed);
  char* o = static_cast<char*>(out);
  int64_t counts[kMaxThreads];
#pragma omp parallel num_threads(team)
  {
    const int t = omp_get_thread_num(), T = omp_get_num_threads();
    const int64_t b = ChunkStart(n, t, T), e = ChunkStart(n, t + 1, T);
    counts[t] = k.count_true(mask + b, e - b);
#pragma omp barrier
    k.expand(p + ChunkOffset(counts, t) * row_bytes, mask + b, e - b, row_bytes, o + b * row_bytes);
  }
}

namespace {
void SegmentRange(const PathKernels& k, const int32_t* lengths, int64_t s0, int64_t s1, const bool* mask,
                  int64_t mask_len, int32_t* out) {
  k.segment_count32(lengths, s0, s1, mask, mask_len, out);
}
void SegmentRange(const PathKernels& k, const int64_t* lengths, int64_t s0, int64_t s1, const bool* mask,
                  int64_t mask_len, int64_t* out) {
  k.segment_count64(lengths, s0, s1, mask, mask_len, out);
}
}  // namespace

template <typename L>
void SegmentCountTrue(const L* lengths, int64_t segments, const bool* mask, L* out) {
  if (segments <= 0) return;
  const PathKernels& k = ActiveKernels();
  int64_t mask_bytes = 0;
  for (int64_t s = 0; s < segments; ++s) mask_bytes += lengths[s];
  const int team = TeamSize(mask_bytes);
  if (team <= 1) return SegmentRange(k, lengths, 0, segments, mask, mask_bytes, out);
  // Segments split by index; each thread first sums its own lengths so the mask offset of its first
  // segment is a prefix sum over the threads before it.
  int64_t sums[kMaxThreads];
#pragma omp parallel num_threads(team)
  {
    const int t = omp_get_thread_num(), T = omp_get_num_threads();
    const int64_t s0 = EvenStart(segments, t, T), s1 = EvenStart(segments, t + 1, T);
    int64_t sum = 0;
    for (int64_t s = s0; s < s1; ++s) sum += lengths[s];
    sums[t] = sum;
#pragma omp barrier
    int64_t off = 0;
    for (int u = 0; u < t; ++u) off += sums[u];
    SegmentRange(k, lengths, s0, s1, mask + off, sums[t], out);
  }
}

template void SegmentCountTrue<int32_t>(const int32_t*, int64_t, const bool*, int32_t*);
template void SegmentCountTrue<int64_t>(const int64_t*, int64_t, const bool*, int64_t*);

namespace {
// Per-thread per-pair counters of the parallel unmask passes live in one stack array.
constexpr int64_t kMaxParallelCounters = 4096;

int UnmaskTeam(int64_t pairs, int64_t n, int64_t row_bytes) {
  const int team = TeamSize(SatMul(n, row_bytes + pairs));
  if (team > 1 && pairs * team > kMaxParallelCounters) return 1;  // absurd pair counts: stay serial
  return team;
}
}  // namespace

int64_t BooleanUnmaskCheck(const bool* const* masks, int64_t pairs, int64_t n, int64_t* covered_counts) {
  for (int64_t i = 0; i < pairs; ++i) covered_counts[i] = 0;
  if (n <= 0 || pairs <= 0) return n > 0 ? 0 : -1;
  const PathKernels& k = ActiveKernels();
  const int team = UnmaskTeam(pairs, n, 0);
  if (team <= 1) return k.unmask_check(masks, pairs, 0, n, covered_counts);

  int64_t counts[kMaxParallelCounters];
  int64_t first[kMaxThreads];
  int used = 1;
#pragma omp parallel num_threads(team)
  {
    const int t = omp_get_thread_num(), T = omp_get_num_threads();
    const int64_t b = ChunkStart(n, t, T), e = ChunkStart(n, t + 1, T);
    int64_t* mine = counts + t * pairs;
    for (int64_t i = 0; i < pairs; ++i) mine[i] = 0;
    first[t] = k.unmask_check(masks, pairs, b, e, mine);
    if (t == 0) used = T;
  }
  int64_t result = -1;
  for (int t = 0; t < used; ++t) {
    for (int64_t i = 0; i < pairs; ++i) covered_counts[i] += counts[t * pairs + i];
    if (result < 0 && first[t] >= 0) result = first[t];  // chunks are in position order
  }
  return result;
}

void BooleanUnmaskScatter(const bool* const* masks, const void* const* values, int64_t pairs, int64_t n,
                          int64_t row_bytes, void* out) {
  if (n <= 0 || pairs <= 0) return;
  const PathKernels& k = ActiveKernels();
  const int team = UnmaskTeam(pairs, n, row_bytes);
  if (team <= 1) {
    int64_t stack_next[kMaxStackPairs];
    std::vector<int64_t> heap_next;  // only for more than kMaxStackPairs pairs
    int64_t* next = stack_next;
    if (pairs > kMaxStackPairs) {
      heap_next.resize(pairs);
      next = heap_next.data();
    }
    for (int64_t i = 0; i < pairs; ++i) next[i] = 0;
    k.unmask_scatter(masks, values, pairs, 0, n, row_bytes, out, next);
    return;
  }

  int64_t counts[kMaxParallelCounters];
#pragma omp parallel num_threads(team)
  {
    const int t = omp_get_thread_num(), T = omp_get_num_threads();
    const int64_t b = ChunkStart(n, t, T), e = ChunkStart(n, t + 1, T);
    int64_t* mine = counts + t * pairs;
    for (int64_t i = 0; i < pairs; ++i) mine[i] = 0;
    k.unmask_check(masks, pairs, b, e, mine);
#pragma omp barrier
    // This chunk's first row of each pair = rows the earlier chunks took from that pair. UnmaskTeam
    // keeps pairs * T <= kMaxParallelCounters, so pairs <= kMaxParallelCounters / 2 here.
    int64_t next[kMaxParallelCounters / 2];
    for (int64_t i = 0; i < pairs; ++i) {
      int64_t off = 0;
      for (int u = 0; u < t; ++u) off += counts[u * pairs + i];
      next[i] = off;
    }
    k.unmask_scatter(masks, values, pairs, b, e, row_bytes, out, next);
  }
}

void FillItems(void* dst, int64_t count, int64_t item_bytes, const void* item) {
  if (count > 0) ActiveKernels().fill(dst, count, item_bytes, item);
}

void CopyBytes(void* dst, const void* src, int64_t bytes, bool dst_written_before) {
  if (bytes <= 0) return;
  const bool stream = dst_written_before && bytes >= StreamingThresholdBytes();
  auto copy = [&](int64_t begin, int64_t end) {
    char* d = static_cast<char*>(dst) + begin;
    const char* s = static_cast<const char*>(src) + begin;
    if (stream) {
      detail::StreamCopy(d, s, end - begin);
      detail::StreamFence();
    } else {
      memcpy(d, s, static_cast<size_t>(end - begin));
    }
  };
  const int team = TeamSize(bytes);
  if (team == 1) return copy(0, bytes);
#pragma omp parallel num_threads(team)
  {
    const int t = omp_get_thread_num(), T = omp_get_num_threads();
    // Parts on 64-byte lines of the source, so no two threads touch one line of either buffer
    // when the two are aligned alike.
    const int64_t lines = (bytes + 63) / 64;
    const int64_t begin = std::min(bytes, EvenStart(lines, t, T) * 64);
    const int64_t end = std::min(bytes, EvenStart(lines, t + 1, T) * 64);
    if (begin < end) copy(begin, end);
  }
}

namespace detail {

void SequenceMaskRows(const void* in, void* out, int64_t item_bytes, const void* fill, int64_t B, int64_t N,
                      int64_t M, SpanThunk thunk, const void* fn) {
  if (B <= 0 || N <= 0 || M <= 0) return;
  const PathKernels& k = ActiveKernels();
  const char* src = static_cast<const char*>(in);
  char* dst = static_cast<char*>(out);
  const bool in_place = in == out;
  const int64_t row_bytes = M * item_bytes;
  const int64_t rows = B * N;

  // The kept span [begin, end) of row r, in items, clamped to the row.
  auto kept_span = [&](int64_t r) {
    const Span span = thunk(fn, r % N);
    const int64_t begin = span.begin < 0 ? 0 : (span.begin > M ? M : span.begin);
    const int64_t end = span.end > M ? M : span.end;
    return Span{begin, end < begin ? begin : end};
  };
  // Row r as spans: the kept span is a copy, the masked spans are pattern fills; no per-element test.
  // In place, the kept span is already there.
  auto emit_row = [&](int64_t r, auto fill_items, auto copy_bytes) {
    const Span kept = kept_span(r);
    char* o = dst + r * row_bytes;
    if (kept.begin > 0) fill_items(o, kept.begin, item_bytes, fill);
    if (kept.end > kept.begin && !in_place)
      copy_bytes(o + kept.begin * item_bytes, src + r * row_bytes + kept.begin * item_bytes,
                 (kept.end - kept.begin) * item_bytes);
    if (kept.end < M) fill_items(o + kept.end * item_bytes, M - kept.end, item_bytes, fill);
  };
  const auto cached_copy = [](void* d, const void* s, int64_t bytes) { memcpy(d, s, bytes); };

  // Short rows are one branch-free blend each (PathKernels::mask_row); long rows are spans, with
  // streaming stores when the output is large (see kMaxBlendedRowBytes and kMinStreamedRowBytes).
  const bool blend = row_bytes >= 32 && row_bytes <= kMaxBlendedRowBytes;
  const bool stream = row_bytes >= kMinStreamedRowBytes && SatMul(rows, row_bytes) >= StreamingThresholdBytes();
  const uint64_t fill_word = detail::ItemWord(item_bytes, fill);
  auto do_rows = [&](int64_t r0, int64_t r1) {
    if (blend) {
      for (int64_t r = r0; r < r1; ++r) {
        const Span kept = kept_span(r);
        k.mask_row(src + r * row_bytes, dst + r * row_bytes, row_bytes, kept.begin * item_bytes,
                   kept.end * item_bytes, fill_word);
      }
    } else if (stream) {
      for (int64_t r = r0; r < r1; ++r) emit_row(r, detail::StreamFill, detail::StreamCopy);
      detail::StreamFence();
    } else {
      for (int64_t r = r0; r < r1; ++r) emit_row(r, k.fill, cached_copy);
    }
  };

  const int team = TeamSize(SatMul(rows, row_bytes));
  if (team <= 1) return do_rows(0, rows);
#pragma omp parallel num_threads(team)
  {
    // Contiguous row ranges; a streaming thread fences its own stores before the region ends.
    const int t = omp_get_thread_num(), T = omp_get_num_threads();
    do_rows(EvenStart(rows, t, T), EvenStart(rows, t + 1, T));
  }
}

}  // namespace detail
}  // namespace caffe2::kernels
