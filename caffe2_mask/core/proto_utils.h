// Building and reading protobuf messages: argument access with type checks, MakeArgument,
// CreateOperatorDef, and reading/writing messages in binary or text format.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "caffe2_mask/base/enforce.h"
#include "proto/caffe2.pb.h"

namespace caffe2 {

// Typed access to an OperatorDef's or NetDef's arguments. Caffe2's rules: a single value lives in its
// field (f for float/double, i for integers and bool, s for strings, n for a net, t for a tensor), a
// list in its repeated field; an integer must fit the asked type exactly; a value in the wrong field
// is an error naming the argument, never a silent default.
class ArgumentHelper {
 public:
  template <typename Def>
  explicit ArgumentHelper(const Def& def) {
    for (const auto& arg : def.arg()) {
      CAFFE_ENFORCE(arguments_.emplace(arg.name(), &arg).second, "argument '", arg.name(),
                    "' is given more than once");
    }
  }

  bool HasArgument(const std::string& name) const { return arguments_.count(name) > 0; }
  template <typename T>
  T GetSingleArgument(const std::string& name, const T& default_value) const;
  // True when the argument is present and holds a value of type T in the right field.
  template <typename T>
  bool HasSingleArgumentOfType(const std::string& name) const;
  template <typename T>
  std::vector<T> GetRepeatedArgument(const std::string& name,
                                     const std::vector<T>& default_value = {}) const;
  const Argument* Find(const std::string& name) const {
    auto it = arguments_.find(name);
    return it == arguments_.end() ? nullptr : it->second;
  }

  template <typename Def, typename T>
  static T GetSingleArgument(const Def& def, const std::string& name, const T& default_value) {
    return ArgumentHelper(def).GetSingleArgument<T>(name, default_value);
  }

 private:
  std::map<std::string, const Argument*> arguments_;
};

// An argument holding one value (MakeArgument("axis", 1)) or a list
// (MakeArgument("shape", std::vector<int64_t>{2, 3})), in the field Caffe2 uses for the type.
template <typename T>
Argument MakeArgument(const std::string& name, const T& value);
template <typename T>
Argument MakeArgument(const std::string& name, const std::vector<T>& values);
Argument MakeArgument(const std::string& name, const char* value);

OperatorDef CreateOperatorDef(const std::string& type, const std::string& name,
                              const std::vector<std::string>& inputs,
                              const std::vector<std::string>& outputs,
                              const std::vector<Argument>& args = {},
                              const DeviceOption& device_option = DeviceOption(),
                              const std::string& engine = "");

// Adds `arg` to `def`, replacing an argument of the same name (so no name is ever duplicated).
void SetArgument(OperatorDef* def, const Argument& arg);

// A message as protobuf text format.
std::string ProtoDebugString(const google::protobuf::Message& message);
// One line: `Type "name" (in1, in2 -> out1)`.
std::string OperatorSummary(const OperatorDef& def);

}  // namespace caffe2
