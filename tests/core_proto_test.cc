// Wire compatibility with Caffe2's caffe2.proto: every field number of the spec's list round-trips
// against hand-encoded bytes, unknown fields survive a read-modify-write, and repeated numbers are
// read packed or unpacked.
#include <gtest/gtest.h>

#include <cstring>
#include <string>

#include "proto/caffe2.pb.h"

namespace caffe2 {
namespace {

// Builds protobuf wire bytes by hand.
class Wire {
 public:
  Wire& Varint(uint64_t v) {
    while (v >= 0x80) {
      bytes_ += static_cast<char>((v & 0x7f) | 0x80);
      v >>= 7;
    }
    bytes_ += static_cast<char>(v);
    return *this;
  }
  Wire& Tag(int field, int wire_type) { return Varint(static_cast<uint64_t>(field) << 3 | wire_type); }
  Wire& VarintField(int field, int64_t v) { return Tag(field, 0).Varint(static_cast<uint64_t>(v)); }
  Wire& Bytes(int field, const std::string& b) {
    Tag(field, 2).Varint(b.size());
    bytes_ += b;
    return *this;
  }
  Wire& Fixed32Field(int field, float f) { return Tag(field, 5).Raw(&f, 4); }
  Wire& Fixed64Field(int field, double d) { return Tag(field, 1).Raw(&d, 8); }
  Wire& Raw(const void* p, size_t n) {  // little-endian host (x86-64)
    bytes_.append(static_cast<const char*>(p), n);
    return *this;
  }
  const std::string& str() const { return bytes_; }
  operator std::string() const { return bytes_; }  // NOLINT

