// float16 conversions, TypeMeta, and the TensorProto::DataType <-> dtype mapping.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <functional>
#include <limits>
#include <string>
#include <vector>

#include "caffe2_mask/core/types.h"
#include "proto/caffe2.pb.h"
#include "tests/util/operator_tester.h"

namespace caffe2 {
namespace {

uint16_t HalfBits(float value) { return float16(value).x; }
float ToFloat(uint16_t bits) { return static_cast<float>(float16::FromBits(bits)); }

// ---- float16 ----

TEST(Float16, ExactValues) {
  EXPECT_EQ(HalfBits(0.0f), 0x0000);
  EXPECT_EQ(HalfBits(-0.0f), 0x8000);
  EXPECT_EQ(HalfBits(1.0f), 0x3c00);
  EXPECT_EQ(HalfBits(-2.0f), 0xc000);
  EXPECT_EQ(HalfBits(0.5f), 0x3800);
  EXPECT_EQ(HalfBits(65504.0f), 0x7bff);           // largest finite half
  EXPECT_EQ(HalfBits(std::ldexp(1.0f, -14)), 0x0400);  // smallest normal
  EXPECT_EQ(ToFloat(0x3555), 0.333251953125f);
}

TEST(Float16, RoundToNearestEven) {
  const float ulp = std::ldexp(1.0f, -10);  // spacing of halves in [1, 2)
  // Halfway between 1 (even mantissa) and 1 + ulp: to 1.
  EXPECT_EQ(HalfBits(1.0f + ulp / 2), 0x3c00);
  // Halfway between 1 + ulp (odd) and 1 + 2 ulp (even): up.
  EXPECT_EQ(HalfBits(1.0f + 3 * ulp / 2), 0x3c02);
  // Just above and below halfway go to the nearest.
  EXPECT_EQ(HalfBits(1.0f + ulp / 2 + std::ldexp(1.0f, -20)), 0x3c01);
  EXPECT_EQ(HalfBits(1.0f + ulp / 2 - std::ldexp(1.0f, -20)), 0x3c00);
  // Rounding that carries into the exponent.
  EXPECT_EQ(HalfBits(2.0f - ulp / 4), 0x4000);
  EXPECT_EQ(HalfBits(-(1.0f + 3 * ulp / 2)), 0xbc02);
}

TEST(Float16, Subnormals) {
  const float min_subnormal = std::ldexp(1.0f, -24);
  EXPECT_EQ(HalfBits(min_subnormal), 0x0001);
  EXPECT_EQ(HalfBits(-min_subnormal), 0x8001);
  EXPECT_EQ(HalfBits(1023 * min_subnormal), 0x03ff);
  // Halfway between 0 and the smallest subnormal: to 0 (even); above it: up.
  EXPECT_EQ(HalfBits(min_subnormal / 2), 0x0000);
  EXPECT_EQ(HalfBits(min_subnormal / 2 * 1.01f), 0x0001);
  // Halfway between 1 and 2 subnormal steps: to 2; between 2 and 3: to 2.
  EXPECT_EQ(HalfBits(1.5f * min_subnormal), 0x0002);
  EXPECT_EQ(HalfBits(2.5f * min_subnormal), 0x0002);
  // The largest subnormal plus half a step rounds to the smallest normal.
  EXPECT_EQ(HalfBits(1023.5f * min_subnormal), 0x0400);
  EXPECT_EQ(HalfBits(1e-10f), 0x0000);
  EXPECT_EQ(HalfBits(-1e-10f), 0x8000);
  EXPECT_EQ(ToFloat(0x0001), min_subnormal);
  EXPECT_EQ(ToFloat(0x83ff), -1023 * min_subnormal);
}

TEST(Float16, InfinityNaNAndOverflow) {
  const float inf = std::numeric_limits<float>::infinity();
  EXPECT_EQ(HalfBits(inf), 0x7c00);
  EXPECT_EQ(HalfBits(-inf), 0xfc00);
  EXPECT_EQ(ToFloat(0x7c00), inf);
  EXPECT_EQ(ToFloat(0xfc00), -inf);
  // 65520 is halfway between 65504 and 65536 (not representable): rounds to infinity.
  EXPECT_EQ(HalfBits(65519.0f), 0x7bff);
  EXPECT_EQ(HalfBits(65520.0f), 0x7c00);
  EXPECT_EQ(HalfBits(-65520.0f), 0xfc00);
  EXPECT_EQ(HalfBits(1e10f), 0x7c00);
  EXPECT_EQ(HalfBits(std::numeric_limits<float>::max()), 0x7c00);
  EXPECT_EQ(HalfBits(-std::numeric_limits<float>::max()), 0xfc00);
  const uint16_t nan = HalfBits(std::numeric_limits<float>::quiet_NaN());
  EXPECT_EQ(nan & 0x7c00, 0x7c00);
  EXPECT_NE(nan & 0x03ff, 0);
  EXPECT_TRUE(std::isnan(ToFloat(0x7e00)));
  EXPECT_TRUE(std::isnan(ToFloat(0x7c01)));  // signalling pattern
  EXPECT_TRUE(std::isnan(ToFloat(0xfe00)));
  EXPECT_TRUE(std::signbit(ToFloat(0xfe00)));
}

TEST(Float16, EveryBitPatternRoundTripsThroughFloat) {
  int nans = 0;
  for (uint32_t bits = 0; bits <= 0xffff; ++bits) {
    const float f = ToFloat(static_cast<uint16_t>(bits));
    const uint16_t back = float16(f).x;
    const bool is_nan = (bits & 0x7c00) == 0x7c00 && (bits & 0x03ff) != 0;
    if (is_nan) {
      ++nans;
      ASSERT_TRUE(std::isnan(f)) << std::hex << bits;
      // Still a NaN with the same sign (signalling NaNs become quiet).
      ASSERT_EQ(back & 0xfc00, bits & 0xfc00) << std::hex << bits;
      ASSERT_NE(back & 0x03ff, 0) << std::hex << bits;
      ASSERT_NE(back & 0x0200, 0) << std::hex << bits;
    } else {
      ASSERT_EQ(back, bits) << std::hex << bits << " -> " << f;
    }
  }
  EXPECT_EQ(nans, 2 * 1023);
}

TEST(Float16, ConversionIsMonotonicBetweenNeighbours) {
  // Every float strictly between two adjacent finite halves goes to one of them (the nearer).
  for (uint32_t bits = 0; bits < 0x7bff; ++bits) {
    const float lo = ToFloat(static_cast<uint16_t>(bits));
    const float hi = ToFloat(static_cast<uint16_t>(bits + 1));
    const float quarter = lo + (hi - lo) / 4;
    const float three_quarters = lo + 3 * (hi - lo) / 4;
    ASSERT_EQ(HalfBits(quarter), bits);
    ASSERT_EQ(HalfBits(three_quarters), bits + 1);
  }
}

TEST(Float16, AtHalfAlias) {
  at::Half h(2.5f);
  EXPECT_EQ(static_cast<float>(h), 2.5f);
  EXPECT_TRUE((std::is_same_v<at::Half, float16>));
}

// ---- TypeMeta ----

template <typename T>
void ExpectMeta(const char* name, size_t itemsize, bool pod) {
  const TypeMeta meta = TypeMeta::Make<T>();
  SCOPED_TRACE(name);
  EXPECT_TRUE(meta.defined());
  EXPECT_STREQ(meta.name(), name);
  EXPECT_EQ(meta.itemsize(), itemsize);
  EXPECT_EQ(meta.is_pod(), pod);
  EXPECT_TRUE(meta.Match<T>());
  EXPECT_EQ(meta, TypeMeta::Make<T>());
  EXPECT_NE(meta.id(), nullptr);
}

TEST(TypeMeta, NamesItemsizesAndMatch) {
  ExpectMeta<float>("float", 4, true);
  ExpectMeta<double>("double", 8, true);
  ExpectMeta<float16>("float16", 2, true);
  ExpectMeta<int8_t>("int8", 1, true);
  ExpectMeta<int16_t>("int16", 2, true);
  ExpectMeta<int32_t>("int32", 4, true);
  ExpectMeta<int64_t>("int64", 8, true);
  ExpectMeta<uint8_t>("uint8", 1, true);
  ExpectMeta<uint16_t>("uint16", 2, true);
  ExpectMeta<bool>("bool", 1, true);
  ExpectMeta<std::string>("string", sizeof(std::string), false);

  EXPECT_FALSE(TypeMeta::Make<float>().Match<double>());
  EXPECT_FALSE(TypeMeta::Make<int32_t>().Match<uint32_t>());
  EXPECT_NE(TypeMeta::Make<int8_t>(), TypeMeta::Make<uint8_t>());
  EXPECT_NE(TypeMeta::Make<int8_t>().id(), TypeMeta::Make<uint8_t>().id());
}

TEST(TypeMeta, Undefined) {
  TypeMeta meta;
  EXPECT_FALSE(meta.defined());
  EXPECT_EQ(meta.itemsize(), 0u);
  EXPECT_STREQ(meta.name(), "(no type)");
  EXPECT_FALSE(meta.Match<float>());
  EXPECT_EQ(meta, TypeMeta());
}

struct SomeUserType {
  int a = 7;
};

TEST(TypeMeta, OtherTypesGetTheirDemangledName) {
  const TypeMeta meta = TypeMeta::Make<SomeUserType>();
  EXPECT_NE(std::string(meta.name()).find("SomeUserType"), std::string::npos) << meta.name();
  EXPECT_EQ(meta.itemsize(), sizeof(SomeUserType));
}

TEST(TypeMeta, StringConstructCopyDestroy) {
  const TypeMeta meta = TypeMeta::Make<std::string>();
  ASSERT_NE(meta.data()->placement_new, nullptr);
  ASSERT_NE(meta.data()->copy, nullptr);
  ASSERT_NE(meta.data()->destroy, nullptr);
  alignas(std::string) unsigned char src_storage[3 * sizeof(std::string)];
  alignas(std::string) unsigned char dst_storage[3 * sizeof(std::string)];
  meta.data()->placement_new(src_storage, 3);
  meta.data()->placement_new(dst_storage, 3);
  auto* src = reinterpret_cast<std::string*>(src_storage);
  auto* dst = reinterpret_cast<std::string*>(dst_storage);
  EXPECT_EQ(src[0], "");
  src[0] = "a";
  src[1] = std::string(100, 'x');  // heap-allocated: a missing destroy leaks (the sanitizer build sees it)
  src[2] = "c";
  meta.data()->copy(src, dst, 3);
  EXPECT_EQ(dst[0], "a");
  EXPECT_EQ(dst[1], std::string(100, 'x'));
  EXPECT_EQ(dst[2], "c");
  src[1] = "changed";
  EXPECT_EQ(dst[1], std::string(100, 'x'));  // a deep copy
  meta.data()->destroy(src, 3);
  meta.data()->destroy(dst, 3);
}

TEST(TypeMeta, PlainTypesHaveNoConstructors) {
  for (const TypeMeta& meta : AllTensorTypes()) {
    SCOPED_TRACE(meta.name());
    const bool pod = !meta.Match<std::string>();
    EXPECT_EQ(meta.is_pod(), pod);
    EXPECT_EQ(meta.data()->copy == nullptr, pod);
    EXPECT_EQ(meta.data()->placement_new == nullptr, pod);
    EXPECT_EQ(meta.data()->destroy == nullptr, pod);
  }
  EXPECT_EQ(AllTensorTypes().size(), 11u);
}

// ---- DataType <-> TypeMeta ----

TEST(DataTypeMapping, EveryDtypeBothWays) {
  struct Case {
    TensorProto::DataType data_type;
    TypeMeta meta;
    const char* name;
  };
  const Case cases[] = {
      {TensorProto::FLOAT, TypeMeta::Make<float>(), "FLOAT"},
      {TensorProto::DOUBLE, TypeMeta::Make<double>(), "DOUBLE"},
      {TensorProto::FLOAT16, TypeMeta::Make<float16>(), "FLOAT16"},
      {TensorProto::INT8, TypeMeta::Make<int8_t>(), "INT8"},
      {TensorProto::INT16, TypeMeta::Make<int16_t>(), "INT16"},
      {TensorProto::INT32, TypeMeta::Make<int32_t>(), "INT32"},
      {TensorProto::INT64, TypeMeta::Make<int64_t>(), "INT64"},
      {TensorProto::UINT8, TypeMeta::Make<uint8_t>(), "UINT8"},
      {TensorProto::UINT16, TypeMeta::Make<uint16_t>(), "UINT16"},
      {TensorProto::BOOL, TypeMeta::Make<bool>(), "BOOL"},
      {TensorProto::STRING, TypeMeta::Make<std::string>(), "STRING"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    EXPECT_EQ(DataTypeToTypeMeta(c.data_type), c.meta);
    EXPECT_EQ(DataTypeOf(c.meta), c.data_type);
    EXPECT_EQ(DataTypeName(c.data_type), c.name);
  }
  // Every tensor dtype has a DataType, and the mapping is a bijection on them.
  for (const TypeMeta& meta : AllTensorTypes()) {
    EXPECT_EQ(DataTypeToTypeMeta(DataTypeOf(meta)), meta) << meta.name();
  }
  // BYTE reads as uint8; uint8 is written as UINT8, as Caffe2 did.
  EXPECT_EQ(DataTypeToTypeMeta(TensorProto::BYTE), TypeMeta::Make<uint8_t>());
  EXPECT_EQ(DataTypeOf(TypeMeta::Make<uint8_t>()), TensorProto::UINT8);
}

using caffe2::testing::ExpectThrowContaining;

TEST(DataTypeMapping, UnsupportedDataTypesRejectedClearly) {
  ExpectThrowContaining([] { DataTypeToTypeMeta(TensorProto::UNDEFINED); }, {"UNDEFINED", "supported:"});
  ExpectThrowContaining([] { DataTypeToTypeMeta(TensorProto::ZERO_COLLISION_HASH); },
                        {"ZERO_COLLISION_HASH", "no tensor element type", "FLOAT16"});
  ExpectThrowContaining([] { DataTypeToTypeMeta(TensorProto::REBATCHING_BUFFER); }, {"REBATCHING_BUFFER"});
  ExpectThrowContaining([] { DataTypeToTypeMeta(11); }, {"DataType(11)"});
  ExpectThrowContaining([] { DataTypeToTypeMeta(-3); }, {"DataType(-3)"});
  ExpectThrowContaining([] { DataTypeOf(TypeMeta::Make<uint32_t>()); },
                        {"has no TensorProto data_type"});
  ExpectThrowContaining([] { DataTypeOf(TypeMeta()); }, {"(no type)", "has no TensorProto data_type"});
  EXPECT_EQ(DataTypeName(99), "DataType(99)");
}

// ---- enforce ----

TEST(Enforce, ComparisonPrintsBothValuesAndContextAppends) {
  try {
    const int three = 3;
    CAFFE_ENFORCE_EQ(three, 4, "the count");
    FAIL();
  } catch (EnforceNotMet& e) {
    EXPECT_EQ(e.msg(), "the count (3 vs. 4)");
    EXPECT_NE(std::string(e.what()).find("three == 4"), std::string::npos) << e.what();
    e.AppendMessage("while doing X");
    EXPECT_NE(std::string(e.what()).find("\n  while doing X"), std::string::npos) << e.what();
    EXPECT_EQ(e.context().size(), 1u);
  }
  try {
    CAFFE_ENFORCE(1 > 2, "value ", 5, " is wrong");
    FAIL();
  } catch (const EnforceNotMet& e) {
    EXPECT_EQ(e.msg(), "value 5 is wrong");
    EXPECT_EQ(e.condition(), "1 > 2");
    EXPECT_EQ(e.file(), "core_types_test.cc");
  }
}

}  // namespace
}  // namespace caffe2
