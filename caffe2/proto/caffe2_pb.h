// Caffe2's caffe2/proto/caffe2_pb.h: the generated messages and the device-type conversions.
#pragma once

#include "caffe2/proto/caffe2.pb.h"
#include "caffe2_mask/base/enforce.h"
#include "caffe2_mask/core/tensor.h"

namespace caffe2 {

// The CPU is the only device; any other proto device type is an error naming it.
inline DeviceType ProtoToType(DeviceTypeProto p) {
  CAFFE_ENFORCE(p == PROTO_CPU, "device type ", DeviceTypeProto_Name(p), " is not supported: this runtime runs on the CPU only");
  return CPU;
}
inline DeviceType ProtoToType(int p) { return ProtoToType(static_cast<DeviceTypeProto>(p)); }
inline DeviceTypeProto TypeToProto(DeviceType) { return PROTO_CPU; }

}  // namespace caffe2