 private:
  std::string bytes_;
};

std::string Hex(const std::string& s) {
  static const char* digits = "0123456789abcdef";
  std::string out;
  for (unsigned char c : s) {
    out += digits[c >> 4];
    out += digits[c & 15];
    out += ' ';
  }
  return out;
}

// Serializing `message` gives exactly `expected`, and parsing `expected` gives back `message`.
template <typename Message>
void ExpectWire(const Message& message, const std::string& expected) {
  EXPECT_EQ(Hex(message.SerializeAsString()), Hex(expected));
  Message parsed;
  ASSERT_TRUE(parsed.ParseFromString(expected));
  EXPECT_EQ(parsed.SerializeAsString(), message.SerializeAsString());
  EXPECT_EQ(parsed.DebugString(), message.DebugString());
}

TEST(Wire, TensorProtoEveryField) {
  TensorProto t;
  t.add_dims(2);
  t.add_dims(3);
  t.set_data_type(TensorProto::FLOAT16);
  t.add_float_data(1.5f);
  t.add_int32_data(1);
  t.add_int32_data(-1);
  t.set_byte_data("ab");
  t.add_string_data("x");
  t.add_string_data("");
  t.set_name("t");
  t.mutable_device_detail()->set_node_name("n");
  t.add_double_data(0.25);
  t.add_int64_data(300);
  t.mutable_segment()->set_begin(1);
  t.mutable_segment()->set_end(2);
  t.set_raw_data(std::string("\x01\x02", 2));
  t.set_data_format(1);

  const float f = 1.5f;
  const double d = 0.25;
  const std::string expected =
      Wire()
          .VarintField(1, 2)
          .VarintField(1, 3)  // dims: repeated int64, not declared packed in Caffe2's proto2 file
          .VarintField(2, 12)
          .Bytes(3, Wire().Raw(&f, 4))                      // float_data, packed
          .Bytes(4, Wire().Varint(1).Varint(~uint64_t{0}))  // int32_data, packed; -1 is ten bytes
          .Bytes(5, "ab")
          .Bytes(6, "x")
          .Bytes(6, "")
          .Bytes(7, "t")
          .Bytes(8, Wire().Bytes(4, "n"))  // device_detail { node_name }
          .Bytes(9, Wire().Raw(&d, 8))     // double_data, packed
          .Bytes(10, Wire().Varint(300))   // int64_data, packed
          .Bytes(11, Wire().VarintField(1, 1).VarintField(2, 2))  // segment { begin end }
          .Bytes(13, std::string("\x01\x02", 2))
          .VarintField(15, 1);
  ExpectWire(t, expected);
}

TEST(Wire, TensorProtoDefaultsAndDataTypeNumbers) {
  TensorProto empty;
  ASSERT_TRUE(empty.ParseFromString(""));
  EXPECT_EQ(empty.data_type(), TensorProto::FLOAT);  // the default
  EXPECT_FALSE(empty.has_data_type());
  EXPECT_EQ(empty.data_format(), 0u);
  EXPECT_EQ(TensorProto::UNDEFINED, 0);
  EXPECT_EQ(TensorProto::FLOAT, 1);
  EXPECT_EQ(TensorProto::INT32, 2);
  EXPECT_EQ(TensorProto::BYTE, 3);
  EXPECT_EQ(TensorProto::STRING, 4);
  EXPECT_EQ(TensorProto::BOOL, 5);
  EXPECT_EQ(TensorProto::UINT8, 6);
  EXPECT_EQ(TensorProto::INT8, 7);
  EXPECT_EQ(TensorProto::UINT16, 8);
  EXPECT_EQ(TensorProto::INT16, 9);
  EXPECT_EQ(TensorProto::INT64, 10);
  EXPECT_EQ(TensorProto::FLOAT16, 12);
  EXPECT_EQ(TensorProto::DOUBLE, 13);
  EXPECT_EQ(PROTO_CPU, 0);
  EXPECT_EQ(PROTO_CUDA, 1);
}

TEST(Wire, RepeatedNumbersPackedOrUnpacked) {
  const float a = 1.0f, b = -2.5f;
  const double c = 3.0;
  // Every repeated numeric field of TensorProto, written unpacked (one tag per value)...
  const std::string unpacked = Wire()
                                   .VarintField(1, 4)
                                   .VarintField(1, 5)
                                   .Fixed32Field(3, a)
                                   .Fixed32Field(3, b)
                                   .VarintField(4, 7)
                                   .VarintField(4, -8)
                                   .Fixed64Field(9, c)
                                   .VarintField(10, 1LL << 40)
                                   .VarintField(10, -1);
  // ...and packed (one length-delimited run per field).
  const std::string packed = Wire()
                                 .Bytes(1, Wire().Varint(4).Varint(5))
                                 .Bytes(3, Wire().Raw(&a, 4).Raw(&b, 4))
                                 .Bytes(4, Wire().Varint(7).Varint(static_cast<uint64_t>(int64_t{-8})))
                                 .Bytes(9, Wire().Raw(&c, 8))
                                 .Bytes(10, Wire().Varint(1ULL << 40).Varint(~uint64_t{0}));
  for (const std::string& bytes : {unpacked, packed}) {
    TensorProto t;
    ASSERT_TRUE(t.ParseFromString(bytes));
    ASSERT_EQ(t.dims_size(), 2);
    EXPECT_EQ(t.dims(1), 5);
    ASSERT_EQ(t.float_data_size(), 2);
    EXPECT_EQ(t.float_data(1), -2.5f);
    ASSERT_EQ(t.int32_data_size(), 2);
    EXPECT_EQ(t.int32_data(1), -8);
    ASSERT_EQ(t.double_data_size(), 1);
    EXPECT_EQ(t.double_data(0), 3.0);
    ASSERT_EQ(t.int64_data_size(), 2);
    EXPECT_EQ(t.int64_data(0), 1LL << 40);
    EXPECT_EQ(t.int64_data(1), -1);
  }
  // Argument.floats and .ints (not packed in Caffe2's file) also read packed.
  Argument arg;
  ASSERT_TRUE(arg.ParseFromString(Wire().Bytes(5, Wire().Raw(&a, 4).Raw(&b, 4)).Bytes(6, Wire().Varint(3).Varint(9))));
  EXPECT_EQ(arg.floats_size(), 2);
  EXPECT_EQ(arg.ints(1), 9);
  // TensorShape.dims and unknown_dims likewise.
  TensorShape shape;
  ASSERT_TRUE(shape.ParseFromString(Wire().Bytes(1, Wire().Varint(6).Varint(7)).Bytes(3, Wire().Varint(1))));
  EXPECT_EQ(shape.dims(1), 7);
  EXPECT_EQ(shape.unknown_dims(0), 1);
}

TEST(Wire, TensorProtosAndBlobProto) {
  TensorProto t;
  t.add_dims(1);
  t.set_name("w");
  const std::string t_bytes = Wire().VarintField(1, 1).Bytes(7, "w");

  TensorProtos protos;
  *protos.add_protos() = t;
  *protos.add_protos() = t;
  ExpectWire(protos, Wire().Bytes(1, t_bytes).Bytes(1, t_bytes));

  BlobProto blob;
  blob.set_name("b");
  blob.set_type("Tensor");
  *blob.mutable_tensor() = t;
  blob.set_content("raw");
  ExpectWire(blob, Wire().Bytes(1, "b").Bytes(2, "Tensor").Bytes(3, t_bytes).Bytes(4, "raw"));
}

TEST(Wire, TensorShape) {
  TensorShape shape;
  shape.add_dims(3);
  shape.set_data_type(TensorProto::INT64);
  shape.add_unknown_dims(0);
  shape.set_unknown_shape(true);
  shape.set_name("s");
  ExpectWire(shape, Wire().VarintField(1, 3).VarintField(2, 10).VarintField(3, 0).VarintField(4, 1).Bytes(5, "s"));
}

TEST(Wire, ArgumentEveryField) {
  NetDef n;
  n.set_name("sub");
  TensorProto t;
  t.set_name("tt");
  Argument arg;
  arg.set_name("a");
  arg.set_f(0.5f);
  arg.set_i(-2);
  arg.set_s("str");
  arg.add_floats(1.0f);
  arg.add_floats(2.0f);
  arg.add_ints(3);
  arg.add_ints(4);
  arg.add_strings("p");
  *arg.mutable_n() = n;
  *arg.add_nets() = n;
  *arg.mutable_t() = t;
  *arg.add_tensors() = t;

  const std::string n_bytes = Wire().Bytes(1, "sub");
  const std::string t_bytes = Wire().Bytes(7, "tt");
  const std::string expected = Wire()
                                   .Bytes(1, "a")
                                   .Fixed32Field(2, 0.5f)
                                   .VarintField(3, -2)
                                   .Bytes(4, "str")
                                   .Fixed32Field(5, 1.0f)  // floats: unpacked, as Caffe2 writes them
                                   .Fixed32Field(5, 2.0f)
                                   .VarintField(6, 3)
                                   .VarintField(6, 4)
                                   .Bytes(7, "p")
                                   .Bytes(8, n_bytes)
                                   .Bytes(9, n_bytes)
                                   .Bytes(10, t_bytes)
                                   .Bytes(11, t_bytes);
  ExpectWire(arg, expected);
}

TEST(Wire, DeviceOptionEveryField) {
  DeviceOption option;
  option.set_device_type(1);
  option.set_device_id(2);
  option.set_random_seed(3);
  option.set_node_name("node");
  option.set_numa_node_id(5);
  option.add_extra_info("e");
  ExpectWire(option, Wire()
                         .VarintField(1, 1)
                         .VarintField(2, 2)
                         .VarintField(3, 3)
                         .Bytes(4, "node")
                         .VarintField(5, 5)
                         .Bytes(6, "e"));
  DeviceOption empty;
  EXPECT_EQ(empty.device_type(), 0);  // CPU by default
}

OperatorDef FullOperatorDef() {
  OperatorDef op;
  op.add_input("x");
  op.add_output("y");
  op.set_name("nm");
  op.set_type("BooleanMask");
  Argument* arg = op.add_arg();
  arg->set_name("k");
  arg->set_i(1);
  op.mutable_device_option()->set_device_id(0);
  op.set_engine("eng");
  op.add_control_input("c");
  op.set_is_gradient_op(true);
  op.set_debug_info("dbg");
  op.set_domain("dom");
  op.set_op_version(7);
  return op;
}

std::string FullOperatorDefBytes() {
  return Wire()
      .Bytes(1, "x")
      .Bytes(2, "y")
      .Bytes(3, "nm")
      .Bytes(4, "BooleanMask")
      .Bytes(5, Wire().Bytes(1, "k").VarintField(3, 1))
      .Bytes(6, Wire().VarintField(2, 0))
      .Bytes(7, "eng")
      .Bytes(8, "c")
      .VarintField(9, 1)
      .Bytes(10, "dbg")
      .Bytes(11, "dom")
      .VarintField(12, 7);
}

TEST(Wire, OperatorDefEveryField) { ExpectWire(FullOperatorDef(), FullOperatorDefBytes()); }

TEST(Wire, NetDefEveryField) {
  NetDef net;
  net.set_name("net");
  *net.add_op() = FullOperatorDef();
  net.set_type("dag");
  net.set_num_workers(4);
  net.mutable_device_option()->set_device_type(0);
  Argument* arg = net.add_arg();
  arg->set_name("a");
  net.add_external_input("in");
  net.add_external_output("out");
  ExpectWire(net, Wire()
                      .Bytes(1, "net")
                      .Bytes(2, FullOperatorDefBytes())
                      .Bytes(3, "dag")
                      .VarintField(4, 4)
                      .Bytes(5, Wire().VarintField(1, 0))
                      .Bytes(6, Wire().Bytes(1, "a"))
                      .Bytes(7, "in")
                      .Bytes(8, "out"));
}

TEST(Wire, UnknownFieldsAreKept) {
  // Fields Caffe2 has that this runtime leaves out (e.g. OperatorDef and NetDef extras, TensorProto
  // qtensor bits) must survive a read-modify-write.
  const std::string unknown_op = Wire().Bytes(4, "Sum").Bytes(99, "future").VarintField(100, 5);
  OperatorDef op;
  ASSERT_TRUE(op.ParseFromString(unknown_op));
  EXPECT_EQ(op.type(), "Sum");
  op.set_name("renamed");
  const std::string written = op.SerializeAsString();
  EXPECT_NE(written.find(Wire().Bytes(99, "future").str()), std::string::npos) << Hex(written);
  EXPECT_NE(written.find(Wire().VarintField(100, 5).str()), std::string::npos) << Hex(written);

  // Nested: an unknown field inside an op inside a net.
  NetDef net;
  ASSERT_TRUE(net.ParseFromString(Wire().Bytes(2, unknown_op).Bytes(20, "net-level")));
  net.set_name("n");
  NetDef again;
  ASSERT_TRUE(again.ParseFromString(net.SerializeAsString()));
  const std::string rewritten = again.SerializeAsString();
  EXPECT_NE(rewritten.find(Wire().Bytes(99, "future").str()), std::string::npos);
  EXPECT_NE(rewritten.find(Wire().Bytes(20, "net-level").str()), std::string::npos);

  // An unknown DataType number stays (proto2 keeps an unknown enum value as an unknown field).
  TensorProto t;
  ASSERT_TRUE(t.ParseFromString(Wire().VarintField(2, 11).VarintField(1, 3)));
  EXPECT_EQ(t.dims(0), 3);
  EXPECT_NE(t.SerializeAsString().find(Wire().VarintField(2, 11).str()), std::string::npos);
}

}  // namespace
}  // namespace caffe2
