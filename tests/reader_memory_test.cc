// Memory and limits of the tensor-file readers (caffe2_mask/io): .npy inputs and the values of binary
// TensorProto / BlobProto inputs are read straight into the tensor, and a protobuf input whose header
// asks for more than the tensor limit is refused before its values are read. Peak resident memory is
// measured in a child process (wait4), with generous bounds so the test never depends on the machine's
// speed or load.
#include <gtest/gtest.h>

#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <functional>
#include <string>

#include "caffe2_mask/caffe2_mask.h"
#include "tests/util/operator_tester.h"
#include "tests/util/sanitizers.h"

namespace caffe2 {
namespace {

constexpr int64_t kMiB = int64_t{1} << 20;
constexpr int64_t kFloats = 32 * kMiB;  // 128 MiB of float32

std::string Varint(uint64_t v) {
  std::string out;
  do {
    const uint8_t low = v & 0x7f;
    v >>= 7;
    out.push_back(static_cast<char>(v ? low | 0x80 : low));
  } while (v);
  return out;
}

// A file of `head` followed by `zeros` zero bytes, in the test's temporary directory.
std::string WriteFile(const std::string& name, const std::string& head, int64_t zeros) {
  const std::string path = ::testing::TempDir() + "/reader_memory_" + name;
  FILE* f = std::fopen(path.c_str(), "wb");
  EXPECT_NE(f, nullptr) << path;
  std::fwrite(head.data(), 1, head.size(), f);
  const std::string block(kMiB, '\0');
  for (int64_t left = zeros; left > 0; left -= kMiB) std::fwrite(block.data(), 1, std::min(left, kMiB), f);
  std::fclose(f);
  return path;
}

std::string NpyHead(int64_t floats) {
  std::string header = "{'descr': '<f4', 'fortran_order': False, 'shape': (" + std::to_string(floats) + ",), }";
  header.append((64 - (10 + header.size() + 1) % 64) % 64, ' ');
  header.push_back('\n');
  std::string head("\x93NUMPY\x01\x00", 8);
  head.push_back(static_cast<char>(header.size() & 0xff));
  head.push_back(static_cast<char>(header.size() >> 8));
  return head + header;
}

// TensorProto{dims: [floats], data_type: FLOAT, raw_data: <4 * floats bytes>}, without the data.
std::string RawTensorProtoHead(int64_t floats) {
  return "\x08" + Varint(floats) + std::string("\x10\x01\x6a", 3) + Varint(4 * floats);
}

// BlobProto{name: "x", type: "Tensor", tensor: TensorProto{...}} around a tensor head of `tensor_head`
// whose values (`value_bytes`) follow.
std::string BlobProtoHead(const std::string& tensor_head, int64_t value_bytes) {
  return std::string("\x0a\x01x\x12\x06Tensor\x1a", 12) + Varint(tensor_head.size() + value_bytes) + tensor_head;
}

// Runs `body` in a child process; returns the child's peak resident set in bytes, or -1 if it failed.
int64_t PeakRssOfChild(const std::function<bool()>& body) {
  const pid_t pid = fork();
  if (pid == 0) _exit(body() ? 0 : 1);
  int status = 0;
  // This child's own peak (wait4), not getrusage(RUSAGE_CHILDREN), the largest of every child so far.
  struct rusage usage {};
  if (wait4(pid, &status, 0, &usage) != pid || !WIFEXITED(status) || WEXITSTATUS(status) != 0) return -1;
  return int64_t{usage.ru_maxrss} * 1024;
}

// Regression: a .npy input was read into a string, then copied into the tensor (2x its size).
TEST(ReaderMemory, NpyIsReadStraightIntoTheTensor) {
  const std::string path = WriteFile("big.npy", NpyHead(kFloats), 4 * kFloats);
  const int64_t peak = PeakRssOfChild([&] {
    Tensor t;
    ReadTensorFile(path, &t);
    return t.numel() == kFloats && t.data<float>()[kFloats - 1] == 0.0f;
  });
  std::remove(path.c_str());
  ASSERT_GT(peak, 0) << "reading the file failed";
  EXPECT_LT(peak, 4 * kFloats * 5 / 4 + 32 * kMiB) << "peak RSS " << peak / kMiB << " MiB for a "
                                                   << 4 * kFloats / kMiB << " MiB .npy file";
}

// Regression: a raw_data TensorProto over --max_tensor_bytes was parsed (several copies of its values)
// before the limit refused it; the header is now checked first, so only the file's bytes are resident.
TEST(ReaderMemory, OversizedTensorProtoIsRefusedBeforeItsValuesAreParsed) {
  const std::string path = WriteFile("big_raw.pb", RawTensorProtoHead(kFloats), 4 * kFloats);
  std::string error;
  const int64_t peak = PeakRssOfChild([&] {
    SetTensorLimits({GetTensorLimits().max_rank, kMiB});
    Tensor t;
    try {
      ReadTensorFile(path, &t);
    } catch (const EnforceNotMet& e) {
      const std::string msg = e.msg();
      return msg.find("TensorProto dims [33554432] of float needs 134217728 bytes, more than the limit of "
                      "1048576") != std::string::npos &&
             msg.find(path) != std::string::npos;
    }
    return false;
  });
  std::remove(path.c_str());
  ASSERT_GT(peak, 0) << "the file was not refused with the header's numbers";
#ifndef CAFFE2_MASK_TEST_SANITIZED  // ASan's shadow and quarantine count in RSS
  // Refused from the header alone: the values are never read (it was the file's size, before 4x).
  EXPECT_LT(peak, 48 * kMiB) << "peak RSS " << peak / kMiB << " MiB";
#endif
}

// Regression: a binary TensorProto or BlobProto input was read whole, parsed and copied into the tensor
// (3x its size: file bytes, parsed message, tensor). Its values are now read from the file straight into
// the tensor, for raw_data, packed float_data and packed int32_data varints, bare and inside a BlobProto.
TEST(ReaderMemory, ProtoValuesAreReadStraightIntoTheTensor) {
#ifdef CAFFE2_MASK_TEST_SANITIZED
  GTEST_SKIP() << "peak RSS of a sanitized process counts ASan's shadow memory and quarantine";
#endif
  const std::string float_data_head = "\x08" + Varint(kFloats) + std::string("\x10\x01\x1a", 3) + Varint(4 * kFloats);
  // int32_data: kFloats one-byte varints (the zero bytes that follow), 4 * kFloats bytes of tensor.
  const std::string int32_data_head = "\x08" + Varint(kFloats) + std::string("\x10\x02\x22", 3) + Varint(kFloats);
  const std::pair<const char*, std::string> files[] = {
      {"raw_data TensorProto", RawTensorProtoHead(kFloats)},
      {"int32_data TensorProto", int32_data_head},
      {"float_data TensorProto", float_data_head},
      {"raw_data BlobProto", BlobProtoHead(RawTensorProtoHead(kFloats), 4 * kFloats)},
      {"float_data BlobProto", BlobProtoHead(float_data_head, 4 * kFloats)},
  };
  for (const auto& [what, head] : files) {
    const bool varints = head == int32_data_head;
    const std::string path = WriteFile("values.pb", head, varints ? kFloats : 4 * kFloats);
    const int64_t peak = PeakRssOfChild([&, varints = varints] {
      Tensor t;
      ReadTensorFile(path, &t);
      if (varints) return t.numel() == kFloats && t.IsType<int32_t>() && t.data<int32_t>()[kFloats - 1] == 0;
      return t.numel() == kFloats && t.IsType<float>() && t.data<float>()[kFloats - 1] == 0.0f;
    });
    std::remove(path.c_str());
    ASSERT_GT(peak, 0) << what << ": reading the file failed";
    EXPECT_LT(peak, 4 * kFloats * 5 / 4 + 32 * kMiB) << what << ": peak RSS " << peak / kMiB << " MiB for "
                                                     << 4 * kFloats / kMiB << " MiB of values";
  }
}

}  // namespace
}  // namespace caffe2

