// Caffe2's caffe2/core/context.h: CPUContext with its copy helpers, and the device types.
#pragma once

#include "caffe2/core/common.h"
#include "caffe2/core/logging.h"
#include "caffe2/core/types.h"
#include "caffe2/proto/caffe2_pb.h"
#include "caffe2_mask/core/context.h"

namespace caffe2 {
// Caffe2 names the CPU device type both ways.
constexpr DeviceType CPU_DEVICE = DeviceType::CPU;
}  // namespace caffe2
