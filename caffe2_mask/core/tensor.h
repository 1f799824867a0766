// A contiguous CPU tensor: int64 dims, a dtype, and 64-byte-aligned storage that is reused whenever a
// new size fits the bytes already held, so an operator that runs again on same-shape inputs allocates
// nothing.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <memory>
#include <string>
#include <type_traits>
#include <vector>

#include "caffe2_mask/core/types.h"

namespace caffe2 {

// A non-owning view of int64 dims (Caffe2's at::IntArrayRef): lets Resize take a vector, a braced
// list or a pointer and length without building a temporary vector on every run.
class IntArrayRef {
 public:
  IntArrayRef() = default;
  IntArrayRef(const std::vector<int64_t>& dims) : data_(dims.data()), size_(dims.size()) {}  // NOLINT
// The view is used within the full expression that holds the list (Resize({2, 3})), as with
// at::ArrayRef; GCC warns about the pattern in general.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Winit-list-lifetime"
#endif
  IntArrayRef(std::initializer_list<int64_t> dims) : data_(dims.begin()), size_(dims.size()) {}  // NOLINT
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif
  IntArrayRef(const int64_t* data, size_t size) : data_(data), size_(size) {}
  const int64_t* begin() const { return data_; }
  const int64_t* end() const { return data_ + size_; }
  const int64_t* data() const { return data_; }
  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  int64_t operator[](size_t i) const { return data_[i]; }
  std::vector<int64_t> vec() const { return std::vector<int64_t>(begin(), end()); }

 private:
  const int64_t* data_ = nullptr;
  size_t size_ = 0;
};

enum class DeviceType : int8_t { CPU = 0 };
constexpr DeviceType CPU = DeviceType::CPU;

// Limits on what a tensor may hold, checked on every resize so that no shape can overflow a size
// computation or ask for an absurd allocation. Process-wide; the runner exposes them as flags.
// Safe to read and change from any thread while nets run: each field is kept in its own atomic (a
// resize reads one with a relaxed load), so a resize that overlaps a change sees the old or the new
// value of each field; a change applies to the resizes and reads that start after it.
struct TensorLimits {
  int64_t max_rank = 32;
  int64_t max_bytes = int64_t{64} << 30;  // 64 GiB
};
// A copy of the limits in force.
TensorLimits GetTensorLimits();
void SetTensorLimits(const TensorLimits& limits);

// Product of dims with overflow and sign checks; `what` names the shape in the error.
int64_t CheckedNumel(IntArrayRef dims, const char* what = "tensor");
// CheckedNumel, then the byte size of that many `meta` elements against GetTensorLimits().max_bytes:
// the check a resize makes, for readers to make from a file's header before they allocate or parse
// the data. Returns the element count.
int64_t CheckTensorLimits(IntArrayRef dims, TypeMeta meta, const char* what = "tensor");

class Tensor {
 public:
  // Memory alignment of every tensor's data, enough for any vector load.
  static constexpr size_t kAlignment = 64;

  // A new tensor is 1-D with zero elements and no dtype.
  Tensor() = default;
  explicit Tensor(DeviceType) {}
  explicit Tensor(IntArrayRef dims, DeviceType = CPU) { Resize(dims); }
  // Templates so that a braced list ({2, 3}) still means IntArrayRef, unambiguously.
  template <typename I, typename = std::enable_if_t<std::is_same_v<I, int>>>
  explicit Tensor(const std::vector<I>& dims, DeviceType = CPU) {
    Resize(dims);
  }
  // A deep copy (Caffe2's Tensor(src, device)); the tensor itself stays move-only.
  Tensor(const Tensor& src, DeviceType) { CopyFrom(src); }
  ~Tensor();

  Tensor(Tensor&& other) noexcept;
  Tensor& operator=(Tensor&& other) noexcept;
  Tensor(const Tensor&) = delete;
  Tensor& operator=(const Tensor&) = delete;

  DeviceType GetDeviceType() const { return CPU; }

  // Sets the shape. Keeps the buffer when the new byte size fits what is allocated (plain dtypes);
  // otherwise frees it, and the next mutable_data() allocates.
  // Allocation-free when the rank does not grow.
  void Resize(IntArrayRef dims);
  template <typename... Ints,
            typename = std::enable_if_t<(sizeof...(Ints) > 0) && (std::is_integral_v<Ints> && ...)>>
  void Resize(Ints... dims) {
    const int64_t list[] = {static_cast<int64_t>(dims)...};
    Resize(IntArrayRef(list, sizeof...(Ints)));
  }
  // Caffe2 code passes int dims as often as int64 ones (templates: a braced list stays IntArrayRef).
  template <typename I, typename = std::enable_if_t<std::is_same_v<I, int>>>
  void Resize(const std::vector<I>& dims) {
    Resize(std::vector<int64_t>(dims.begin(), dims.end()));
  }
  void ResizeLike(const Tensor& other) { Resize(other.sizes()); }
  // Changes the shape without touching data; the element count must stay the same.
  void Reshape(IntArrayRef dims);
  template <typename I, typename = std::enable_if_t<std::is_same_v<I, int>>>
  void Reshape(const std::vector<I>& dims) {
    Reshape(std::vector<int64_t>(dims.begin(), dims.end()));
  }
  // Keeps the first `outer_dim` rows (dim 0) and their data; outer_dim may not exceed dim 0.
  void ShrinkTo(int64_t outer_dim);
  // Grows dim 0 by `num` rows, keeping the data; when the buffer must grow it grows by at least
  // growthPct percent, so that repeated small extensions reallocate rarely (Caffe2's Extend).
  void Extend(int64_t num, float growthPct);
  // Grows dim 0 to `num` rows (num >= dim 0), as Extend.
  void ExtendTo(int64_t num, float growthPct);