namespace caffe2 {
namespace {

// Regression: a data_type number that is no DataType (99) was kept aside by protobuf and the tensor
// read as FLOAT. Binary TensorProto, the same inside a BlobProto, and a parsed TensorProto.
TEST(ReaderDataType, UnknownDataTypeNumberIsAnError) {
  const std::string tensor = std::string("\x08\x02\x10\x63\x6a\x08", 6) + std::string(8, '\0');
  testing::ExpectThrowContaining([&] { Tensor t; TensorFromString(tensor, &t, "file 'x.pb'"); },
                                 {"file 'x.pb'", "data_type is 99", "no TensorProto.DataType"});
  const std::string blob = std::string("\x0a\x01x\x12\x06Tensor\x1a", 12) + static_cast<char>(tensor.size()) + tensor;
  testing::ExpectThrowContaining([&] { Tensor t; TensorFromString(blob, &t, "file 'b.pb'"); },
                                 {"file 'b.pb'", "data_type is 99"});
  TensorProto proto;
  ASSERT_TRUE(proto.ParseFromString(tensor));
  EXPECT_EQ(proto.data_type(), TensorProto::FLOAT);  // what protobuf makes of it
  testing::ExpectThrowContaining([&] { Tensor t; TensorFromProto(proto, &t, "file 'p.pb'"); },
                                 {"file 'p.pb'", "data_type is 99"});
}

}  // namespace
}  // namespace caffe2
