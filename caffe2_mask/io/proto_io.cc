#include "caffe2_mask/io/proto_io.h"

#include <algorithm>
#include <cctype>
#include <cstring>
#include <limits>
#include <sstream>

#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/tokenizer.h>
#include <google/protobuf/text_format.h>
#include <google/protobuf/wire_format.h>

#include "caffe2_mask/base/enforce.h"
#include "caffe2_mask/io/file_io.h"
#include "caffe2_mask/io/internal/error_prefix.h"
#include "caffe2_mask/io/internal/proto_parse.h"
#include "caffe2_mask/io/internal/utf8.h"
#include "caffe2_mask/io/limits.h"

namespace caffe2 {

using io_internal::DecodeUtf8;
using io_internal::LooksLikeText;
using io_internal::ParseResult;
using io_internal::Prefix;
using io_internal::TryParseBinary;
using io_internal::TryParseText;

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

}  // namespace

namespace io_internal {

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

bool FieldKnown(const google::protobuf::Descriptor* type, int number, int wire_type) {
  using google::protobuf::internal::WireFormat;
  using google::protobuf::internal::WireFormatLite;
  const auto* field = type->FindFieldByNumber(number);
  if (field == nullptr) return false;
  // Repeated numbers may come packed or not, whatever the schema says.
  const bool packable = field->is_repeated() && field->is_packable();
  return wire_type == WireFormat::WireTypeForFieldType(field->type()) ||
         (packable && wire_type == WireFormatLite::WIRETYPE_LENGTH_DELIMITED);
}

bool TopLevelFieldsKnown(const std::string& content, const google::protobuf::Descriptor* type) {
  using google::protobuf::internal::WireFormatLite;
  if (content.size() > static_cast<size_t>(INT_MAX)) return false;
  google::protobuf::io::CodedInputStream stream(reinterpret_cast<const uint8_t*>(content.data()),
                                               static_cast<int>(content.size()));
  for (;;) {
    const uint32_t tag = stream.ReadTag();
    if (tag == 0) return stream.ConsumedEntireMessage();
    if (!FieldKnown(type, WireFormatLite::GetTagFieldNumber(tag), WireFormatLite::GetTagWireType(tag))) return false;
    if (!WireFormatLite::SkipField(&stream, tag)) return false;
  }
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

}  // namespace io_internal

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

ProtoFormat ReadProtoFile(const std::string& path, google::protobuf::Message* message) {
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

}  // namespace caffe2
