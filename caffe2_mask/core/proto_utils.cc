#include "caffe2_mask/core/proto_utils.h"

#include <google/protobuf/text_format.h>

#include <cmath>
#include <limits>
#include <type_traits>

namespace caffe2 {

namespace {
template <typename T>
const char* FieldFor() {
  if constexpr (std::is_same_v<T, std::string>) return "s";
  else if constexpr (std::is_floating_point_v<T>) return "f";
  else if constexpr (std::is_same_v<T, NetDef>) return "n";
  else if constexpr (std::is_same_v<T, TensorProto>) return "t";
  else return "i";
}

template <typename T>
const char* RepeatedFieldFor() {
  if constexpr (std::is_same_v<T, std::string>) return "strings";
  else if constexpr (std::is_floating_point_v<T>) return "floats";
  else if constexpr (std::is_same_v<T, NetDef>) return "nets";
  else if constexpr (std::is_same_v<T, TensorProto>) return "tensors";
  else return "ints";
}

// What is set in the argument, for messages: "i=3", "f=0.5", "s=\"x\"", "ints (2 values)", "nothing".
std::string SetFields(const Argument& arg) {
  std::vector<std::string> fields;
  if (arg.has_f()) fields.push_back(MakeString("f=", arg.f()));
  if (arg.has_i()) fields.push_back(MakeString("i=", arg.i()));
  if (arg.has_s()) fields.push_back(MakeString("s=\"", arg.s(), "\""));
  if (arg.has_n()) fields.push_back("n");
  if (arg.has_t()) fields.push_back("t");
  if (arg.floats_size()) fields.push_back(MakeString("floats (", arg.floats_size(), " values)"));
  if (arg.ints_size()) fields.push_back(MakeString("ints (", arg.ints_size(), " values)"));
  if (arg.strings_size()) fields.push_back(MakeString("strings (", arg.strings_size(), " values)"));
  if (arg.nets_size()) fields.push_back(MakeString("nets (", arg.nets_size(), " values)"));
  if (arg.tensors_size()) fields.push_back(MakeString("tensors (", arg.tensors_size(), " values)"));
  if (fields.empty()) return "no value";
  std::string out;
  for (size_t i = 0; i < fields.size(); ++i) out += (i ? ", " : "") + fields[i];
  return out;
}

template <typename T>
bool SingleFieldSet(const Argument& arg) {
  if constexpr (std::is_same_v<T, std::string>) return arg.has_s();
  else if constexpr (std::is_floating_point_v<T>) return arg.has_f();
  else if constexpr (std::is_same_v<T, NetDef>) return arg.has_n();
  else if constexpr (std::is_same_v<T, TensorProto>) return arg.has_t();
  else return arg.has_i();
}

// Converts an int64 argument value to T, refusing anything that would not survive the conversion.
template <typename T>
T ConvertInteger(int64_t value, const std::string& name) {
  if constexpr (std::is_same_v<T, bool>) {
    CAFFE_ENFORCE(value == 0 || value == 1, "argument '", name, "' is a bool and must be 0 or 1, not ",
                  value);
    return value == 1;
  } else {
    // Compared as int64 (every T but uint64 has its range inside int64's), so negative values are
    // not turned into huge unsigned ones and refused.
    bool fits;
    if constexpr (std::is_unsigned_v<T> && sizeof(T) >= sizeof(int64_t)) {
      fits = value >= 0;
    } else {
      fits = value >= static_cast<int64_t>(std::numeric_limits<T>::min()) &&
             value <= static_cast<int64_t>(std::numeric_limits<T>::max());
    }
    CAFFE_ENFORCE(fits, "argument '", name, "' value ", value, " does not fit ", sizeof(T) * 8, "-bit ",
                  std::is_signed_v<T> ? "signed" : "unsigned", " integer");
    return static_cast<T>(value);
  }
}

template <typename T>
T ReadSingle(const Argument& arg) {
  if constexpr (std::is_same_v<T, std::string>) return arg.s();
  else if constexpr (std::is_floating_point_v<T>) return static_cast<T>(arg.f());
  else if constexpr (std::is_same_v<T, NetDef>) return arg.n();
  else if constexpr (std::is_same_v<T, TensorProto>) return arg.t();
  else return ConvertInteger<T>(arg.i(), arg.name());
}

template <typename T>
std::vector<T> ReadRepeated(const Argument& arg) {
  std::vector<T> values;
  if constexpr (std::is_same_v<T, std::string>) {
    values.assign(arg.strings().begin(), arg.strings().end());
  } else if constexpr (std::is_floating_point_v<T>) {
    for (float f : arg.floats()) values.push_back(static_cast<T>(f));
  } else if constexpr (std::is_same_v<T, NetDef>) {
    values.assign(arg.nets().begin(), arg.nets().end());
  } else if constexpr (std::is_same_v<T, TensorProto>) {
    values.assign(arg.tensors().begin(), arg.tensors().end());
  } else {
    values.reserve(arg.ints_size());
    for (int64_t v : arg.ints()) values.push_back(ConvertInteger<T>(v, arg.name()));
  }
  return values;
}

template <typename T>
bool RepeatedFieldSet(const Argument& arg) {
  if constexpr (std::is_same_v<T, std::string>) return arg.strings_size() > 0;
  else if constexpr (std::is_floating_point_v<T>) return arg.floats_size() > 0;
  else if constexpr (std::is_same_v<T, NetDef>) return arg.nets_size() > 0;
  else if constexpr (std::is_same_v<T, TensorProto>) return arg.tensors_size() > 0;
  else return arg.ints_size() > 0;
}

template <typename T>
void WriteSingle(Argument* arg, const T& value) {
  if constexpr (std::is_same_v<T, std::string>) arg->set_s(value);
  else if constexpr (std::is_floating_point_v<T>) arg->set_f(static_cast<float>(value));
  else if constexpr (std::is_same_v<T, NetDef>) *arg->mutable_n() = value;
  else if constexpr (std::is_same_v<T, TensorProto>) *arg->mutable_t() = value;
  else arg->set_i(static_cast<int64_t>(value));
}

template <typename T>
void WriteRepeated(Argument* arg, const std::vector<T>& values) {
  for (const auto& v : values) {
    if constexpr (std::is_same_v<T, std::string>) arg->add_strings(v);
    else if constexpr (std::is_floating_point_v<T>) arg->add_floats(static_cast<float>(v));
    else if constexpr (std::is_same_v<T, NetDef>) *arg->add_nets() = v;
    else if constexpr (std::is_same_v<T, TensorProto>) *arg->add_tensors() = v;
    else arg->add_ints(static_cast<int64_t>(v));
  }
}
}  // namespace

template <typename T>
T ArgumentHelper::GetSingleArgument(const std::string& name, const T& default_value) const {
  const Argument* arg = Find(name);
  if (arg == nullptr) return default_value;
  if (!SingleFieldSet<T>(*arg)) {
    CAFFE_THROW("argument '", name, "' should hold a single value in field ", FieldFor<T>(),
                ", but it has ", SetFields(*arg));
  }
  return ReadSingle<T>(*arg);
}

template <typename T>
bool ArgumentHelper::HasSingleArgumentOfType(const std::string& name) const {
  const Argument* arg = Find(name);
  return arg != nullptr && SingleFieldSet<T>(*arg);
}

template <typename T>
std::vector<T> ArgumentHelper::GetRepeatedArgument(const std::string& name,
                                                   const std::vector<T>& default_value) const {
  const Argument* arg = Find(name);
  if (arg == nullptr) return default_value;
  // An argument with no field set is an empty list (how a writer stores one).
  if (!RepeatedFieldSet<T>(*arg) && SetFields(*arg) != "no value") {
    CAFFE_THROW("argument '", name, "' should hold a list in field ", RepeatedFieldFor<T>(),
                ", but it has ", SetFields(*arg));
  }
  return ReadRepeated<T>(*arg);
}

template <typename T>
Argument MakeArgument(const std::string& name, const T& value) {
  Argument arg;
  arg.set_name(name);
  WriteSingle(&arg, value);
  return arg;
}

template <typename T>
Argument MakeArgument(const std::string& name, const std::vector<T>& values) {
  Argument arg;
  arg.set_name(name);
  WriteRepeated(&arg, values);
  return arg;
}

Argument MakeArgument(const std::string& name, const char* value) {
  return MakeArgument<std::string>(name, value);
}

#define CAFFE2_MASK_INSTANTIATE_ARGUMENT_TYPE(T)                                                      \
  template T ArgumentHelper::GetSingleArgument<T>(const std::string&, const T&) const;             \
  template bool ArgumentHelper::HasSingleArgumentOfType<T>(const std::string&) const;              \
  template std::vector<T> ArgumentHelper::GetRepeatedArgument<T>(const std::string&,               \
                                                                 const std::vector<T>&) const;     \
  template Argument MakeArgument<T>(const std::string&, const T&);                                 \
  template Argument MakeArgument<T>(const std::string&, const std::vector<T>&);
CAFFE2_MASK_INSTANTIATE_ARGUMENT_TYPE(float)
CAFFE2_MASK_INSTANTIATE_ARGUMENT_TYPE(double)
CAFFE2_MASK_INSTANTIATE_ARGUMENT_TYPE(bool)
CAFFE2_MASK_INSTANTIATE_ARGUMENT_TYPE(int8_t)
CAFFE2_MASK_INSTANTIATE_ARGUMENT_TYPE(int16_t)
CAFFE2_MASK_INSTANTIATE_ARGUMENT_TYPE(int32_t)
CAFFE2_MASK_INSTANTIATE_ARGUMENT_TYPE(int64_t)
CAFFE2_MASK_INSTANTIATE_ARGUMENT_TYPE(uint8_t)
CAFFE2_MASK_INSTANTIATE_ARGUMENT_TYPE(uint16_t)
CAFFE2_MASK_INSTANTIATE_ARGUMENT_TYPE(size_t)
CAFFE2_MASK_INSTANTIATE_ARGUMENT_TYPE(std::string)
CAFFE2_MASK_INSTANTIATE_ARGUMENT_TYPE(NetDef)
CAFFE2_MASK_INSTANTIATE_ARGUMENT_TYPE(TensorProto)
#undef CAFFE2_MASK_INSTANTIATE_ARGUMENT_TYPE

OperatorDef CreateOperatorDef(const std::string& type, const std::string& name,
                              const std::vector<std::string>& inputs,
                              const std::vector<std::string>& outputs, const std::vector<Argument>& args,
                              const DeviceOption& device_option, const std::string& engine) {
  OperatorDef def;
  def.set_type(type);
  if (!name.empty()) def.set_name(name);
  for (const auto& in : inputs) def.add_input(in);
  for (const auto& out : outputs) def.add_output(out);
  for (const auto& arg : args) SetArgument(&def, arg);
  if (device_option.ByteSizeLong() > 0) *def.mutable_device_option() = device_option;
  if (!engine.empty()) def.set_engine(engine);
  return def;
}

void SetArgument(OperatorDef* def, const Argument& arg) {
  for (auto& existing : *def->mutable_arg()) {
    if (existing.name() == arg.name()) {
      existing = arg;
      return;
    }
  }
  *def->add_arg() = arg;
}

std::string ProtoDebugString(const google::protobuf::Message& message) {
  std::string text;
  google::protobuf::TextFormat::PrintToString(message, &text);
  return text;
}

std::string OperatorSummary(const OperatorDef& def) {
  std::string text = def.type().empty() ? std::string("(no type)") : def.type();
  if (!def.name().empty()) text += " \"" + def.name() + "\"";
  text += " (";
  for (int i = 0; i < def.input_size(); ++i) text += (i ? ", " : "") + def.input(i);
  text += " -> ";
  for (int i = 0; i < def.output_size(); ++i) text += (i ? ", " : "") + def.output(i);
  text += ")";
  return text;
}

}  // namespace caffe2
