// Element types: float16 and the dtype descriptor (Caffe2's TypeMeta), with the one mapping between
// dtypes and TensorProto::DataType.
#pragma once

#include <cstddef>
#include <cstdint>
#include <new>
#include <ostream>
#include <string>
#include <type_traits>
#include <typeinfo>
#include <vector>

#include "caffe2_mask/base/enforce.h"

namespace caffe2 {

// IEEE 754 binary16, stored as its bits. Arithmetic goes through float.
struct float16 {
  uint16_t x = 0;
  float16() = default;
  static float16 FromBits(uint16_t bits) {
    float16 h;
    h.x = bits;
    return h;
  }
  explicit float16(float value);
  explicit operator float() const;
};
inline bool operator==(float16 a, float16 b) { return a.x == b.x; }
inline bool operator!=(float16 a, float16 b) { return a.x != b.x; }
std::ostream& operator<<(std::ostream& out, float16 value);

// A stable per-type identity (the address of a per-type variable).
using TypeIdentifier = const void*;

struct TypeMetaData {
  TypeIdentifier id;
  size_t itemsize;
  const char* name;
  // Null for types that are plain bytes; set for types that need construction (std::string).
  void (*placement_new)(void* dst, size_t n);
  void (*copy)(const void* src, void* dst, size_t n);
  void (*destroy)(void* ptr, size_t n);
};

namespace detail {
// Demangled name of a type, kept for the life of the program.
const char* DemangledName(const std::type_info& info);

template <typename T>
struct TypeNameOf {
  static const char* Name() { return DemangledName(typeid(T)); }
};
#define CAFFE2_MASK_TYPE_NAME(T, name_string) \
  template <>                                 \
  struct TypeNameOf<T> {                      \
    static const char* Name() { return name_string; } \
  };
CAFFE2_MASK_TYPE_NAME(float, "float")
CAFFE2_MASK_TYPE_NAME(double, "double")
CAFFE2_MASK_TYPE_NAME(float16, "float16")
CAFFE2_MASK_TYPE_NAME(int8_t, "int8")
CAFFE2_MASK_TYPE_NAME(int16_t, "int16")
CAFFE2_MASK_TYPE_NAME(int32_t, "int32")
CAFFE2_MASK_TYPE_NAME(int64_t, "int64")
CAFFE2_MASK_TYPE_NAME(uint8_t, "uint8")
CAFFE2_MASK_TYPE_NAME(uint16_t, "uint16")
CAFFE2_MASK_TYPE_NAME(bool, "bool")
CAFFE2_MASK_TYPE_NAME(std::string, "string")
#undef CAFFE2_MASK_TYPE_NAME

[[noreturn]] void ThrowNotSupportedForType(const char* what, const char* type_name);

template <typename T>
void PlacementNew(void* dst, size_t n) {
  if constexpr (std::is_default_constructible_v<T>) {
    T* typed = static_cast<T*>(dst);
    for (size_t i = 0; i < n; ++i) new (typed + i) T();
  } else {
    ThrowNotSupportedForType("default construction", TypeNameOf<T>::Name());
  }
}
template <typename T>
void Copy(const void* src, void* dst, size_t n) {
  if constexpr (std::is_copy_assignable_v<T>) {
    const T* s = static_cast<const T*>(src);
    T* d = static_cast<T*>(dst);
    for (size_t i = 0; i < n; ++i) d[i] = s[i];
  } else {
    ThrowNotSupportedForType("copy", TypeNameOf<T>::Name());
  }
}
template <typename T>
void Destroy(void* ptr, size_t n) {
  T* typed = static_cast<T*>(ptr);
  for (size_t i = 0; i < n; ++i) typed[i].~T();
}

// The one TypeMetaData of T in this module; its own address is the type's identity.
template <typename T>
const TypeMetaData* ModuleTypeMetaData() {
  constexpr bool kPlainBytes = std::is_trivially_copyable_v<T>;
  static const TypeMetaData data = {&data,
                                    sizeof(T),
                                    TypeNameOf<T>::Name(),
                                    kPlainBytes ? nullptr : &PlacementNew<T>,
                                    kPlainBytes ? nullptr : &Copy<T>,
                                    kPlainBytes ? nullptr : &Destroy<T>};
  return &data;
}

template <typename T>
struct TypeMetaFor {
  static const TypeMetaData* Data() { return ModuleTypeMetaData<T>(); }
};

// A dtype's identity must be one per process, also across modules built with hidden visibility
// (pybind11 extensions, operator libraries loaded at run time), where an inline function-local static
// exists once per module. The runtime's own types therefore take their TypeMetaData from the runtime
// library: Data() is declared here, exported, and defined once in types.cc (tensor.cc for Tensor).
#define CAFFE2_MASK_DECLARE_RUNTIME_TYPE(T) \
  template <>                               \
  __attribute__((visibility("default"))) const TypeMetaData* TypeMetaFor<T>::Data();
#define CAFFE2_MASK_DEFINE_RUNTIME_TYPE(T) \
  template <>                              \
  const TypeMetaData* TypeMetaFor<T>::Data() { return ModuleTypeMetaData<T>(); }
CAFFE2_MASK_DECLARE_RUNTIME_TYPE(float)
CAFFE2_MASK_DECLARE_RUNTIME_TYPE(double)
CAFFE2_MASK_DECLARE_RUNTIME_TYPE(float16)
CAFFE2_MASK_DECLARE_RUNTIME_TYPE(int8_t)
CAFFE2_MASK_DECLARE_RUNTIME_TYPE(int16_t)
CAFFE2_MASK_DECLARE_RUNTIME_TYPE(int32_t)
CAFFE2_MASK_DECLARE_RUNTIME_TYPE(int64_t)
CAFFE2_MASK_DECLARE_RUNTIME_TYPE(uint8_t)
CAFFE2_MASK_DECLARE_RUNTIME_TYPE(uint16_t)
CAFFE2_MASK_DECLARE_RUNTIME_TYPE(bool)
CAFFE2_MASK_DECLARE_RUNTIME_TYPE(std::string)

}  // namespace detail

// A dtype descriptor. Default-constructed, it is "no type yet".
class TypeMeta {
 public:
  TypeMeta() = default;

