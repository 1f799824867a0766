#include "registry/operator_schema.h"

#include <map>
#include <mutex>
#include <memory>
#include <sstream>

namespace caffe2 {

namespace {
std::string SetText(const std::set<int>& values) {
  std::ostringstream out;
  out << "one of {";
  bool first = true;
  for (int v : values) {
    out << (first ? "" : ", ") << v;
    first = false;
  }
  out << "}";
  return out.str();
}

std::string RangeText(int min, int max) {
  if (min == max) return std::to_string(min);
  if (max == std::numeric_limits<int>::max()) return MakeString("at least ", min);
  return MakeString(min, " to ", max);
}
}  // namespace

OpSchema::OpSchema(std::string name, std::string file, int line)
    : name_(std::move(name)), file_(std::move(file)), line_(line) {}

OpSchema& OpSchema::NumInputs(int n) { return NumInputs(n, n); }
OpSchema& OpSchema::NumInputs(int min, int max) {
  num_inputs_ok_ = [min, max](int n) { return n >= min && n <= max; };
  input_count_text_ = RangeText(min, max);
  return *this;
}
OpSchema& OpSchema::NumInputs(std::set<int> allowed) {
  input_count_text_ = SetText(allowed);
  num_inputs_ok_ = [allowed = std::move(allowed)](int n) { return allowed.count(n) > 0; };
  return *this;
}
OpSchema& OpSchema::NumInputs(std::function<bool(int)> allowed) {
  num_inputs_ok_ = std::move(allowed);
  input_count_text_ = "as documented";
  return *this;
}
OpSchema& OpSchema::NumOutputs(int n) { return NumOutputs(n, n); }
OpSchema& OpSchema::NumOutputs(int min, int max) {
  num_outputs_ok_ = [min, max](int n) { return n >= min && n <= max; };
  output_count_text_ = RangeText(min, max);
  return *this;
}
OpSchema& OpSchema::NumOutputs(std::set<int> allowed) {
  output_count_text_ = SetText(allowed);
  num_outputs_ok_ = [allowed = std::move(allowed)](int n) { return allowed.count(n) > 0; };
  return *this;
}
OpSchema& OpSchema::NumOutputs(std::function<bool(int)> allowed) {
  num_outputs_ok_ = std::move(allowed);
  output_count_text_ = "as documented";
  return *this;
}
OpSchema& OpSchema::NumInputsOutputs(std::function<bool(int, int)> allowed) {
  num_inputs_outputs_ok_ = std::move(allowed);
  return *this;
}
OpSchema& OpSchema::AllowInplace(std::set<std::pair<int, int>> pairs) {
  inplace_allowed_ = [pairs = std::move(pairs)](int in, int out) { return pairs.count({in, out}) > 0; };
  return *this;
}
OpSchema& OpSchema::AllowInplace(std::function<bool(int, int)> allowed) {
  inplace_allowed_ = std::move(allowed);
  return *this;
}
OpSchema& OpSchema::AllowOneToOneInplace() {
  return AllowInplace([](int in, int out) { return in == out; });
}

OpSchema& OpSchema::EnforceInplace(std::set<std::pair<int, int>> pairs) {
  return EnforceInplace([pairs = std::move(pairs)](int in, int out) { return pairs.count({in, out}) > 0; });
}
OpSchema& OpSchema::EnforceInplace(std::function<bool(int, int)> enforced) {
  inplace_enforced_ = enforced;
  inplace_allowed_ = std::move(enforced);
  return *this;
}
OpSchema& OpSchema::EnforceOneToOneInplace() {
  return EnforceInplace([](int in, int out) { return in == out; });
}

OpSchema& OpSchema::SetDoc(std::string doc) {
  doc_ = std::move(doc);
  return *this;
}
OpSchema& OpSchema::Input(int index, std::string name, std::string description) {
  if (static_cast<int>(input_docs_.size()) <= index) input_docs_.resize(index + 1);
  input_docs_[index] = {std::move(name), std::move(description)};
  return *this;
}
OpSchema& OpSchema::Output(int index, std::string name, std::string description) {
  if (static_cast<int>(output_docs_.size()) <= index) output_docs_.resize(index + 1);
  output_docs_[index] = {std::move(name), std::move(description)};
  return *this;
}
OpSchema& OpSchema::Arg(std::string name, std::string description, bool required) {
  args_.push_back({std::move(name), std::move(description), required});
  return *this;
}
OpSchema& OpSchema::TensorInferenceFunction(ShapeInference function) {
  shape_inference_ = std::move(function);
  return *this;
}
OpSchema& OpSchema::IdenticalTypeAndShape() {
  return TensorInferenceFunction([](const OperatorDef&, const std::vector<TensorShape>& in) {
    return std::vector<TensorShape>(in.empty() ? 0 : 1, in.empty() ? TensorShape() : in[0]);
  });
}
OpSchema& OpSchema::IdenticalTypeAndShapeOfInput(int index) {
  return TensorInferenceFunction([index](const OperatorDef&, const std::vector<TensorShape>& in) {
    std::vector<TensorShape> out(1);
    if (index < static_cast<int>(in.size())) {
      out[0] = in[index];
    } else {
      out[0].set_unknown_shape(true);
    }
    return out;
  });
}

OpSchema& OpSchema::IdenticalTypeAndShapeOfInputDim(int index, int dim) {
  return TensorInferenceFunction([index, dim](const OperatorDef&, const std::vector<TensorShape>& in) {
    std::vector<TensorShape> out(1);
    if (index < static_cast<int>(in.size()) && !in[index].unknown_shape() && dim < in[index].dims_size()) {
      out[0].set_data_type(in[index].data_type());
      out[0].add_dims(in[index].dims(dim));
    } else {
      out[0].set_unknown_shape(true);
    }
    return out;
  });
}
OpSchema& OpSchema::IdenticalTypeAndShapeOfMultipleInputs(const std::vector<int>& indices) {
  return TensorInferenceFunction([indices](const OperatorDef&, const std::vector<TensorShape>& in) {
    std::vector<TensorShape> out(indices.size());
    for (size_t i = 0; i < indices.size(); ++i) {
      if (indices[i] < static_cast<int>(in.size())) {
        out[i] = in[indices[i]];
      } else {
        out[i].set_unknown_shape(true);
      }
    }
    return out;
  });
}
OpSchema& OpSchema::ScalarType(TensorProto::DataType data_type) {
  return TensorInferenceFunction([data_type](const OperatorDef& def, const std::vector<TensorShape>&) {
    TensorShape scalar;
    scalar.set_data_type(data_type);
    return std::vector<TensorShape>(def.output_size(), scalar);
  });
}
OpSchema& OpSchema::CostInferenceFunction(CostInferenceFunctionType function) {
  cost_inference_ = std::move(function);
  return *this;
}
OpSchema::Cost OpSchema::InferCost(const OperatorDef& def, const std::vector<TensorShape>& input_shapes) const {
  CAFFE_ENFORCE(cost_inference_, "operator ", name_, " has no cost inference function");
  return cost_inference_(def, input_shapes);
}
OpSchema& OpSchema::DeviceInferenceFunction(DeviceInferenceFunctionType function) {
  device_inference_ = std::move(function);
  return *this;
}
std::pair<std::vector<DeviceOption>, std::vector<DeviceOption>> OpSchema::InferDevice(
    const OperatorDef& def) const {
  if (device_inference_) return device_inference_(def);
  const DeviceOption device = def.has_device_option() ? def.device_option() : DeviceOption();
  return {std::vector<DeviceOption>(def.input_size(), device),
          std::vector<DeviceOption>(def.output_size(), device)};
}
OpSchema& OpSchema::InheritOnnxSchema(const std::string& onnx_schema_name) {
  onnx_schema_ = onnx_schema_name;
  return *this;
}
OpSchema& OpSchema::Private() {
  private_ = true;
  return *this;
}

std::vector<std::string> OpSchema::Problems(const OperatorDef& def) const {
  std::vector<std::string> problems;
  const int inputs = def.input_size();
  const int outputs = def.output_size();
  if (!num_inputs_ok_(inputs)) {
    problems.push_back(MakeString(name_, " takes ", input_count_text_, " input(s), but the def has ",
                                  inputs));
  }
  if (!num_outputs_ok_(outputs)) {
    problems.push_back(MakeString(name_, " takes ", output_count_text_,
                                  " output(s), but the def has ", outputs));
  }
  if (num_inputs_outputs_ok_ && !num_inputs_outputs_ok_(inputs, outputs)) {
    problems.push_back(MakeString(name_, " does not take ", inputs, " input(s) with ", outputs,
                                  " output(s)"));
  }
  for (int in = 0; in < inputs; ++in) {
    for (int out = 0; out < outputs; ++out) {
      if (def.input(in) == def.output(out) && !inplace_allowed_(in, out)) {
        problems.push_back(MakeString(name_, " cannot run in place: input ", in, " and output ", out,
                                      " are both blob '", def.input(in), "'"));
      }
      if (def.input(in) != def.output(out) && inplace_enforced_(in, out)) {
        problems.push_back(MakeString(name_, " runs in place only: output ", out, " must be blob '",
                                      def.input(in), "' (input ", in, "), not '", def.output(out), "'"));
      }
    }
  }
  std::set<std::string> seen;
  for (const auto& arg : def.arg()) {
    if (!seen.insert(arg.name()).second) {
      problems.push_back(MakeString(name_, " has argument '", arg.name(), "' more than once"));
    }
  }
  for (const auto& arg : args_) {
    if (arg.required && seen.count(arg.name) == 0) {
      problems.push_back(MakeString(name_, " needs argument '", arg.name, "': ", arg.description));
    }
  }
  return problems;
}

void OpSchema::EnforceValid(const OperatorDef& def) const {
  const auto problems = Problems(def);
  if (problems.empty()) return;
  std::ostringstream out;
  for (size_t i = 0; i < problems.size(); ++i) out << (i ? "; " : "") << problems[i];
  CAFFE_THROW(out.str());
}

std::vector<TensorShape> OpSchema::InferTensor(const OperatorDef& def,
                                               const std::vector<TensorShape>& input_shapes) const {
  if (shape_inference_) return shape_inference_(def, input_shapes);
  std::vector<TensorShape> unknown(def.output_size());
  for (auto& shape : unknown) shape.set_unknown_shape(true);
  return unknown;
}

std::string OpSchema::Summary() const {
  // The first sentence ends at a period followed by white space (not at "0.5" or "e.g."-style dots
  // inside a word), or at the first blank line.
  size_t end = std::string::npos;
  for (size_t i = 0; i < doc_.size(); ++i) {
    if (doc_[i] == '\n' && i + 1 < doc_.size() && doc_[i + 1] == '\n') {
      end = i;
      break;
    }
    if (doc_[i] == '.' && (i + 1 == doc_.size() || doc_[i + 1] == ' ' || doc_[i + 1] == '\n')) {
      end = i + 1;
      break;
    }
  }
  std::string summary = doc_.substr(0, end == std::string::npos ? doc_.size() : end);
  for (auto& c : summary) {
    if (c == '\n') c = ' ';
  }
  while (!summary.empty() && (summary.back() == '\n' || summary.back() == ' ')) summary.pop_back();
  return summary;
}

std::string OpSchema::Describe() const {
  std::ostringstream out;
  out << name_ << "\n\n" << doc_ << "\n\n";
  out << "Inputs (" << input_count_text_ << "):\n";
  for (size_t i = 0; i < input_docs_.size(); ++i) {
    out << "  " << i << " " << input_docs_[i].name << ": " << input_docs_[i].description << "\n";
  }
  out << "Outputs (" << output_count_text_ << "):\n";
  for (size_t i = 0; i < output_docs_.size(); ++i) {
    out << "  " << i << " " << output_docs_[i].name << ": " << output_docs_[i].description << "\n";
  }
  out << "Arguments:" << (args_.empty() ? " none\n" : "\n");
  for (const auto& arg : args_) {
    out << "  " << arg.name << (arg.required ? " (required)" : "") << ": " << arg.description << "\n";
  }
  out << "Defined at " << file_ << ":" << line_ << "\n";
  return out.str();
}

namespace {
struct SchemaEntry {
  std::unique_ptr<OpSchema> schema;
  bool published = false;  // set once its setter chain is done (OpSchemaRegistry::Publish)
};
std::map<std::string, SchemaEntry>& SchemaMap() {
  static auto* schemas = new std::map<std::string, SchemaEntry>();
  return *schemas;
}
// Guards the map: an operator library loaded at run time registers schemas while other threads create
// nets. Schemas are never removed, so a pointer handed out stays valid after the lock is released; a
// schema is handed out only once published, and the lock taken by Publish orders every write of its
// setter chain before any read by a thread that finds it.
std::mutex& SchemaMutex() {
  static auto* mutex = new std::mutex();
  return *mutex;
}
}  // namespace

OpSchema& OpSchemaRegistry::NewSchema(const std::string& name, const std::string& file, int line) {
  std::lock_guard<std::mutex> lock(SchemaMutex());
  auto& schemas = SchemaMap();
  const std::string origin = RegistrationOrigin(MakeString(file, ":", line));
  LibraryRegistrationScope* scope = LibraryRegistrationScope::Current();
  auto it = schemas.find(name);
  if (it != schemas.end()) {
    const OpSchema& first = *it->second.schema;
    std::string error = MakeString("schema '", name, "' is defined twice: at ", first.file(), ":", first.line(),
                                   " and at ", origin);
    if (scope == nullptr) CAFFE_THROW(error);
    // The library's OPERATOR_SCHEMA still needs an object to configure; it never becomes visible and
    // lives until the failed library is unloaded (the loader keeps it).
    scope->AddError(std::move(error));
    auto orphan = std::make_shared<OpSchema>(name, file, line);
    scope->AddUndo([orphan] {});
    return *orphan;
  }
  OpSchema& schema = *schemas.emplace(name, SchemaEntry{std::make_unique<OpSchema>(name, file, line)}).first->second.schema;
  if (scope != nullptr) {
    scope->AddUndo([name] {
      std::lock_guard<std::mutex> undo_lock(SchemaMutex());
      SchemaMap().erase(name);
    });
  }
  return schema;
}

void OpSchemaRegistry::Publish(const OpSchema& schema) {
  std::lock_guard<std::mutex> lock(SchemaMutex());
  auto it = SchemaMap().find(schema.name());
  const bool registered = it != SchemaMap().end() && it->second.schema.get() == &schema;
  // The orphan of a clashing library (see NewSchema) is never published; throwing here would end the
  // program inside dlopen's static initializers.
  if (!registered && LibraryRegistrationScope::Current() != nullptr) return;
  CAFFE_ENFORCE(registered, "schema '", schema.name(), "' was not made by OpSchemaRegistry::NewSchema");
  it->second.published = true;
}

const OpSchema* OpSchemaRegistry::Schema(const std::string& name) {
  std::lock_guard<std::mutex> lock(SchemaMutex());
  auto& schemas = SchemaMap();
  auto it = schemas.find(name);
  return it == schemas.end() || !it->second.published ? nullptr : it->second.schema.get();
}

std::vector<std::string> OpSchemaRegistry::Names() {
  std::lock_guard<std::mutex> lock(SchemaMutex());
  std::vector<std::string> names;
  for (const auto& entry : SchemaMap()) {
    if (entry.second.published) names.push_back(entry.first);
  }
  return names;
}

}  // namespace caffe2
