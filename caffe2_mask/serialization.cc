#include "caffe2_mask/serialization.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <cerrno>
#include <climits>
#include <cstring>
#include <limits>
#include <sstream>
#include <vector>

#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/tokenizer.h>
#include <google/protobuf/text_format.h>

namespace caffe2 {

static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__,
              "raw_data and .npy are little-endian; a big-endian host needs byte swapping here");

SerializationLimits& GetSerializationLimits() {
  static SerializationLimits limits;
  return limits;
}

namespace {

// "file 'x': " or "" for messages.
std::string Prefix(const std::string& source) { return source.empty() ? "" : source + ": "; }

std::string ErrnoText() { return std::strerror(errno); }

// Rethrows an EnforceNotMet from a core check with `prefix` in front of its message, so the file or
// blob at fault leads the sentence.
template <typename F>
auto WithPrefix(const std::string& prefix, F&& f) -> decltype(f()) {
  try {
    return f();
  } catch (const EnforceNotMet& e) {
    if (prefix.empty()) throw;
    CAFFE_THROW(prefix, e.msg());
  }
}

// ---------------------------------------------------------------------------------------------
// TensorProto

enum class DataField { kFloat, kDouble, kInt32, kInt64, kString, kByte, kRaw };

const char* FieldName(DataField field) {
  switch (field) {
    case DataField::kFloat: return "float_data";
    case DataField::kDouble: return "double_data";
    case DataField::kInt32: return "int32_data";
    case DataField::kInt64: return "int64_data";
    case DataField::kString: return "string_data";
    case DataField::kByte: return "byte_data";
    case DataField::kRaw: return "raw_data";
  }
  return "?";
}

// Number of values (bytes for byte_data and raw_data) each data field of `proto` holds.
int64_t FieldCount(const TensorProto& proto, DataField field) {
  switch (field) {
    case DataField::kFloat: return proto.float_data_size();
    case DataField::kDouble: return proto.double_data_size();
    case DataField::kInt32: return proto.int32_data_size();
    case DataField::kInt64: return proto.int64_data_size();
    case DataField::kString: return proto.string_data_size();
    case DataField::kByte: return static_cast<int64_t>(proto.byte_data().size());
    case DataField::kRaw: return static_cast<int64_t>(proto.raw_data().size());
  }
  return 0;
}

// The typed field Caffe2 writes for a data type.
DataField TypedField(int data_type) {
  switch (data_type) {
    case TensorProto::FLOAT: return DataField::kFloat;
    case TensorProto::DOUBLE: return DataField::kDouble;
    case TensorProto::INT64: return DataField::kInt64;
    case TensorProto::STRING: return DataField::kString;
    case TensorProto::BYTE: return DataField::kByte;
    default: return DataField::kInt32;  // INT32, INT16, INT8, UINT16, UINT8, BOOL, FLOAT16
  }
}

template <typename T>
void CopyInt32Data(const TensorProto& proto, T* out, int64_t lo, int64_t hi, const std::string& where,
                   const char* type_name) {
  const auto& values = proto.int32_data();
  for (int i = 0; i < values.size(); ++i) {
    const int64_t v = values.Get(i);
    if (v < lo || v > hi) {
      CAFFE_THROW(where, "int32_data[", i, "] = ", v, " does not fit ", type_name, " (", lo, " to ", hi,
                  ")");
    }
    out[i] = static_cast<T>(v);
  }
}

}  // namespace

