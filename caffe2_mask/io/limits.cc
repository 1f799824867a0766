#include "caffe2_mask/io/limits.h"

#include <atomic>

namespace caffe2 {
namespace {
// One atomic per field (limits.h); relaxed order is enough, a limit guards no other data.
std::atomic<int64_t> g_max_file_bytes{SerializationLimits{}.max_file_bytes};
std::atomic<int> g_max_proto_depth{SerializationLimits{}.max_proto_depth};
std::atomic<int64_t> g_max_string_bytes{SerializationLimits{}.max_string_bytes};
}  // namespace

SerializationLimits GetSerializationLimits() {
  SerializationLimits limits;
  limits.max_file_bytes = g_max_file_bytes.load(std::memory_order_relaxed);
  limits.max_proto_depth = g_max_proto_depth.load(std::memory_order_relaxed);
  limits.max_string_bytes = g_max_string_bytes.load(std::memory_order_relaxed);
  return limits;
}

void SetSerializationLimits(const SerializationLimits& limits) {
  g_max_file_bytes.store(limits.max_file_bytes, std::memory_order_relaxed);
  g_max_proto_depth.store(limits.max_proto_depth, std::memory_order_relaxed);
  g_max_string_bytes.store(limits.max_string_bytes, std::memory_order_relaxed);
}

}  // namespace caffe2
