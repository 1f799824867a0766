// TensorProto, BlobProto, .npy and protobuf file reading/writing (caffe2_mask/io/).
#include "caffe2_mask/io/serialization.h"

#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmath>
#include <cstring>
#include <fstream>
#include <functional>
#include <limits>

#include <gmock/gmock.h>
#include <google/protobuf/text_format.h>
#include <gtest/gtest.h>

#include "tests/util/operator_tester.h"

namespace caffe2 {
namespace {

using ::testing::HasSubstr;
using testing::MakeTensor;
using testing::ToVector;

// The message of the EnforceNotMet `f` throws ("" if none).
template <typename F>
std::string ErrorOf(F&& f) {
  try {
    f();
  } catch (const EnforceNotMet& e) {
    return e.msg();
  }
  return "";
}

TensorProto ParseTextTensor(const std::string& text) {
  TensorProto proto;
  EXPECT_TRUE(google::protobuf::TextFormat::ParseFromString(text, &proto)) << text;
  return proto;
}

// ---- TensorProto round trips, one per dtype ----

template <typename T>
void ExpectProtoRoundTrip(const std::vector<int64_t>& dims, const std::vector<T>& values) {
  const Tensor original = MakeTensor<T>(dims, values);
  const TensorProto proto = TensorToProto(original, "t");
  EXPECT_EQ(proto.name(), "t");
  const Tensor back = TensorFromProto(proto);
  EXPECT_EQ(back.sizes(), dims);
  ASSERT_TRUE(back.IsType<T>());
  EXPECT_EQ(ToVector<T>(back), values);
  // And through the wire format.
  TensorProto reparsed;
  ASSERT_TRUE(reparsed.ParseFromString(proto.SerializeAsString()));
  EXPECT_EQ(ToVector<T>(TensorFromProto(reparsed)), values);
}

TEST(TensorProtoTest, RoundTripEveryDtype) {
  ExpectProtoRoundTrip<float>({2, 2}, {1.5f, -2.f, std::numeric_limits<float>::infinity(), 0.f});
  ExpectProtoRoundTrip<double>({3}, {1e300, -0.5, 3.0});
  ExpectProtoRoundTrip<int8_t>({3}, {-128, 0, 127});
  ExpectProtoRoundTrip<int16_t>({3}, {-32768, 1, 32767});
  ExpectProtoRoundTrip<int32_t>({2}, {std::numeric_limits<int32_t>::min(), 7});
  ExpectProtoRoundTrip<int64_t>({2}, {std::numeric_limits<int64_t>::max(), -1});
  ExpectProtoRoundTrip<uint8_t>({2}, {0, 255});
  ExpectProtoRoundTrip<uint16_t>({2}, {0, 65535});
  ExpectProtoRoundTrip<bool>({4}, {true, false, false, true});
  ExpectProtoRoundTrip<std::string>({2}, {"", std::string("a\0b", 3)});
  ExpectProtoRoundTrip<float16>({3}, {float16(1.5f), float16(-65504.f), float16::FromBits(0x7c00)});
  ExpectProtoRoundTrip<float>({0, 3}, {});
  ExpectProtoRoundTrip<float>({}, {42.f});
}

TEST(TensorProtoTest, WritesCaffe2Fields) {
  const TensorProto f16 = TensorToProto(MakeTensor<float16>({2}, {float16(1.0f), float16(-2.0f)}));
  EXPECT_EQ(f16.data_type(), TensorProto::FLOAT16);
  ASSERT_EQ(f16.int32_data_size(), 2);
  EXPECT_EQ(f16.int32_data(0), 0x3c00);
  EXPECT_EQ(f16.int32_data(1), 0xc000);  // the 16 bits, unsigned, as Caffe2 writes them
  const TensorProto u8 = TensorToProto(MakeTensor<uint8_t>({1}, {200}));
  EXPECT_EQ(u8.data_type(), TensorProto::UINT8);
  EXPECT_EQ(u8.int32_data(0), 200);
  const TensorProto b = TensorToProto(MakeTensor<bool>({2}, {true, false}));
  EXPECT_EQ(b.data_type(), TensorProto::BOOL);
  EXPECT_EQ(b.int32_data(0), 1);
}

TEST(TensorProtoTest, Float16FromSignedBits) {
  // Some writers store the bits as a signed 16-bit value.
  const Tensor t = TensorFromProto(ParseTextTensor("dims: 1 data_type: FLOAT16 int32_data: -16384"));
  EXPECT_EQ(t.data<float16>()[0].x, 0xc000);
  EXPECT_THAT(ErrorOf([] { TensorFromProto(ParseTextTensor("dims: 1 data_type: FLOAT16 int32_data: 70000")); }),
              HasSubstr("int32_data[0] = 70000"));
}

TEST(TensorProtoTest, ReadsRawDataLittleEndian) {
  TensorProto proto;
  proto.add_dims(2);
  proto.set_data_type(TensorProto::INT32);
  const int32_t values[] = {0x01020304, -5};
  proto.set_raw_data(std::string(reinterpret_cast<const char*>(values), sizeof(values)));
  EXPECT_EQ(ToVector<int32_t>(TensorFromProto(proto)), (std::vector<int32_t>{0x01020304, -5}));

  proto.set_data_type(TensorProto::FLOAT16);
  proto.set_raw_data(std::string("\x00\x3c\x00\xc0", 4));
  const Tensor h = TensorFromProto(proto);
  EXPECT_EQ(static_cast<float>(h.data<float16>()[0]), 1.0f);
  EXPECT_EQ(static_cast<float>(h.data<float16>()[1]), -2.0f);

  proto.set_data_type(TensorProto::DOUBLE);
  const double d[] = {0.25, -8};
  proto.set_raw_data(std::string(reinterpret_cast<const char*>(d), sizeof(d)));
  EXPECT_EQ(ToVector<double>(TensorFromProto(proto)), (std::vector<double>{0.25, -8}));
}

TEST(TensorProtoTest, ReadsByteDataForByteAndUint8) {
  for (auto type : {TensorProto::BYTE, TensorProto::UINT8}) {
    TensorProto proto;
    proto.add_dims(3);
    proto.set_data_type(type);
    proto.set_byte_data(std::string("\x01\xff\x00", 3));
    const Tensor t = TensorFromProto(proto);
    EXPECT_EQ(ToVector<uint8_t>(t), (std::vector<uint8_t>{1, 255, 0})) << DataTypeName(type);
  }
  // BYTE written in int32_data, as some writers do.
  const Tensor t = TensorFromProto(ParseTextTensor("dims: 2 data_type: BYTE int32_data: [7, 8]"));
  EXPECT_EQ(ToVector<uint8_t>(t), (std::vector<uint8_t>{7, 8}));
}

TEST(TensorProtoTest, BoolNormalisedToZeroOrOne) {
  // The spec's Booleans rule: any non-zero value becomes 1, from int32_data and from raw_data.
  const Tensor a = TensorFromProto(ParseTextTensor("dims: 4 data_type: BOOL int32_data: [0, 2, -1, 1]"));
  const uint8_t* bytes = reinterpret_cast<const uint8_t*>(a.data<bool>());
  EXPECT_EQ(std::vector<uint8_t>(bytes, bytes + 4), (std::vector<uint8_t>{0, 1, 1, 1}));
  TensorProto raw;
  raw.add_dims(3);
  raw.set_data_type(TensorProto::BOOL);
  raw.set_raw_data(std::string("\x00\x07\xff", 3));
  const Tensor b = TensorFromProto(raw);
  bytes = reinterpret_cast<const uint8_t*>(b.data<bool>());
  EXPECT_EQ(std::vector<uint8_t>(bytes, bytes + 3), (std::vector<uint8_t>{0, 1, 1}));
}

TEST(TensorProtoTest, DefaultDataTypeIsFloat) {
  const Tensor t = TensorFromProto(ParseTextTensor("dims: 2 float_data: [1, 2]"));
  EXPECT_TRUE(t.IsType<float>());
}

TEST(TensorProtoTest, ElementCountMustMatchDims) {
  EXPECT_THAT(ErrorOf([] { TensorFromProto(ParseTextTensor("dims: 3 float_data: [1, 2]")); }),
              HasSubstr("dims [3] need 3 values, but float_data holds 2"));
  EXPECT_THAT(ErrorOf([] { TensorFromProto(ParseTextTensor("float_data: []")); }),
              HasSubstr("dims [] need 1 values, but float_data holds 0"));
  TensorProto raw;
  raw.add_dims(2);
  raw.set_raw_data("abc");
  EXPECT_THAT(ErrorOf([&] { TensorFromProto(raw); }), HasSubstr("raw_data holds 3 bytes"));
}

TEST(TensorProtoTest, WrongFieldForDtype) {
  EXPECT_THAT(ErrorOf([] { TensorFromProto(ParseTextTensor("dims: 1 data_type: INT64 int32_data: 1")); }),
              HasSubstr("INT64 TensorProto carries its values in int64_data or raw_data, but int32_data holds 1"));
  EXPECT_THAT(ErrorOf([] {
                TensorFromProto(ParseTextTensor("dims: 1 data_type: STRING raw_data: 'ab'"));
              }),
              HasSubstr("string_data"));
  EXPECT_THAT(ErrorOf([] {
                TensorFromProto(ParseTextTensor("dims: 1 float_data: 1 raw_data: '\\000\\000\\000\\000'"));
              }),
              HasSubstr("both float_data and raw_data"));
}

TEST(TensorProtoTest, NarrowIntegersRangeChecked) {
  EXPECT_THAT(ErrorOf([] { TensorFromProto(ParseTextTensor("dims: 1 data_type: UINT8 int32_data: 256")); }),
              HasSubstr("int32_data[0] = 256 does not fit uint8"));
  EXPECT_THAT(ErrorOf([] { TensorFromProto(ParseTextTensor("dims: 2 data_type: INT8 int32_data: [1, -129]")); }),
              HasSubstr("int32_data[1] = -129 does not fit int8"));
}

TEST(TensorProtoTest, BadDimsAndTypes) {
  EXPECT_THAT(ErrorOf([] { TensorFromProto(ParseTextTensor("dims: -1")); }), HasSubstr("negative"));
  EXPECT_THAT(ErrorOf([] {
                TensorFromProto(ParseTextTensor("dims: 4294967296 dims: 4294967296 dims: 4294967296"));
              }),
              HasSubstr("overflows"));
  EXPECT_THAT(ErrorOf([] { TensorFromProto(ParseTextTensor("dims: 1 data_type: UNDEFINED")); }),
              HasSubstr("UNDEFINED"));
  EXPECT_THAT(ErrorOf([] { TensorFromProto(ParseTextTensor("name: 'w' dims: 1"), "file 'f.pb'"); }),
              HasSubstr("file 'f.pb': tensor 'w': "));
}

TEST(TensorProtoTest, SegmentCoveringWholeTensorOnly) {
  EXPECT_EQ(TensorFromProto(ParseTextTensor("dims: 2 float_data: [1, 2] segment { begin: 0 end: 2 }")).numel(), 2);
  EXPECT_THAT(ErrorOf([] {
                TensorFromProto(ParseTextTensor("dims: 4 float_data: [1, 2] segment { begin: 0 end: 2 }"));
              }),
              HasSubstr("chunk"));
}

TEST(TensorProtoTest, TensorLimitsApply) {
  const auto saved = GetTensorLimits();
  auto limits = saved;
  limits.max_rank = 2;
  SetTensorLimits(limits);
  EXPECT_THAT(ErrorOf([] { TensorFromProto(ParseTextTensor("dims: 1 dims: 1 dims: 1 float_data: 1")); }),
              HasSubstr("rank limit"));
  limits = saved;
  limits.max_bytes = 8;
  SetTensorLimits(limits);
  EXPECT_THAT(ErrorOf([] { TensorFromProto(ParseTextTensor("dims: 3 float_data: [1, 2, 3]")); }),
              HasSubstr("more than the limit of 8 bytes"));
  SetTensorLimits(saved);
}

// Text-format tensor files: dims and data_type are read from the text's tokens and checked before
// protobuf parses the values. The files below carry fewer values than their dims need, so a check made
// only after the parse would report the count mismatch instead of the limit.
TEST(TensorProtoTest, TextLimitsCheckedBeforeTheValuesAreParsed) {
  const auto saved = GetTensorLimits();
  SetTensorLimits({saved.max_rank, 1 << 20});
  std::string values = "float_data: [0";
  for (int i = 0; i < 100000; ++i) values += ", 1.5";
  values += "]";
  const std::pair<const char*, std::string> cases[] = {
      {"TensorProto", "dims: 1000 dims: 1000 data_type: FLOAT " + values},
      {"list syntax, hex, comments", "# a comment\ndims: [0x3e8, 1000] data_type: 1\n" + values},
      {"dims after the values", values + " dims: 1000 dims: 1000"},
      {"BlobProto", "name: \"b\" type: \"Tensor\" tensor { dims: 1000 dims: 1000 " + values + " }"},
      {"BlobProto, tensor: <...>", "name: 'b' tensor: < dims: 1000 dims: 1000 " + values + " >"},
      {"TensorProtos", "protos { dims: 1000 dims: 1000 " + values + " }"},
  };
  for (const auto& [what, text] : cases) {
    const std::string error = ErrorOf([&, text = text] { Tensor t; TensorFromString(text, &t, "file 't.pbtxt'"); });
    EXPECT_THAT(error, HasSubstr("TensorProto dims [1000, 1000] of float needs 4000000 bytes, more than the limit "
                                 "of 1048576"))
        << what;
    EXPECT_THAT(error, HasSubstr("t.pbtxt")) << what;
  }
  // Rank: one dim more than the limit is enough to refuse.
  SetTensorLimits({3, saved.max_bytes});
  EXPECT_THAT(ErrorOf([] { Tensor t; TensorFromString("dims: [1, 1, 1, 1, 1] float_data: 2", &t, "r"); }),
              HasSubstr("rank limit"));
  SetTensorLimits(saved);
  // Within the limits, text still reads as before, nested messages and strings included.
  Tensor t;
  TensorFromString("dims: 2 data_type: DOUBLE name: \"a\" \"b\" segment { begin: 0 end: 2 } double_data: [1, -2.5]",
                   &t, "ok");
  EXPECT_EQ(ToVector<double>(t), (std::vector<double>{1, -2.5}));
}

// ---- BlobProto ----

TEST(BlobProtoTest, RoundTrip) {
  const BlobProto blob = TensorToBlobProto(MakeTensor<int64_t>({2}, {5, 6}), "ids");
  EXPECT_EQ(blob.name(), "ids");
  EXPECT_EQ(blob.type(), "Tensor");
  Tensor t;
  TensorFromBlobProto(blob, &t);
  EXPECT_EQ(ToVector<int64_t>(t), (std::vector<int64_t>{5, 6}));

  Blob holder;
  *BlobGetMutableTensor(&holder) = MakeTensor<float>({1}, {3.f});
  Blob back;
  DeserializeBlob(SerializeBlob(holder, "x"), &back);
  EXPECT_EQ(ToVector<float>(back.Get<Tensor>()), (std::vector<float>{3.f}));
}

TEST(BlobProtoTest, NonTensorBlobsRefused) {
  BlobProto blob;
  blob.set_name("q");
  blob.set_type("QTensor");
  Tensor t;
  EXPECT_THAT(ErrorOf([&] { TensorFromBlobProto(blob, &t); }), HasSubstr("holds a 'QTensor', not a 'Tensor'"));
  blob.set_type("Tensor");
  EXPECT_THAT(ErrorOf([&] { TensorFromBlobProto(blob, &t); }), HasSubstr("has no tensor field"));
  Blob not_tensor;
  not_tensor.Reset(new int(3));
  EXPECT_THAT(ErrorOf([&] { SerializeBlob(not_tensor, "n"); }), HasSubstr("not a tensor"));
}

// ---- Streamed writers: the same bytes as protobuf's serializer, without a copy of the data ----

// WriteTensorProto / WriteBlobProto against protobuf's serialization of TensorToProto / TensorToBlobProto.
template <typename T>
void ExpectWireSameAsProtobuf(const std::vector<int64_t>& dims, const std::vector<T>& values) {
  const Tensor t = MakeTensor<T>(dims, values);
  for (const std::string& name : std::vector<std::string>{"", "x", std::string(200, 'n')}) {
    SCOPED_TRACE(std::string(t.dtype().name()) + " name of " + std::to_string(name.size()) + " bytes");
    EXPECT_EQ(TensorToFileContent(t, TensorFileFormat::kTensorProto, name),
              TensorToProto(t, name).SerializeAsString());
    EXPECT_EQ(TensorToFileContent(t, TensorFileFormat::kBlobProto, name),
              TensorToBlobProto(t, name).SerializeAsString());
    EXPECT_EQ(TensorProtoByteSize(t, name), static_cast<int64_t>(TensorToProto(t, name).ByteSizeLong()));
  }
}

TEST(StreamedWritersTest, SameBytesAsProtobufForEveryDtype) {
  ExpectWireSameAsProtobuf<float>({2, 3}, {1, -2, 3, 4.5f, 5, 6});
  ExpectWireSameAsProtobuf<double>({2}, {0.5, -1e300});
  ExpectWireSameAsProtobuf<float16>({2}, {float16(1.f), float16(-3.5f)});
  ExpectWireSameAsProtobuf<int8_t>({3}, {-1, 127, -128});
  ExpectWireSameAsProtobuf<int16_t>({2}, {-300, 32767});
  ExpectWireSameAsProtobuf<int32_t>({3}, {-70000, 2, std::numeric_limits<int32_t>::min()});
  ExpectWireSameAsProtobuf<int64_t>({3}, {int64_t{1} << 40, -1, std::numeric_limits<int64_t>::min()});
  ExpectWireSameAsProtobuf<uint8_t>({2}, {0, 255});
  ExpectWireSameAsProtobuf<uint16_t>({2}, {0, 65535});
  ExpectWireSameAsProtobuf<bool>({3}, {true, false, true});
  ExpectWireSameAsProtobuf<std::string>({3}, {"h\xc3\xa9llo", "", std::string(300, 'a')});
  ExpectWireSameAsProtobuf<float>({}, {7.f});
  ExpectWireSameAsProtobuf<float>({0, 2}, {});
  ExpectWireSameAsProtobuf<int32_t>({0}, {});
  // Large enough that varints and the value bytes cross the writer's 64 KiB buffer.
  std::vector<int32_t> many(100000);
  for (size_t i = 0; i < many.size(); ++i) many[i] = static_cast<int32_t>(i * 2654435761u);
  ExpectWireSameAsProtobuf<int32_t>({100000}, many);
  std::vector<float> floats(50000, 0.25f);
  ExpectWireSameAsProtobuf<float>({250, 200}, floats);
}

// Each format's big values reach the sink as the tensor's own buffer, not as a copy.
TEST(StreamedWritersTest, FixedWidthValuesComeStraightFromTheTensor) {
  std::vector<float> values(1 << 18, 1.5f);
  const Tensor t = MakeTensor<float>({1 << 18}, values);
  for (TensorFileFormat format : {TensorFileFormat::kNpy, TensorFileFormat::kTensorProto, TensorFileFormat::kBlobProto}) {
    bool saw_buffer = false;
    size_t total = 0;
    WriteTensorFileContent(t, format, "x", [&](const char* data, size_t size) {
      saw_buffer = saw_buffer || (data == t.raw_data() && size == static_cast<size_t>(t.nbytes()));
      total += size;
    });
    EXPECT_TRUE(saw_buffer) << TensorFileFormatName(format);
    EXPECT_EQ(total, TensorToFileContent(t, format, "x").size()) << TensorFileFormatName(format);
  }
}

TEST(StreamedWritersTest, NpyStringsInChunks) {
  // 3 MiB of '<U1' items: written in several chunks, read back unchanged.
  std::vector<std::string> strings(200000, "\xc3\xa9");
  for (size_t i = 0; i < strings.size(); i += 7) strings[i] = "ab";
  const Tensor t = MakeTensor<std::string>({200000}, strings);
  int calls = 0;
  std::string bytes;
  WriteNpy(t, [&](const char* data, size_t size) {
    ++calls;
    bytes.append(data, size);
  });
  EXPECT_GT(calls, 2);
  Tensor back;
  TensorFromNpy(bytes, &back, "test");
  EXPECT_EQ(ToVector<std::string>(back), strings);
}

// ---- .npy ----

template <typename T>
void ExpectNpyRoundTrip(const std::vector<int64_t>& dims, const std::vector<T>& values, const char* descr) {
  const std::string bytes = TensorToNpy(MakeTensor<T>(dims, values));
  EXPECT_TRUE(IsNpy(bytes));
  EXPECT_THAT(bytes, HasSubstr(std::string("'descr': '") + descr + "'"));
  // NumPy aligns the data to 64 bytes.
  const size_t header_len = static_cast<unsigned char>(bytes[8]) | (static_cast<unsigned char>(bytes[9]) << 8);
  EXPECT_EQ((10 + header_len) % 64, 0u);
  Tensor back;
  TensorFromNpy(bytes, &back, "test");
  EXPECT_EQ(back.sizes(), dims);
  ASSERT_TRUE(back.IsType<T>());
  EXPECT_EQ(ToVector<T>(back), values);
}

TEST(NpyTest, RoundTripEveryDtype) {
  ExpectNpyRoundTrip<float>({2, 3}, {1, 2, 3, 4, 5, 6}, "<f4");
  ExpectNpyRoundTrip<double>({1}, {0.5}, "<f8");
  ExpectNpyRoundTrip<float16>({2}, {float16(1.f), float16(-3.5f)}, "<f2");
  ExpectNpyRoundTrip<int8_t>({2}, {-1, 2}, "|i1");
  ExpectNpyRoundTrip<int16_t>({2}, {-300, 2}, "<i2");
  ExpectNpyRoundTrip<int32_t>({2}, {-70000, 2}, "<i4");
  ExpectNpyRoundTrip<int64_t>({1}, {int64_t{1} << 40}, "<i8");
  ExpectNpyRoundTrip<uint8_t>({2}, {0, 255}, "|u1");
  ExpectNpyRoundTrip<uint16_t>({2}, {0, 65535}, "<u2");
  ExpectNpyRoundTrip<bool>({3}, {true, false, true}, "|b1");
  ExpectNpyRoundTrip<std::string>({2}, {"h\xc3\xa9llo", "a"}, "<U5");
  ExpectNpyRoundTrip<std::string>({2}, {std::string("x\0y", 3), "zz"}, "|S3");
  ExpectNpyRoundTrip<float>({}, {7.f}, "<f4");
  ExpectNpyRoundTrip<float>({0, 2}, {}, "<f4");
}

TEST(NpyTest, ShapeSyntax) {
  EXPECT_THAT(TensorToNpy(MakeTensor<float>({3}, {1, 2, 3})), HasSubstr("'shape': (3,)"));
  EXPECT_THAT(TensorToNpy(MakeTensor<float>({}, {1})), HasSubstr("'shape': ()"));
  EXPECT_THAT(TensorToNpy(MakeTensor<float>({1, 2}, {1, 2})), HasSubstr("'shape': (1, 2)"));
}

// A hand-made .npy file with the given header dict and data.
std::string Npy(const std::string& dict, const std::string& data, int major = 1) {
  std::string header = dict;
  header += std::string((64 - (10 + header.size() + 1) % 64) % 64, ' ') + "\n";
  std::string out("\x93NUMPY", 6);
  out.push_back(static_cast<char>(major));
  out.push_back('\0');
  out.push_back(static_cast<char>(header.size() & 0xff));
  out.push_back(static_cast<char>(header.size() >> 8));
  if (major >= 2) out.append(2, '\0');
  return out + header + data;
}

TEST(NpyTest, ReadsWhatNumpyWrites) {
  Tensor t;
  // Double quotes, Python 2 long suffix, format 2.0, '=' byte order.
  TensorFromNpy(Npy("{\"descr\": \"<i4\", \"fortran_order\": False, \"shape\": (2L,), }", std::string("\x01\0\0\0\x02\0\0\0", 8)), &t);
  EXPECT_EQ(ToVector<int32_t>(t), (std::vector<int32_t>{1, 2}));
  TensorFromNpy(Npy("{'descr': '<f4', 'fortran_order': False, 'shape': (1,)}", std::string("\0\0\x80\x3f", 4), 2), &t);
  EXPECT_EQ(ToVector<float>(t), (std::vector<float>{1.f}));
  // Fortran order is harmless when at most one dim is larger than 1.
  TensorFromNpy(Npy("{'descr': '|u1', 'fortran_order': True, 'shape': (1, 2)}", "\x05\x06"), &t);
  EXPECT_EQ(ToVector<uint8_t>(t), (std::vector<uint8_t>{5, 6}));
  // '>' is fine for single bytes.
  TensorFromNpy(Npy("{'descr': '>i1', 'fortran_order': False, 'shape': (1,)}", "\x07"), &t);
  EXPECT_EQ(ToVector<int8_t>(t), (std::vector<int8_t>{7}));
}

TEST(NpyTest, BoolNormalised) {
  Tensor t;
  TensorFromNpy(Npy("{'descr': '|b1', 'fortran_order': False, 'shape': (3,)}", std::string("\x00\x02\xff", 3)), &t);
  const uint8_t* bytes = reinterpret_cast<const uint8_t*>(t.data<bool>());
  EXPECT_EQ(std::vector<uint8_t>(bytes, bytes + 3), (std::vector<uint8_t>{0, 1, 1}));
}

TEST(NpyTest, Refusals) {
  Tensor t;
  auto refuse = [&](const std::string& bytes) { return ErrorOf([&] { TensorFromNpy(bytes, &t, "file 'a.npy'"); }); };
  const std::string six_floats(24, '\0');
  EXPECT_THAT(refuse(Npy("{'descr': '<f4', 'fortran_order': True, 'shape': (2, 3), }", six_floats)),
              AllOf(HasSubstr("file 'a.npy'"), HasSubstr("Fortran")));
  EXPECT_THAT(refuse(Npy("{'descr': '|O', 'fortran_order': False, 'shape': (1,), }", "12345678")),
              HasSubstr("Python objects"));
  EXPECT_THAT(refuse(Npy("{'descr': '>f4', 'fortran_order': False, 'shape': (1,), }", "1234")),
              HasSubstr("big-endian"));
  EXPECT_THAT(refuse(Npy("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }", six_floats.substr(0, 20))),
              HasSubstr("truncated: shape [2, 3] of '<f4' needs 24 bytes, but the file holds 20"));
  EXPECT_THAT(refuse(Npy("{'descr': '<f4', 'fortran_order': False, 'shape': (1,), }", "12345678")),
              HasSubstr("4 bytes after the data"));
  EXPECT_THAT(refuse(Npy("{'descr': '<c8', 'fortran_order': False, 'shape': (1,), }", "12345678")),
              HasSubstr("'<c8' has no tensor type"));
  EXPECT_THAT(refuse(Npy("{'descr': '<u4', 'fortran_order': False, 'shape': (1,), }", "1234")),
              HasSubstr("'<u4' has no tensor type"));
  EXPECT_THAT(refuse(Npy("{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (1,), }", "1234")),
              HasSubstr("structured dtype"));
  EXPECT_THAT(refuse(Npy("{'descr': '<f4', 'shape': (1,), }", "1234")), HasSubstr("without 'descr'"));
  EXPECT_THAT(refuse(Npy("{'descr': '<f4', 'fortran_order': False, 'shape': (-1,), }", "")),
              HasSubstr("malformed shape"));
  EXPECT_THAT(refuse(Npy("{'descr': '<f4', 'fortran_order': False, 'shape': (99999999999999999999,), }", "")),
              HasSubstr("64 bits"));
  EXPECT_THAT(refuse(Npy("{'descr': '<f4', 'fortran_order': False, 'shape': (4294967296, 4294967296, 4), }", "")),
              HasSubstr("overflows"));
  EXPECT_THAT(refuse(Npy("{'descr': '<f4', 'fortran_order': Maybe, 'shape': (1,), }", "1234")),
              HasSubstr("neither True nor False"));
  EXPECT_THAT(refuse(Npy("{'descr': '<f4', 'fortran_order': False, 'shape': (1,), }", "1234", 9)),
              HasSubstr("version 9.0"));
  EXPECT_THAT(refuse(std::string("\x93NUMPY\x01\x00\xff\x00{'descr'", 17)), HasSubstr("truncated"));
  EXPECT_THAT(refuse(std::string("\x93NUMPY\x01", 7)), HasSubstr("truncated inside its preamble"));
  EXPECT_THAT(refuse("not npy at all"), HasSubstr("not a .npy file"));
}

// ---- protobuf text/binary detection and limits ----

TEST(NpyTest, StringLengthLimitAlsoForTensorProto) {
  const auto saved = GetSerializationLimits();
  auto limits = saved;
  limits.max_string_bytes = 4;
  SetSerializationLimits(limits);
  EXPECT_EQ(TensorFromProto(ParseTextTensor("dims: 2 data_type: STRING string_data: ['abcd', '']"))
                .data<std::string>()[0],
            "abcd");
  EXPECT_THAT(ErrorOf([] { TensorFromProto(ParseTextTensor("dims: 2 data_type: STRING string_data: ['ab', 'abcde']")); }),
              AllOf(HasSubstr("string_data[1] has 5 bytes"), HasSubstr("--max_string_bytes")));
  Tensor t;
  EXPECT_THAT(ErrorOf([&] { TensorFromNpy(Npy("{'descr': '<U5', 'fortran_order': False, 'shape': (1,), }",
                                              std::string(20, '\0')), &t, "file 's.npy'"); }),
              AllOf(HasSubstr("file 's.npy'"), HasSubstr("<U5"), HasSubstr("string limit")));
  // The default limit (64 MiB) applies before the 4-bytes-per-character size is computed.
  SetSerializationLimits(saved);
  EXPECT_THAT(ErrorOf([&] { TensorFromNpy(Npy("{'descr': '<U100000000', 'fortran_order': False, 'shape': (1,), }",
                                              "x"), &t, "file 's.npy'"); }),
              HasSubstr("string limit"));
}

TEST(ProtoFormatTest, DetectsTextAndBinary) {
  NetDef net;
  net.set_name("n");
  auto* op = net.add_op();
  op->set_type("Sum");
  op->add_input("a");
  op->add_output("b");
  NetDef back;
  EXPECT_EQ(ParseProtoFromString(ProtoToString(net, ProtoFormat::kText), &back), ProtoFormat::kText);
  EXPECT_EQ(back.SerializeAsString(), net.SerializeAsString());
  back.Clear();
  EXPECT_EQ(ParseProtoFromString(ProtoToString(net, ProtoFormat::kBinary), &back), ProtoFormat::kBinary);
  EXPECT_EQ(back.SerializeAsString(), net.SerializeAsString());
}

TEST(ProtoFormatTest, ErrorsNameSourceAndPlace) {
  NetDef net;
  EXPECT_THAT(ErrorOf([&] { ParseProtoFromString("name: \"n\"\nop { tpye: \"x\" }\n", &net, "file 'n.pbtxt'"); }),
              AllOf(HasSubstr("file 'n.pbtxt'"), HasSubstr("line 2, column"), HasSubstr("tpye")));
  EXPECT_THAT(ErrorOf([&] { ParseProtoFromString(std::string("\xff\xff\xff\x01\x02", 5), &net, "file 'b.pb'"); }),
              AllOf(HasSubstr("file 'b.pb'"), HasSubstr("not valid binary protobuf")));
}

TEST(ProtoFormatTest, KeepsUnknownBinaryFields) {
  TensorProto proto;
  proto.add_dims(1);
  proto.add_float_data(2.f);
  std::string bytes = proto.SerializeAsString();
  bytes += std::string("\xa0\x06\x05", 3);  // field 100, varint 5: not in the proto
  TensorProto back;
  EXPECT_EQ(ParseProtoFromString(bytes, &back), ProtoFormat::kBinary);
  EXPECT_EQ(back.float_data(0), 2.f);
  EXPECT_FALSE(back.GetReflection()->GetUnknownFields(back).empty());
}

TEST(ProtoFormatTest, RecursionLimit) {
  // A net whose op has an argument holding a net holding an op ... 20 levels deep.
  std::string text = "name: 'x'";
  for (int i = 0; i < 20; ++i) text = "op { arg { name: 'n' n { " + text + " } } }";
  NetDef net;
  EXPECT_NO_THROW(ParseProtoFromString(text, &net));
  const std::string binary = net.SerializeAsString();
  const auto saved = GetSerializationLimits();
  auto limits = saved;
  limits.max_proto_depth = 10;
  SetSerializationLimits(limits);
  EXPECT_THAT(ErrorOf([&] { ParseProtoFromString(text, &net); }), HasSubstr("recursion"));
  EXPECT_THAT(ErrorOf([&] { ParseProtoFromString(binary, &net); }), HasSubstr("deeper than the limit of 10"));
  SetSerializationLimits(saved);
}

// ---- files ----

class FileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char pattern[] = "/tmp/serialization_test.XXXXXX";
    ASSERT_NE(::mkdtemp(pattern), nullptr);
    dir_ = pattern;
  }
  void TearDown() override {
    for (const auto& name : Entries()) ::unlink((dir_ + "/" + name).c_str());
    ::rmdir(dir_.c_str());
  }
  std::vector<std::string> Entries() const {
    std::vector<std::string> names;
    DIR* d = ::opendir(dir_.c_str());
    while (dirent* e = d ? ::readdir(d) : nullptr) {
      if (std::strcmp(e->d_name, ".") != 0 && std::strcmp(e->d_name, "..") != 0) names.push_back(e->d_name);
    }
    if (d) ::closedir(d);
    std::sort(names.begin(), names.end());
    return names;
  }
  void Write(const std::string& name, const std::string& content) {
    std::ofstream(dir_ + "/" + name, std::ios::binary) << content;
  }
  std::string dir_;
};