  template <typename T>
  static TypeMeta Make() {
    return TypeMeta(detail::TypeMetaFor<T>::Data());
  }
  template <typename T>
  bool Match() const {
    return data_ == detail::TypeMetaFor<T>::Data();
  }

  bool defined() const { return data_ != nullptr; }
  TypeIdentifier id() const { return data_ ? data_->id : nullptr; }
  size_t itemsize() const { return data_ ? data_->itemsize : 0; }
  const char* name() const { return data_ ? data_->name : "(no type)"; }
  // True when elements are plain bytes (copyable with memcpy, need no construction).
  bool is_pod() const { return !data_ || data_->copy == nullptr; }
  const TypeMetaData* data() const { return data_; }

  friend bool operator==(TypeMeta a, TypeMeta b) { return a.data_ == b.data_; }
  friend bool operator!=(TypeMeta a, TypeMeta b) { return a.data_ != b.data_; }

 private:
  explicit TypeMeta(const TypeMetaData* data) : data_(data) {}
  const TypeMetaData* data_ = nullptr;
};

std::ostream& operator<<(std::ostream& out, TypeMeta meta);

// TensorProto::DataType <-> dtype, in one place. The int is a TensorProto::DataType value; keeping
// it an int here lets this header stay free of the generated protobuf code.
// Throws for UNDEFINED and the DataTypes that have no tensor element type here.
TypeMeta DataTypeToTypeMeta(int data_type);
// Throws for a dtype with no DataType. (Caffe2's TypeMetaToDataType, in the compatibility layer,
// returns the enum and UNDEFINED instead.)
int DataTypeOf(TypeMeta meta);
// "FLOAT", "INT32", ... or "DataType(<n>)" for a number that names none.
std::string DataTypeName(int data_type);
// Every element type a tensor can hold, for messages and tests.
const std::vector<TypeMeta>& AllTensorTypes();

}  // namespace caffe2

namespace at {
// Caffe2 code spells float16 at::Half.
using Half = caffe2::float16;
}  // namespace at
