// Tensor <-> TensorProto, field by field as Caffe2 writes and reads them.
#pragma once

#include <string>

#include "caffe2_mask/core/tensor.h"
#include "caffe2_mask/io/file_io.h"
#include "proto/caffe2.pb.h"

namespace caffe2 {

// Fills `tensor` from `proto`. The values come from the field Caffe2 uses for the dtype (float_data,
// double_data, int32_data for int32/int16/int8/uint16/uint8/bool/float16 bits, int64_data,
// string_data, byte_data for BYTE and UINT8) or from raw_data (little-endian, any non-string dtype).
// The element count must equal the product of dims. Bool values are normalised: non-zero -> 1.
// `source` names where the proto came from ("file 'x.pb'") in errors.
void TensorFromProto(const TensorProto& proto, Tensor* tensor, const std::string& source = "");
Tensor TensorFromProto(const TensorProto& proto, const std::string& source = "");
// Writes `tensor` the way Caffe2 does (typed fields, float16 as bits in int32_data).
void TensorToProto(const Tensor& tensor, TensorProto* proto, const std::string& name = "");
TensorProto TensorToProto(const Tensor& tensor, const std::string& name = "");

// The binary TensorProto that TensorToProto(tensor, name) serializes to, byte for byte, written into
// `sink` without building the message: float and double values go from the tensor's buffer as they
// are, other values through a small buffer. Over protobuf's 2 GiB limit is an error before any byte.
void WriteTensorProto(const Tensor& tensor, const std::string& name, const ByteSink& sink);
// Its size in bytes.
int64_t TensorProtoByteSize(const Tensor& tensor, const std::string& name);
// The same for the binary BlobProto of TensorToBlobProto(tensor, name) (blob_serialization.h).
void WriteBlobProto(const Tensor& tensor, const std::string& name, const ByteSink& sink);

}  // namespace caffe2