TEST_F(FileTest, TensorFileFormatsDetectedFromContent) {
  const Tensor t = MakeTensor<int32_t>({2}, {3, 4});
  Write("blob.bin", TensorToFileContent(t, TensorFileFormat::kBlobProto, "b"));
  Write("tensor.bin", TensorToFileContent(t, TensorFileFormat::kTensorProto, "t"));
  Write("array.data", TensorToFileContent(t, TensorFileFormat::kNpy, ""));
  Write("blob.txt", "name: 'b' type: 'Tensor' tensor { dims: 2 data_type: INT32 int32_data: [3, 4] }");
  Write("tensor.txt", "dims: 2 data_type: INT32 int32_data: [3, 4]");
  TensorProtos protos;
  TensorToProto(t, protos.add_protos());
  Write("protos.bin", protos.SerializeAsString());
  const std::pair<const char*, TensorFileFormat> cases[] = {
      {"blob.bin", TensorFileFormat::kBlobProto},   {"tensor.bin", TensorFileFormat::kTensorProto},
      {"array.data", TensorFileFormat::kNpy},       {"blob.txt", TensorFileFormat::kBlobProto},
      {"tensor.txt", TensorFileFormat::kTensorProto}, {"protos.bin", TensorFileFormat::kTensorProto}};
  for (const auto& [name, format] : cases) {
    Tensor back;
    const TensorFileInfo info = ReadTensorFile(dir_ + "/" + name, &back);
    EXPECT_EQ(info.format, format) << name;
    EXPECT_EQ(ToVector<int32_t>(back), (std::vector<int32_t>{3, 4})) << name;
  }
}

