// A type-erased, owning holder: what a workspace stores under each name.
#pragma once

#include <utility>

#include "caffe2_mask/core/tensor.h"

namespace caffe2 {

class Blob {
 public:
  Blob() = default;
  ~Blob() { Reset(); }
  Blob(const Blob&) = delete;
  Blob& operator=(const Blob&) = delete;
  Blob(Blob&& other) noexcept
      : ptr_(std::exchange(other.ptr_, nullptr)),
        meta_(std::exchange(other.meta_, TypeMeta())),
        deleter_(std::exchange(other.deleter_, nullptr)) {}
  Blob& operator=(Blob&& other) noexcept {
    if (this != &other) {
      Reset();
      ptr_ = std::exchange(other.ptr_, nullptr);
      meta_ = std::exchange(other.meta_, TypeMeta());
      deleter_ = std::exchange(other.deleter_, nullptr);
    }
    return *this;
  }

  template <typename T>
  bool IsType() const {
    return meta_.Match<T>();
  }
  bool IsEmpty() const { return ptr_ == nullptr; }
  TypeMeta meta() const { return meta_; }
  const char* TypeName() const { return ptr_ ? meta_.name() : "nothing"; }
  // The held object, untyped (null when empty).
  const void* GetRaw() const { return ptr_; }

  template <typename T>
  const T& Get() const {
    if (!IsType<T>()) {
      CAFFE_THROW("blob holds ", TypeName(), ", not ", TypeMeta::Make<T>().name());
    }
    return *static_cast<const T*>(ptr_);
  }

  // The held T, replacing whatever else the blob held with a default-constructed T.
  template <typename T>
  T* GetMutable() {
    if (!IsType<T>()) return Reset(new T());
    return static_cast<T*>(ptr_);
  }

  // Takes ownership of `allocated`.
  template <typename T>
  T* Reset(T* allocated) {
    Reset();
    ptr_ = allocated;
    meta_ = TypeMeta::Make<T>();
    deleter_ = [](void* p) { delete static_cast<T*>(p); };
    return allocated;
  }

  void Reset() {
    if (ptr_ != nullptr) deleter_(ptr_);
    ptr_ = nullptr;
    meta_ = TypeMeta();
    deleter_ = nullptr;
  }

 private:
  void* ptr_ = nullptr;
  TypeMeta meta_;
  void (*deleter_)(void*) = nullptr;
};

// The tensor in `blob`, made a tensor if it held something else (Caffe2's BlobGetMutableTensor).
inline Tensor* BlobGetMutableTensor(Blob* blob, DeviceType = CPU) { return blob->GetMutable<Tensor>(); }
// The same, resized to `dims` and typed `meta`.
inline Tensor* BlobGetMutableTensor(Blob* blob, IntArrayRef dims, TypeMeta meta) {
  Tensor* tensor = blob->GetMutable<Tensor>();
  tensor->Resize(dims);
  tensor->raw_mutable_data(meta);
  return tensor;
}
inline const Tensor& BlobGetTensor(const Blob& blob, DeviceType = CPU) { return blob.Get<Tensor>(); }
inline bool BlobIsTensorType(const Blob& blob, DeviceType = CPU) { return blob.IsType<Tensor>(); }

}  // namespace caffe2
