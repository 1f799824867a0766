// NumPy .npy files to and from tensors.
#pragma once

#include <string>

#include "caffe2_mask/core/tensor.h"
#include "caffe2_mask/io/file_io.h"

namespace caffe2 {

// True when `content` starts with the .npy magic string.
bool IsNpy(const std::string& content);
// A .npy file (format 1.0, little-endian, C order). Strings are written as '<U<n>' when they are all
// valid UTF-8 without NUL characters, otherwise as '|S<n>'.
std::string TensorToNpy(const Tensor& tensor);
// The same bytes into `sink`: the header, then the tensor's buffer itself (strings in chunks of about
// 1 MiB), so a writer holds no copy of the data.
void WriteNpy(const Tensor& tensor, const ByteSink& sink);
// Reads .npy formats 1.0, 2.0 and 3.0 with dtypes f2 f4 f8 i1 i2 i4 i8 u1 u2 b1, '<U<n>' and '|S<n>'
// (trailing NULs dropped, as NumPy does). Fortran order, object arrays, big-endian data, other dtypes,
// truncated data and bytes after the data are errors naming `source`.
void TensorFromNpy(const std::string& content, Tensor* tensor, const std::string& source = "");

namespace io_internal {
class InputFile;
}
// The same from a file, read in place: the header is checked before anything is allocated, and the
// data goes straight into the tensor's buffer (memory: the tensor, plus one transient copy for strings).
void TensorFromNpyFile(const io_internal::InputFile& file, Tensor* tensor);

}  // namespace caffe2
