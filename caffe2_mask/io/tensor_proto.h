// Tensor <-> TensorProto, field by field as Caffe2 writes and reads them.
#pragma once

#include <string>

#include "caffe2_mask/core/tensor.h"
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

}  // namespace caffe2
