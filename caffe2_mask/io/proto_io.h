// Protobuf messages to and from bytes and files, in binary or text format, told apart by content.
#pragma once

#include <string>

#include <google/protobuf/message.h>

namespace caffe2 {

enum class ProtoFormat { kBinary, kText };
const char* ProtoFormatName(ProtoFormat format);

// Parses `content` into `message`, as text format when the content is text (printable UTF-8) and
// text parsing succeeds, otherwise as binary. Unknown fields are kept in binary; in text format they
// are an error (text has no way to keep them). Honours GetSerializationLimits(). Returns the format.
ProtoFormat ParseProtoFromString(const std::string& content, google::protobuf::Message* message,
                                 const std::string& source = "");
ProtoFormat ReadProtoFile(const std::string& path, google::protobuf::Message* message);
std::string ProtoToString(const google::protobuf::Message& message, ProtoFormat format);
// Written atomically (see WriteFileAtomically).
void WriteProtoToFile(const google::protobuf::Message& message, const std::string& path,
                      ProtoFormat format);

}  // namespace caffe2
