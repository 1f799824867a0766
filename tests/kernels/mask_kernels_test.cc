// Every code path (scalar, AVX2, AVX-512, each serial and threaded, and the emulated AVX-512 path)
// against the scalar reference, on seeded random inputs that hit every tail length 0..130, block
// boundaries, misaligned pointers, the row sizes with special code, and every density. Output buffers
// carry canary bytes on both sides; input buffers touch a PROT_NONE page at their end (or, one in four,
// at their start), so an over-read faults in Release builds too (tests/util/guarded_memory.h).
#include <omp.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <random>
#include <stdexcept>
#include <vector>

#include "ops/kernels/mask_kernels.h"
#include "tests/kernels/reference_kernels.h"
#include "tests/kernels/test_util.h"

namespace caffe2::kernels::testing {
namespace {

const int64_t kRowBytes[] = {1, 2, 3, 4, 8, 12, 16, 64, 100, 128, 200, 256};
const double kDensities[] = {0.0, 0.1, 0.5, 0.9, 1.0, -1.0 /* long runs */};

// Sizes: every tail 0..130, then sizes around the 4096-row block and 64-row chunk boundaries. The
// threaded variants (a parallel region per call, slow on a loaded 2-core machine) take every 5th tail:
// their chunk arithmetic is exercised by the large sizes and by KernelThreading below.
std::vector<int64_t> Sizes(int64_t row_bytes, bool threaded) {
  std::vector<int64_t> sizes;
  const int64_t step = threaded ? 5 : row_bytes >= 64 ? 3 : 1;
  for (int64_t n = 0; n <= 130; n += step) sizes.push_back(n);
  for (int64_t n : {4095, 4096, 4097, 4096 + 63, 8192 + 65, 12345}) sizes.push_back(n);
  return sizes;
}

class KernelPathTest : public ::testing::TestWithParam<std::string> {
 protected:
  const Impl& impl() const { return ImplNamed(GetParam()); }
  bool threaded() const { return GetParam().find("threaded") != std::string::npos; }
};

TEST_P(KernelPathTest, CountTrueMatchesReference) {
  CAFFE2_MASK_SKIP_IF_UNSUPPORTED(impl());
  std::mt19937_64 rng(1);
  for (int64_t n = 0; n < 700; ++n) {
    for (double d : {0.0, 0.3, 1.0}) {
      ExactBuffer mask(n, RandomEdge(rng));
      FillMask(mask.as_bool(), n, d, rng);
      ASSERT_EQ(impl().count(mask.as_bool(), n), reference::CountTrue(mask.as_bool(), n)) << "n=" << n;
    }
  }
  // Long enough for several flushes of the byte accumulators (255 * 32 bytes and more).
  for (int64_t n : {int64_t{100000}, int64_t{1} << 20}) {
    ExactBuffer mask(n);
    FillMask(mask.as_bool(), n, 0.97, rng);
    EXPECT_EQ(impl().count(mask.as_bool(), n), reference::CountTrue(mask.as_bool(), n));
  }
}

void CheckCompact(const Impl& impl, int64_t n, int64_t rb, double density, bool with_indices,
                  std::mt19937_64& rng) {
  ExactBuffer data(n * rb, RandomEdge(rng));
  ExactBuffer mask(n, RandomEdge(rng));
  FillRandomBytes(data.data(), n * rb, rng);
  FillMask(mask.as_bool(), n, density, rng);
  const int64_t count = reference::CountTrue(mask.as_bool(), n);

  std::vector<uint8_t> want(count * rb + 1);
  std::vector<int64_t> want_idx(count + 1);
  reference::BooleanMaskCompact(data.data(), mask.as_bool(), n, rb, want.data(), want_idx.data());

  GuardedBuffer out(count * rb, rng() % 64);
  // indices need int64 alignment only for aligned access; misalign by whole elements.
  std::vector<int64_t> idx_storage(count + 16, 0x5A5A5A5A5A5A5A5ALL);
  int64_t* idx = idx_storage.data() + rng() % 8;
  int64_t* const idx_end = idx + count;
  std::vector<int64_t> before(idx_storage);

  const int64_t kept = impl.compact(data.data(), mask.as_bool(), n, rb, out.data(), with_indices ? idx : nullptr);
  SCOPED_TRACE(::testing::Message() << impl.name << " n=" << n << " rb=" << rb << " density=" << density
                                    << " indices=" << with_indices);
  ASSERT_EQ(kept, count);
  ASSERT_TRUE(out.GuardsIntact()) << "wrote outside the output";
  ASSERT_EQ(0, std::memcmp(out.data(), want.data(), count * rb));
  for (int64_t* p = idx_storage.data(); p < idx_storage.data() + idx_storage.size(); ++p) {
    const size_t at = p - idx_storage.data();
    if (with_indices && p >= idx && p < idx_end) {
      ASSERT_EQ(*p, want_idx[p - idx]);
    } else {
      ASSERT_EQ(*p, before[at]) << "index written outside [0, count) at " << (p - idx);
    }
  }
}

TEST_P(KernelPathTest, BooleanMaskCompactMatchesReference) {
  CAFFE2_MASK_SKIP_IF_UNSUPPORTED(impl());
  std::mt19937_64 rng(2);
  for (int64_t rb : kRowBytes)
    for (double d : kDensities)
      for (int64_t n : Sizes(rb, threaded())) CheckCompact(impl(), n, rb, d, /*with_indices=*/rng() & 1, rng);
}

TEST_P(KernelPathTest, BooleanMaskCompactIndicesEverySize) {
  CAFFE2_MASK_SKIP_IF_UNSUPPORTED(impl());
  std::mt19937_64 rng(3);
  for (int64_t rb : {4, 8, 1, 64})
    for (double d : {0.1, 0.5, 1.0})
      for (int64_t n = 0; n <= 130; ++n) CheckCompact(impl(), n, rb, d, true, rng);
}

// Rows of 256 bytes and more with every output streamed (threshold 0): the run copies take
// StreamCopy, whose partial lines at the ends of each run use ordinary stores.
TEST_P(KernelPathTest, BooleanMaskCompactStreamedLargeRows) {
  CAFFE2_MASK_SKIP_IF_UNSUPPORTED(impl());
  ScopedStreamingThreshold streamed(0);
  std::mt19937_64 rng(21);
  for (int64_t rb : {256, 300, 1024, 4100})
    for (double d : {0.1, 0.5, 0.9, 1.0, -1.0})
      for (int64_t n : {1, 2, 63, 200, 701}) CheckCompact(impl(), n, rb, d, /*with_indices=*/rng() & 1, rng);
}

void CheckExpand(const Impl& impl, int64_t n, int64_t rb, double density, std::mt19937_64& rng) {
  ExactBuffer mask(n, RandomEdge(rng));
  FillMask(mask.as_bool(), n, density, rng);
  const int64_t count = reference::CountTrue(mask.as_bool(), n);
  ExactBuffer packed(count * rb, RandomEdge(rng));
  FillRandomBytes(packed.data(), count * rb, rng);

  std::vector<uint8_t> want(n * rb + 1);
  reference::BooleanMaskExpand(packed.data(), mask.as_bool(), n, rb, want.data());
  GuardedBuffer out(n * rb, rng() % 64);
  impl.expand(packed.data(), mask.as_bool(), n, rb, out.data());
  SCOPED_TRACE(::testing::Message() << impl.name << " n=" << n << " rb=" << rb << " density=" << density);
  ASSERT_TRUE(out.GuardsIntact()) << "wrote outside the output";
  ASSERT_EQ(0, std::memcmp(out.data(), want.data(), n * rb));
}

TEST_P(KernelPathTest, BooleanMaskExpandMatchesReference) {
  CAFFE2_MASK_SKIP_IF_UNSUPPORTED(impl());
  std::mt19937_64 rng(4);
  for (int64_t rb : kRowBytes)
    for (double d : kDensities)
      for (int64_t n : Sizes(rb, threaded())) CheckExpand(impl(), n, rb, d, rng);
}

// Masks where every position is covered by a random pair, plus extra true values in later pairs
// at covered positions (they must be ignored), and values sized exactly by the reference counts.
struct UnmaskCase {
  int64_t pairs, n, rb;
  std::vector<std::unique_ptr<ExactBuffer>> masks, values;
  std::vector<const bool*> mask_ptrs;
  std::vector<const void*> value_ptrs;
  std::vector<int64_t> counts;
};

UnmaskCase MakeUnmaskCase(int64_t pairs, int64_t n, int64_t rb, double overlap, bool leave_hole,
                          std::mt19937_64& rng) {
  UnmaskCase c;
  c.pairs = pairs;
  c.n = n;
  c.rb = rb;
  std::vector<std::vector<bool>> m(pairs, std::vector<bool>(n, false));
  std::bernoulli_distribution extra(overlap);
  // Pair 0 sometimes takes long runs so the run-copy paths see runs.
  for (int64_t p = 0; p < n; ++p) {
    const int64_t owner = (p / 50) % 3 == 0 ? 0 : static_cast<int64_t>(rng() % pairs);
    m[owner][p] = true;
    for (int64_t i = owner + 1; i < pairs; ++i)
      if (extra(rng)) m[i][p] = true;
  }
  if (leave_hole && n > 0) {
    const int64_t hole = rng() % n;
    for (int64_t i = 0; i < pairs; ++i) m[i][hole] = false;
  }
  for (int64_t i = 0; i < pairs; ++i) {
    c.masks.push_back(std::make_unique<ExactBuffer>(n, RandomEdge(rng)));
    for (int64_t p = 0; p < n; ++p) c.masks.back()->as_bool()[p] = m[i][p];
    c.mask_ptrs.push_back(c.masks.back()->as_bool());
  }
  c.counts.assign(pairs, 0);
  reference::BooleanUnmaskCheck(c.mask_ptrs.data(), pairs, n, c.counts.data());
  for (int64_t i = 0; i < pairs; ++i) {
    c.values.push_back(std::make_unique<ExactBuffer>(c.counts[i] * rb, RandomEdge(rng)));
    FillRandomBytes(c.values.back()->data(), c.counts[i] * rb, rng);
    c.value_ptrs.push_back(c.values.back()->data());
  }
  return c;
}

// Check pass and scatter of one random case (every position covered, masks overlapping) against the
// reference.
void CheckUnmask(const Impl& impl, int64_t pairs, int64_t n, int64_t rb, std::mt19937_64& rng) {
  UnmaskCase c = MakeUnmaskCase(pairs, n, rb, /*overlap=*/0.3, /*leave_hole=*/false, rng);
  SCOPED_TRACE(::testing::Message() << impl.name << " pairs=" << pairs << " n=" << n << " rb=" << rb);
  std::vector<int64_t> counts(pairs, -7);
  ASSERT_EQ(impl.unmask_check(c.mask_ptrs.data(), pairs, n, counts.data()), -1);
  ASSERT_EQ(counts, c.counts);
  std::vector<uint8_t> want(n * rb + 1);
  reference::BooleanUnmaskScatter(c.mask_ptrs.data(), c.value_ptrs.data(), pairs, n, rb, want.data());
  GuardedBuffer out(n * rb, rng() % 64);
  impl.unmask_scatter(c.mask_ptrs.data(), c.value_ptrs.data(), pairs, n, rb, out.data());
  ASSERT_TRUE(out.GuardsIntact()) << "wrote outside the output";
  ASSERT_EQ(0, std::memcmp(out.data(), want.data(), n * rb));
}

TEST_P(KernelPathTest, BooleanUnmaskMatchesReference) {
  CAFFE2_MASK_SKIP_IF_UNSUPPORTED(impl());
  std::mt19937_64 rng(5);
  for (int64_t pairs : {1, 2, 3, 4, 7})
    for (int64_t rb : kRowBytes)
      for (int64_t n : Sizes(rb, threaded())) {
        if (n > 130 && pairs > 4) continue;
        CheckUnmask(impl(), pairs, n, rb, rng);
      }
}

// 3 to 9 pairs of 4- and 8-byte rows over several 4096-position blocks and ragged ends, with
// overlapping masks (the first covering pair wins).
TEST_P(KernelPathTest, BooleanUnmaskManyPairsAcrossBlocks) {
  CAFFE2_MASK_SKIP_IF_UNSUPPORTED(impl());
  std::mt19937_64 rng(23);
  for (int64_t pairs : {3, 4, 5, 8, 9})
    for (int64_t rb : {4, 8})
      for (int64_t n : {int64_t{200}, int64_t{4096 * 2 + 77}, int64_t{13001}}) CheckUnmask(impl(), pairs, n, rb, rng);
}

// The two-pair 4- and 8-byte paths: pair 0 at every density (pair 1 covers the rest, plus extra true
// values that must be ignored), every tail length and block boundary. With `hole`, one position (or a
// run of 40) is covered by no pair: input the check pass rejects, but the scatter must still match the
// reference (uncovered rows left untouched) and read only the rows the masks account for.
TEST_P(KernelPathTest, BooleanUnmaskTwoPairsEveryDensity) {
  CAFFE2_MASK_SKIP_IF_UNSUPPORTED(impl());
  std::mt19937_64 rng(12);
  std::bernoulli_distribution extra(0.3);
  for (int64_t rb : {4, 8}) {
    for (double d : {0.0, 0.1, 0.5, 0.9, 1.0, -1.0}) {
      for (int64_t n : Sizes(rb, threaded())) {
        for (int hole : {0, 1, 40}) {
          if (hole > 0 && (n == 0 || (n > 130 && d != 0.5 && d != 1.0))) continue;
          SCOPED_TRACE(::testing::Message() << impl().name << " rb=" << rb << " d=" << d << " n=" << n
                                            << " hole=" << hole);
          ExactBuffer m0(n, RandomEdge(rng)), m1(n, RandomEdge(rng));
          FillMask(m0.as_bool(), n, d, rng);
          for (int64_t p = 0; p < n; ++p) m1.as_bool()[p] = !m0.as_bool()[p] || extra(rng);
          if (hole > 0) {
            const int64_t at = static_cast<int64_t>(rng() % n);
            for (int64_t p = at; p < n && p < at + hole; ++p) m0.as_bool()[p] = m1.as_bool()[p] = false;
          }
          const bool* masks[2] = {m0.as_bool(), m1.as_bool()};
          int64_t counts[2] = {0, 0};
          reference::BooleanUnmaskCheck(masks, 2, n, counts);
          ExactBuffer v0(counts[0] * rb, RandomEdge(rng)), v1(counts[1] * rb, RandomEdge(rng));
          FillRandomBytes(v0.data(), counts[0] * rb, rng);
          FillRandomBytes(v1.data(), counts[1] * rb, rng);
          const void* values[2] = {v0.data(), v1.data()};
          std::vector<uint8_t> want(n * rb + 1, kCanary);
          reference::BooleanUnmaskScatter(masks, values, 2, n, rb, want.data());
          GuardedBuffer out(n * rb, rng() % 64);
          impl().unmask_scatter(masks, values, 2, n, rb, out.data());
          ASSERT_TRUE(out.GuardsIntact()) << "wrote outside the output";
          ASSERT_EQ(0, std::memcmp(out.data(), want.data(), n * rb));
        }
      }
    }
  }
}

TEST_P(KernelPathTest, BooleanUnmaskCheckFindsFirstUncoveredPosition) {
  CAFFE2_MASK_SKIP_IF_UNSUPPORTED(impl());
  std::mt19937_64 rng(6);
  for (int64_t pairs : {1, 2, 5}) {
    for (int64_t n : {1, 2, 63, 64, 65, 129, 5000}) {
      for (int rep = 0; rep < 5; ++rep) {
        UnmaskCase c = MakeUnmaskCase(pairs, n, 4, 0.5, /*leave_hole=*/true, rng);
        std::vector<int64_t> want(pairs), got(pairs);
        const int64_t first = reference::BooleanUnmaskCheck(c.mask_ptrs.data(), pairs, n, want.data());
        ASSERT_GE(first, 0);
        EXPECT_EQ(impl().unmask_check(c.mask_ptrs.data(), pairs, n, got.data()), first) << "n=" << n;
        EXPECT_EQ(got, want);
      }
    }
  }
}

TEST_P(KernelPathTest, FillItemsWritesExactlyCountItems) {
  CAFFE2_MASK_SKIP_IF_UNSUPPORTED(impl());
  std::mt19937_64 rng(7);
  for (int64_t item : {2, 4, 8}) {
    uint8_t pattern[8];
    FillRandomBytes(pattern, 8, rng);
    for (int64_t count = 0; count <= 300; ++count) {
      GuardedBuffer out(count * item, rng() % 64);
      impl().fill(out.data(), count, item, pattern);
      ASSERT_TRUE(out.GuardsIntact()) << "item=" << item << " count=" << count;
      for (int64_t e = 0; e < count; ++e) ASSERT_EQ(0, std::memcmp(out.data() + e * item, pattern, item));
    }
  }
}

INSTANTIATE_TEST_SUITE_P(AllPaths, KernelPathTest, ::testing::ValuesIn(ImplNames()),
                         [](const ::testing::TestParamInfo<std::string>& info) { return info.param; });

// ---------------------------------------------------------------------------------------------------
// Threading: more threads than cores, so chunk boundaries land everywhere.
// ---------------------------------------------------------------------------------------------------
class ScopedOmpThreads {
 public:
  explicit ScopedOmpThreads(int n) : previous_(omp_get_max_threads()) { omp_set_num_threads(n); }
  ~ScopedOmpThreads() { omp_set_num_threads(previous_); }

