// Caffe2's caffe2/utils/proto_utils.h: argument helpers (ArgumentHelper, GetArgument,
// GetMutableArgument, MakeArgument, CreateOperatorDef) and the bool-returning file helpers.
// The runtime's own reader, caffe2::ReadProtoFile (caffe2_mask/io/proto_io.h), throws and returns the
// format it read; ReadProtoFromFile here has Caffe2's meaning and returns bool.
#pragma once

#include <google/protobuf/message.h>

#include "caffe2/core/common.h"
#include "caffe2/proto/caffe2_pb.h"
#include "caffe2_mask/core/proto_utils.h"
#include "caffe2_mask/io/proto_io.h"

namespace caffe2 {

using ::google::protobuf::Message;
using ::google::protobuf::MessageLite;

// The argument `name` of `def`; an absent argument is an error naming it and the def.
const Argument& GetArgument(const OperatorDef& def, const std::string& name);
const Argument& GetArgument(const NetDef& def, const std::string& name);
// The boolean argument `name` (stored in field i), or `default_value` when absent.
bool GetFlagArgument(const OperatorDef& def, const std::string& name, bool default_value = false);
bool GetFlagArgument(const NetDef& def, const std::string& name, bool default_value = false);
// The argument `name` of `def` for editing: added (empty) when missing and create_if_missing,
// otherwise nullptr.
Argument* GetMutableArgument(const std::string& name, bool create_if_missing, OperatorDef* def);
Argument* GetMutableArgument(const std::string& name, bool create_if_missing, NetDef* def);

bool HasInput(const OperatorDef& op, const std::string& input);
bool HasOutput(const OperatorDef& op, const std::string& output);

// Caffe2's file helpers: false (never an exception) when the file cannot be read or parsed.
bool ReadStringFromFile(const char* filename, std::string* str);
bool WriteStringToFile(const std::string& str, const char* filename);
bool ReadProtoFromBinaryFile(const char* filename, MessageLite* proto);
inline bool ReadProtoFromBinaryFile(const std::string& filename, MessageLite* proto) {
  return ReadProtoFromBinaryFile(filename.c_str(), proto);
}
bool ReadProtoFromTextFile(const char* filename, Message* proto);
inline bool ReadProtoFromTextFile(const std::string& filename, Message* proto) {
  return ReadProtoFromTextFile(filename.c_str(), proto);
}
// Binary first, then text, as Caffe2: false when the file cannot be read or parsed either way.
bool ReadProtoFromFile(const char* filename, Message* proto);
inline bool ReadProtoFromFile(const std::string& filename, Message* proto) {
  return ReadProtoFromFile(filename.c_str(), proto);
}
// Writes are atomic; a failure throws unless throwIfError is false (then it is logged).
void WriteProtoToBinaryFile(const MessageLite& proto, const char* filename);
inline void WriteProtoToBinaryFile(const MessageLite& proto, const std::string& filename) {
  WriteProtoToBinaryFile(proto, filename.c_str());
}
void WriteProtoToTextFile(const Message& proto, const char* filename, bool throwIfError = true);
inline void WriteProtoToTextFile(const Message& proto, const std::string& filename, bool throwIfError = true) {
  WriteProtoToTextFile(proto, filename.c_str(), throwIfError);
}

// Caffe2's name of the device type of an option.
inline std::string DeviceTypeName(int32_t type) {
  return DeviceTypeProto_IsValid(type) ? DeviceTypeProto_Name(static_cast<DeviceTypeProto>(type))
                                       : MakeString("device type ", type);
}

}  // namespace caffe2