void TensorFromProto(const TensorProto& proto, Tensor* tensor, const std::string& source) {
  CAFFE_ENFORCE(tensor != nullptr, "TensorFromProto needs an output tensor");
  std::string where = Prefix(source);
  if (proto.has_name() && !proto.name().empty()) where += "tensor '" + proto.name() + "': ";
  const int data_type = proto.data_type();
  const TypeMeta meta = WithPrefix(where, [&] { return DataTypeToTypeMeta(data_type); });
  const std::vector<int64_t> dims(proto.dims().begin(), proto.dims().end());
  const int64_t numel = WithPrefix(where, [&] { return CheckedNumel(dims, "TensorProto dims"); });
  if (proto.has_segment()) {
    // Caffe2 splits big tensors into chunks, one TensorProto per segment of dims[0]; only a segment
    // that covers the whole tensor is a tensor on its own.
    const bool whole = !dims.empty() && proto.segment().begin() == 0 && proto.segment().end() == dims[0];
    CAFFE_ENFORCE(whole, where, "the TensorProto holds segment [", proto.segment().begin(), ", ",
                  proto.segment().end(), ") of dims ", ShapeString(dims),
                  ", one chunk of a tensor Caffe2 split into several protos; reading chunked tensors is "
                  "not supported: save the tensor in one piece");
  }

  const DataField typed = TypedField(data_type);
  const bool is_string = data_type == TensorProto::STRING;
  const bool byte_ok = data_type == TensorProto::BYTE || data_type == TensorProto::UINT8;
  // Exactly one field may carry the values.
  std::vector<DataField> present;
  for (DataField f : {DataField::kFloat, DataField::kDouble, DataField::kInt32, DataField::kInt64,
                      DataField::kString, DataField::kByte, DataField::kRaw}) {
    if (FieldCount(proto, f) > 0) present.push_back(f);
  }
  std::string accepted = FieldName(typed);
  if (byte_ok && typed != DataField::kByte) accepted += ", byte_data";
  if (byte_ok && typed == DataField::kByte) accepted += ", int32_data";
  if (!is_string) accepted += " or raw_data";
  for (DataField f : present) {
    const bool ok = f == typed || (f == DataField::kRaw && !is_string) ||
                    (byte_ok && (f == DataField::kByte || f == DataField::kInt32));
    CAFFE_ENFORCE(ok, where, "a ", DataTypeName(data_type), " TensorProto carries its values in ",
                  accepted, ", but ", FieldName(f), " holds ", FieldCount(proto, f),
                  f == DataField::kRaw || f == DataField::kByte ? " bytes" : " values");
  }
  if (present.size() > 1) {
    CAFFE_THROW(where, "the TensorProto has values in both ", FieldName(present[0]), " and ",
                FieldName(present[1]), "; exactly one field may carry them");
  }
  const DataField field = present.empty() ? typed : present[0];
  const int64_t itemsize = static_cast<int64_t>(meta.itemsize());
  if (field == DataField::kRaw) {
    const int64_t bytes = FieldCount(proto, field);
    CAFFE_ENFORCE(bytes % itemsize == 0 && bytes / itemsize == numel, where, "dims ", ShapeString(dims),
                  " need ", numel, " ", meta.name(), " values (", numel, " x ", itemsize,
                  " bytes), but raw_data holds ", bytes, " bytes");
  } else {
    const int64_t count = FieldCount(proto, field);
    CAFFE_ENFORCE(count == numel, where, "dims ", ShapeString(dims), " need ", numel, " values, but ",
                  FieldName(field), " holds ", count);
  }

  // Every check passed: allocate and copy.
  Tensor result;
  WithPrefix(where, [&] {
    result.Resize(dims);
    result.raw_mutable_data(meta);
  });
  if (numel == 0) {
    *tensor = std::move(result);
    return;
  }
  void* out = result.raw_mutable_data(meta);
  if (field == DataField::kRaw) {
    std::memcpy(out, proto.raw_data().data(), proto.raw_data().size());
  } else if (field == DataField::kByte) {
    std::memcpy(out, proto.byte_data().data(), proto.byte_data().size());
  } else {
    switch (data_type) {
      case TensorProto::FLOAT:
        std::memcpy(out, proto.float_data().data(), numel * sizeof(float));
        break;
      case TensorProto::DOUBLE:
        std::memcpy(out, proto.double_data().data(), numel * sizeof(double));
        break;
      case TensorProto::INT64:
        std::memcpy(out, proto.int64_data().data(), numel * sizeof(int64_t));
        break;
      case TensorProto::INT32:
        std::memcpy(out, proto.int32_data().data(), numel * sizeof(int32_t));
        break;
      case TensorProto::STRING: {
        const int64_t max_string = GetSerializationLimits().max_string_bytes;
        for (int64_t i = 0; i < numel; ++i) {
          const int64_t length = static_cast<int64_t>(proto.string_data(static_cast<int>(i)).size());
          CAFFE_ENFORCE_LE(length, max_string, where, "string_data[", i, "] has ", length,
                           " bytes, more than the string limit (caffe2_mask_run --max_string_bytes)");
        }
        auto* strings = static_cast<std::string*>(out);
        for (int64_t i = 0; i < numel; ++i) strings[i] = proto.string_data(static_cast<int>(i));
        break;
      }
      case TensorProto::INT16:
        CopyInt32Data(proto, static_cast<int16_t*>(out), INT16_MIN, INT16_MAX, where, "int16");
        break;
      case TensorProto::INT8:
        CopyInt32Data(proto, static_cast<int8_t*>(out), INT8_MIN, INT8_MAX, where, "int8");
        break;
      case TensorProto::UINT16:
        CopyInt32Data(proto, static_cast<uint16_t*>(out), 0, UINT16_MAX, where, "uint16");
        break;
      case TensorProto::UINT8:
      case TensorProto::BYTE:
        CopyInt32Data(proto, static_cast<uint8_t*>(out), 0, UINT8_MAX, where, "uint8");
        break;
      case TensorProto::FLOAT16: {
        // The 16 bits of each value; Caffe2 wrote them unsigned, other writers signed.
        std::vector<uint16_t> bits(static_cast<size_t>(numel));
        CopyInt32Data(proto, bits.data(), INT16_MIN, UINT16_MAX, where, "16 float16 bits");
        std::memcpy(out, bits.data(), bits.size() * sizeof(uint16_t));
        break;
      }
      case TensorProto::BOOL: {
        auto* b = static_cast<bool*>(out);
        for (int64_t i = 0; i < numel; ++i) b[i] = proto.int32_data(static_cast<int>(i)) != 0;
        break;
      }
      default:
        CAFFE_THROW(where, "no reader for data_type ", DataTypeName(data_type));
    }
  }
  if (data_type == TensorProto::BOOL && (field == DataField::kRaw)) {
    // Bytes other than 0 and 1 are not valid bools: normalise them (the spec's Booleans rule).
    auto* bytes = static_cast<uint8_t*>(out);
    for (int64_t i = 0; i < numel; ++i) bytes[i] = bytes[i] != 0;
  }
  *tensor = std::move(result);
}

Tensor TensorFromProto(const TensorProto& proto, const std::string& source) {
  Tensor tensor;
  TensorFromProto(proto, &tensor, source);
  return tensor;
}

void TensorToProto(const Tensor& tensor, TensorProto* proto, const std::string& name) {
  CAFFE_ENFORCE(proto != nullptr, "TensorToProto needs an output proto");
  CAFFE_ENFORCE(tensor.dtype().defined(), "tensor ", tensor.DebugString(),
                " has no dtype (it was never written), so it cannot be serialized");
  proto->Clear();
  const int data_type = TypeMetaToDataType(tensor.dtype());
  for (int64_t d : tensor.sizes()) proto->add_dims(d);
  proto->set_data_type(static_cast<TensorProto::DataType>(data_type));
  if (!name.empty()) proto->set_name(name);
  const int64_t n = tensor.numel();
  if (n == 0) return;
  CAFFE_ENFORCE_LE(n, std::numeric_limits<int>::max(), "tensor ", tensor.DebugString(),
                   " has more elements than a TensorProto repeated field can hold");
  const int count = static_cast<int>(n);
  auto add_int32 = [&](auto* data) {
    auto* field = proto->mutable_int32_data();
    field->Reserve(count);
    for (int i = 0; i < count; ++i) field->Add(static_cast<int32_t>(data[i]));
  };
  switch (data_type) {
    case TensorProto::FLOAT:
      proto->mutable_float_data()->Add(tensor.data<float>(), tensor.data<float>() + n);
      break;
    case TensorProto::DOUBLE:
      proto->mutable_double_data()->Add(tensor.data<double>(), tensor.data<double>() + n);
      break;
    case TensorProto::INT64:
      proto->mutable_int64_data()->Add(tensor.data<int64_t>(), tensor.data<int64_t>() + n);
      break;
    case TensorProto::INT32:
      proto->mutable_int32_data()->Add(tensor.data<int32_t>(), tensor.data<int32_t>() + n);
      break;
    case TensorProto::INT16: add_int32(tensor.data<int16_t>()); break;
    case TensorProto::INT8: add_int32(tensor.data<int8_t>()); break;
    case TensorProto::UINT16: add_int32(tensor.data<uint16_t>()); break;
    case TensorProto::UINT8: add_int32(tensor.data<uint8_t>()); break;
    case TensorProto::BOOL: add_int32(tensor.data<bool>()); break;
    case TensorProto::FLOAT16: {
      const float16* h = tensor.data<float16>();
      auto* field = proto->mutable_int32_data();
      field->Reserve(count);
      for (int i = 0; i < count; ++i) field->Add(static_cast<int32_t>(h[i].x));
      break;
    }
    case TensorProto::STRING: {
      const std::string* s = tensor.data<std::string>();
      for (int i = 0; i < count; ++i) proto->add_string_data(s[i]);
      break;
    }
    default:
      CAFFE_THROW("no writer for dtype ", tensor.dtype().name());
  }
}

