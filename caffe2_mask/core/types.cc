#include "caffe2_mask/core/types.h"

#include <cxxabi.h>

#include <cstdlib>
#include <cstring>
#include <memory>
#include <mutex>
#include <unordered_map>

#include "proto/caffe2.pb.h"

namespace caffe2 {

namespace detail {
const char* DemangledName(const std::type_info& info) {
  static std::mutex mutex;
  static std::unordered_map<const std::type_info*, std::string> names;
  std::lock_guard<std::mutex> lock(mutex);
  auto it = names.find(&info);
  if (it == names.end()) {
    int status = 0;
    std::unique_ptr<char, void (*)(void*)> demangled(
        abi::__cxa_demangle(info.name(), nullptr, nullptr, &status), std::free);
    it = names.emplace(&info, status == 0 && demangled ? demangled.get() : info.name()).first;
  }
  return it->second.c_str();
}

void ThrowNotSupportedForType(const char* what, const char* type_name) {
  CAFFE_THROW("type ", type_name, " does not support ", what);
}

CAFFE2_MASK_DEFINE_RUNTIME_TYPE(float)
CAFFE2_MASK_DEFINE_RUNTIME_TYPE(double)
CAFFE2_MASK_DEFINE_RUNTIME_TYPE(float16)
CAFFE2_MASK_DEFINE_RUNTIME_TYPE(int8_t)
CAFFE2_MASK_DEFINE_RUNTIME_TYPE(int16_t)
CAFFE2_MASK_DEFINE_RUNTIME_TYPE(int32_t)
CAFFE2_MASK_DEFINE_RUNTIME_TYPE(int64_t)
CAFFE2_MASK_DEFINE_RUNTIME_TYPE(uint8_t)
CAFFE2_MASK_DEFINE_RUNTIME_TYPE(uint16_t)
CAFFE2_MASK_DEFINE_RUNTIME_TYPE(bool)
CAFFE2_MASK_DEFINE_RUNTIME_TYPE(std::string)
}  // namespace detail

namespace {
uint32_t FloatBits(float f) {
  uint32_t bits;
  std::memcpy(&bits, &f, sizeof(bits));
  return bits;
}
float BitsToFloat(uint32_t bits) {
  float f;
  std::memcpy(&f, &bits, sizeof(f));
  return f;
}
}  // namespace

// Round to nearest even, with overflow to infinity and gradual underflow, as IEEE 754 requires.
float16::float16(float value) {
  const uint32_t bits = FloatBits(value);
  const uint32_t sign = (bits >> 16) & 0x8000u;
  const uint32_t abs = bits & 0x7fffffffu;
  if (abs >= 0x7f800000u) {  // inf or NaN; keep NaNs quiet and non-zero
    x = static_cast<uint16_t>(sign | 0x7c00u | (abs > 0x7f800000u ? 0x0200u | ((abs >> 13) & 0x3ffu) : 0));
    return;
  }
  if (abs >= 0x477ff000u) {  // rounds to >= 65536: infinity
    x = static_cast<uint16_t>(sign | 0x7c00u);
    return;
  }
  if (abs < 0x38800000u) {  // below the smallest normal half: subnormal or zero
    // Add 0.5 as a float so the FPU does the rounding of the discarded bits.
    const float magnitude = BitsToFloat(abs) + 0.5f;
    x = static_cast<uint16_t>(sign | (FloatBits(magnitude) - FloatBits(0.5f)));
    return;
  }
  const uint32_t mantissa_odd = (abs >> 13) & 1u;
  const uint32_t rounded = abs + 0xc8000fffu + mantissa_odd;  // rebias exponent, round to even
  x = static_cast<uint16_t>(sign | (rounded >> 13));
}

float16::operator float() const {
  const uint32_t sign = (static_cast<uint32_t>(x) & 0x8000u) << 16;
  const uint32_t exponent = (x >> 10) & 0x1fu;
  const uint32_t mantissa = x & 0x3ffu;
  if (exponent == 0x1f) return BitsToFloat(sign | 0x7f800000u | (mantissa << 13));
  if (exponent == 0) {
    // Subnormal (or zero): mantissa * 2^-24, exact in float.
    const float magnitude = static_cast<float>(mantissa) * 5.9604644775390625e-8f;
    return sign ? -magnitude : magnitude;
  }
  return BitsToFloat(sign | ((exponent + 112) << 23) | (mantissa << 13));
}

std::ostream& operator<<(std::ostream& out, float16 value) { return out << static_cast<float>(value); }

std::ostream& operator<<(std::ostream& out, TypeMeta meta) { return out << meta.name(); }

namespace {
struct DataTypeEntry {
  TensorProto::DataType data_type;
  const char* name;
  TypeMeta meta;
};

const std::vector<DataTypeEntry>& DataTypeTable() {
  static const std::vector<DataTypeEntry> table = {
      {TensorProto::FLOAT, "FLOAT", TypeMeta::Make<float>()},
      {TensorProto::INT32, "INT32", TypeMeta::Make<int32_t>()},
      {TensorProto::BYTE, "BYTE", TypeMeta::Make<uint8_t>()},
      {TensorProto::STRING, "STRING", TypeMeta::Make<std::string>()},
      {TensorProto::BOOL, "BOOL", TypeMeta::Make<bool>()},
      {TensorProto::UINT8, "UINT8", TypeMeta::Make<uint8_t>()},
      {TensorProto::INT8, "INT8", TypeMeta::Make<int8_t>()},
      {TensorProto::UINT16, "UINT16", TypeMeta::Make<uint16_t>()},
      {TensorProto::INT16, "INT16", TypeMeta::Make<int16_t>()},
      {TensorProto::INT64, "INT64", TypeMeta::Make<int64_t>()},
      {TensorProto::FLOAT16, "FLOAT16", TypeMeta::Make<float16>()},
      {TensorProto::DOUBLE, "DOUBLE", TypeMeta::Make<double>()},
  };
  return table;
}
}  // namespace

TypeMeta DataTypeToTypeMeta(int data_type) {
  for (const auto& entry : DataTypeTable()) {
    if (entry.data_type == data_type) return entry.meta;
  }
  CAFFE_THROW("TensorProto data_type ", DataTypeName(data_type),
              " has no tensor element type in this runtime; supported: FLOAT, DOUBLE, FLOAT16, INT8, "
              "INT16, INT32, INT64, UINT8, BYTE, UINT16, BOOL, STRING");
}

int DataTypeOf(TypeMeta meta) {
  // uint8 maps to UINT8 (BYTE reads as uint8 too, but UINT8 is what Caffe2 wrote for uint8 tensors).
  for (const auto& entry : DataTypeTable()) {
    if (entry.meta == meta && entry.data_type != TensorProto::BYTE) return entry.data_type;
  }
  CAFFE_THROW("dtype ", meta.name(), " has no TensorProto data_type");
}

std::string DataTypeName(int data_type) {
  if (TensorProto::DataType_IsValid(data_type)) {
    return TensorProto::DataType_Name(static_cast<TensorProto::DataType>(data_type));
  }
  return MakeString("DataType(", data_type, ")");
}

const std::vector<TypeMeta>& AllTensorTypes() {
  static const std::vector<TypeMeta> types = {
      TypeMeta::Make<float>(),   TypeMeta::Make<double>(),  TypeMeta::Make<float16>(),
      TypeMeta::Make<int8_t>(),  TypeMeta::Make<int16_t>(), TypeMeta::Make<int32_t>(),
      TypeMeta::Make<int64_t>(), TypeMeta::Make<uint8_t>(), TypeMeta::Make<uint16_t>(),
      TypeMeta::Make<bool>(),    TypeMeta::Make<std::string>()};
  return types;
}

}  // namespace caffe2
