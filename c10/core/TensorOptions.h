// c10's TensorOptions, as Caffe2 operator code uses it: at::dtype<T>(), at::device(CPU), and
// options.dtype<T>() / .device(...) chains, passed to Output(i, dims, options), caffe2::empty and
// ReinitializeTensor.
#pragma once

#include "caffe2_mask/core/tensor.h"
#include "caffe2_mask/core/types.h"

namespace c10 {

using DeviceType = ::caffe2::DeviceType;

// A device: its type and index (-1: the current one). The CPU is the only type here.
class Device {
 public:
  Device(DeviceType type, int index = -1) : type_(type), index_(index) {}  // NOLINT: implicit as in c10
  DeviceType type() const { return type_; }
  int index() const { return index_; }
  bool has_index() const { return index_ >= 0; }
  bool is_cpu() const { return type_ == DeviceType::CPU; }
  friend bool operator==(const Device& a, const Device& b) { return a.type_ == b.type_ && a.index_ == b.index_; }
  friend bool operator!=(const Device& a, const Device& b) { return !(a == b); }

 private:
  DeviceType type_;
  int index_;
};

class TensorOptions {
 public:
  TensorOptions() = default;
  TensorOptions(DeviceType type) : device_(type), has_device_(true) {}  // NOLINT: implicit as in c10
  TensorOptions(Device device) : device_(device), has_device_(true) {}  // NOLINT
  TensorOptions(::caffe2::TypeMeta dtype) : dtype_(dtype), has_dtype_(dtype.defined()) {}  // NOLINT

  // As in c10: the dtype defaults to float when none was set.
  const ::caffe2::TypeMeta& dtype() const { return has_dtype_ ? dtype_ : DefaultDtype(); }
  bool has_dtype() const { return has_dtype_; }
  TensorOptions dtype(::caffe2::TypeMeta dtype) const {
    TensorOptions copy = *this;
    copy.dtype_ = dtype;
    copy.has_dtype_ = dtype.defined();
    return copy;
  }
  template <typename T>
  TensorOptions dtype() const {
    return dtype(::caffe2::TypeMeta::Make<T>());
  }
  Device device() const { return device_; }
  bool has_device() const { return has_device_; }
  TensorOptions device(Device device) const {
    TensorOptions copy = *this;
    copy.device_ = device;
    copy.has_device_ = true;
    return copy;
  }
  DeviceType device_type() const { return device_.type(); }

  // What the core's Output(i, dims, dtype) and friends take.
  operator ::caffe2::TypeMeta() const { return dtype(); }  // NOLINT: implicit on purpose

 private:
  static const ::caffe2::TypeMeta& DefaultDtype() {
    static const ::caffe2::TypeMeta kFloat = ::caffe2::TypeMeta::Make<float>();
    return kFloat;
  }
  ::caffe2::TypeMeta dtype_;
  Device device_{DeviceType::CPU};
  bool has_dtype_ = false;
  bool has_device_ = false;
};

template <typename T>
inline TensorOptions dtype() {
  return TensorOptions().dtype<T>();
}
inline TensorOptions dtype(::caffe2::TypeMeta dtype) { return TensorOptions().dtype(dtype); }
inline TensorOptions device(Device device) { return TensorOptions().device(device); }

}  // namespace c10

namespace at {
using c10::Device;
using c10::device;
using c10::dtype;
using c10::TensorOptions;
using IntArrayRef = ::caffe2::IntArrayRef;
using IntList = ::caffe2::IntArrayRef;
}  // namespace at
