// Internal to the io layer (not installed): an input file read in place, piece by piece, so a reader
// can check a header before it allocates and then read the data straight into its destination.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace caffe2::io_internal {

class InputFile {
 public:
  // Opens `path`; missing, unreadable, not a regular file or over GetSerializationLimits().max_file_bytes
  // are errors naming it (the same checks as ReadFileToString).
  explicit InputFile(const std::string& path);
  ~InputFile();
  InputFile(const InputFile&) = delete;
  InputFile& operator=(const InputFile&) = delete;

  int64_t size() const { return size_; }
  const std::string& path() const { return path_; }
  // Exactly `n` bytes at `offset` into `dst`; a short file (it shrank while being read) is an error.
  void ReadAt(int64_t offset, void* dst, size_t n) const;

 private:
  std::string path_;
  int fd_ = -1;
  int64_t size_ = 0;
};

}  // namespace caffe2::io_internal
