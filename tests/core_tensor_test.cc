// Tensor: shapes, capacity reuse, alignment, checked dtype access, strings, limits, copies and moves.
#include <gtest/gtest.h>

#include <cstdint>
#include <functional>
#include <limits>
#include <string>
#include <vector>

#include "caffe2_mask/core/tensor.h"
#include "tests/util/operator_tester.h"

namespace caffe2 {
namespace {

using caffe2::testing::ExpectThrowContaining;

// Changes the process-wide limits for one test and restores them when it ends.
class LimitsGuard {
 public:
  LimitsGuard() : saved_(GetTensorLimits()) {}
  ~LimitsGuard() { SetTensorLimits(saved_); }
  void SetMaxRank(int64_t rank) {
    TensorLimits limits = GetTensorLimits();
    limits.max_rank = rank;
    SetTensorLimits(limits);
  }
  void SetMaxBytes(int64_t bytes) {
    TensorLimits limits = GetTensorLimits();
    limits.max_bytes = bytes;
    SetTensorLimits(limits);
  }

 private:
  TensorLimits saved_;
};

using Dims = std::vector<int64_t>;

TEST(Tensor, DefaultIsEmptyOneDimensionalWithoutDtype) {
  Tensor t;
  EXPECT_EQ(t.sizes(), Dims{0});
  EXPECT_EQ(t.dim(), 1);
  EXPECT_EQ(t.numel(), 0);
  EXPECT_FALSE(t.dtype().defined());
  EXPECT_EQ(t.capacity_nbytes(), 0u);
  EXPECT_EQ(t.GetDeviceType(), CPU);
  ExpectThrowContaining([&] { t.raw_data(); }, {"has no dtype yet"});
  ExpectThrowContaining([&] { t.raw_mutable_data(); }, {"has no dtype yet"});
}

TEST(Tensor, ResizeFormsAndShapeQueries) {
  Tensor t;
  t.Resize(2, 3, 4);
  EXPECT_EQ(t.sizes(), (Dims{2, 3, 4}));
  EXPECT_EQ(t.dims(), (Dims{2, 3, 4}));
  EXPECT_EQ(t.dim(), 3);
  EXPECT_EQ(t.ndim(), 3);
  EXPECT_EQ(t.numel(), 24);
  EXPECT_EQ(t.size(0), 2);
  EXPECT_EQ(t.size(2), 4);
  EXPECT_EQ(t.size(-1), 4);
  EXPECT_EQ(t.size(-3), 2);
  EXPECT_EQ(t.dim32(1), 3);
  EXPECT_EQ(t.size_from_dim(1), 12);
  EXPECT_EQ(t.size_from_dim(3), 1);
  EXPECT_EQ(t.size_from_dim(0), 24);
  EXPECT_EQ(t.size_to_dim(0), 1);
  EXPECT_EQ(t.size_to_dim(2), 6);
  EXPECT_EQ(t.size_to_dim(3), 24);
  EXPECT_EQ(t.size_between_dim(0, 2), 3);  // Caffe2: the dims strictly between, here dim 1 only
  EXPECT_EQ(t.size_between_dim(2, 0), 3);
  EXPECT_EQ(t.size_between_dim(1, 1), 1);
  EXPECT_EQ(t.canonical_axis_index(-1), 2);
  EXPECT_EQ(t.canonical_axis_index(-3), 0);
  EXPECT_EQ(t.canonical_axis_index(1), 1);

  t.Resize({5});
  EXPECT_EQ(t.sizes(), Dims{5});
  t.Resize(Dims{});
  EXPECT_EQ(t.dim(), 0);
  EXPECT_EQ(t.numel(), 1);  // a scalar
  t.Resize(Dims{3, 0, 2});
  EXPECT_EQ(t.numel(), 0);

  Tensor like;
  Tensor source(Dims{7, 2});
  like.ResizeLike(source);
  EXPECT_EQ(like.sizes(), (Dims{7, 2}));
  EXPECT_EQ(like.numel(), 14);
}

TEST(Tensor, AxisErrors) {
  Tensor t(Dims{2, 3});
  ExpectThrowContaining([&] { t.canonical_axis_index(2); }, {"axis 2 is out of range", "2-D", "-2 to 1"});
  ExpectThrowContaining([&] { t.canonical_axis_index(-3); }, {"axis -3 is out of range"});
  ExpectThrowContaining([&] { t.size(5); }, {"axis 5"});
  ExpectThrowContaining([&] { t.size_from_dim(3); }, {"size_from_dim(3)"});
  ExpectThrowContaining([&] { t.size_to_dim(-1); }, {"size_to_dim(-1)"});
  ExpectThrowContaining([&] { t.size_between_dim(0, 2); }, {"size_between_dim(0, 2)", "[0, 2)"});
  ExpectThrowContaining([&] { t.size_between_dim(-1, 1); }, {"size_between_dim(-1, 1)"});
}

// Regression for Caffe2's SequenceMask with `batch`, which corrupted the heap when size_between_dim
// meant the product of dims [k, l): on [2, 3, 4], (0, 2) must be 3, not 6.
TEST(Tensor, SizeBetweenDimIsCaffe2sOnEveryPairOfARank4Shape) {
  const Dims dims = {2, 3, 5, 7};
  Tensor t(dims);
  for (int k = 0; k < 4; ++k) {
    for (int l = 0; l < 4; ++l) {
      // Written from the definition: multiply dim i when it lies strictly between k and l.
      int64_t expected = 1;
      for (int i = 0; i < 4; ++i) {
        if ((k < i && i < l) || (l < i && i < k)) expected *= dims[i];
      }
      EXPECT_EQ(t.size_between_dim(k, l), expected) << "k=" << k << " l=" << l;
    }
  }
  EXPECT_EQ(t.size_between_dim(0, 3), 15);
  EXPECT_EQ(t.size_between_dim(3, 0), 15);
  EXPECT_EQ(t.size_between_dim(1, 2), 1);
  EXPECT_EQ(Tensor(Dims{2, 3, 4}).size_between_dim(0, 2), 3);
  ExpectThrowContaining([&] { t.size_between_dim(0, 4); }, {"size_between_dim(0, 4)"});
  ExpectThrowContaining([&] { t.size_between_dim(4, 0); }, {"size_between_dim(4, 0)"});
}

TEST(Tensor, ReshapeKeepsDataAndNeedsSameCount) {
  Tensor t(Dims{2, 3});
  float* data = t.mutable_data<float>();
  for (int i = 0; i < 6; ++i) data[i] = static_cast<float>(i);
  t.Reshape({3, 2});
  EXPECT_EQ(t.sizes(), (Dims{3, 2}));
  EXPECT_EQ(t.data<float>(), data);
  EXPECT_EQ(t.data<float>()[5], 5.0f);
  ExpectThrowContaining([&] { t.Reshape({4, 2}); }, {"Reshape from [3, 2] to [4, 2]", "(8 vs. 6)"});
  EXPECT_EQ(t.sizes(), (Dims{3, 2}));
}

TEST(Tensor, ResizeToSmallerOrEqualBytesKeepsTheBuffer) {
  Tensor t(Dims{4, 8});
  float* first = t.mutable_data<float>();
  const size_t capacity = t.capacity_nbytes();
  EXPECT_GE(capacity, 32 * sizeof(float));

  t.Resize(8, 4);  // same count, new shape
  EXPECT_EQ(t.mutable_data<float>(), first);
  t.Resize(3);  // smaller
  EXPECT_EQ(t.mutable_data<float>(), first);
  EXPECT_EQ(t.capacity_nbytes(), capacity);
  t.Resize(32);  // back to the original size
  EXPECT_EQ(t.mutable_data<float>(), first);
  t.Resize(0);
  EXPECT_EQ(t.mutable_data<float>(), first);

  // Bigger than the capacity: a new buffer.
  t.Resize(static_cast<int64_t>(capacity / sizeof(float) + 1));
  float* bigger = t.mutable_data<float>();
  EXPECT_GT(t.capacity_nbytes(), capacity);
  EXPECT_EQ(reinterpret_cast<uintptr_t>(bigger) % Tensor::kAlignment, 0u);
}

TEST(Tensor, CapacityReuseIsPerDtype) {
  Tensor t(Dims{16});
  void* as_float = t.mutable_data<float>();
  // A smaller dtype with the same count would fit, but a dtype change starts over.
  void* as_int8 = t.mutable_data<int8_t>();
  EXPECT_TRUE(t.IsType<int8_t>());
  EXPECT_EQ(t.nbytes(), 16);
  (void)as_float;
  (void)as_int8;
  ExpectThrowContaining([&] { t.data<float>(); }, {"holds int8", "data<float>()"});
}

TEST(Tensor, ResizeWithoutWriteHasNoData) {
  Tensor t(Dims{2});
  t.mutable_data<float>();
  t.Resize(1000);  // bigger than the capacity: the buffer is gone until written
  ExpectThrowContaining([&] { t.data<float>(); }, {"holds no data yet", "Tensor<float>[1000]"});
  EXPECT_NE(t.mutable_data<float>(), nullptr);
  EXPECT_NO_THROW(t.data<float>());
}

TEST(Tensor, SixtyFourByteAlignment) {
  for (int64_t n : {0, 1, 3, 17, 64, 1000}) {
    Tensor a(Dims{n});
    Tensor b(Dims{n});
    Tensor c(Dims{n});
    EXPECT_EQ(reinterpret_cast<uintptr_t>(a.mutable_data<int8_t>()) % 64, 0u) << n;
    EXPECT_EQ(reinterpret_cast<uintptr_t>(b.mutable_data<double>()) % 64, 0u) << n;
    EXPECT_EQ(reinterpret_cast<uintptr_t>(c.mutable_data<std::string>()) % 64, 0u) << n;
    EXPECT_EQ(a.capacity_nbytes() % 64, 0u);
    EXPECT_GT(a.capacity_nbytes(), 0u);  // even empty tensors have a valid pointer
  }
}

TEST(Tensor, CheckedDtypeAccessNamesBothTypes) {
  Tensor t(Dims{2, 2});
  t.mutable_data<float>();
  ExpectThrowContaining([&] { t.data<int>(); }, {"holds float", "data<int32>()", "Tensor<float>[2, 2]"});
  ExpectThrowContaining([&] { t.data<double>(); }, {"float", "double"});
  ExpectThrowContaining([&] { t.data<std::string>(); }, {"float", "string"});
  EXPECT_TRUE(t.IsType<float>());
  EXPECT_FALSE(t.IsType<int>());
  EXPECT_EQ(t.itemsize(), 4u);
  EXPECT_EQ(t.nbytes(), 16);
  EXPECT_EQ(t.raw_data(), static_cast<const void*>(t.data<float>()));
  EXPECT_EQ(t.DebugString(), "Tensor<float>[2, 2]");
  // mutable_data<T>() with another T re-types the tensor (an output being rewritten).
  int32_t* ints = t.mutable_data<int32_t>();
  ASSERT_NE(ints, nullptr);
  EXPECT_TRUE(t.IsType<int32_t>());
  EXPECT_EQ(t.raw_mutable_data(), static_cast<void*>(ints));
}

TEST(Tensor, RawMutableDataWithDtype) {
  Tensor t(Dims{3});
  void* p = t.raw_mutable_data(TypeMeta::Make<int16_t>());
  EXPECT_TRUE(t.IsType<int16_t>());
  EXPECT_EQ(p, t.raw_data());
  ExpectThrowContaining([&] { t.raw_mutable_data(TypeMeta()); }, {"needs a dtype"});
}

TEST(Tensor, StringTensors) {
  Tensor t(Dims{3});
  std::string* s = t.mutable_data<std::string>();
  EXPECT_EQ(s[0], "");  // constructed
  s[0] = "alpha";
  s[1] = std::string(200, 'b');  // heap-allocated, so a leak or double free shows under the sanitizers
  s[2] = "gamma";
  EXPECT_EQ(t.nbytes(), static_cast<int64_t>(3 * sizeof(std::string)));
  // Same count: the strings stay.
  t.Resize(1, 3);
  EXPECT_EQ(t.mutable_data<std::string>(), s);
  EXPECT_EQ(t.data<std::string>()[1], std::string(200, 'b'));

  Tensor copy = t.Clone();
  EXPECT_NE(copy.data<std::string>(), t.data<std::string>());
  EXPECT_EQ(copy.data<std::string>()[0], "alpha");
  EXPECT_EQ(copy.data<std::string>()[2], "gamma");
  t.mutable_data<std::string>()[0] = "changed";
  EXPECT_EQ(copy.data<std::string>()[0], "alpha");

  // A different count: new, default-constructed strings.
  t.Resize(5);
  const std::string* fresh = t.mutable_data<std::string>();
  for (int i = 0; i < 5; ++i) EXPECT_EQ(fresh[i], "");
  // Re-typing a string tensor destroys the strings.
  t.mutable_data<float>();
  EXPECT_TRUE(t.IsType<float>());
  // And the other way round.
  t.mutable_data<std::string>()[4] = std::string(100, 'z');
  EXPECT_EQ(t.data<std::string>()[4], std::string(100, 'z'));
}

TEST(Tensor, NegativeDimsRejectedAndTensorUnchanged) {
  Tensor t(Dims{2, 3});
  float* data = t.mutable_data<float>();
  ExpectThrowContaining([&] { t.Resize(2, -1); }, {"[2, -1]", "dim 1 is negative"});
  ExpectThrowContaining([&] { Tensor bad(Dims{-5}); }, {"dim 0 is negative"});
  EXPECT_EQ(t.sizes(), (Dims{2, 3}));
  EXPECT_EQ(t.numel(), 6);
  EXPECT_EQ(t.data<float>(), data);
  ExpectThrowContaining([&] { t.Reshape({-2, -3}); }, {"negative"});
  EXPECT_EQ(t.sizes(), (Dims{2, 3}));
}

TEST(Tensor, OverflowingDimProductRejected) {
  Tensor t(Dims{4});
  t.mutable_data<float>();
  const int64_t big = int64_t{1} << 40;
  ExpectThrowContaining([&] { t.Resize(big, big); }, {"overflows 64 bits"});
  ExpectThrowContaining([&] { t.Resize(std::numeric_limits<int64_t>::max(), 2); }, {"overflows"});
  EXPECT_EQ(t.sizes(), Dims{4});
  // A zero dim anywhere makes the product zero, whatever the others are.
  t.Resize(std::numeric_limits<int64_t>::max(), 0);
  EXPECT_EQ(t.numel(), 0);
  EXPECT_EQ(CheckedNumel(Dims{3, 4}), 12);
  ExpectThrowContaining([] { CheckedNumel(Dims{big, big}, "the shape argument"); }, {"the shape argument"});
}

// Regression: the byte count numel * itemsize could wrap around 64 bits, so a huge shape "fit" a
// small buffer and mutable_data() handed it out.
TEST(Tensor, ByteCountOverflowDoesNotReuseASmallBuffer) {
  Tensor t(Dims{4});
  t.mutable_data<double>();
  t.Resize(int64_t{1} << 61);  // 2^61 doubles = 2^64 bytes: wraps to 0 in 64-bit arithmetic
  EXPECT_EQ(t.capacity_nbytes(), 0u);
  ExpectThrowContaining([&] { t.mutable_data<double>(); }, {"more than the limit"});
}

TEST(Tensor, RankLimitEnforcedAndTensorUnchanged) {
  LimitsGuard guard;
  guard.SetMaxRank(3);
  Tensor t(Dims{1, 2, 3});
  int32_t* data = t.mutable_data<int32_t>();
  ExpectThrowContaining([&] { t.Resize(Dims{1, 1, 1, 1}); }, {"rank limit", "(4 vs. 3)"});
  EXPECT_EQ(t.sizes(), (Dims{1, 2, 3}));
  EXPECT_EQ(t.data<int32_t>(), data);
}

TEST(Tensor, ByteLimitEnforcedAndTensorUnchanged) {
  LimitsGuard guard;
  guard.SetMaxBytes(64);
  Tensor t(Dims{4});
  float* data = t.mutable_data<float>();
  for (int i = 0; i < 4; ++i) data[i] = static_cast<float>(i + 1);
  // 16 doubles = 128 bytes: over the limit.
  Tensor big(Dims{16});
  ExpectThrowContaining([&] { big.mutable_data<double>(); }, {"[16]", "double", "needs 128 bytes", "limit of 64"});
  EXPECT_FALSE(big.dtype().defined());
  // A refused re-typing keeps the old dtype, buffer and values.
  guard.SetMaxBytes(20);
  ExpectThrowContaining([&] { t.mutable_data<double>(); }, {"needs 32 bytes"});
  EXPECT_TRUE(t.IsType<float>());
  EXPECT_EQ(t.data<float>(), data);
  EXPECT_EQ(t.data<float>()[3], 4.0f);
}

TEST(Tensor, CopyFromAndCloneAreDeep) {
  Tensor src(Dims{2, 3});
  int64_t* s = src.mutable_data<int64_t>();
  for (int i = 0; i < 6; ++i) s[i] = i * 10;
  Tensor dst;
  dst.CopyFrom(src);
  EXPECT_EQ(dst.sizes(), src.sizes());
  EXPECT_TRUE(dst.IsType<int64_t>());
  EXPECT_NE(dst.data<int64_t>(), src.data<int64_t>());
  s[0] = 99;
  EXPECT_EQ(dst.data<int64_t>()[0], 0);
  EXPECT_EQ(dst.data<int64_t>()[5], 50);

  Tensor clone = src.Clone();
  EXPECT_EQ(clone.data<int64_t>()[0], 99);
  EXPECT_NE(clone.data<int64_t>(), src.data<int64_t>());

  // Copying into a tensor of another dtype and shape replaces both.
  Tensor other(Dims{7});
  other.mutable_data<float>();
  other.CopyFrom(src);
  EXPECT_TRUE(other.IsType<int64_t>());
  EXPECT_EQ(other.sizes(), (Dims{2, 3}));

  // Self-copy is a no-op; copying an untyped tensor leaves an untyped one.
  src.CopyFrom(src);
  EXPECT_EQ(src.data<int64_t>()[0], 99);
  Tensor untyped(Dims{3});
  other.CopyFrom(untyped);
  EXPECT_FALSE(other.dtype().defined());
  EXPECT_EQ(other.sizes(), Dims{3});

  // An empty typed tensor copies as an empty typed tensor.
  Tensor empty(Dims{0, 4});
  empty.mutable_data<uint8_t>();
  Tensor empty_copy = empty.Clone();
  EXPECT_TRUE(empty_copy.IsType<uint8_t>());
  EXPECT_EQ(empty_copy.sizes(), (Dims{0, 4}));
}

TEST(Tensor, MovesTransferTheBuffer) {
  Tensor a(Dims{3});
  float* data = a.mutable_data<float>();
  data[2] = 7.0f;
  Tensor b(std::move(a));
  EXPECT_EQ(b.data<float>(), data);
  EXPECT_EQ(b.sizes(), Dims{3});
  EXPECT_EQ(a.numel(), 0);            // NOLINT(bugprone-use-after-move): moved-from state is defined
  EXPECT_EQ(a.capacity_nbytes(), 0u);  // NOLINT

  Tensor c(Dims{5});
  c.mutable_data<std::string>()[0] = std::string(50, 's');
  c = std::move(b);  // the strings are destroyed, the floats move in
  EXPECT_EQ(c.data<float>(), data);
  EXPECT_EQ(c.data<float>()[2], 7.0f);

  Tensor d(Dims{2});
  d.mutable_data<std::string>()[1] = std::string(60, 'q');
  Tensor e(std::move(d));
  EXPECT_EQ(e.data<std::string>()[1], std::string(60, 'q'));
  Tensor& self = e;
  e = std::move(self);
  EXPECT_EQ(e.data<std::string>()[1], std::string(60, 'q'));
}

TEST(Tensor, FreeMemory) {
  Tensor t(Dims{10});
  t.mutable_data<float>();
  t.FreeMemory();
  EXPECT_EQ(t.capacity_nbytes(), 0u);
  EXPECT_EQ(t.numel(), 10);
  ExpectThrowContaining([&] { t.data<float>(); }, {"holds no data yet"});
}

TEST(Tensor, ShapeString) {
  EXPECT_EQ(ShapeString(Dims{2, 3}), "[2, 3]");
  EXPECT_EQ(ShapeString(Dims{}), "[]");
}

}  // namespace
}  // namespace caffe2