 private:
  int previous_;
};

TEST(KernelThreading, OddTeamSizesMatchReference) {
  ScopedParallelThreshold threshold(0);
  std::mt19937_64 rng(8);
  for (int threads : {3, 5, 8}) {
    ScopedOmpThreads team(threads);
    for (int64_t n : {1, 64, 65, 200, 777, 10000}) {
      for (int64_t rb : {1, 4, 8, 100}) {
        ExactBuffer data(n * rb), mask(n);
        FillRandomBytes(data.data(), n * rb, rng);
        FillMask(mask.as_bool(), n, 0.4, rng);
        const int64_t count = reference::CountTrue(mask.as_bool(), n);
        ASSERT_EQ(CountTrue(mask.as_bool(), n), count);
        std::vector<uint8_t> want(count * rb + 1), got(count * rb + 1);
        std::vector<int64_t> want_idx(count + 1), got_idx(count + 1);
        reference::BooleanMaskCompact(data.data(), mask.as_bool(), n, rb, want.data(), want_idx.data());
        ASSERT_EQ(BooleanMaskCompact(data.data(), mask.as_bool(), n, rb, got.data(), got_idx.data()), count);
        ASSERT_EQ(want, got) << "threads=" << threads << " n=" << n << " rb=" << rb;
        ASSERT_EQ(want_idx, got_idx);

        std::vector<uint8_t> want_x(n * rb), got_x(n * rb);
        reference::BooleanMaskExpand(want.data(), mask.as_bool(), n, rb, want_x.data());
        BooleanMaskExpand(want.data(), mask.as_bool(), n, rb, got_x.data());
        ASSERT_EQ(want_x, got_x);

        UnmaskCase c = MakeUnmaskCase(3, n, rb, 0.2, false, rng);
        std::vector<int64_t> counts(3);
        ASSERT_EQ(BooleanUnmaskCheck(c.mask_ptrs.data(), 3, n, counts.data()), -1);
        ASSERT_EQ(counts, c.counts);
        std::vector<uint8_t> want_u(n * rb), got_u(n * rb);
        reference::BooleanUnmaskScatter(c.mask_ptrs.data(), c.value_ptrs.data(), 3, n, rb, want_u.data());
        BooleanUnmaskScatter(c.mask_ptrs.data(), c.value_ptrs.data(), 3, n, rb, got_u.data());
        ASSERT_EQ(want_u, got_u);
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------------
// BooleanMaskLengths
// ---------------------------------------------------------------------------------------------------
template <typename L>
void CheckSegments(int64_t threshold) {
  ScopedParallelThreshold t(threshold);
  std::mt19937_64 rng(9);
  for (int rep = 0; rep < 60; ++rep) {
    const int64_t segments = rng() % 300;
    std::vector<L> lengths(segments);
    int64_t total = 0;
    for (auto& l : lengths) {
      // Mostly short segments, some empty, some long enough for the vector count.
      const int kind = rng() % 10;
      l = static_cast<L>(kind == 0 ? 0 : kind == 1 ? rng() % 3000 : rng() % 40);
      total += l;
    }
    ExactBuffer mask(total, RandomEdge(rng));
    FillMask(mask.as_bool(), total, 0.5, rng);
    std::vector<L> want(segments), got(segments, L{-1});
    reference::SegmentCountTrue<L>(lengths.data(), segments, mask.as_bool(), want.data());
    SegmentCountTrue<L>(lengths.data(), segments, mask.as_bool(), got.data());
    ASSERT_EQ(want, got) << "segments=" << segments;
  }
}

TEST(SegmentCountTrue, Int32Serial) { CheckSegments<int32_t>(INT64_MAX); }
TEST(SegmentCountTrue, Int64Serial) { CheckSegments<int64_t>(INT64_MAX); }
TEST(SegmentCountTrue, Int32Threaded) { CheckSegments<int32_t>(0); }
TEST(SegmentCountTrue, Int64Threaded) { CheckSegments<int64_t>(0); }

// Segments that start, end or lie exactly on the kernels' 64-position words and 32 Ki-position
// chunks, segments longer than a chunk, empty ones at the start, middle and end, and a mask whose
// length is not a multiple of 64; on every path, serial and threaded.
TEST(SegmentCountTrue, SegmentsAcrossWordAndChunkBoundaries) {
  std::mt19937_64 rng(17);
  std::vector<int64_t> lengths = {0, 63, 1, 64, 0, 32768 - 128, 32768, 32767, 1, 100000, 65, 0};
  for (int i = 0; i < 400; ++i) lengths.push_back(rng() % 7 == 0 ? rng() % 70000 : rng() % 130);
  lengths.push_back(5);
  lengths.push_back(0);
  int64_t total = 0;
  for (int64_t l : lengths) total += l;
  for (double density : {0.5, 1.0, 0.0, -1.0}) {
    ExactBuffer mask(total);
    FillMask(mask.as_bool(), total, density, rng);
    std::vector<int64_t> want(lengths.size());
    reference::SegmentCountTrue<int64_t>(lengths.data(), static_cast<int64_t>(lengths.size()), mask.as_bool(),
                                         want.data());
    for (CpuPath path : {CpuPath::kScalar, CpuPath::kAVX2, CpuPath::kAVX512}) {
      if (!PathSupported(path)) continue;
      ScopedCpuPath p(path);
      for (int64_t threshold : {INT64_MAX, int64_t{0}}) {
        ScopedParallelThreshold t(threshold);
        std::vector<int64_t> got(lengths.size(), -1);
        SegmentCountTrue<int64_t>(lengths.data(), static_cast<int64_t>(lengths.size()), mask.as_bool(), got.data());
        ASSERT_EQ(want, got) << "path=" << CpuPathName(path) << " density=" << density << " threshold=" << threshold;
      }
    }
  }
}

TEST(SegmentCountTrue, EveryPath) {
  for (CpuPath path : {CpuPath::kScalar, CpuPath::kAVX2, CpuPath::kAVX512}) {
    if (!PathSupported(path)) continue;  // the per-path suites above report the skip
    ScopedCpuPath p(path);
    CheckSegments<int64_t>(INT64_MAX);
  }
}

// ---------------------------------------------------------------------------------------------------
// Worked examples of the spec (mask-operators.md)
// ---------------------------------------------------------------------------------------------------
TEST(SpecExamples, BooleanMask) {
  const float data[] = {1, 2, 3, 4, 5, 6};
  const bool mask[] = {true, false, false, true, true, false};
  float out[3];
  int64_t idx[3];
  ASSERT_EQ(BooleanMaskCompact(data, mask, 6, sizeof(float), out, idx), 3);
  EXPECT_EQ(std::vector<float>(out, out + 3), (std::vector<float>{1, 4, 5}));
  EXPECT_EQ(std::vector<int64_t>(idx, idx + 3), (std::vector<int64_t>{0, 3, 4}));
}

TEST(SpecExamples, BooleanMaskLengths) {
  const int32_t lengths[] = {1, 3, 2};
  const bool mask[] = {false, true, true, false, true, true};
  int32_t out[3];
  SegmentCountTrue<int32_t>(lengths, 3, mask, out);
  EXPECT_EQ(std::vector<int32_t>(out, out + 3), (std::vector<int32_t>{0, 2, 2}));
}

TEST(SpecExamples, BooleanUnmaskThreePairs) {
  const bool m1[] = {true, false, true, false, false}, m2[] = {false, true, false, false, false},
             m3[] = {false, false, false, true, true};
  const float v1[] = {1, 3}, v2[] = {2}, v3[] = {4, 5};
  const bool* masks[] = {m1, m2, m3};
  const void* values[] = {v1, v2, v3};
  int64_t counts[3];
  ASSERT_EQ(BooleanUnmaskCheck(masks, 3, 5, counts), -1);
  EXPECT_EQ(std::vector<int64_t>(counts, counts + 3), (std::vector<int64_t>{2, 1, 2}));
  float out[5];
  BooleanUnmaskScatter(masks, values, 3, 5, sizeof(float), out);
  EXPECT_EQ(std::vector<float>(out, out + 5), (std::vector<float>{1, 2, 3, 4, 5}));
}

TEST(SpecExamples, BooleanUnmaskPositionWithNoTrueMask) {
  const bool m1[] = {true, false}, m2[] = {false, false};
  const bool* masks[] = {m1, m2};
  int64_t counts[2];
  EXPECT_EQ(BooleanUnmaskCheck(masks, 2, 2, counts), 1);
}

TEST(SpecExamples, BooleanUnmaskFirstTrueWins) {
  const bool m1[] = {true, false}, m2[] = {true, true};
  const bool* masks[] = {m1, m2};
  int64_t counts[2];
  ASSERT_EQ(BooleanUnmaskCheck(masks, 2, 2, counts), -1);
  // values2 must hold exactly one row; [2, 2] is the caller's "not all consumed" error.
  EXPECT_EQ(counts[0], 1);
  EXPECT_EQ(counts[1], 1);
  const float v1[] = {1}, v2[] = {2};
  const void* values[] = {v1, v2};
  float out[2];
  BooleanUnmaskScatter(masks, values, 2, 2, sizeof(float), out);
  EXPECT_EQ(out[0], 1);
  EXPECT_EQ(out[1], 2);
}

TEST(SpecExamples, BooleanUnmaskCaffe2Test) {
  const bool m1[] = {false}, m2[] = {true};
  const float v2[] = {1.0f};
  const bool* masks[] = {m1, m2};
  const void* values[] = {nullptr, v2};
  int64_t counts[2];
  ASSERT_EQ(BooleanUnmaskCheck(masks, 2, 1, counts), -1);
  EXPECT_EQ(counts[0], 0);
  float out[1];
  BooleanUnmaskScatter(masks, values, 2, 1, sizeof(float), out);
  EXPECT_EQ(out[0], 1.0f);
}

// ---------------------------------------------------------------------------------------------------
// Dispatch and configuration
// ---------------------------------------------------------------------------------------------------
TEST(CpuDispatch, ScalarAlwaysSupportedAndScopedPathRestores) {
  EXPECT_TRUE(PathSupported(CpuPath::kScalar));
  const CpuPath before = ActivePath();
  EXPECT_TRUE(PathSupported(before));
  {
    ScopedCpuPath p(CpuPath::kScalar);
    EXPECT_EQ(ActivePath(), CpuPath::kScalar);
  }
  EXPECT_EQ(ActivePath(), before);
}

TEST(CpuDispatch, DefaultIsBestSupportedPath) {
  const CpuPath want = PathSupported(CpuPath::kAVX512) ? CpuPath::kAVX512
                       : PathSupported(CpuPath::kAVX2)  ? CpuPath::kAVX2
                                                        : CpuPath::kScalar;
  EXPECT_EQ(ActivePath(), want) << "active path " << CpuPathName(ActivePath());
}

TEST(CpuDispatch, UnsupportedPathThrows) {
  for (CpuPath path : {CpuPath::kAVX2, CpuPath::kAVX512}) {
    if (PathSupported(path)) continue;
    EXPECT_THROW(ScopedCpuPath p(path), std::invalid_argument);
    return;
  }
  GTEST_SKIP() << "every path is supported on this machine; nothing to reject";
}

TEST(CpuDispatch, ParallelThresholdRoundTrips) {
  const int64_t before = ParallelThresholdBytes();
  // A process starts at the threshold measured and documented in docs/performance.md ("Parallel
  // threshold (default 1 MiB)"); changing it means measuring again and updating that section.
  EXPECT_EQ(before, int64_t{1} << 20);
  SetParallelThresholdBytes(12345);
  EXPECT_EQ(ParallelThresholdBytes(), 12345);
  SetParallelThresholdBytes(-5);
  EXPECT_EQ(ParallelThresholdBytes(), 0);
  SetParallelThresholdBytes(before);
  {
    ScopedParallelThreshold scoped(777);
    EXPECT_EQ(ParallelThresholdBytes(), 777);
  }
  EXPECT_EQ(ParallelThresholdBytes(), before);
}

TEST(CpuDispatch, StreamingThresholdRoundTrips) {
  const int64_t before = StreamingThresholdBytes();
  EXPECT_EQ(before, kDefaultStreamingThresholdBytes);
  SetStreamingThresholdBytes(12345);
  EXPECT_EQ(StreamingThresholdBytes(), 12345);
  SetStreamingThresholdBytes(-5);
  EXPECT_EQ(StreamingThresholdBytes(), 0);
  SetStreamingThresholdBytes(before);
  {
    ScopedStreamingThreshold scoped(777);
    EXPECT_EQ(StreamingThresholdBytes(), 777);
  }
  EXPECT_EQ(StreamingThresholdBytes(), before);
}

// The guard pages work in this build: one byte past either guarded edge is a fault, not a quiet read.
TEST(PageGuardedMemoryDeathTest, ReadingOneByteOutsideFaults) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  for (int64_t size : {1, 4095, 4096, 4097}) {
    ExactBuffer end(size, Edge::kEnd);
    ExactBuffer start(size, Edge::kStart);
    std::memset(end.data(), 1, static_cast<size_t>(size));
    std::memset(start.data(), 1, static_cast<size_t>(size));
    volatile const uint8_t* past_end = end.data() + size;
    volatile const uint8_t* before_start = start.data() - 1;
    EXPECT_EQ(end.data()[size - 1] + start.data()[0], 2);  // the edges themselves are readable
    EXPECT_DEATH({ std::printf("%d\n", *past_end); }, "") << "size " << size;
    EXPECT_DEATH({ std::printf("%d\n", *before_start); }, "") << "size " << size;
  }
}

}  // namespace
}  // namespace caffe2::kernels::testing
