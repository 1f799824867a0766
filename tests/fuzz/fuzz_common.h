// Shared by the fuzz targets: a small deterministic byte decoder (the same input decodes the same way
// with libFuzzer and with the replay build under any compiler, which clang's FuzzedDataProvider does not
// promise outside clang), the limits every target lowers, and a crash helper.
#pragma once

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "caffe2_mask/io/serialization.h"
#include "caffe2_mask/core/tensor.h"

namespace caffe2::fuzz {

// Reads values from the front of the input; once the bytes run out every read returns zeros, so any
// input decodes to something.
class ByteReader {
 public:
  ByteReader(const uint8_t* data, size_t size) : data_(data), size_(size) {}

  size_t remaining() const { return size_ - pos_; }

  uint8_t Byte() { return pos_ < size_ ? data_[pos_++] : 0; }
  bool Bool() { return Byte() & 1; }
  template <typename T>
  T Raw() {
    T value;
    uint8_t bytes[sizeof(T)] = {};
    for (size_t i = 0; i < sizeof(T); ++i) bytes[i] = Byte();
    std::memcpy(&value, bytes, sizeof(T));
    return value;
  }
  // Uniform enough in [lo, hi] (inclusive); lo <= hi.
  int64_t Range(int64_t lo, int64_t hi) {
    const uint64_t span = static_cast<uint64_t>(hi) - static_cast<uint64_t>(lo) + 1;
    if (span == 0) return static_cast<int64_t>(Raw<uint64_t>());
    const uint64_t v = span <= 256 ? Byte() : span <= 65536 ? Raw<uint16_t>() : Raw<uint32_t>();
    return static_cast<int64_t>(static_cast<uint64_t>(lo) + v % span);
  }
  // Chooses among n options.
  size_t Pick(size_t n) { return static_cast<size_t>(Range(0, static_cast<int64_t>(n) - 1)); }
  std::string String(size_t max_len) {
    const size_t len = static_cast<size_t>(Range(0, static_cast<int64_t>(max_len)));
    std::string s;
    for (size_t i = 0; i < len && remaining() > 0; ++i) s.push_back(static_cast<char>(Byte()));
    return s;
  }

 private:
  const uint8_t* data_;
  size_t size_;
  size_t pos_ = 0;
};

// Lowered limits, so that no input can make a target allocate gigabytes (libFuzzer's -rss_limit_mb
// would report it as a crash) while everything up to 64 MiB is still exercised.
// Called at the start of every input: a few relaxed stores, cheaper than a once-only guard.
inline void LowerLimits() {
  TensorLimits tensor;
  tensor.max_bytes = int64_t{64} << 20;
  SetTensorLimits(tensor);
  SerializationLimits serialization;
  serialization.max_file_bytes = int64_t{16} << 20;
  SetSerializationLimits(serialization);
}

[[noreturn]] inline void Fail(const char* what, const std::string& detail) {
  std::fprintf(stderr, "FUZZ CHECK FAILED: %s\n%s\n", what, detail.c_str());
  std::fflush(stderr);
  std::abort();
}

}  // namespace caffe2::fuzz