TensorProto TensorToProto(const Tensor& tensor, const std::string& name) {
  TensorProto proto;
  TensorToProto(tensor, &proto, name);
  return proto;
}

// ---------------------------------------------------------------------------------------------
// BlobProto

BlobProto TensorToBlobProto(const Tensor& tensor, const std::string& name) {
  BlobProto blob;
  blob.set_name(name);
  blob.set_type("Tensor");
  TensorToProto(tensor, blob.mutable_tensor(), name);
  return blob;
}

void TensorFromBlobProto(const BlobProto& blob, Tensor* tensor, const std::string& source) {
  std::string where = Prefix(source);
  if (!blob.name().empty()) where += "blob '" + blob.name() + "': ";
  CAFFE_ENFORCE(blob.type().empty() || blob.type() == "Tensor", where, "the BlobProto holds a '",
                blob.type(), "', not a 'Tensor'; only tensors can be read");
  CAFFE_ENFORCE(blob.has_tensor(), where, "the BlobProto has no tensor field",
                blob.has_content() ? " (it carries opaque 'content' bytes, which only the writer's "
                                     "serializer understands)"
                                   : "");
  TensorFromProto(blob.tensor(), tensor, where.empty() ? "" : where.substr(0, where.size() - 2));
}

std::string SerializeBlob(const Blob& blob, const std::string& name) {
  CAFFE_ENFORCE(blob.IsType<Tensor>(), "blob '", name, "' holds ", blob.TypeName(),
                ", not a tensor; only tensors can be serialized");
  return ProtoToString(TensorToBlobProto(blob.Get<Tensor>(), name), ProtoFormat::kBinary);
}

void DeserializeBlob(const std::string& content, Blob* result, const std::string& source) {
  CAFFE_ENFORCE(result != nullptr, "DeserializeBlob needs a blob");
  BlobProto proto;
  ParseProtoFromString(content, &proto, source);
  Tensor tensor;
  TensorFromBlobProto(proto, &tensor, source);
  *BlobGetMutableTensor(result) = std::move(tensor);
}

// ---------------------------------------------------------------------------------------------
// .npy

namespace {

constexpr char kNpyMagic[] = "\x93NUMPY";
constexpr size_t kNpyMagicLength = 6;

struct NpyDtype {
  TypeMeta meta;
  char kind = 0;          // 'f', 'i', 'u', 'b', 'U', 'S'
  int64_t itemsize = 0;   // bytes per element in the file
  int64_t chars = 0;      // for 'U' and 'S': characters per element
};

// The little parser for the header dict NumPy writes: {'descr': '<f4', 'fortran_order': False,
// 'shape': (2, 3), }.
class NpyHeaderParser {
 public:
  NpyHeaderParser(const std::string& text, const std::string& where) : text_(text), where_(where) {}

  void Parse(std::string* descr, bool* fortran_order, std::vector<int64_t>* shape) {
    bool have_descr = false, have_order = false, have_shape = false;
    Expect('{');
    while (true) {
      SkipSpace();
      if (Peek() == '}') {
        ++pos_;
        break;
      }
      const std::string key = ParseString();
      Expect(':');
      SkipSpace();
      if (key == "descr") {
        if (Peek() == '[') {
          Fail("has a structured dtype (descr is a list of fields), which is not supported; save "
               "each field as its own array");
        }
        *descr = ParseString();
        have_descr = true;
      } else if (key == "fortran_order") {
        *fortran_order = ParseBool();
        have_order = true;
      } else if (key == "shape") {
        *shape = ParseShape();
        have_shape = true;
      } else {
        Fail("has an unexpected header key '" + key + "'");
      }
      SkipSpace();
      if (Peek() == ',') {
        ++pos_;
        continue;
      }
      Expect('}');
      break;
    }
    if (!have_descr || !have_order || !have_shape) {
      Fail("has a header without 'descr', 'fortran_order' and 'shape'");
    }
  }

