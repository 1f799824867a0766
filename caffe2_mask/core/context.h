// The CPU device context: the copy helpers operators use, its random generator, and the device check
// for OperatorDefs.
#pragma once

#include <cstdint>
#include <cstring>
#include <memory>
#include <random>

#include "caffe2_mask/core/tensor.h"

namespace caffe2 {

class DeviceOption;
class OperatorDef;

// A seed that differs between calls and between processes (Caffe2's RandomNumberSeed).
uint32_t RandomNumberSeed();

class CPUContext {
 public:
  static constexpr DeviceType device_type() { return CPU; }
  static constexpr DeviceType GetDeviceType() { return CPU; }
  // Caffe2's generator type.
  using rand_gen_type = std::mt19937;

  CPUContext() = default;
  // Takes the option's random_seed, when it has one, for RandGenerator().
  explicit CPUContext(const DeviceOption& option);

  // The context's own generator, made at first use and seeded with RandSeed() (Caffe2's): the same
  // random_seed gives the same draws; without one, every context draws differently.
  rand_gen_type& RandGenerator() {
    if (!random_generator_) random_generator_ = std::make_unique<rand_gen_type>(RandSeed());
    return *random_generator_;
  }
  uint32_t RandSeed() {
    if (!random_seed_set_) {
      random_seed_ = RandomNumberSeed();
      random_seed_set_ = true;
    }
    return random_seed_;
  }

  // Copies n items of dtype `meta`; constructed types (strings) are assigned, others memcpy'd.
  static void CopyItemsSameDevice(TypeMeta meta, size_t n, const void* src, void* dst) {
    if (n == 0 || src == dst) return;
    if (meta.is_pod()) {
      std::memcpy(dst, src, n * meta.itemsize());
    } else {
      meta.data()->copy(src, dst, n);
    }
  }
  static void CopyBytesSameDevice(size_t nbytes, const void* src, void* dst) {
    if (nbytes > 0 && src != dst) std::memcpy(dst, src, nbytes);
  }
  template <typename T>
  static void CopySameDevice(size_t n, const T* src, T* dst) {
    CopyItemsSameDevice(TypeMeta::Make<T>(), n, src, dst);
  }
  // Caffe2 spelled these with the source and destination devices in the name; CPU is the only one.
  static void CopyBytesToCPU(size_t nbytes, const void* src, void* dst) {
    CopyBytesSameDevice(nbytes, src, dst);
  }
  static void CopyBytesFromCPU(size_t nbytes, const void* src, void* dst) {
    CopyBytesSameDevice(nbytes, src, dst);
  }

  // Caffe2's device-pair spellings; the CPU is both ends of every copy here.
  template <class SrcContext, class DstContext>
  static void CopyBytes(size_t nbytes, const void* src, void* dst) {
    CopyBytesSameDevice(nbytes, src, dst);
  }
  template <typename T, class SrcContext, class DstContext>
  static void Copy(size_t n, const T* src, T* dst) {
    CopySameDevice(n, src, dst);
  }
  template <class SrcContext, class DstContext>
  static void CopyItems(TypeMeta meta, size_t n, const void* src, void* dst) {
    CopyItemsSameDevice(meta, n, src, dst);
  }
  static void CopyItemsFromCPU(TypeMeta meta, size_t n, const void* src, void* dst) {
    CopyItemsSameDevice(meta, n, src, dst);
  }
  static void CopyItemsToCPU(TypeMeta meta, size_t n, const void* src, void* dst) {
    CopyItemsSameDevice(meta, n, src, dst);
  }
  template <typename T>
  static void CopyFromCPU(size_t n, const T* src, T* dst) {
    CopySameDevice(n, src, dst);
  }
  template <typename T>
  static void CopyToCPU(size_t n, const T* src, T* dst) {
    CopySameDevice(n, src, dst);
  }

  // Nothing is asynchronous on the CPU.
  void FinishDeviceComputation() {}
  void SwitchToDevice(int = 0) {}

 private:
  uint32_t random_seed_ = 0;
  bool random_seed_set_ = false;
  std::unique_ptr<rand_gen_type> random_generator_;
};

// Throws unless `option` names the CPU (or no device). `who` says whose option it is, for the message.
void EnforceCPUDevice(const DeviceOption& option, const std::string& who);

}  // namespace caffe2
