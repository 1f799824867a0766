#include "caffe2_mask/io/tensor_proto.h"

#include <algorithm>
#include <climits>
#include <cstring>
#include <limits>
#include <type_traits>
#include <vector>

#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/tokenizer.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>
#include <google/protobuf/unknown_field_set.h>
#include <google/protobuf/wire_format_lite.h>

#include "caffe2_mask/base/enforce.h"
#include "caffe2_mask/io/internal/error_prefix.h"
#include "caffe2_mask/io/internal/proto_parse.h"
#include "caffe2_mask/io/limits.h"

namespace caffe2 {

static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__,
              "raw_data is little-endian; a big-endian host needs byte swapping here");

using io_internal::Prefix;
using io_internal::WithPrefix;

namespace {

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

// The field number of a data field, as in caffe2.proto.
int FieldNumber(DataField field) {
  switch (field) {
    case DataField::kFloat: return TensorProto::kFloatDataFieldNumber;
    case DataField::kDouble: return TensorProto::kDoubleDataFieldNumber;
    case DataField::kInt32: return TensorProto::kInt32DataFieldNumber;
    case DataField::kInt64: return TensorProto::kInt64DataFieldNumber;
    case DataField::kString: return TensorProto::kStringDataFieldNumber;
    case DataField::kByte: return TensorProto::kByteDataFieldNumber;
    case DataField::kRaw: return TensorProto::kRawDataFieldNumber;
  }
  return 0;
}

// Number of values (bytes for byte_data and raw_data) each data field of `proto` holds; a field whose
// bytes were left in the file (`payload`) counts those.
int64_t FieldCount(const TensorProto& proto, DataField field, const io_internal::SplicedPayload* payload) {
  if (payload != nullptr && payload->field_number == FieldNumber(field)) return payload->values;
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

// Values of int32_data [first, first + count) into `out` (element 0 of the tensor) for the dtypes stored
// there, range-checked: V is int32_t (a parsed field) or the raw varint (uint64_t, of which an int32
// field keeps the low 32 bits, as protobuf does).
template <typename V>
void StoreInt32Values(int data_type, const V* values, int64_t first, int64_t count, void* out,
                      const std::string& where) {
  auto store = [&](auto* dst, int64_t lo, int64_t hi, const char* type_name) {
    using T = std::remove_pointer_t<decltype(dst)>;
    for (int64_t i = 0; i < count; ++i) {
      const int64_t v = static_cast<int32_t>(values[i]);
      if (v < lo || v > hi) {
        CAFFE_THROW(where, "int32_data[", first + i, "] = ", v, " does not fit ", type_name, " (", lo, " to ", hi,
                    ")");
      }
      dst[first + i] = static_cast<T>(v);
    }
  };
  switch (data_type) {
    case TensorProto::INT32: store(static_cast<int32_t*>(out), INT32_MIN, INT32_MAX, "int32"); break;
    case TensorProto::INT16: store(static_cast<int16_t*>(out), INT16_MIN, INT16_MAX, "int16"); break;
    case TensorProto::INT8: store(static_cast<int8_t*>(out), INT8_MIN, INT8_MAX, "int8"); break;
    case TensorProto::UINT16: store(static_cast<uint16_t*>(out), 0, UINT16_MAX, "uint16"); break;
    case TensorProto::UINT8:
    case TensorProto::BYTE: store(static_cast<uint8_t*>(out), 0, UINT8_MAX, "uint8"); break;
    // The 16 bits of each value; Caffe2 wrote them unsigned, other writers signed.
    case TensorProto::FLOAT16: store(static_cast<uint16_t*>(out), INT16_MIN, UINT16_MAX, "16 float16 bits"); break;
    case TensorProto::BOOL: {
      auto* b = static_cast<bool*>(out);
      for (int64_t i = 0; i < count; ++i) b[first + i] = static_cast<int32_t>(values[i]) != 0;
      break;
    }
    default: CAFFE_THROW(where, "no reader for data_type ", DataTypeName(data_type), " from int32_data");
  }
}

// A data_type number protobuf does not know as a DataType is an error: proto2 keeps it among the
// unknown fields and reads data_type as its default, FLOAT, which would turn the bytes into floats.
void EnforceKnownDataType(int64_t number, const std::string& where) {
  CAFFE_ENFORCE(TensorProto::DataType_IsValid(static_cast<int>(number)) && number == static_cast<int32_t>(number),
                where, "the TensorProto's data_type is ", number,
                ", which is no TensorProto.DataType (0-10, 12, 13)");
}

using google::protobuf::io::CodedInputStream;
using google::protobuf::internal::WireFormatLite;

// Reads dims (field 1, packed or not) and data_type (field 2) of the TensorProto in `stream`, up to its
// current limit, skipping every other field without copying it. False when the bytes are not a
// well-formed TensorProto. Keeps at most `max_dims` dims: one more than the rank limit is enough to
// refuse them, and a file of millions of dims must not become a vector 8 times its size.
bool ScanTensorProto(CodedInputStream* stream, std::vector<int64_t>* dims, int64_t* data_type, size_t max_dims) {
  *data_type = TensorProto::FLOAT;
  auto add_dim = [&]() {
    uint64_t v;
    if (!stream->ReadVarint64(&v)) return false;
    if (dims->size() < max_dims) dims->push_back(static_cast<int64_t>(v));
    return true;
  };
  for (;;) {
    const uint32_t tag = stream->ReadTag();
    if (tag == 0) return stream->ConsumedEntireMessage();
    const int field = WireFormatLite::GetTagFieldNumber(tag);
    const auto wire = WireFormatLite::GetTagWireType(tag);
    if (field == 1 && wire == WireFormatLite::WIRETYPE_VARINT) {
      if (!add_dim()) return false;
    } else if (field == 1 && wire == WireFormatLite::WIRETYPE_LENGTH_DELIMITED) {
      uint32_t length;
      if (!stream->ReadVarint32(&length)) return false;
      const auto limit = stream->PushLimit(static_cast<int>(length));
      while (stream->BytesUntilLimit() > 0) {
        if (!add_dim()) return false;
      }
      stream->PopLimit(limit);
    } else if (field == 2 && wire == WireFormatLite::WIRETYPE_VARINT) {
      uint64_t v;
      if (!stream->ReadVarint64(&v)) return false;
      *data_type = static_cast<int32_t>(v);  // an int32 field, as protobuf reads it
    } else if (!WireFormatLite::SkipField(stream, tag)) {
      return false;
    }
  }
}

// Checks the header of the TensorProto in `stream` (see ScanTensorProto); nothing when it is malformed.
void CheckTensorProtoHeader(CodedInputStream* stream, const std::string& where) {
  std::vector<int64_t> dims;
  int64_t data_type;
  const size_t max_dims = static_cast<size_t>(std::min<int64_t>(GetTensorLimits().max_rank, 1 << 20)) + 1;
  if (!ScanTensorProto(stream, &dims, &data_type, max_dims)) return;
  EnforceKnownDataType(data_type, where);
  const TypeMeta meta = WithPrefix(where, [&] { return DataTypeToTypeMeta(static_cast<int>(data_type)); });
  WithPrefix(where, [&] { CheckTensorLimits(dims, meta, "TensorProto dims"); });
}

// Calls CheckTensorProtoHeader on every length-delimited field `field` of the message in `stream`.
void CheckNestedTensorProtoHeaders(CodedInputStream* stream, int field, const std::string& where) {
  for (;;) {
    const uint32_t tag = stream->ReadTag();
    if (tag == 0) return;
    if (WireFormatLite::GetTagFieldNumber(tag) == field &&
        WireFormatLite::GetTagWireType(tag) == WireFormatLite::WIRETYPE_LENGTH_DELIMITED) {
      uint32_t length;
      if (!stream->ReadVarint32(&length)) return;
      const auto limit = stream->PushLimit(static_cast<int>(length));
      CheckTensorProtoHeader(stream, where);
      // A malformed nested message stops the scan early: skip what is left of it.
      if (stream->BytesUntilLimit() > 0 && !stream->Skip(stream->BytesUntilLimit())) return;
      stream->PopLimit(limit);
    } else if (!WireFormatLite::SkipField(stream, tag)) {
      return;
    }
  }
}

// ---- The same from text format ----

class IgnoreErrors : public google::protobuf::io::ErrorCollector {
 public:
  void AddError(int, google::protobuf::io::ColumnNumber, const std::string&) override {}
};

// Walks text-format `content` token by token (protobuf's Tokenizer, as the text parser reads it), and
// checks the dims and data_type of every message it holds as a tensor: the top level for a
// TensorProto, each `tensor { }` for a BlobProto, each `protos { }` for a TensorProtos. Nothing is
// built but the dims; when the text is not well-formed the walk stops quietly (the parse reports it).
class TextHeaderScan {
  using Tokenizer = google::protobuf::io::Tokenizer;
  using Token = Tokenizer::Token;

 public:
  TextHeaderScan(const std::string& content, io_internal::TensorMessage message, const std::string& where)
      : input_(content.data(), static_cast<int>(content.size())), tokenizer_(&input_, &errors_),
        message_(message), where_(where) {
    tokenizer_.set_comment_style(Tokenizer::SH_COMMENT_STYLE);
    tokenizer_.set_require_space_after_number(false);
    tokenizer_.set_allow_f_after_float(true);
    max_dims_ = static_cast<size_t>(std::min<int64_t>(GetTensorLimits().max_rank, 1 << 20)) + 1;
  }

  void Run() {
    Frame top;
    top.tensor = message_ == io_internal::TensorMessage::kTensorProto;
    frames_.push_back(top);
    Next();
    for (;;) {
      const auto& token = tokenizer_.current();
      if (token.type == Tokenizer::TYPE_END) {
        if (frames_.size() == 1) Finish(frames_.back());
        return;
      }
      if (IsSymbol("}") || IsSymbol(">")) {
        if (frames_.size() == 1) return;
        Finish(frames_.back());
        frames_.pop_back();
        Next();
        continue;
      }
      if (IsSymbol(";") || IsSymbol(",")) {
        Next();
        continue;
      }
      std::string name;
      if (IsSymbol("[")) {  // [extension.name] or [type.googleapis.com/...]: not ours
        while (!IsSymbol("]")) {
          if (tokenizer_.current().type == Tokenizer::TYPE_END) return;
          Next();
        }
      } else if (token.type == Tokenizer::TYPE_IDENTIFIER) {
        name = token.text;
      } else {
        return;
      }
      Next();
      const bool colon = IsSymbol(":");
      if (colon) Next();
      if (IsSymbol("{") || IsSymbol("<")) {
        // A tensor of a BlobProto (`tensor`) or of a TensorProtos (`protos`), at the top level only.
        const bool tensor = frames_.size() == 1 &&
                            ((message_ == io_internal::TensorMessage::kBlobProto && name == "tensor") ||
                             (message_ == io_internal::TensorMessage::kTensorProtos && name == "protos"));
        Frame frame;
        frame.tensor = tensor;
        frames_.push_back(frame);
        Next();
        continue;
      }
      if (!colon) return;
      if (IsSymbol("[")) {
        Next();
        while (!IsSymbol("]")) {
          if (!Value(name)) return;
          if (IsSymbol(",")) Next();
        }
        Next();
      } else if (!Value(name)) {
        return;
      }
    }
  }

 private:
  struct Frame {
    bool tensor = false;
    std::vector<int64_t> dims;
    std::string data_type = "FLOAT";
    bool data_type_negative = false;
  };

  void Next() { tokenizer_.Next(); }
  bool IsSymbol(const char* symbol) {
    const auto& token = tokenizer_.current();
    return token.type == Tokenizer::TYPE_SYMBOL && token.text == symbol;
  }

  // One scalar value of field `name` (a '-' and a number, an identifier, or adjacent strings).
  bool Value(const std::string& name) {
    bool negative = false;
    if (IsSymbol("-")) {
      negative = true;
      Next();
    }
    const Token token = tokenizer_.current();
    if (token.type == Tokenizer::TYPE_STRING) {
      while (tokenizer_.current().type == Tokenizer::TYPE_STRING) Next();
      return true;
    }
    if (token.type != Tokenizer::TYPE_INTEGER && token.type != Tokenizer::TYPE_FLOAT && token.type != Tokenizer::TYPE_IDENTIFIER) {
      return false;
    }
    Next();
    Frame& frame = frames_.back();
    if (!frame.tensor) return true;
    if (name == "dims") {
      uint64_t v;
      if (token.type != Tokenizer::TYPE_INTEGER ||
          !Tokenizer::ParseInteger(token.text, uint64_t{1} << 63, &v)) {
        return false;  // the parse refuses it
      }
      if (frame.dims.size() < max_dims_) frame.dims.push_back(negative ? -static_cast<int64_t>(v) : static_cast<int64_t>(v));
    } else if (name == "data_type") {
      frame.data_type = token.text;
      frame.data_type_negative = negative;
    }
    return true;
  }

  void Finish(const Frame& frame) {
    if (!frame.tensor) return;
    int data_type = 0;
    uint64_t number;
    if (Tokenizer::ParseInteger(frame.data_type, INT32_MAX, &number)) {
      if (frame.data_type_negative || !TensorProto::DataType_IsValid(static_cast<int>(number))) return;
      data_type = static_cast<int>(number);
    } else {
      TensorProto::DataType named;
      if (frame.data_type_negative || !TensorProto::DataType_Parse(frame.data_type, &named)) return;
      data_type = named;
    }
    const TypeMeta meta = WithPrefix(where_, [&] { return DataTypeToTypeMeta(data_type); });
    WithPrefix(where_, [&] { CheckTensorLimits(frame.dims, meta, "TensorProto dims"); });
  }

  google::protobuf::io::ArrayInputStream input_;
  IgnoreErrors errors_;
  Tokenizer tokenizer_;
  io_internal::TensorMessage message_;
  const std::string& where_;
  size_t max_dims_;
  std::vector<Frame> frames_;
};

}  // namespace

namespace io_internal {

void CheckTensorHeaders(const std::string& content, TensorMessage message, const std::string& where) {
  if (content.size() > static_cast<size_t>(INT_MAX)) return;  // the parse refuses it
  CodedInputStream stream(reinterpret_cast<const uint8_t*>(content.data()), static_cast<int>(content.size()));
  stream.SetRecursionLimit(GetSerializationLimits().max_proto_depth);
  switch (message) {
    case TensorMessage::kTensorProto: CheckTensorProtoHeader(&stream, where); break;
    case TensorMessage::kBlobProto: CheckNestedTensorProtoHeaders(&stream, 3, where); break;      // tensor
    case TensorMessage::kTensorProtos: CheckNestedTensorProtoHeaders(&stream, 1, where); break;  // protos
  }
}

void CheckTextTensorHeaders(const std::string& content, TensorMessage message, const std::string& where) {
  if (content.size() > static_cast<size_t>(INT_MAX)) return;  // the parse refuses it
  TextHeaderScan(content, message, where).Run();
}

}  // namespace io_internal

void TensorFromProto(const TensorProto& proto, Tensor* tensor, const std::string& source) {
  io_internal::TensorFromProtoWithPayload(proto, nullptr, tensor, source);
}

namespace io_internal {

void TensorFromProtoWithPayload(const TensorProto& proto, const SplicedPayload* payload, Tensor* tensor,
                                const std::string& source) {
  CAFFE_ENFORCE(tensor != nullptr, "TensorFromProto needs an output tensor");
  std::string where = Prefix(source);
  if (proto.has_name() && !proto.name().empty()) where += "tensor '" + proto.name() + "': ";
  const auto& unknown = proto.unknown_fields();
  for (int i = 0; i < unknown.field_count(); ++i) {
    const auto& f = unknown.field(i);
    if (f.number() == 2 && f.type() == google::protobuf::UnknownField::TYPE_VARINT) {
      EnforceKnownDataType(static_cast<int64_t>(f.varint()), where);
    }
  }
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
    if (FieldCount(proto, f, payload) > 0) present.push_back(f);
  }
  std::string accepted = FieldName(typed);
  if (byte_ok && typed != DataField::kByte) accepted += ", byte_data";
  if (byte_ok && typed == DataField::kByte) accepted += ", int32_data";
  if (!is_string) accepted += " or raw_data";
  for (DataField f : present) {
    const bool ok = f == typed || (f == DataField::kRaw && !is_string) ||
                    (byte_ok && (f == DataField::kByte || f == DataField::kInt32));
    CAFFE_ENFORCE(ok, where, "a ", DataTypeName(data_type), " TensorProto carries its values in ",
                  accepted, ", but ", FieldName(f), " holds ", FieldCount(proto, f, payload),
                  f == DataField::kRaw || f == DataField::kByte ? " bytes" : " values");
  }
  if (present.size() > 1) {
    CAFFE_THROW(where, "the TensorProto has values in both ", FieldName(present[0]), " and ",
                FieldName(present[1]), "; exactly one field may carry them");
  }
  const DataField field = present.empty() ? typed : present[0];
  const int64_t itemsize = static_cast<int64_t>(meta.itemsize());
  if (field == DataField::kRaw) {
    const int64_t bytes = FieldCount(proto, field, payload);
    CAFFE_ENFORCE(bytes % itemsize == 0 && bytes / itemsize == numel, where, "dims ", ShapeString(dims),
                  " need ", numel, " ", meta.name(), " values (", numel, " x ", itemsize,
                  " bytes), but raw_data holds ", bytes, " bytes");
  } else {
    const int64_t count = FieldCount(proto, field, payload);
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
  if (payload != nullptr && payload->field_number == FieldNumber(field) && payload->varints) {
    // Packed varints, decoded from the file chunk by chunk straight into the tensor.
    payload->read_varints([&](const uint64_t* values, int64_t first, int64_t count) {
      if (field == DataField::kInt64) {
        auto* dst = static_cast<int64_t*>(out);
        for (int64_t i = 0; i < count; ++i) dst[first + i] = static_cast<int64_t>(values[i]);
      } else {
        StoreInt32Values(data_type, values, first, count, out, where);
      }
    });
  } else if (payload != nullptr && payload->field_number == FieldNumber(field)) {
    // The values' bytes, straight from the file into the tensor (float and double: little-endian, as
    // in memory; checked above to be exactly numel values).
    payload->read(out);
  } else if (field == DataField::kRaw) {
    std::memcpy(out, proto.raw_data().data(), proto.raw_data().size());
  } else if (field == DataField::kByte) {
    std::memcpy(out, proto.byte_data().data(), proto.byte_data().size());
  } else if (field == DataField::kInt32) {
    StoreInt32Values(data_type, proto.int32_data().data(), 0, numel, out, where);
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

}  // namespace io_internal

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
  const int data_type = DataTypeOf(tensor.dtype());
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

namespace {

// ---- Writing the wire format straight from a tensor ----
// The bytes protobuf's serializer makes for TensorToProto / TensorToBlobProto (fields in number order,
// packed repeated fields, int32 values sign-extended to 64-bit varints), produced piece by piece:
// fixed-width values (float, double) go from the tensor's buffer to the sink as they are; varints and
// strings through a 64 KiB buffer. One routine serves both the size pass (Counter) and the bytes
// pass (Emitter), so the length prefixes always match what is written.

using google::protobuf::io::CodedOutputStream;
constexpr size_t kMaxVarint64Bytes = 10;  // 64 bits, 7 a byte

// The varint of an int32 field: negative values are sign-extended to 64 bits (10 bytes), as protobuf does.
uint64_t Int32Varint(int32_t v) { return static_cast<uint64_t>(static_cast<int64_t>(v)); }

class Counter {
 public:
  void Varint(uint64_t v) { bytes_ += CodedOutputStream::VarintSize64(v); }
  void Raw(const void*, size_t n) { bytes_ += n; }
  int64_t bytes() const { return static_cast<int64_t>(bytes_); }

 private:
  size_t bytes_ = 0;
};

class Emitter {
 public:
  explicit Emitter(const ByteSink& sink) : sink_(sink) {}
  ~Emitter() = default;
  void Varint(uint64_t v) {
    if (buffer_.size() - used_ < kMaxVarint64Bytes) Flush();
    uint8_t* at = reinterpret_cast<uint8_t*>(buffer_.data() + used_);
    used_ += CodedOutputStream::WriteVarint64ToArray(v, at) - at;
  }
  void Raw(const void* data, size_t n) {
    if (n > buffer_.size() / 2) {
      Flush();
      sink_(static_cast<const char*>(data), n);
      return;
    }
    if (buffer_.size() - used_ < n) Flush();
    std::memcpy(buffer_.data() + used_, data, n);
    used_ += n;
  }
  void Flush() {
    if (used_ > 0) sink_(buffer_.data(), used_);
    used_ = 0;
  }

 private:
  const ByteSink& sink_;
  std::vector<char> buffer_ = std::vector<char>(size_t{1} << 16);
  size_t used_ = 0;
};

enum WireType : uint32_t { kVarint = 0, kFixed64 = 1, kLengthDelimited = 2, kFixed32 = 5 };

template <typename Out>
void Tag(Out& out, uint32_t field, WireType type) {
  out.Varint((field << 3) | type);
}

template <typename Out>
void Bytes(Out& out, uint32_t field, const void* data, size_t n) {
  Tag(out, field, kLengthDelimited);
  out.Varint(n);
  out.Raw(data, n);
}

// A packed field of varints; `value(i)` is the varint of element i.
template <typename Out, typename ValueOf>
void PackedVarints(Out& out, uint32_t field, int64_t n, ValueOf value) {
  if (n == 0) return;
  Counter size;
  for (int64_t i = 0; i < n; ++i) size.Varint(value(i));
  Tag(out, field, kLengthDelimited);
  out.Varint(static_cast<uint64_t>(size.bytes()));
  for (int64_t i = 0; i < n; ++i) out.Varint(value(i));
}

template <typename Out>
void EncodeTensorProto(const Tensor& tensor, const std::string& name, Out& out) {
  const int data_type = DataTypeOf(tensor.dtype());
  for (int64_t d : tensor.sizes()) {
    Tag(out, 1, kVarint);
    out.Varint(static_cast<uint64_t>(d));
  }
  Tag(out, 2, kVarint);
  out.Varint(Int32Varint(data_type));
  const int64_t n = tensor.numel();
  auto packed_int32 = [&](auto* data) {
    PackedVarints(out, 4, n, [&](int64_t i) { return Int32Varint(static_cast<int32_t>(data[i])); });
  };
  // Fields 3 to 6 come before name (7), fields 9 and 10 after it.
  if (n > 0) {
    switch (data_type) {
      case TensorProto::FLOAT: Bytes(out, 3, tensor.raw_data(), static_cast<size_t>(tensor.nbytes())); break;
      case TensorProto::INT32: packed_int32(tensor.data<int32_t>()); break;
      case TensorProto::INT16: packed_int32(tensor.data<int16_t>()); break;
      case TensorProto::INT8: packed_int32(tensor.data<int8_t>()); break;
      case TensorProto::UINT16: packed_int32(tensor.data<uint16_t>()); break;
      case TensorProto::UINT8: packed_int32(tensor.data<uint8_t>()); break;
      case TensorProto::BOOL: packed_int32(tensor.data<bool>()); break;
      case TensorProto::FLOAT16: {
        const float16* h = tensor.data<float16>();
        PackedVarints(out, 4, n, [&](int64_t i) { return Int32Varint(static_cast<int32_t>(h[i].x)); });
        break;
      }
      case TensorProto::STRING: {
        const std::string* strings = tensor.data<std::string>();
        for (int64_t i = 0; i < n; ++i) Bytes(out, 6, strings[i].data(), strings[i].size());
        break;
      }
      case TensorProto::DOUBLE:
      case TensorProto::INT64: break;
      default: CAFFE_THROW("no writer for dtype ", tensor.dtype().name());
    }
  }
  if (!name.empty()) Bytes(out, 7, name.data(), name.size());
  if (n > 0 && data_type == TensorProto::DOUBLE) {
    Bytes(out, 9, tensor.raw_data(), static_cast<size_t>(tensor.nbytes()));
  } else if (n > 0 && data_type == TensorProto::INT64) {
    const int64_t* values = tensor.data<int64_t>();
    PackedVarints(out, 10, n, [&](int64_t i) { return static_cast<uint64_t>(values[i]); });
  }
}

void CheckSerializable(const Tensor& tensor) {
  CAFFE_ENFORCE(tensor.dtype().defined(), "tensor ", tensor.DebugString(),
                " has no dtype (it was never written), so it cannot be serialized");
  CAFFE_ENFORCE_LE(tensor.numel(), std::numeric_limits<int>::max(), "tensor ", tensor.DebugString(),
                   " has more elements than a TensorProto repeated field can hold");
}

void EnforceWithinProtobufLimit(int64_t bytes, const char* type) {
  CAFFE_ENFORCE_LE(bytes, int64_t{INT_MAX}, type, " is ", bytes, " bytes, more than protobuf's 2 GiB limit");
}

}  // namespace

int64_t TensorProtoByteSize(const Tensor& tensor, const std::string& name) {
  CheckSerializable(tensor);
  Counter counter;
  EncodeTensorProto(tensor, name, counter);
  return counter.bytes();
}

void WriteTensorProto(const Tensor& tensor, const std::string& name, const ByteSink& sink) {
  const int64_t size = TensorProtoByteSize(tensor, name);
  EnforceWithinProtobufLimit(size, "caffe2.TensorProto");
  Emitter out(sink);
  EncodeTensorProto(tensor, name, out);
  out.Flush();
}

void WriteBlobProto(const Tensor& tensor, const std::string& name, const ByteSink& sink) {
  // BlobProto {name = 1 (always present, as TensorToBlobProto sets it), type = 2 "Tensor", tensor = 3}.
  const int64_t tensor_size = TensorProtoByteSize(tensor, name);
  static constexpr char kType[] = "Tensor";
  Counter head;
  Bytes(head, 1, name.data(), name.size());
  Bytes(head, 2, kType, sizeof kType - 1);
  Tag(head, 3, kLengthDelimited);
  head.Varint(static_cast<uint64_t>(tensor_size));
  EnforceWithinProtobufLimit(head.bytes() + tensor_size, "caffe2.BlobProto");
  Emitter out(sink);
  Bytes(out, 1, name.data(), name.size());
  Bytes(out, 2, kType, sizeof kType - 1);
  Tag(out, 3, kLengthDelimited);
  out.Varint(static_cast<uint64_t>(tensor_size));
  EncodeTensorProto(tensor, name, out);
  out.Flush();
}

}  // namespace caffe2