// What a reader made of a file: the tensor's dtype, dims and bytes and the file info, or the error.
std::string Outcome(const std::function<TensorFileInfo(Tensor*)>& read) {
  Tensor t;
  try {
    const TensorFileInfo info = read(&t);
    std::string out = std::string(TensorFileFormatName(info.format)) + " '" + info.stored_name + "' " +
                      std::to_string(static_cast<int>(info.proto_format)) + " " + t.DebugString() + " ";
    if (t.IsType<std::string>()) {
      for (const auto& v : ToVector<std::string>(t)) out += v + ",";
    } else {
      out.append(static_cast<const char*>(t.raw_data()), static_cast<size_t>(t.nbytes()));
    }
    return out;
  } catch (const EnforceNotMet& e) {
    return std::string("error: ") + e.msg();
  }
}

std::string Field(int number, int wire, const std::string& value) {
  std::string out;
  auto varint = [&](uint64_t v) {
    while (v >= 0x80) {
      out.push_back(static_cast<char>(v | 0x80));
      v >>= 7;
    }
    out.push_back(static_cast<char>(v));
  };
  varint(static_cast<uint64_t>(number) << 3 | static_cast<uint64_t>(wire));
  if (wire == 2) {
    varint(value.size());
    out += value;
  } else if (wire == 0) {
    varint(std::stoull(value));
  }
  return out;
}

