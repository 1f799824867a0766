#include "caffe2_mask/core/tensor.h"

#include <atomic>
#include <cstdlib>
#include <algorithm>
#include <cstring>
#include <limits>
#include <sstream>

namespace caffe2 {

namespace {
// The fields of TensorLimits, one atomic each: they are read on every resize, from every thread, and
// may be changed while nets run (tensor.h). Relaxed order is enough: a limit guards no other data.
std::atomic<int64_t> g_max_rank{TensorLimits{}.max_rank};
std::atomic<int64_t> g_max_bytes{TensorLimits{}.max_bytes};
}  // namespace

TensorLimits GetTensorLimits() {
  return {g_max_rank.load(std::memory_order_relaxed), g_max_bytes.load(std::memory_order_relaxed)};
}

void SetTensorLimits(const TensorLimits& limits) {
  g_max_rank.store(limits.max_rank, std::memory_order_relaxed);
  g_max_bytes.store(limits.max_bytes, std::memory_order_relaxed);
}

std::string ShapeString(IntArrayRef dims) {
  std::ostringstream out;
  out << "[";
  for (size_t i = 0; i < dims.size(); ++i) out << (i ? ", " : "") << dims[i];
  out << "]";
  return out.str();
}

int64_t CheckedNumel(IntArrayRef dims, const char* what) {
  const int64_t max_rank = g_max_rank.load(std::memory_order_relaxed);
  CAFFE_ENFORCE_LE(static_cast<int64_t>(dims.size()), max_rank, what, " ", ShapeString(dims),
                   " has more dims than the rank limit");
  int64_t numel = 1;
  for (size_t i = 0; i < dims.size(); ++i) {
    CAFFE_ENFORCE_GE(dims[i], 0, what, " ", ShapeString(dims), ": dim ", i, " is negative");
    CAFFE_ENFORCE(!__builtin_mul_overflow(numel, dims[i], &numel), what, " ", ShapeString(dims),
                  ": the element count overflows 64 bits");
  }
  return numel;
}

namespace {
// numel * itemsize, saturating: a shape whose byte count wraps around 64 bits must not look small
// enough to fit an existing buffer.
uint64_t ByteCount(int64_t numel, size_t itemsize) {
  uint64_t bytes;
  if (__builtin_mul_overflow(static_cast<uint64_t>(numel), static_cast<uint64_t>(itemsize), &bytes)) {
    return std::numeric_limits<uint64_t>::max();
  }
  return bytes;
}

void EnforceBytesWithinLimit(IntArrayRef dims, int64_t numel, TypeMeta meta, const char* what) {
  const int64_t max_bytes = g_max_bytes.load(std::memory_order_relaxed);
  const auto itemsize = static_cast<int64_t>(meta.itemsize());
  CAFFE_ENFORCE(numel <= max_bytes / itemsize, what, " ", ShapeString(dims), " of ", meta.name(), " needs ",
                ByteCount(numel, meta.itemsize()), " bytes, more than the limit of ", max_bytes, " bytes");
}
}  // namespace

int64_t CheckTensorLimits(IntArrayRef dims, TypeMeta meta, const char* what) {
  const int64_t numel = CheckedNumel(dims, what);
  EnforceBytesWithinLimit(dims, numel, meta, what);
  return numel;
}

Tensor::~Tensor() { ReleaseStorage(); }

Tensor::Tensor(Tensor&& other) noexcept { *this = std::move(other); }

Tensor& Tensor::operator=(Tensor&& other) noexcept {
  if (this != &other) {
    ReleaseStorage();
    dims_ = std::move(other.dims_);
    numel_ = other.numel_;
    meta_ = other.meta_;
    storage_ = std::move(other.storage_);
    capacity_ = other.capacity_;
    constructed_ = other.constructed_;
    other.dims_ = {0};
    other.numel_ = 0;
    other.capacity_ = 0;
    other.constructed_ = 0;
  }
  return *this;
}

void Tensor::ReleaseStorage() {
  storage_.reset();
  capacity_ = 0;
  constructed_ = 0;
}

void Tensor::FreeMemory() { ReleaseStorage(); }

void Tensor::Resize(IntArrayRef dims) {
  const int64_t numel = CheckedNumel(dims);
  // ResizeLike(*this) passes a view of dims_ itself: nothing to copy then.
  if (dims.data() != dims_.data()) dims_.assign(dims.begin(), dims.end());
  if (numel == numel_) return;
  numel_ = numel;
  if (!storage_) return;
  // Constructed types hold exactly numel objects; plain bytes keep the buffer if it is big enough.
  if (!meta_.is_pod() || ByteCount(numel_, meta_.itemsize()) > capacity_) {
    ReleaseStorage();
  }
}

void Tensor::Reshape(IntArrayRef dims) {
  const int64_t numel = CheckedNumel(dims);
  CAFFE_ENFORCE_EQ(numel, numel_, "Reshape from ", ShapeString(dims_), " to ", ShapeString(dims),
                   " must keep the element count");
  if (dims.data() != dims_.data()) dims_.assign(dims.begin(), dims.end());
}

int32_t Tensor::dim32(int i) const {
  const int64_t d = size(i);
  CAFFE_ENFORCE_LE(d, std::numeric_limits<int32_t>::max(), "dim ", i, " does not fit int32");
  return static_cast<int32_t>(d);
}

int64_t Tensor::size_from_dim(int k) const {
  CAFFE_ENFORCE(k >= 0 && k <= dim(), "size_from_dim(", k, ") on a ", dim(), "-D tensor");
  int64_t r = 1;
  for (int i = k; i < dim(); ++i) r *= dims_[i];
  return r;
}

int64_t Tensor::size_to_dim(int k) const {
  CAFFE_ENFORCE(k >= 0 && k <= dim(), "size_to_dim(", k, ") on a ", dim(), "-D tensor");
  int64_t r = 1;
  for (int i = 0; i < k; ++i) r *= dims_[i];
  return r;
}

int64_t Tensor::size_between_dim(int k, int l) const {
  CAFFE_ENFORCE(k >= 0 && k < dim() && l >= 0 && l < dim(), "size_between_dim(", k, ", ", l, ") on a ",
                dim(), "-D tensor: both dims must be in [0, ", dim(), ")");
  const int low = k < l ? k : l;
  const int high = k < l ? l : k;
  int64_t r = 1;
  for (int i = low + 1; i < high; ++i) r *= dims_[i];
  return r;
}

int Tensor::canonical_axis_index(int axis_index) const {
  CAFFE_ENFORCE(axis_index >= -dim() && axis_index < dim(), "axis ", axis_index,
                " is out of range for a ", dim(), "-D tensor (valid: ", -dim(), " to ", dim() - 1, ")");
  return axis_index < 0 ? axis_index + dim() : axis_index;
}

void Tensor::CheckDataType(TypeMeta wanted, const char* accessor) const {
  if (meta_ != wanted) {
    // The tensor is the caller, so that an operator names the blob that holds it.
    ThrowEnforceNotMet(__FILE__, __LINE__, "",
                       MakeString("tensor ", DebugString(), " holds ", meta_.name(), ", but ", accessor, "<",
                                  wanted.name(), ">() was asked for"),
                       this);
  }
}

const void* Tensor::CheckedRawData() const {
  CAFFE_ENFORCE_WITH_CALLER(meta_.defined(), "tensor ", DebugString(),
                            " has no dtype yet: write it with mutable_data<T>() first");
  if (numel_ == 0) return storage_.get();
  CAFFE_ENFORCE_WITH_CALLER(storage_ != nullptr, "tensor ", DebugString(),
                            " was resized and holds no data yet: write it with mutable_data<T>() first");
  return storage_.get();
}

void* Tensor::raw_mutable_data(TypeMeta meta) {
  CAFFE_ENFORCE(meta.defined(), "raw_mutable_data needs a dtype");
  const uint64_t bytes = ByteCount(numel_, meta.itemsize());
  const bool fits = meta.is_pod() ? bytes <= capacity_ : constructed_ >= numel_;
  if (storage_ && meta == meta_ && fits) return storage_.get();

  // Check the size against the limit before giving up the old buffer, so a refused request
  // leaves the tensor as it was.
  EnforceBytesWithinLimit(dims_, numel_, meta, "tensor");
  ReleaseStorage();
  // Round up so the allocation size is a multiple of the alignment, as aligned_alloc requires;
  // never zero, so an empty tensor still has a valid pointer.
  const size_t alloc = static_cast<size_t>((bytes + kAlignment - 1) / kAlignment * kAlignment);
  void* ptr = std::aligned_alloc(kAlignment, alloc == 0 ? kAlignment : alloc);
  if (ptr == nullptr) {
    CAFFE_THROW("out of memory allocating ", bytes, " bytes for tensor ", ShapeString(dims_), " of ",
                meta.name());
  }
  if (meta.is_pod()) {
    storage_.reset(ptr, std::free);
  } else {
    try {
      meta.data()->placement_new(ptr, static_cast<size_t>(numel_));
    } catch (...) {
      std::free(ptr);
      throw;
    }
    const size_t n = static_cast<size_t>(numel_);
    auto destroy = meta.data()->destroy;
    storage_.reset(ptr, [destroy, n](void* p) {
      destroy(p, n);
      std::free(p);
    });
    constructed_ = numel_;
  }
  capacity_ = alloc == 0 ? kAlignment : alloc;
  meta_ = meta;
  return ptr;
}

void* Tensor::raw_mutable_data() {
  CAFFE_ENFORCE(meta_.defined(), "tensor ", DebugString(),
                " has no dtype yet: use raw_mutable_data(dtype) or mutable_data<T>()");
  return raw_mutable_data(meta_);
}

void Tensor::CopyFrom(const Tensor& src, bool /*async*/) {
  if (this == &src) return;
  Resize(src.sizes());
  if (!src.meta_.defined()) {
    ReleaseStorage();
    meta_ = TypeMeta();
    return;
  }
  void* dst = raw_mutable_data(src.meta_);
  if (numel_ == 0) return;
  const void* from = src.raw_data();
  if (src.meta_.is_pod()) {
    std::memcpy(dst, from, static_cast<size_t>(nbytes()));
  } else {
    src.meta_.data()->copy(from, dst, static_cast<size_t>(numel_));
  }
}

void Tensor::ShrinkTo(int64_t outer_dim) {
  CAFFE_ENFORCE_GE(dim(), 1, "ShrinkTo needs a tensor with at least one dim");
  CAFFE_ENFORCE(outer_dim >= 0 && outer_dim <= dims_[0], "ShrinkTo(", outer_dim, ") on ", DebugString(),
                ": the new outer dim must be in [0, ", dims_[0], "]");
  // The buffer keeps every item it constructed (and destroys them all when freed); the tensor just
  // stops looking at the rows past outer_dim.
  dims_[0] = outer_dim;
  numel_ = CheckedNumel(dims_);
}

void Tensor::Extend(int64_t num, float growthPct) {
  CAFFE_ENFORCE_GE(dim(), 1, "Extend needs a tensor with at least one dim");
  CAFFE_ENFORCE_GE(num, 0, "Extend on ", DebugString(), ": `num` must be non-negative");
  CAFFE_ENFORCE_GE(growthPct, 0, "Extend on ", DebugString(), ": growthPct must be non-negative");
  std::vector<int64_t> new_dims = dims_;
  new_dims[0] += num;
  const int64_t new_numel = CheckedNumel(new_dims);
  if (!meta_.defined() || !storage_) {
    Resize(new_dims);
    return;
  }
  CAFFE_ENFORCE(meta_.is_pod(), "Extend on ", DebugString(), ": only tensors of plain dtypes can grow in place");
  if (ByteCount(new_numel, meta_.itemsize()) <= capacity_) {
    dims_ = std::move(new_dims);
    numel_ = new_numel;
    return;
  }
  // Reallocate with room for growthPct percent more rows, then copy the old rows over.
  std::vector<int64_t> reserve_dims = dims_;
  const double grown = static_cast<double>(dims_[0]) * (1.0 + growthPct / 100.0);
  reserve_dims[0] = std::max<int64_t>(new_dims[0], static_cast<int64_t>(grown));
  Tensor bigger(reserve_dims);
  void* dst = bigger.raw_mutable_data(meta_);
  if (numel_ > 0) std::memcpy(dst, storage_.get(), static_cast<size_t>(nbytes()));
  storage_ = std::move(bigger.storage_);
  capacity_ = bigger.capacity_;
  dims_ = std::move(new_dims);
  numel_ = new_numel;
}

void Tensor::ExtendTo(int64_t num, float growthPct) {
  CAFFE_ENFORCE_GE(dim(), 1, "ExtendTo needs a tensor with at least one dim");
  CAFFE_ENFORCE_GE(growthPct, 0, "ExtendTo on ", DebugString(), ": growthPct must be non-negative");
  Extend(num - dims_[0], growthPct);
}

void Tensor::ShareData(const Tensor& src) {
  if (this == &src) return;
  CAFFE_ENFORCE(src.meta_.defined(), "ShareData: the source ", src.DebugString(), " has no dtype yet");
  CAFFE_ENFORCE(src.storage_ != nullptr || src.numel_ == 0, "ShareData: the source ", src.DebugString(),
                " holds no data yet");
  dims_ = src.dims_;
  numel_ = src.numel_;
  meta_ = src.meta_;
  storage_ = src.storage_;
  capacity_ = src.capacity_;
  constructed_ = src.constructed_;
}

void Tensor::ShareExternalPointer(void* src, TypeMeta meta, size_t nbytes) {
  CAFFE_ENFORCE(meta.defined(), "ShareExternalPointer needs a dtype");
  CAFFE_ENFORCE(src != nullptr || numel_ == 0, "ShareExternalPointer: null pointer for ", ShapeString(dims_));
  const uint64_t needed = ByteCount(numel_, meta.itemsize());
  const uint64_t given = nbytes == 0 ? needed : nbytes;
  CAFFE_ENFORCE_GE(given, needed, "ShareExternalPointer: ", nbytes, " bytes cannot hold ", ShapeString(dims_),
                   " of ", meta.name());
  ReleaseStorage();
  storage_ = std::shared_ptr<void>(src, [](void*) {});
  capacity_ = static_cast<size_t>(given);
  meta_ = meta;
  // The caller's memory is already constructed; this tensor never destroys it.
  constructed_ = meta.is_pod() ? 0 : numel_;
}

Tensor Tensor::Clone() const {
  Tensor copy;
  copy.CopyFrom(*this);
  return copy;
}

std::string Tensor::DebugString() const {
  return MakeString("Tensor<", meta_.name(), ">", ShapeString(dims_));
}

namespace detail {
CAFFE2_MASK_DEFINE_RUNTIME_TYPE(Tensor)
}  // namespace detail

}  // namespace caffe2
