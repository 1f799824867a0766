// Tensor files of every format the runner accepts (BlobProto, TensorProto, .npy), detected from content.
#pragma once

#include <string>

#include "caffe2_mask/core/tensor.h"
#include "caffe2_mask/io/file_io.h"
#include "caffe2_mask/io/proto_io.h"

namespace caffe2 {

enum class TensorFileFormat { kBlobProto, kTensorProto, kNpy };
const char* TensorFileFormatName(TensorFileFormat format);

struct TensorFileInfo {
  TensorFileFormat format = TensorFileFormat::kBlobProto;
  ProtoFormat proto_format = ProtoFormat::kBinary;  // for the protobuf formats
  std::string stored_name;                          // BlobProto name or TensorProto name, if any
};

// Reads a tensor from a BlobProto holding a TensorProto (binary or text), a bare TensorProto
// (binary or text) or a .npy file, detected from the content.
TensorFileInfo TensorFromString(const std::string& content, Tensor* tensor, const std::string& source);
TensorFileInfo ReadTensorFile(const std::string& path, Tensor* tensor);
// The values field of a binary BlobProto or TensorProto file (raw_data, byte_data, packed float_data,
// double_data, int32_data, int64_data) is read from the file straight into the tensor when the file and
// the field have at least this many bytes; other files are read whole (docs/reliability.md, "Memory").
// Both ways give the same tensor or the same error.
constexpr int64_t kInPlaceValuesMinBytes = int64_t{1} << 20;
// ReadTensorFile with another threshold (tests and fuzzing use 0, so small files take the in-place path).
TensorFileInfo ReadTensorFile(const std::string& path, Tensor* tensor, int64_t in_place_min_bytes);
// The bytes of `tensor` in `format` (protobuf formats are binary); `name` goes into the proto.
std::string TensorToFileContent(const Tensor& tensor, TensorFileFormat format, const std::string& name);
// The same bytes into `sink`, straight from the tensor (WriteNpy, WriteTensorProto, WriteBlobProto): a
// file writer holds no serialized copy of the tensor.
void WriteTensorFileContent(const Tensor& tensor, TensorFileFormat format, const std::string& name,
                            const ByteSink& sink);
// Written atomically.
void WriteTensorFile(const Tensor& tensor, const std::string& path, TensorFileFormat format,
                     const std::string& name);

}  // namespace caffe2
