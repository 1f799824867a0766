// Caffe2's caffe2/core/operator_schema.h: OpSchema, OPERATOR_SCHEMA, and the TensorShape helpers
// shape inference functions use.
#pragma once

#include "caffe2/core/common.h"
#include "caffe2/core/logging.h"
#include "caffe2/proto/caffe2_pb.h"
#include "registry/operator_schema.h"

namespace caffe2 {

// A TensorShape of `dims` and `data_type`.
template <typename T_I = int>
inline TensorShape CreateTensorShape(std::vector<T_I> dims, TensorProto::DataType data_type) {
  TensorShape shape;
  for (const auto d : dims) shape.add_dims(static_cast<int64_t>(d));
  shape.set_data_type(data_type);
  return shape;
}

inline std::vector<int64_t> GetDimsVector(const TensorShape& shape) {
  return std::vector<int64_t>(shape.dims().begin(), shape.dims().end());
}

// Product of the shape's dims from `dim` on.
inline uint64_t nElemFromDim(const TensorShape& shape, int dim = 0) {
  CAFFE_ENFORCE_GE(dim, 0, "nElemFromDim: invalid dim");
  uint64_t n = 1;
  for (int i = dim; i < shape.dims_size(); ++i) n *= static_cast<uint64_t>(shape.dims(i));
  return n;
}

// Product of the shape's dims in [start, stop).
inline uint64_t nElemBetweenDim(const TensorShape& shape, int start, int stop) {
  CAFFE_ENFORCE_GE(start, 0, "nElemBetweenDim: invalid start");
  CAFFE_ENFORCE_LE(stop, shape.dims_size(), "nElemBetweenDim: invalid stop");
  uint64_t n = 1;
  for (int i = start; i < stop; ++i) n *= static_cast<uint64_t>(shape.dims(i));
  return n;
}

}  // namespace caffe2
