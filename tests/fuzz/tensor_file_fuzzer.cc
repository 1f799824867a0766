// Fuzz target: arbitrary bytes -> every tensor reader serialization.h has (content detection,
// TensorProto, BlobProto, .npy), then every element of the result is read (so a tensor that claims more
// than it holds shows up under ASan), and a tensor that was read is written back in each format and read
// again, which must give the same dtype, shape and elements. The same bytes as a file, read with every
// values field in place (ReadTensorFile with threshold 0), must give what the whole-content reader gives.
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <functional>
#include <string>

#include <unistd.h>

#include "caffe2_mask/caffe2_mask.h"
#include "tests/fuzz/fuzz_common.h"

namespace {

using caffe2::Tensor;
using caffe2::fuzz::Fail;

// Reads every element; the volatile sink keeps the reads.
void TouchAll(const Tensor& t) {
  volatile uint64_t sink = 0;
  if (t.numel() == 0) return;
  if (t.IsType<std::string>()) {
    const std::string* s = t.data<std::string>();
    for (int64_t i = 0; i < t.numel(); ++i) sink = sink + s[i].size() + (s[i].empty() ? 0 : s[i].back());
    return;
  }
  const auto* bytes = static_cast<const unsigned char*>(t.raw_data());
  for (int64_t i = 0; i < t.nbytes(); ++i) sink = sink + bytes[i];
  if (t.IsType<bool>()) {
    for (int64_t i = 0; i < t.numel(); ++i) {
      if (bytes[i] > 1) Fail("a bool tensor read from a file holds a value other than 0 and 1", t.DebugString());
    }
  }
}

// .npy drops trailing NULs of byte strings, as NumPy does.
std::string NpyString(std::string s) {
  while (!s.empty() && s.back() == '\0') s.pop_back();
  return s;
}

void ExpectSame(const Tensor& a, const Tensor& b, const char* format) {
  const std::string what = std::string("round trip through ") + format + ": " + a.DebugString() + " vs " +
                           b.DebugString();
  if (a.dtype() != b.dtype() || a.sizes() != b.sizes()) Fail("round trip changed dtype or shape", what);
  if (a.numel() == 0) return;
  if (a.IsType<std::string>()) {
    const bool npy = std::strcmp(format, "npy") == 0;
    for (int64_t i = 0; i < a.numel(); ++i) {
      const std::string x = npy ? NpyString(a.data<std::string>()[i]) : a.data<std::string>()[i];
      if (x != b.data<std::string>()[i]) Fail("round trip changed a string", what);
    }
    return;
  }
  if (std::memcmp(a.raw_data(), b.raw_data(), static_cast<size_t>(a.nbytes())) != 0) {
    Fail("round trip changed the bytes", what);
  }
}

void RoundTrip(const Tensor& t) {
  using caffe2::TensorFileFormat;
  for (TensorFileFormat format : {TensorFileFormat::kBlobProto, TensorFileFormat::kTensorProto,
                                  TensorFileFormat::kNpy}) {
    const char* name = caffe2::TensorFileFormatName(format);
    std::string bytes;
    try {
      bytes = caffe2::TensorToFileContent(t, format, "blob");
    } catch (const caffe2::EnforceNotMet& e) {
      // Writing can only refuse what the format cannot hold: over-long protobuf messages.
      if (t.nbytes() < (int64_t{1} << 30)) Fail("writing a tensor that was just read failed", e.what());
      continue;
    }
    Tensor back;
    try {
      caffe2::TensorFromString(bytes, &back, "round trip");
    } catch (const caffe2::EnforceNotMet& e) {
      Fail("reading back what was written failed", std::string(name) + ": " + e.what());
    }
    ExpectSame(t, back, name);
  }
}

// What a reader made of the input: the tensor's dtype, shape and bytes, or the error's message.
std::string Outcome(const std::function<void(Tensor*)>& read) {
  Tensor t;
  try {
    read(&t);
  } catch (const caffe2::EnforceNotMet& e) {
    return std::string("error: ") + e.msg();
  }
  std::string out = t.DebugString() + ":";
  if (t.IsType<std::string>()) {
    for (int64_t i = 0; i < t.numel(); ++i) out += t.data<std::string>()[i] + ",";
  } else if (t.numel() > 0) {
    out.append(static_cast<const char*>(t.raw_data()), static_cast<size_t>(t.nbytes()));
  }
  return out;
}

// The file reader with every values field read in place (threshold 0) must agree with the
// whole-content reader on the same bytes: same tensor or same error.
void CompareInPlaceReader(const std::string& content) {
  // One file per process, removed at exit.
  struct TempFile {
    std::string path = std::string(std::getenv("TMPDIR") ? std::getenv("TMPDIR") : "/tmp") + "/tensor_file_fuzzer." +
                       std::to_string(::getpid()) + ".bin";
    ~TempFile() { std::remove(path.c_str()); }
  };
  static const TempFile temp;
  const std::string& path = temp.path;
  {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(content.data(), static_cast<std::streamsize>(content.size()));
    if (!out) Fail("cannot write the fuzzer's temporary file", path);
  }
  const std::string whole = Outcome([&](Tensor* t) { caffe2::TensorFromString(content, t, "file '" + path + "'"); });
  const std::string in_place = Outcome([&](Tensor* t) { caffe2::ReadTensorFile(path, t, 0); });
  if (whole != in_place) {
    Fail("the in-place file reader and the whole-content reader disagree",
         whole.substr(0, 300) + "\n  vs\n" + in_place.substr(0, 300));
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  caffe2::fuzz::LowerLimits();
  const std::string content(reinterpret_cast<const char*>(data), size);
  CompareInPlaceReader(content);

  // The runner's path: format detected from the content.
  try {
    Tensor t;
    caffe2::TensorFromString(content, &t, "fuzz input");
    TouchAll(t);
    RoundTrip(t);
  } catch (const caffe2::EnforceNotMet&) {
  }
  // Each reader on its own, so detection does not hide one behind another.
  try {
    Tensor t;
    caffe2::TensorFromNpy(content, &t, "fuzz input");
    TouchAll(t);
  } catch (const caffe2::EnforceNotMet&) {
  }
  try {
    caffe2::TensorProto proto;
    caffe2::ParseProtoFromString(content, &proto, "fuzz input");
    Tensor t;
    caffe2::TensorFromProto(proto, &t, "fuzz input");
    TouchAll(t);
  } catch (const caffe2::EnforceNotMet&) {
  }
  try {
    caffe2::Blob blob;
    caffe2::DeserializeBlob(content, &blob, "fuzz input");
    TouchAll(caffe2::BlobGetTensor(blob));
  } catch (const caffe2::EnforceNotMet&) {
  }
  return 0;
}
