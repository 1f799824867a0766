// c10's ArrayRef of int64 dims (at::IntArrayRef), a non-owning view.
#pragma once

#include "caffe2_mask/core/tensor.h"

namespace c10 {
using IntArrayRef = ::caffe2::IntArrayRef;
}  // namespace c10
namespace at {
using IntArrayRef = ::caffe2::IntArrayRef;
}  // namespace at
