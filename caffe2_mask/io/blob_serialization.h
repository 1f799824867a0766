// Blobs as BlobProtos: Caffe2's SerializeBlob / DeserializeBlob for blobs holding tensors.
#pragma once

#include <string>

#include "caffe2_mask/core/blob.h"
#include "caffe2_mask/core/tensor.h"
#include "proto/caffe2.pb.h"

namespace caffe2 {

// A BlobProto {name, type "Tensor", tensor}.
BlobProto TensorToBlobProto(const Tensor& tensor, const std::string& name);
// The tensor of a BlobProto; a blob of another type, or with no tensor, is an error.
void TensorFromBlobProto(const BlobProto& blob, Tensor* tensor, const std::string& source = "");

// Caffe2's names: a blob holding a tensor as a binary BlobProto, and back.
std::string SerializeBlob(const Blob& blob, const std::string& name);
void DeserializeBlob(const std::string& content, Blob* result, const std::string& source = "");

}  // namespace caffe2
