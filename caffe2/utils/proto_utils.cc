#include "caffe2/utils/proto_utils.h"

#include <fstream>
#include <sstream>

#include <glog/logging.h>
#include <google/protobuf/text_format.h>

#include "caffe2_mask/io/file_io.h"

namespace caffe2 {

namespace {
template <typename Def>
const Argument& FindArgument(const Def& def, const std::string& name, const std::string& who) {
  for (const auto& arg : def.arg()) {
    if (arg.name() == name) return arg;
  }
  CAFFE_THROW("argument named '", name, "' does not exist in ", who);
}

template <typename Def>
Argument* FindMutableArgument(const std::string& name, bool create_if_missing, Def* def) {
  for (auto& arg : *def->mutable_arg()) {
    if (arg.name() == name) return &arg;
  }
  if (!create_if_missing) return nullptr;
  Argument* arg = def->add_arg();
  arg->set_name(name);
  return arg;
}

// Caffe2 stores bools in field i.
template <typename Def>
bool FlagArgument(const Def& def, const std::string& name, bool default_value) {
  for (const auto& arg : def.arg()) {
    if (arg.name() != name) continue;
    CAFFE_ENFORCE(arg.has_i(), "boolean argument '", name, "' must be stored in field i");
    return arg.i() != 0;
  }
  return default_value;
}
}  // namespace

const Argument& GetArgument(const OperatorDef& def, const std::string& name) {
  return FindArgument(def, name, MakeString("operator ", OperatorSummary(def)));
}
const Argument& GetArgument(const NetDef& def, const std::string& name) {
  return FindArgument(def, name, MakeString("net '", def.name(), "'"));
}
bool GetFlagArgument(const OperatorDef& def, const std::string& name, bool default_value) {
  return FlagArgument(def, name, default_value);
}
bool GetFlagArgument(const NetDef& def, const std::string& name, bool default_value) {
  return FlagArgument(def, name, default_value);
}
Argument* GetMutableArgument(const std::string& name, bool create_if_missing, OperatorDef* def) {
  return FindMutableArgument(name, create_if_missing, def);
}
Argument* GetMutableArgument(const std::string& name, bool create_if_missing, NetDef* def) {
  return FindMutableArgument(name, create_if_missing, def);
}

bool HasInput(const OperatorDef& op, const std::string& input) {
  for (const auto& name : op.input()) {
    if (name == input) return true;
  }
  return false;
}
bool HasOutput(const OperatorDef& op, const std::string& output) {
  for (const auto& name : op.output()) {
    if (name == output) return true;
  }
  return false;
}

bool ReadStringFromFile(const char* filename, std::string* str) {
  try {
    *str = ReadFileToString(filename);
    return true;
  } catch (const EnforceNotMet&) {
    return false;
  }
}

bool WriteStringToFile(const std::string& str, const char* filename) {
  try {
    WriteFileAtomically(filename, str);
    return true;
  } catch (const EnforceNotMet&) {
    return false;
  }
}

bool ReadProtoFromBinaryFile(const char* filename, MessageLite* proto) {
  std::string content;
  if (!ReadStringFromFile(filename, &content)) return false;
  return proto->ParseFromString(content);
}

bool ReadProtoFromTextFile(const char* filename, Message* proto) {
  std::string content;
  if (!ReadStringFromFile(filename, &content)) return false;
  return google::protobuf::TextFormat::ParseFromString(content, proto);
}

bool ReadProtoFromFile(const char* filename, Message* proto) {
  return ReadProtoFromBinaryFile(filename, proto) || ReadProtoFromTextFile(filename, proto);
}

void WriteProtoToBinaryFile(const MessageLite& proto, const char* filename) {
  std::string content;
  CAFFE_ENFORCE(proto.SerializeToString(&content), "cannot serialize a ", proto.GetTypeName(), " for '",
                filename, "'");
  WriteFileAtomically(filename, content);
}

void WriteProtoToTextFile(const Message& proto, const char* filename, bool throwIfError) {
  std::string content;
  try {
    CAFFE_ENFORCE(google::protobuf::TextFormat::PrintToString(proto, &content), "cannot print a ",
                  proto.GetTypeName(), " as text for '", filename, "'");
    WriteFileAtomically(filename, content);
  } catch (const EnforceNotMet& error) {
    if (throwIfError) throw;
    LOG(ERROR) << "WriteProtoToTextFile: " << error.what();
  }
}

}  // namespace caffe2
