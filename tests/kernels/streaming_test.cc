// The streaming-store helpers (ops/kernels/streaming.h) byte for byte: every destination alignment
// within a line, lengths that do and do not reach a whole line, every item size. SequenceMask's
// streamed rows are checked against the reference in sequence_mask_test.cc.
#include "ops/kernels/streaming.h"
#include "ops/kernels/mask_kernels.h"

#include <gtest/gtest.h>

#include <cstring>
#include <random>
#include <vector>

#include "tests/kernels/test_util.h"

namespace caffe2::kernels::testing {
namespace {

// Lengths around 0, one line, two lines and several lines.
std::vector<int64_t> Lengths() {
  std::vector<int64_t> lengths;
  for (int64_t n = 0; n <= 200; ++n) lengths.push_back(n);
  for (int64_t n : {255, 256, 257, 1000, 4096, 4097, 10000}) lengths.push_back(n);
  return lengths;
}

// The store kinds this CPU runs: SSE2 always, AVX where it has it.
std::vector<detail::StreamStores> StoreKinds() {
  std::vector<detail::StreamStores> kinds{detail::StreamStores::kSse2};
  if (detail::BestStreamStores() == detail::StreamStores::kAvx) kinds.push_back(detail::StreamStores::kAvx);
  return kinds;
}

TEST(StreamCopy, EveryStoreKindAlignmentAndLength) {
  std::mt19937_64 rng(21);
  for (const detail::StreamStores stores : StoreKinds())
    for (int64_t dst_offset = 0; dst_offset < 64; ++dst_offset)
      for (int64_t bytes : Lengths()) {
        ExactBuffer src(bytes, RandomEdge(rng));
        FillRandomBytes(src.data(), bytes, rng);
        GuardedBuffer dst(bytes, dst_offset);
        detail::StreamCopyWith(stores, dst.data(), src.data(), bytes);
        detail::StreamFence();
        SCOPED_TRACE(::testing::Message() << "stores=" << static_cast<int>(stores) << " dst_offset=" << dst_offset
                                          << " bytes=" << bytes);
        ASSERT_TRUE(dst.GuardsIntact());
        ASSERT_EQ(0, std::memcmp(dst.data(), src.data(), bytes));
      }
}

// The public copy: serial and split over the team (threshold 0), plain and streamed (threshold 0,
// memory written before), at every destination alignment; parts of threads meet on line boundaries.
TEST(CopyBytes, EverySplitStoreKindAlignmentAndLength) {
  std::mt19937_64 rng(22);
  for (const int64_t parallel_threshold : {int64_t{1} << 40, int64_t{0}})
    for (const bool written_before : {false, true}) {
      ScopedParallelThreshold threads(parallel_threshold);
      ScopedStreamingThreshold streamed(0);
      for (int64_t dst_offset : {0, 1, 17, 63})
        for (int64_t bytes : Lengths()) {
          ExactBuffer src(bytes, RandomEdge(rng));
          FillRandomBytes(src.data(), bytes, rng);
          GuardedBuffer dst(bytes, dst_offset);
          CopyBytes(dst.data(), src.data(), bytes, written_before);
          SCOPED_TRACE(::testing::Message() << "threshold=" << parallel_threshold << " written_before="
                                            << written_before << " dst_offset=" << dst_offset << " bytes=" << bytes);
          ASSERT_TRUE(dst.GuardsIntact());
          ASSERT_EQ(0, std::memcmp(dst.data(), src.data(), bytes));
        }
    }
}

TEST(StreamFill, EveryStoreKindAlignmentItemSizeAndCount) {
  std::mt19937_64 rng(22);
  for (const detail::StreamStores stores : StoreKinds())
    for (int64_t item : {2, 4, 8})
      for (int64_t dst_offset = 0; dst_offset < 64; ++dst_offset)
        for (int64_t count : Lengths()) {
          uint8_t pattern[8];
          FillRandomBytes(pattern, item, rng);
          GuardedBuffer dst(count * item, dst_offset);
          detail::StreamFillWith(stores, dst.data(), count, item, pattern);
          detail::StreamFence();
          SCOPED_TRACE(::testing::Message() << "stores=" << static_cast<int>(stores) << " item=" << item
                                            << " dst_offset=" << dst_offset << " count=" << count);
          ASSERT_TRUE(dst.GuardsIntact());
          for (int64_t i = 0; i < count; ++i) ASSERT_EQ(0, std::memcmp(dst.data() + i * item, pattern, item)) << i;
        }
}

}  // namespace
}  // namespace caffe2::kernels::testing
