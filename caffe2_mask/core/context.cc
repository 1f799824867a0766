#include "caffe2_mask/core/context.h"

#include <atomic>
#include <chrono>

#include <unistd.h>

#include "proto/caffe2.pb.h"

namespace caffe2 {

uint32_t RandomNumberSeed() {
  // Time, process and a per-process counter, mixed: distinct for contexts made in the same tick and
  // for processes started together.
  static std::atomic<uint32_t> counter{0};
  const uint64_t now = static_cast<uint64_t>(std::chrono::steady_clock::now().time_since_epoch().count());
  std::seed_seq mix{static_cast<uint32_t>(now), static_cast<uint32_t>(now >> 32), static_cast<uint32_t>(getpid()),
                    counter.fetch_add(1, std::memory_order_relaxed)};
  uint32_t seed = 0;
  mix.generate(&seed, &seed + 1);
  return seed;
}

CPUContext::CPUContext(const DeviceOption& option)
    : random_seed_(option.has_random_seed() ? option.random_seed() : 0), random_seed_set_(option.has_random_seed()) {}

}  // namespace caffe2