// Large binary proto files are read with their values left in the file (ReadTensorFile): every file,
// read that way, gives what the whole-content reader (TensorFromString) gives, tensor or error.
TEST_F(FileTest, LargeProtoFilesReadInPlaceAsTheWholeContentReaderReadsThem) {
  constexpr int kN = 300000;  // 1.2 MB of float32: over the in-place reader's threshold
  std::string floats(4 * kN, '\0');
  for (int i = 0; i < kN; ++i) {
    const float v = static_cast<float>(i % 1000) * 0.5f - 3.f;
    std::memcpy(&floats[4 * static_cast<size_t>(i)], &v, 4);
  }
  std::string bytes(4 * kN, '\0');
  for (int i = 0; i < 4 * kN; ++i) bytes[i] = static_cast<char>(i * 7);
  const std::string byte_dims = Field(1, 0, std::to_string(4 * kN));
  const std::string dims = Field(1, 0, std::to_string(kN));
  const std::string dims_packed = Field(1, 2, std::string("\xe0\xa7\x12", 3));  // packed [300000]
  auto type = [](int t) { return Field(2, 0, std::to_string(t)); };
  auto blob = [](const std::string& tensor, const std::string& blob_type = "Tensor") {
    return Field(1, 2, "b") + Field(2, 2, blob_type) + Field(3, 2, tensor);
  };
  const std::string raw = dims + type(1) + Field(13, 2, floats) + Field(7, 2, "t");
  std::vector<int32_t> ints(kN);
  std::vector<int64_t> longs(kN);
  for (int i = 0; i < kN; ++i) {
    ints[i] = static_cast<int32_t>(static_cast<uint32_t>(i) * 2654435761u);  // negatives: 10-byte varints
    longs[i] = static_cast<int64_t>(i) * -987654321987LL;
  }
  // int32_data of 4 * kN values given as packed varints (1.2 MB and more), for other dtypes.
  std::vector<int64_t> small(4 * kN), bytes_as_ints(4 * kN);
  for (int i = 0; i < 4 * kN; ++i) {
    small[i] = i % 7 - 3;
    bytes_as_ints[i] = i % 256;
  }
  small[4 * kN - 5] = 200;  // out of int8's range, in int16's
  auto packed = [](const std::vector<int64_t>& values) {
    std::string out;
    for (int64_t v : values) {
      uint64_t u = static_cast<uint64_t>(v);
      while (u >= 0x80) {
        out.push_back(static_cast<char>(u | 0x80));
        u >>= 7;
      }
      out.push_back(static_cast<char>(u));
    }
    return out;
  };
  const std::string many_dims = Field(1, 0, std::to_string(4 * kN));
  auto varint_tensor = [&](int data_type, const std::vector<int64_t>& values) {
    return many_dims + type(data_type) + Field(4, 2, packed(values));
  };
  // Varints wider than 32 bits (an int32 field keeps the low 32), 4 * kN of them.
  std::vector<int64_t> wide(4 * kN);
  for (int i = 0; i < 4 * kN; ++i) wide[i] = (int64_t{i} << 33) + i * 3;
  const std::string wide_varints = packed(wide);
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"raw_float", raw},
      {"float_data", TensorToFileContent(MakeTensor<float>({kN}, std::vector<float>(kN, 2.5f)), TensorFileFormat::kTensorProto, "f")},
      {"double_data", TensorToFileContent(MakeTensor<double>({kN / 2}, std::vector<double>(kN / 2, -1.25)), TensorFileFormat::kTensorProto, "")},
      {"blob_float_data", TensorToFileContent(MakeTensor<float>({3, kN / 3}, std::vector<float>(kN, 1.f)), TensorFileFormat::kBlobProto, "x")},
      {"blob_raw", blob(raw)},
      {"name_after_raw", dims + Field(13, 2, floats) + type(1) + Field(7, 2, "late")},
      {"byte_data", byte_dims + type(3) + Field(5, 2, bytes)},
      {"uint8_byte_data", byte_dims + type(6) + Field(5, 2, bytes)},
      {"uint8_raw", byte_dims + type(6) + Field(13, 2, bytes)},
      {"bool_raw_normalised", byte_dims + type(5) + Field(13, 2, bytes)},
      {"int8_byte_data_refused", byte_dims + type(7) + Field(5, 2, bytes)},
      {"packed_dims", dims_packed + Field(3, 2, floats)},
      {"raw_size_mismatch", dims + type(1) + Field(13, 2, floats.substr(4))},
      {"raw_and_float_data", dims + type(1) + Field(3, 2, floats.substr(0, 8)) + Field(13, 2, floats)},
      {"raw_twice_last_wins", Field(1, 0, std::to_string(kN - 1)) + type(1) + Field(13, 2, floats) + Field(13, 2, floats.substr(4))},
      {"float_data_split", dims + type(1) + Field(3, 2, floats.substr(0, 4 * 1000)) + Field(3, 2, floats.substr(4 * 1000))},
      {"unknown_field", raw + Field(99, 0, "1")},
      {"unknown_data_type", dims + type(99) + Field(13, 2, floats)},
      {"string_raw", dims + type(4) + Field(13, 2, floats)},
      {"blob_other_type", blob(raw, "Foo")},
      {"blob_two_tensors", blob(raw) + Field(3, 2, Field(7, 2, "n"))},
      {"segment_whole", dims + type(1) + Field(11, 2, Field(1, 0, "0") + Field(2, 0, std::to_string(kN))) + Field(13, 2, floats)},
      {"segment_part", dims + type(1) + Field(11, 2, Field(1, 0, "0") + Field(2, 0, "5")) + Field(13, 2, floats)},
      {"float_data_odd_length", dims + type(1) + Field(3, 2, floats.substr(1))},
      {"truncated", raw.substr(0, raw.size() - 10)},
      {"protos", Field(1, 2, raw)},
      {"text_looking", std::string("dims: 2 ") + std::string(2 << 20, ' ')},
      // Packed varints: int32_data for int32, int16, int8, uint16, uint8, bool, float16; int64_data.
      {"int32_data", TensorToFileContent(MakeTensor<int32_t>({kN}, ints), TensorFileFormat::kTensorProto, "i")},
      {"blob_int64_data", TensorToFileContent(MakeTensor<int64_t>({kN}, longs), TensorFileFormat::kBlobProto, "l")},
      {"int16_data", varint_tensor(9, small)},
      {"int8_data_out_of_range", varint_tensor(7, small)},
      {"uint8_data", varint_tensor(6, bytes_as_ints)},
      {"uint16_data_negative", varint_tensor(8, small)},
      {"bool_data", varint_tensor(5, small)},
      {"float16_data", varint_tensor(12, small)},
      {"int32_data_wide_varint_truncated", many_dims + type(2) + Field(4, 2, wide_varints)},
      {"int32_data_unterminated", many_dims + type(2) + Field(4, 2, wide_varints + "\x80")},
      {"int32_data_eleven_bytes", many_dims + type(2) + Field(4, 2, std::string(10, '\xff') + "\x01" + wide_varints)},
      {"int64_data_count_mismatch", Field(1, 0, "5") + type(10) + Field(10, 2, wide_varints)},
  };
  for (const auto& [name, content] : cases) {
    SCOPED_TRACE(name);
    Write(name, content);
    const std::string path = dir_ + "/" + name;
    const std::string in_place = Outcome([&](Tensor* t) { return ReadTensorFile(path, t); });
    const std::string& bytes_of_file = content;
    const std::string whole =
        Outcome([&](Tensor* t) { return TensorFromString(bytes_of_file, t, "file '" + path + "'"); });
    EXPECT_EQ(in_place.substr(0, 400), whole.substr(0, 400));
    EXPECT_TRUE(in_place == whole);
  }
  // And with a tensor limit below the values: refused from the header, both ways, naming the numbers.
  SetTensorLimits({GetTensorLimits().max_rank, 1 << 20});
  const std::string path = dir_ + "/raw_float";
  const std::string refused = Outcome([&](Tensor* t) { return ReadTensorFile(path, t); });
  SetTensorLimits(TensorLimits{});
  EXPECT_THAT(refused, HasSubstr("more than the limit of 1048576"));
  EXPECT_THAT(refused, HasSubstr(path));
}