 private:
  [[noreturn]] void Fail(const std::string& what) {
    CAFFE_THROW(where_, "the .npy file ", what, " (header: ", text_, ")");
  }
  char Peek() const { return pos_ < text_.size() ? text_[pos_] : '\0'; }
  void SkipSpace() {
    while (pos_ < text_.size() && std::isspace(static_cast<unsigned char>(text_[pos_]))) ++pos_;
  }
  void Expect(char c) {
    SkipSpace();
    if (Peek() != c) Fail(std::string("has a malformed header: expected '") + c + "' at offset " +
                          std::to_string(pos_));
    ++pos_;
  }
  std::string ParseString() {
    SkipSpace();
    const char quote = Peek();
    if (quote != '\'' && quote != '"') Fail("has a malformed header: expected a quoted string");
    const size_t end = text_.find(quote, pos_ + 1);
    if (end == std::string::npos) Fail("has a malformed header: unterminated string");
    std::string s = text_.substr(pos_ + 1, end - pos_ - 1);
    pos_ = end + 1;
    return s;
  }
  bool ParseBool() {
    if (text_.compare(pos_, 4, "True") == 0) {
      pos_ += 4;
      return true;
    }
    if (text_.compare(pos_, 5, "False") == 0) {
      pos_ += 5;
      return false;
    }
    Fail("has a malformed header: fortran_order is neither True nor False");
  }
  std::vector<int64_t> ParseShape() {
    std::vector<int64_t> shape;
    Expect('(');
    while (true) {
      SkipSpace();
      if (Peek() == ')') {
        ++pos_;
        return shape;
      }
      if (!std::isdigit(static_cast<unsigned char>(Peek()))) {
        Fail("has a malformed shape: expected a non-negative integer");
      }
      int64_t value = 0;
      while (std::isdigit(static_cast<unsigned char>(Peek()))) {
        if (__builtin_mul_overflow(value, 10, &value) ||
            __builtin_add_overflow(value, Peek() - '0', &value)) {
          Fail("has a shape dim that does not fit 64 bits");
        }
        ++pos_;
      }
      if (Peek() == 'L') ++pos_;  // Python 2 long suffix
      shape.push_back(value);
      SkipSpace();
      if (Peek() == ',') {
        ++pos_;
      } else if (Peek() != ')') {
        Fail("has a malformed shape: expected ',' or ')'");
      }
    }
  }

