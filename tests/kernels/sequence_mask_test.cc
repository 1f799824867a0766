// SequenceMask: the six span functors through SequenceMaskApply against the element-rule reference,
// for item sizes 2/4/8, batched, repeated, in place, threaded, streamed, and with extreme arguments.
#include <cmath>
#include <cstring>
#include <limits>
#include <random>
#include <vector>

#include "ops/kernels/mask_kernels.h"
#include "tests/kernels/reference_kernels.h"
#include "tests/kernels/test_util.h"

namespace caffe2::kernels::testing {
namespace {

using reference::SequenceMode;

struct Shape {
  int64_t B, N, M;
};

// Runs one mode through the functor path and the reference and compares bytes (out of place and in
// place), with guard bytes around the output.
void CheckMode(SequenceMode mode, const Shape& s, int64_t item, const std::vector<int32_t>& arg, int64_t radius,
               int64_t block, std::mt19937_64& rng) {
  const int64_t bytes = s.B * s.N * s.M * item;
  ExactBuffer in(bytes, RandomEdge(rng));
  FillRandomBytes(in.data(), bytes, rng);
  uint8_t fill[8];
  FillRandomBytes(fill, 8, rng);

  std::vector<uint8_t> want(bytes + 1);
  reference::SequenceMask(in.data(), want.data(), item, fill, s.B, s.N, s.M, mode, arg.data(), radius, block);

  auto run = [&](const void* src, void* dst) {
    switch (mode) {
      case SequenceMode::kSequence:
        return SequenceMaskApply(src, dst, item, fill, s.B, s.N, s.M, SequenceSpan{arg.data(), block});
      case SequenceMode::kWindow:
        return SequenceMaskApply(src, dst, item, fill, s.B, s.N, s.M, WindowSpan{arg.data(), radius});
      case SequenceMode::kUpper: return SequenceMaskApply(src, dst, item, fill, s.B, s.N, s.M, UpperSpan{});
      case SequenceMode::kLower: return SequenceMaskApply(src, dst, item, fill, s.B, s.N, s.M, LowerSpan{});
      case SequenceMode::kUpperDiag:
        return SequenceMaskApply(src, dst, item, fill, s.B, s.N, s.M, UpperDiagSpan{});
      case SequenceMode::kLowerDiag:
        return SequenceMaskApply(src, dst, item, fill, s.B, s.N, s.M, LowerDiagSpan{});
    }
  };
  SCOPED_TRACE(::testing::Message() << "mode=" << static_cast<int>(mode) << " B=" << s.B << " N=" << s.N
                                    << " M=" << s.M << " item=" << item << " radius=" << radius
                                    << " block=" << block);
  GuardedBuffer out(bytes, rng() % 64);
  run(in.data(), out.data());
  ASSERT_TRUE(out.GuardsIntact());
  ASSERT_EQ(0, std::memcmp(out.data(), want.data(), bytes));

  // In place: the buffer starts as the input.
  GuardedBuffer inplace(bytes, rng() % 64);
  std::memcpy(inplace.data(), in.data(), bytes);
  run(inplace.data(), inplace.data());
  ASSERT_TRUE(inplace.GuardsIntact());
  ASSERT_EQ(0, std::memcmp(inplace.data(), want.data(), bytes));
}

std::vector<int32_t> RandomArg(int64_t n, int32_t lo, int32_t hi, std::mt19937_64& rng) {
  std::uniform_int_distribution<int32_t> d(lo, hi);
  std::vector<int32_t> v(n + 3);  // "at least N entries": extra entries must be ignored
  for (auto& x : v) x = d(rng);
  return v;
}

void CheckAllModes(const Shape& s, int64_t item, std::mt19937_64& rng) {
  const int32_t m = static_cast<int32_t>(s.M);
  CheckMode(SequenceMode::kSequence, s, item, RandomArg(s.N, -3, m + 3, rng), 0, 1, rng);
  CheckMode(SequenceMode::kWindow, s, item, RandomArg(s.N, -5, m + 5, rng), rng() % 6, 1, rng);
  for (SequenceMode mode :
       {SequenceMode::kUpper, SequenceMode::kLower, SequenceMode::kUpperDiag, SequenceMode::kLowerDiag})
    CheckMode(mode, s, item, {}, 0, 1, rng);
}

TEST(SequenceMask, AllModesAllItemSizes) {
  std::mt19937_64 rng(11);
  for (int64_t item : {2, 4, 8})
    // Rows under 32 bytes and over 2 KiB are written as spans, the others blended whole.
    for (Shape s : {Shape{1, 1, 1}, Shape{1, 3, 7}, Shape{1, 7, 3}, Shape{1, 17, 130}, Shape{1, 64, 64},
                    Shape{1, 5, 1100}})
      CheckAllModes(s, item, rng);
}

TEST(SequenceMask, Batched) {
  std::mt19937_64 rng(12);
  for (int64_t item : {2, 4, 8})
    for (Shape s : {Shape{3, 5, 9}, Shape{4, 16, 33}, Shape{2, 1, 100}}) CheckAllModes(s, item, rng);
}

TEST(SequenceMask, Threaded) {
  ScopedParallelThreshold threshold(0);
  std::mt19937_64 rng(13);
  for (Shape s : {Shape{1, 37, 300}, Shape{5, 11, 64}}) CheckAllModes(s, 4, rng);
}

// Streamed output (every call streams; only rows of 4 KiB and more take the streaming path), out of
// place and in place, serial and threaded, so thread ranges and spans split lines.
TEST(SequenceMask, Streamed) {
  ScopedStreamingThreshold streaming(0);
  std::mt19937_64 rng(16);
  for (int64_t parallel : {kNever, int64_t{0}}) {
    ScopedParallelThreshold threshold(parallel);
    for (int64_t item : {2, 4, 8})
      for (Shape s : {Shape{1, 5, 3001}, Shape{2, 3, 2049}, Shape{1, 2, 40}}) CheckAllModes(s, item, rng);
  }
}

TEST(SequenceMask, EveryPath) {
  std::mt19937_64 rng(14);
  for (CpuPath path : {CpuPath::kScalar, CpuPath::kAVX2, CpuPath::kAVX512}) {
    if (!PathSupported(path)) continue;
    ScopedCpuPath p(path);
    for (int64_t item : {2, 4, 8}) CheckAllModes(Shape{2, 9, 131}, item, rng);
  }
}

TEST(SequenceMask, RepeatedSequenceKeepsWholeBlocks) {
  std::mt19937_64 rng(15);
  for (int64_t block : {1, 2, 5, 16}) {
    const Shape s{1, 6, 4 * block};  // M/D = 4 blocks per row
    CheckMode(SequenceMode::kSequence, s, 4, RandomArg(s.N, -2, 6, rng), 0, block, rng);
  }
}

TEST(SequenceMask, RepeatedSequenceHugeLengthDoesNotOverflow) {
  std::mt19937_64 rng(16);
  const int32_t big = std::numeric_limits<int32_t>::max();
  // lengths[i] * D would overflow int64 for D >= 2^33; the kept span must clamp to the whole row.
  SequenceSpan span{nullptr, int64_t{1} << 40};
  const int32_t lengths[] = {big};
  span.lengths = lengths;
  const Span r = span(0);
  EXPECT_EQ(r.begin, 0);
  EXPECT_EQ(r.end, std::numeric_limits<int64_t>::max());
  CheckMode(SequenceMode::kSequence, Shape{1, 3, 12}, 4, {big, big - 1, 3}, 0, 4, rng);
}

TEST(SequenceMask, NegativeLengthsMaskWholeRow) {
  std::mt19937_64 rng(17);
  CheckMode(SequenceMode::kSequence, Shape{2, 4, 10}, 4,
            {-1, std::numeric_limits<int32_t>::min(), 0, -100}, 0, 1, rng);
}

TEST(SequenceMask, WindowExtremeCentersAndRadius) {
  std::mt19937_64 rng(18);
  const int32_t lo = std::numeric_limits<int32_t>::min(), hi = std::numeric_limits<int32_t>::max();
  const std::vector<int32_t> centers = {lo, hi, 0, 5, -3, hi - 1, lo + 1};
  for (int64_t radius : {int64_t{0}, int64_t{1}, int64_t{3}, int64_t{hi}, int64_t{1} << 40,
                         std::numeric_limits<int64_t>::max(), int64_t{-1}, std::numeric_limits<int64_t>::min()})
    CheckMode(SequenceMode::kWindow, Shape{1, 7, 20}, 4, centers, radius, 1, rng);
}

TEST(SequenceMask, GradFillZeroAndMinusInfinity) {
  // fill_val default -inf, and 0 for grad: the spec's worked example.
  const float in[8] = {1, 1, 1, 1, 1, 1, 1, 1};
  float out[8];
  const int32_t lengths[] = {1, 3};
  const float neg_inf = -std::numeric_limits<float>::infinity();
  SequenceMaskApply(in, out, 4, &neg_inf, 1, 2, 4, SequenceSpan{lengths});
  const float want[8] = {1, neg_inf, neg_inf, neg_inf, 1, 1, 1, neg_inf};
  EXPECT_EQ(0, std::memcmp(out, want, sizeof(out)));
  const float zero = 0.0f;
  SequenceMaskApply(in, out, 4, &zero, 1, 2, 4, SequenceSpan{lengths});
  EXPECT_EQ(out[1], 0.0f);
  EXPECT_EQ(out[4], 1.0f);
}

TEST(SequenceMask, EmptyShapesWriteNothing) {
  uint8_t fill[8] = {};
  GuardedBuffer out(0, 5);
  SequenceMaskApply(nullptr, out.data(), 4, fill, 0, 3, 3, UpperSpan{});
  SequenceMaskApply(nullptr, out.data(), 4, fill, 1, 0, 3, UpperSpan{});
  SequenceMaskApply(nullptr, out.data(), 4, fill, 1, 3, 0, UpperSpan{});
  EXPECT_TRUE(out.GuardsIntact());
}

}  // namespace
}  // namespace caffe2::kernels::testing
