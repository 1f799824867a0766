// Caffe2's caffe2/core/tensor.h: Tensor (TensorCPU), at::TensorOptions, caffe2::empty,
// ReinitializeTensor, BlobGetMutableTensor with options, and the dims helpers shape functions use.
#pragma once

// Caffe2's tensor.h brings <numeric> through c10's headers; operator code calls std::accumulate with it.
#include <numeric>

#include "c10/core/TensorOptions.h"
#include "caffe2/core/common.h"
#include "caffe2/core/context.h"
#include "caffe2/core/logging.h"
#include "caffe2/core/types.h"
#include "caffe2_mask/core/blob.h"
#include "caffe2_mask/core/tensor.h"

namespace caffe2 {

using TensorCPU = Tensor;
using at::IntArrayRef;

// A new tensor of `dims` with storage for options.dtype() (float when unset, as in c10).
inline Tensor empty(IntArrayRef dims, at::TensorOptions options) {
  Tensor tensor(dims);
  tensor.raw_mutable_data(options.dtype());
  return tensor;
}

// Makes *tensor a tensor of `dims` and options.dtype() with storage, reusing what it holds when the
// dtype is the same (Caffe2's ReinitializeTensor, used for operator-owned scratch tensors).
inline void ReinitializeTensor(Tensor* tensor, IntArrayRef dims, at::TensorOptions options) {
  CAFFE_ENFORCE(tensor != nullptr, "ReinitializeTensor needs a tensor");
  if (tensor->dtype() != options.dtype()) tensor->FreeMemory();
  tensor->Resize(dims);
  tensor->raw_mutable_data(options.dtype());
}

inline Tensor* BlobGetMutableTensor(Blob* blob, IntArrayRef dims, at::TensorOptions options) {
  return ::caffe2::BlobGetMutableTensor(blob, dims, options.dtype());
}

// Replaces what `blob` holds with `tensor`, returning the tensor now in the blob.
inline Tensor* BlobSetTensor(Blob* blob, Tensor&& tensor) {
  return blob->Reset(new Tensor(std::move(tensor)));
}

// The dims helpers of c10's TensorImpl, on a dims list: products of dims [k:], [:k] and strictly
// between k and l, and a possibly negative axis made non-negative.
inline int64_t size_from_dim_(int k, IntArrayRef dims) {
  int64_t r = 1;
  for (size_t i = static_cast<size_t>(k); i < dims.size(); ++i) r *= dims[i];
  return r;
}
inline int64_t size_to_dim_(int k, IntArrayRef dims) {
  CAFFE_ENFORCE(k >= 0 && static_cast<size_t>(k) <= dims.size(), "size_to_dim_(", k, ") on ", dims.size(), " dims");
  int64_t r = 1;
  for (int i = 0; i < k; ++i) r *= dims[i];
  return r;
}
inline int64_t size_between_dim_(int k, int l, IntArrayRef dims) {
  CAFFE_ENFORCE(k >= 0 && l >= 0 && static_cast<size_t>(k) < dims.size() && static_cast<size_t>(l) < dims.size(),
                "size_between_dim_(", k, ", ", l, ") on ", dims.size(), " dims");
  int64_t r = 1;
  for (int i = std::min(k, l) + 1; i < std::max(k, l); ++i) r *= dims[i];
  return r;
}
inline int canonical_axis_index_(int axis_index, int ndims) {
  CAFFE_ENFORCE(axis_index >= -ndims && axis_index < ndims, "axis ", axis_index, " is out of range for ", ndims,
                " dims");
  return axis_index < 0 ? axis_index + ndims : axis_index;
}

// Caffe2's view of a tensor's dims as int (for code written before int64 dims).
inline std::vector<int> GetDimsVectorInt(const Tensor& tensor) {
  std::vector<int> dims;
  for (int i = 0; i < tensor.dim(); ++i) dims.push_back(tensor.dim32(i));
  return dims;
}

}  // namespace caffe2
