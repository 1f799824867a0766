// Caffe2's caffe2/core/blob.h: Blob and the tensor accessors on blobs.
#pragma once

#include "caffe2/core/common.h"
#include "caffe2/core/tensor.h"
#include "caffe2/core/types.h"
#include "caffe2_mask/core/blob.h"
