#include "caffe2_mask/io/tensor_proto.h"

#include <algorithm>
#include <climits>
#include <cstring>
#include <limits>
#include <vector>

#include <google/protobuf/io/coded_stream.h>
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

}  // namespace io_internal

void TensorFromProto(const TensorProto& proto, Tensor* tensor, const std::string& source) {
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

}  // namespace caffe2