  // Makes this tensor a view of `src`'s storage: same shape, dtype and buffer, shared until either
  // side reallocates (Caffe2's ShareData: writes through one are seen through the other).
  void ShareData(const Tensor& src);
  // Uses memory this tensor does not own (nbytes of it, or numel() items when 0); the caller keeps
  // it alive and constructed. The dtype becomes `meta`.
  void ShareExternalPointer(void* src, TypeMeta meta, size_t nbytes = 0);
  template <typename T>
  void ShareExternalPointer(T* src, size_t nbytes = 0) {
    ShareExternalPointer(src, TypeMeta::Make<T>(), nbytes);
  }

  const std::vector<int64_t>& sizes() const { return dims_; }
  const std::vector<int64_t>& dims() const { return dims_; }
  int dim() const { return static_cast<int>(dims_.size()); }
  int ndim() const { return dim(); }
  // Size of dimension i; i may be negative (counted from the end).
  int64_t size(int i) const { return dims_[canonical_axis_index(i)]; }
  int32_t dim32(int i) const;
  int64_t numel() const { return numel_; }
  // Caffe2's older spelling of numel(), kept because size(i) alone would make it an error.
  int64_t size() const { return numel_; }
  // Product of dims[k:] and of dims[:k].
  int64_t size_from_dim(int k) const;
  int64_t size_to_dim(int k) const;
  // Caffe2's meaning: the product of the dims strictly between k and l, in either order
  // (size_between_dim(0, 3) on [2, 3, 4, 5] is 3 * 4, and so is size_between_dim(3, 0)).
  int64_t size_between_dim(int k, int l) const;
  // Maps a possibly negative axis to [0, dim()); an axis outside [-dim(), dim()) is an error.
  int canonical_axis_index(int axis_index) const;

  const TypeMeta& dtype() const { return meta_; }
  const TypeMeta& meta() const { return meta_; }
  template <typename T>
  bool IsType() const {
    return meta_.Match<T>();
  }
  size_t itemsize() const { return meta_.itemsize(); }
  int64_t nbytes() const { return numel_ * static_cast<int64_t>(meta_.itemsize()); }
  // Bytes currently allocated (0 when none).
  size_t capacity_nbytes() const { return capacity_; }

  // Typed access; asking for a T other than the dtype is an error, never a reinterpretation.
  template <typename T>
  const T* data() const {
    CheckDataType(TypeMeta::Make<T>(), "data");
    return static_cast<const T*>(CheckedRawData());
  }
  template <typename T>
  T* mutable_data() {
    return static_cast<T*>(raw_mutable_data(TypeMeta::Make<T>()));
  }
  const void* raw_data() const { return CheckedRawData(); }
  // Sets the dtype and makes sure storage for numel() items of it exists.
  void* raw_mutable_data(TypeMeta meta);
  // The same with the current dtype, which must be set.
  void* raw_mutable_data();

  // Deep copy of shape, dtype and data. `async` is Caffe2's; every CPU copy is synchronous.
  void CopyFrom(const Tensor& src, bool async = false);
  Tensor Clone() const;
  void FreeMemory();

  // "Tensor<float>[2, 3]"
  std::string DebugString() const;

 private:
  void CheckDataType(TypeMeta wanted, const char* accessor) const;
  const void* CheckedRawData() const;
  void ReleaseStorage();

  std::vector<int64_t> dims_{0};
  int64_t numel_ = 0;
  TypeMeta meta_;
  // Shared so that ShareData views and aliases see one buffer; the deleter frees what the tensor
  // allocated (destroying constructed items first) and does nothing for external memory.
  std::shared_ptr<void> storage_;
  size_t capacity_ = 0;
  // Elements constructed in storage_ (only for dtypes that need construction, such as strings).
  int64_t constructed_ = 0;
};

std::string ShapeString(IntArrayRef dims);

namespace detail {
template <>
struct TypeNameOf<Tensor> {
  static const char* Name() { return "Tensor"; }
};
CAFFE2_MASK_DECLARE_RUNTIME_TYPE(Tensor)
}  // namespace detail

}  // namespace caffe2