TEST_F(FileTest, TensorFileErrorsNameTheFile) {
  Write("empty", "");
  Write("garbage", std::string("\xff\xfe\x00\x01\x80", 5));
  Write("badtext", "dims: 2 flaot_data: [1, 2]");
  Tensor t;
  EXPECT_THAT(ErrorOf([&] { ReadTensorFile(dir_ + "/empty", &t); }), AllOf(HasSubstr("empty"), HasSubstr("/empty'")));
  EXPECT_THAT(ErrorOf([&] { ReadTensorFile(dir_ + "/garbage", &t); }), HasSubstr("neither a .npy file"));
  EXPECT_THAT(ErrorOf([&] { ReadTensorFile(dir_ + "/badtext", &t); }), AllOf(HasSubstr("line 1"), HasSubstr("flaot_data")));
  EXPECT_THAT(ErrorOf([&] { ReadTensorFile(dir_ + "/missing", &t); }), HasSubstr("No such file"));
  EXPECT_THAT(ErrorOf([&] { ReadTensorFile(dir_, &t); }), HasSubstr("is a directory"));
}

TEST_F(FileTest, FileSizeLimit) {
  Write("big", std::string(100, ' '));
  const auto saved = GetSerializationLimits();
  auto limits = saved;
  limits.max_file_bytes = 99;
  SetSerializationLimits(limits);
  NetDef net;
  EXPECT_THAT(ErrorOf([&] { ReadProtoFile(dir_ + "/big", &net); }),
              HasSubstr("is 100 bytes, more than the file size limit of 99 bytes"));
  SetSerializationLimits(saved);
}