  const std::string& text_;
  const std::string& where_;
  size_t pos_ = 0;
};

NpyDtype ParseNpyDescr(const std::string& descr, const std::string& where) {
  const std::string supported =
      "supported: <f2 <f4 <f8 |i1 <i2 <i4 <i8 |u1 <u2 |b1, <U<n> (str) and |S<n> (bytes)";
  CAFFE_ENFORCE(descr.size() >= 2, where, "the .npy dtype '", descr, "' is not understood; ", supported);
  const char order = descr[0];
  const char kind = descr[1];
  CAFFE_ENFORCE(order == '<' || order == '>' || order == '|' || order == '=', where, "the .npy dtype '",
                descr, "' is not understood; ", supported);
  if (kind == 'O') {
    CAFFE_THROW(where, "the .npy file holds Python objects (dtype '", descr,
                "'), which cannot be read without running Python; save a numeric or fixed-width "
                "string array instead (for strings: arr.astype(str))");
  }
  int64_t size = 0;
  const std::string digits = descr.substr(2);
  bool digits_ok = !digits.empty() && digits.size() <= 12;
  for (char c : digits) digits_ok = digits_ok && std::isdigit(static_cast<unsigned char>(c));
  CAFFE_ENFORCE(digits_ok, where, "the .npy dtype '", descr, "' is not supported; ", supported);
  size = std::stoll(digits);
  NpyDtype dtype;
  dtype.kind = kind;
  if (kind == 'U' || kind == 'S') {
    // Checked before 4 * size, which must not overflow.
    CAFFE_ENFORCE_LE(size, GetSerializationLimits().max_string_bytes, where, "the .npy dtype '", descr,
                     "' has strings longer than the string limit (caffe2_mask_run --max_string_bytes)");
    dtype.meta = TypeMeta::Make<std::string>();
    dtype.chars = size;
    dtype.itemsize = kind == 'U' ? 4 * size : size;
  } else {
    dtype.itemsize = size;
    const std::string key = std::string(1, kind) + digits;
    if (key == "f2") dtype.meta = TypeMeta::Make<float16>();
    else if (key == "f4") dtype.meta = TypeMeta::Make<float>();
    else if (key == "f8") dtype.meta = TypeMeta::Make<double>();
    else if (key == "i1") dtype.meta = TypeMeta::Make<int8_t>();
    else if (key == "i2") dtype.meta = TypeMeta::Make<int16_t>();
    else if (key == "i4") dtype.meta = TypeMeta::Make<int32_t>();
    else if (key == "i8") dtype.meta = TypeMeta::Make<int64_t>();
    else if (key == "u1") dtype.meta = TypeMeta::Make<uint8_t>();
    else if (key == "u2") dtype.meta = TypeMeta::Make<uint16_t>();
    else if (key == "b1") dtype.meta = TypeMeta::Make<bool>();
    else CAFFE_THROW(where, "the .npy dtype '", descr, "' has no tensor type here; ", supported);
  }
  if (order == '>' && dtype.itemsize > 1 && kind != 'S') {
    CAFFE_THROW(where, "the .npy file is big-endian (dtype '", descr,
                "'); save it little-endian: arr.astype(arr.dtype.newbyteorder('<'))");
  }
  return dtype;
}

uint32_t ReadLE32(const char* p) {
  uint32_t v;
  std::memcpy(&v, p, 4);
  return v;
}

void AppendUtf8(std::string* out, uint32_t cp) {
  if (cp < 0x80) {
    out->push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out->push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out->push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out->push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

// Decodes UTF-8 into code points; false for invalid UTF-8 (overlong, surrogates, > U+10FFFF).
bool DecodeUtf8(const std::string& s, std::vector<uint32_t>* out) {
  out->clear();
  size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    uint32_t cp;
    int extra;
    if (c < 0x80) { cp = c; extra = 0; }
    else if ((c & 0xE0) == 0xC0) { cp = c & 0x1F; extra = 1; }
    else if ((c & 0xF0) == 0xE0) { cp = c & 0x0F; extra = 2; }
    else if ((c & 0xF8) == 0xF0) { cp = c & 0x07; extra = 3; }
    else return false;
    if (i + extra >= s.size()) return false;
    for (int k = 1; k <= extra; ++k) {
      const auto cc = static_cast<unsigned char>(s[i + k]);
      if ((cc & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (cc & 0x3F);
    }
    static const uint32_t kMin[] = {0, 0x80, 0x800, 0x10000};
    if (cp < kMin[extra] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
    out->push_back(cp);
    i += extra + 1;
  }
  return true;
}

const char* NpyDescrFor(TypeMeta meta) {
  if (meta.Match<float>()) return "<f4";
  if (meta.Match<double>()) return "<f8";
  if (meta.Match<float16>()) return "<f2";
  if (meta.Match<int8_t>()) return "|i1";
  if (meta.Match<int16_t>()) return "<i2";
  if (meta.Match<int32_t>()) return "<i4";
  if (meta.Match<int64_t>()) return "<i8";
  if (meta.Match<uint8_t>()) return "|u1";
  if (meta.Match<uint16_t>()) return "<u2";
  if (meta.Match<bool>()) return "|b1";
  return nullptr;
}

}  // namespace

bool IsNpy(const std::string& content) {
  return content.size() >= kNpyMagicLength && content.compare(0, kNpyMagicLength, kNpyMagic) == 0;
}

void TensorFromNpy(const std::string& content, Tensor* tensor, const std::string& source) {
  CAFFE_ENFORCE(tensor != nullptr, "TensorFromNpy needs an output tensor");
  const std::string where = Prefix(source);
  CAFFE_ENFORCE(IsNpy(content), where, "not a .npy file (it does not start with \\x93NUMPY)");
  CAFFE_ENFORCE_GE(content.size(), size_t{10}, where, "the .npy file is truncated inside its preamble");
  const int major = static_cast<unsigned char>(content[6]);
  const int minor = static_cast<unsigned char>(content[7]);
  size_t header_start, header_len;
  if (major == 1) {
    header_start = 10;
    header_len = static_cast<unsigned char>(content[8]) | (static_cast<unsigned char>(content[9]) << 8);
  } else if (major == 2 || major == 3) {
    CAFFE_ENFORCE_GE(content.size(), size_t{12}, where, "the .npy file is truncated inside its preamble");
    header_start = 12;
    header_len = ReadLE32(content.data() + 8);
  } else {
    CAFFE_THROW(where, "the .npy format version ", major, ".", minor,
                " is not supported (supported: 1.0, 2.0, 3.0)");
  }
  CAFFE_ENFORCE(header_len <= content.size() - header_start, where,
                "the .npy file is truncated: its header says ", header_len, " bytes, but only ",
                content.size() - header_start, " follow");
  const std::string header = content.substr(header_start, header_len);
  std::string descr;
  bool fortran_order = false;
  std::vector<int64_t> shape;
  NpyHeaderParser(header, where).Parse(&descr, &fortran_order, &shape);
  const NpyDtype dtype = ParseNpyDescr(descr, where);
  const int64_t numel = WithPrefix(where, [&] { return CheckedNumel(shape, ".npy shape"); });
  if (fortran_order) {
    int big_dims = 0;
    for (int64_t d : shape) big_dims += d > 1;
    CAFFE_ENFORCE(big_dims <= 1, where, "the .npy file is in Fortran (column-major) order, shape ",
                  ShapeString(shape), "; save it in C order: np.save(path, np.ascontiguousarray(arr))");
  }
  int64_t data_bytes = 0;
  CAFFE_ENFORCE(!__builtin_mul_overflow(numel, dtype.itemsize, &data_bytes), where, "the .npy shape ",
                ShapeString(shape), " of '", descr, "' needs more bytes than 64 bits can count");
  const size_t data_start = header_start + header_len;
  const int64_t available = static_cast<int64_t>(content.size() - data_start);
  CAFFE_ENFORCE(available >= data_bytes, where, "the .npy data is truncated: shape ", ShapeString(shape),
                " of '", descr, "' needs ", data_bytes, " bytes, but the file holds ", available);
  CAFFE_ENFORCE(available == data_bytes, where, "the .npy file has ", available - data_bytes,
                " bytes after the data of shape ", ShapeString(shape), " of '", descr,
                "' (several arrays in one file are not supported)");

  Tensor result;
  WithPrefix(where, [&] {
    result.Resize(shape);
    result.raw_mutable_data(dtype.meta);
  });
  const char* data = content.data() + data_start;
  if (numel > 0) {
    void* out = result.raw_mutable_data(dtype.meta);
    if (dtype.kind == 'U' || dtype.kind == 'S') {
      auto* strings = static_cast<std::string*>(out);
      for (int64_t i = 0; i < numel; ++i) {
        const char* item = data + i * dtype.itemsize;
        std::string& s = strings[i];
        if (dtype.kind == 'S') {
          size_t len = static_cast<size_t>(dtype.chars);
          while (len > 0 && item[len - 1] == '\0') --len;
          s.assign(item, len);
        } else {
          int64_t len = dtype.chars;
          while (len > 0 && ReadLE32(item + 4 * (len - 1)) == 0) --len;
          for (int64_t k = 0; k < len; ++k) {
            const uint32_t cp = ReadLE32(item + 4 * k);
            CAFFE_ENFORCE(cp <= 0x10FFFF && (cp < 0xD800 || cp > 0xDFFF), where, "the .npy string ", i,
                          " holds an invalid code point ", cp);
            AppendUtf8(&s, cp);
          }
        }
      }
    } else {
      std::memcpy(out, data, static_cast<size_t>(data_bytes));
      if (dtype.kind == 'b') {
        auto* bytes = static_cast<uint8_t*>(out);
        for (int64_t i = 0; i < numel; ++i) bytes[i] = bytes[i] != 0;
      }
    }
  }
  *tensor = std::move(result);
}

std::string TensorToNpy(const Tensor& tensor) {
  CAFFE_ENFORCE(tensor.dtype().defined(), "tensor ", tensor.DebugString(),
                " has no dtype (it was never written), so it cannot be saved as .npy");
  const int64_t n = tensor.numel();
  std::string descr;
  std::string body;
  if (tensor.IsType<std::string>()) {
    const std::string* strings = tensor.data<std::string>();
    // '<U' (NumPy str) when every string is valid UTF-8 without NUL; otherwise '|S' (bytes).
    bool unicode = true;
    size_t max_chars = 1, max_bytes = 1;
    std::vector<std::vector<uint32_t>> decoded(static_cast<size_t>(n));
    for (int64_t i = 0; i < n; ++i) {
      max_bytes = std::max(max_bytes, strings[i].size());
      if (unicode) {
        unicode = DecodeUtf8(strings[i], &decoded[i]);
        for (uint32_t cp : decoded[i]) unicode = unicode && cp != 0;
        max_chars = std::max(max_chars, decoded[i].size());
      }
    }
    if (unicode) {
      descr = "<U" + std::to_string(max_chars);
      body.assign(static_cast<size_t>(n) * max_chars * 4, '\0');
      for (int64_t i = 0; i < n; ++i) {
        char* item = body.data() + static_cast<size_t>(i) * max_chars * 4;
        for (size_t k = 0; k < decoded[i].size(); ++k) std::memcpy(item + 4 * k, &decoded[i][k], 4);
      }
    } else {
      descr = "|S" + std::to_string(max_bytes);
      body.assign(static_cast<size_t>(n) * max_bytes, '\0');
      for (int64_t i = 0; i < n; ++i) {
        std::memcpy(body.data() + static_cast<size_t>(i) * max_bytes, strings[i].data(), strings[i].size());
      }
    }
  } else {
    const char* d = NpyDescrFor(tensor.dtype());
    CAFFE_ENFORCE(d != nullptr, "dtype ", tensor.dtype().name(), " has no .npy equivalent");
    descr = d;
    body.assign(static_cast<const char*>(tensor.raw_data()), static_cast<size_t>(tensor.nbytes()));
  }
  std::string shape = "(";
  for (size_t i = 0; i < tensor.sizes().size(); ++i) {
    shape += std::to_string(tensor.sizes()[i]);
    shape += tensor.sizes().size() == 1 ? "," : (i + 1 < tensor.sizes().size() ? ", " : "");
  }
  shape += ")";
  std::string header = "{'descr': '" + descr + "', 'fortran_order': False, 'shape': " + shape + ", }";
  // Pad with spaces and a newline so the data starts at a multiple of 64 bytes, as NumPy does.
  size_t preamble = 10;
  size_t total = preamble + header.size() + 1;
  bool v2 = false;
  if (total + (64 - total % 64) % 64 - preamble > 65535) {
    v2 = true;
    preamble = 12;
    total = preamble + header.size() + 1;
  }
  header.append((64 - total % 64) % 64, ' ');
  header.push_back('\n');
  std::string out(kNpyMagic, kNpyMagicLength);
  out.push_back(static_cast<char>(v2 ? 2 : 1));
  out.push_back('\0');
  const uint32_t len = static_cast<uint32_t>(header.size());
  out.push_back(static_cast<char>(len & 0xFF));
  out.push_back(static_cast<char>((len >> 8) & 0xFF));
  if (v2) {
    out.push_back(static_cast<char>((len >> 16) & 0xFF));
    out.push_back(static_cast<char>((len >> 24) & 0xFF));
  }
  out += header;
  out += body;
  return out;
}

// ---------------------------------------------------------------------------------------------
// protobuf messages

const char* ProtoFormatName(ProtoFormat format) {
  return format == ProtoFormat::kText ? "text" : "binary";
}

namespace {

class CollectFirstError : public google::protobuf::io::ErrorCollector {
 public:
  void AddError(int line, google::protobuf::io::ColumnNumber column, const std::string& message) override {
    if (!has_error) {
      has_error = true;
      this->line = line;
      this->column = column;
      this->message = message;
    }
  }
  bool has_error = false;
  int line = 0;
  int column = 0;
  std::string message;
};

struct ParseResult {
  bool ok = false;
  std::string error;      // without the source prefix
  int64_t progress = -1;  // how far text parsing got (line * 1e6 + column), to pick the best error
};

// Text if every byte is printable ASCII, whitespace or part of a UTF-8 sequence.
bool LooksLikeText(const std::string& content) {
  for (unsigned char c : content) {
    if (c >= 0x20 && c != 0x7f) continue;
    if (c == '\n' || c == '\r' || c == '\t' || c == '\f' || c == '\v') continue;
    return false;
  }
  std::vector<uint32_t> unused;
  return DecodeUtf8(content, &unused);
}

ParseResult TryParseText(const std::string& content, google::protobuf::Message* message) {
  google::protobuf::TextFormat::Parser parser;
  CollectFirstError errors;
  parser.RecordErrorsTo(&errors);
  parser.SetRecursionLimit(GetSerializationLimits().max_proto_depth);
  message->Clear();
  ParseResult result;
  result.ok = parser.ParseFromString(content, message);
  if (!result.ok) {
    result.error = errors.has_error
                       ? MakeString("line ", errors.line + 1, ", column ", errors.column + 1, ": ",
                                    errors.message)
                       : std::string("malformed text format");
    result.progress = int64_t{errors.line} * 1000000 + errors.column;
  }
  return result;
}

ParseResult TryParseBinary(const std::string& content, google::protobuf::Message* message) {
  ParseResult result;
  message->Clear();
  const auto& limits = GetSerializationLimits();
  if (content.size() > static_cast<size_t>(INT_MAX)) {
    result.error = MakeString("it is ", content.size(), " bytes, more than protobuf's 2 GiB limit");
    return result;
  }
  google::protobuf::io::CodedInputStream stream(reinterpret_cast<const uint8_t*>(content.data()),
                                               static_cast<int>(content.size()));
  stream.SetRecursionLimit(limits.max_proto_depth);
  stream.SetTotalBytesLimit(INT_MAX);
  if (!message->MergePartialFromCodedStream(&stream) || !stream.ConsumedEntireMessage()) {
    result.error = MakeString("the bytes are not valid binary protobuf for ", message->GetTypeName(),
                              " (or messages nest deeper than the limit of ", limits.max_proto_depth, ")");
    return result;
  }
  if (!message->IsInitialized()) {
    result.error = "required fields are missing: " + message->InitializationErrorString();
    return result;
  }
  result.ok = true;
  return result;
}

bool HasUnknownFields(const google::protobuf::Message& message) {
  const auto* reflection = message.GetReflection();
  if (!reflection->GetUnknownFields(message).empty()) return true;
  std::vector<const google::protobuf::FieldDescriptor*> fields;
  reflection->ListFields(message, &fields);
  for (const auto* field : fields) {
    if (field->cpp_type() != google::protobuf::FieldDescriptor::CPPTYPE_MESSAGE) continue;
    if (field->is_repeated()) {
      for (int i = 0; i < reflection->FieldSize(message, field); ++i) {
        if (HasUnknownFields(reflection->GetRepeatedMessage(message, field, i))) return true;
      }
    } else if (HasUnknownFields(reflection->GetMessage(message, field))) {
      return true;
    }
  }
  return false;
}

}  // namespace

ProtoFormat ParseProtoFromString(const std::string& content, google::protobuf::Message* message,
                                 const std::string& source) {
  CAFFE_ENFORCE(message != nullptr, "ParseProtoFromString needs a message");
  const std::string where = Prefix(source);
  const std::string type = message->GetTypeName();
  if (LooksLikeText(content)) {
    const ParseResult text = TryParseText(content, message);
    if (text.ok) return ProtoFormat::kText;
    // Rarely, a binary message is all printable bytes.
    if (!content.empty() && TryParseBinary(content, message).ok) return ProtoFormat::kBinary;
    message->Clear();
    CAFFE_THROW(where, "cannot parse it as a text-format ", type, ": ", text.error);
  }
  const ParseResult binary = TryParseBinary(content, message);
  if (!binary.ok) {
    message->Clear();
    CAFFE_THROW(where, "cannot parse it as a ", type, ": ", binary.error);
  }
  return ProtoFormat::kBinary;
}

ProtoFormat ReadProtoFromFile(const std::string& path, google::protobuf::Message* message) {
  const std::string content = ReadFileToString(path);
  CAFFE_ENFORCE(!content.empty(), "file '", path, "' is empty; expected a ", message->GetTypeName());
  return ParseProtoFromString(content, message, "file '" + path + "'");
}

std::string ProtoToString(const google::protobuf::Message& message, ProtoFormat format) {
  std::string out;
  if (format == ProtoFormat::kText) {
    CAFFE_ENFORCE(google::protobuf::TextFormat::PrintToString(message, &out), "cannot print ",
                  message.GetTypeName(), " as text");
  } else {
    CAFFE_ENFORCE(message.ByteSizeLong() <= static_cast<size_t>(INT_MAX), message.GetTypeName(), " is ",
                  message.ByteSizeLong(), " bytes, more than protobuf's 2 GiB limit");
    CAFFE_ENFORCE(message.SerializeToString(&out), "cannot serialize ", message.GetTypeName(),
                  " (required fields missing: ", message.InitializationErrorString(), ")");
  }
  return out;
}

void WriteProtoToFile(const google::protobuf::Message& message, const std::string& path,
                      ProtoFormat format) {
  WriteFileAtomically(path, ProtoToString(message, format));
}

// ---------------------------------------------------------------------------------------------
// tensor files

const char* TensorFileFormatName(TensorFileFormat format) {
  switch (format) {
    case TensorFileFormat::kBlobProto: return "BlobProto";
    case TensorFileFormat::kTensorProto: return "TensorProto";
    case TensorFileFormat::kNpy: return "npy";
  }
  return "?";
}

TensorFileInfo TensorFromString(const std::string& content, Tensor* tensor, const std::string& source) {
  const std::string where = Prefix(source);
  TensorFileInfo info;
  CAFFE_ENFORCE(!content.empty(), where,
                "it is empty; expected a BlobProto, a TensorProto (binary or text) or a .npy file");
  if (IsNpy(content)) {
    info.format = TensorFileFormat::kNpy;
    TensorFromNpy(content, tensor, source);
    return info;
  }
  // Protobuf's binary format does not say which message it holds, so each candidate is parsed and
  // must also make a valid tensor; the first that does wins. Text format is unambiguous.
  BlobProto blob;
  TensorProto single;
  TensorProtos several;
  google::protobuf::Message* candidates[] = {&blob, &single, &several};
  ParseResult text_results[3];
  // True when a candidate made a tensor; a conversion error of the first plausible candidate is kept.
  // Binary candidates with unknown fields are tried only after every candidate without them failed:
  // unknown fields tell the candidates apart, but a file from a newer writer may carry some.
  auto attempt = [&](bool as_text, std::string* conversion_error, bool allow_unknown = false) {
    for (int c = 0; c < 3; ++c) {
      google::protobuf::Message* message = candidates[c];
      const ParseResult parse = as_text ? TryParseText(content, message) : TryParseBinary(content, message);
      if (as_text) text_results[c] = parse;
      if (!parse.ok || (!as_text && !allow_unknown && HasUnknownFields(*message))) continue;
      try {
        if (message == &blob) {
          // Without a tensor field it is a BlobProto only if it names a type (a non-tensor blob).
          if (!blob.has_tensor() && blob.type().empty()) continue;
          info.format = TensorFileFormat::kBlobProto;
          info.stored_name = blob.name();
          TensorFromBlobProto(blob, tensor, source);
        } else if (message == &single) {
          info.format = TensorFileFormat::kTensorProto;
          info.stored_name = single.name();
          TensorFromProto(single, tensor, source);
        } else {
          if (several.protos_size() == 0) continue;
          CAFFE_ENFORCE_EQ(several.protos_size(), 1, where, "the TensorProtos holds ", several.protos_size(),
                           " tensors; an input file must hold exactly one");
          info.format = TensorFileFormat::kTensorProto;
          info.stored_name = several.protos(0).name();
          TensorFromProto(several.protos(0), tensor, source);
        }
        info.proto_format = as_text ? ProtoFormat::kText : ProtoFormat::kBinary;
        return true;
      } catch (const EnforceNotMet& e) {
        // In text format the message type is certain, so its error is the answer.
        if (as_text) throw;
        if (conversion_error->empty()) *conversion_error = e.msg();
      }
    }
    return false;
  };
  std::string conversion_error;
  if (LooksLikeText(content)) {
    if (attempt(true, &conversion_error)) return info;
    // Rarely, a binary message is all printable bytes.
    if (attempt(false, &conversion_error)) return info;
    const ParseResult* best = &text_results[0];
    int best_index = 0;
    for (int c = 0; c < 3; ++c) {
      if (text_results[c].ok || text_results[c].progress > best->progress) {
        best = &text_results[c];
        best_index = c;
      }
    }
    if (best->ok) {
      CAFFE_THROW(where, "the text holds no tensor; expected a BlobProto with a tensor field, a "
                         "TensorProto or a .npy file");
    }
    CAFFE_THROW(where, "cannot parse it as a text-format BlobProto or TensorProto: ",
                candidates[best_index]->GetTypeName(), " ", best->error);
  }
  if (attempt(false, &conversion_error)) return info;
  if (attempt(false, &conversion_error, /*allow_unknown=*/true)) return info;
  if (!conversion_error.empty()) CAFFE_THROW(conversion_error);
  CAFFE_THROW(where, "it is neither a .npy file nor a binary or text BlobProto or TensorProto (",
              content.size(), " bytes that do not parse as any of them)");
}

TensorFileInfo ReadTensorFile(const std::string& path, Tensor* tensor) {
  return TensorFromString(ReadFileToString(path), tensor, "file '" + path + "'");
}

std::string TensorToFileContent(const Tensor& tensor, TensorFileFormat format, const std::string& name) {
  switch (format) {
    case TensorFileFormat::kNpy: return TensorToNpy(tensor);
    case TensorFileFormat::kTensorProto: return ProtoToString(TensorToProto(tensor, name), ProtoFormat::kBinary);
    case TensorFileFormat::kBlobProto:
      return ProtoToString(TensorToBlobProto(tensor, name), ProtoFormat::kBinary);
  }
  CAFFE_THROW("unknown tensor file format");
}

void WriteTensorFile(const Tensor& tensor, const std::string& path, TensorFileFormat format,
                     const std::string& name) {
  WriteFileAtomically(path, TensorToFileContent(tensor, format, name));
}

// ---------------------------------------------------------------------------------------------
// files

namespace {
// Closes a file descriptor on scope exit.
struct FdCloser {
  int fd;
  ~FdCloser() {
    if (fd >= 0) ::close(fd);
  }
};
}  // namespace

std::string ReadFileToString(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  CAFFE_ENFORCE(fd >= 0, "cannot open file '", path, "': ", ErrnoText());
  FdCloser closer{fd};
  struct stat st;
  CAFFE_ENFORCE(::fstat(fd, &st) == 0, "cannot stat file '", path, "': ", ErrnoText());
  CAFFE_ENFORCE(!S_ISDIR(st.st_mode), "file '", path, "' is a directory, not a file");
  CAFFE_ENFORCE(S_ISREG(st.st_mode), "file '", path, "' is not a regular file");
  const int64_t limit = GetSerializationLimits().max_file_bytes;
  CAFFE_ENFORCE(st.st_size <= limit, "file '", path, "' is ", st.st_size,
                " bytes, more than the file size limit of ", limit,
                " bytes (caffe2_mask_run --max_file_bytes)");
  std::string content(static_cast<size_t>(st.st_size), '\0');
  size_t done = 0;
  while (done < content.size()) {
    const ssize_t got = ::read(fd, content.data() + done, content.size() - done);
    if (got < 0 && errno == EINTR) continue;
    CAFFE_ENFORCE(got >= 0, "cannot read file '", path, "': ", ErrnoText());
    if (got == 0) break;  // shrank while reading
    done += static_cast<size_t>(got);
  }
  content.resize(done);
  return content;
}

std::string TemporaryPathFor(const std::string& path) {
  static std::atomic<uint64_t> counter{0};
  const auto slash = path.find_last_of('/');
  const std::string dir = slash == std::string::npos ? "" : path.substr(0, slash + 1);
  const std::string base = slash == std::string::npos ? path : path.substr(slash + 1);
  CAFFE_ENFORCE(!base.empty(), "'", path, "' names a directory, not a file");
  return MakeString(dir, ".", base, ".tmp.", ::getpid(), ".", counter++);
}

void WriteNewFileSynced(const std::string& path, const std::string& content) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  CAFFE_ENFORCE(fd >= 0, "cannot create file '", path, "': ", ErrnoText());
  auto fail = [&](const char* what) {
    const std::string reason = ErrnoText();
    ::close(fd);
    ::unlink(path.c_str());
    CAFFE_THROW("cannot ", what, " file '", path, "': ", reason);
  };
  size_t done = 0;
  while (done < content.size()) {
    const ssize_t wrote = ::write(fd, content.data() + done, content.size() - done);
    if (wrote < 0 && errno == EINTR) continue;
    if (wrote <= 0) fail("write");
    done += static_cast<size_t>(wrote);
  }
  if (::fsync(fd) != 0) fail("fsync");
  if (::close(fd) != 0) {
    const std::string reason = ErrnoText();
    ::unlink(path.c_str());
    CAFFE_THROW("cannot close file '", path, "': ", reason);
  }
}

void RenameFile(const std::string& from, const std::string& to) {
  CAFFE_ENFORCE(::rename(from.c_str(), to.c_str()) == 0, "cannot rename '", from, "' to '", to,
                "': ", ErrnoText());
  // Make the rename itself durable.
  const auto slash = to.find_last_of('/');
  const std::string dir = slash == std::string::npos ? "." : (slash == 0 ? "/" : to.substr(0, slash));
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd >= 0) {
    ::fsync(fd);
    ::close(fd);
  }
}

void WriteFileAtomically(const std::string& path, const std::string& content) {
  const std::string temp = TemporaryPathFor(path);
  WriteNewFileSynced(temp, content);
  try {
    RenameFile(temp, path);
  } catch (...) {
    ::unlink(temp.c_str());
    throw;
  }
}

}  // namespace caffe2
