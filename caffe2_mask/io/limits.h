// Limits on what the readers of the io layer accept, process-wide (the runner exposes them as flags).
// Tensor rank and byte size are limited by GetTensorLimits() (caffe2_mask/core/tensor.h).
// Safe to read and change from any thread while nets run, like the tensor limits: each field is kept
// in its own atomic, and a read that overlaps a change sees the old or the new value of each field.
#pragma once

#include <cstdint>

namespace caffe2 {

struct SerializationLimits {
  // Largest file a reader opens. Protobuf messages are also capped at 2 GiB - 1 by protobuf itself.
  int64_t max_file_bytes = int64_t{2} << 30;  // 2 GiB
  // Deepest nesting of protobuf messages (a NetDef argument holding a net holding ... ).
  int max_proto_depth = 100;
  // Longest single string element of a tensor (TensorProto string_data, a .npy 'U'/'S' item).
  int64_t max_string_bytes = int64_t{64} << 20;  // 64 MiB
};
// A copy of the limits in force.
SerializationLimits GetSerializationLimits();
void SetSerializationLimits(const SerializationLimits& limits);

}  // namespace caffe2