TEST_F(FileTest, AtomicWriteLeavesOnlyTheFile) {
  const std::string path = dir_ + "/out.pb";
  WriteFileAtomically(path, "first");
  WriteFileAtomically(path, "second");
  EXPECT_EQ(ReadFileToString(path), "second");
  EXPECT_EQ(Entries(), (std::vector<std::string>{"out.pb"}));
  // Writing into a missing folder fails and leaves nothing.
  EXPECT_THAT(ErrorOf([&] { WriteFileAtomically(dir_ + "/no/such/x", "data"); }), HasSubstr("cannot create"));
  EXPECT_EQ(Entries(), (std::vector<std::string>{"out.pb"}));
  // A temp name is hidden, in the same folder and never reused.
  const std::string a = TemporaryPathFor(path), b = TemporaryPathFor(path);
  EXPECT_NE(a, b);
  EXPECT_EQ(a.rfind(dir_ + "/.out.pb.tmp.", 0), 0u);
}

TEST_F(FileTest, WriteProtoAndTensorFiles) {
  NetDef net;
  net.set_name("written");
  WriteProtoToFile(net, dir_ + "/net.pbtxt", ProtoFormat::kText);
  NetDef back;
  EXPECT_EQ(ReadProtoFile(dir_ + "/net.pbtxt", &back), ProtoFormat::kText);
  EXPECT_EQ(back.name(), "written");
  WriteTensorFile(MakeTensor<float>({1}, {9.f}), dir_ + "/x.npy", TensorFileFormat::kNpy, "x");
  Tensor t;
  EXPECT_EQ(ReadTensorFile(dir_ + "/x.npy", &t).format, TensorFileFormat::kNpy);
  EXPECT_EQ(ToVector<float>(t), (std::vector<float>{9.f}));
}

}  // namespace
}  // namespace caffe2
