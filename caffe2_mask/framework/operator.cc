#include "caffe2_mask/framework/operator.h"

#include <sstream>

#include "caffe2_mask/framework/workspace.h"
#include "registry/operator_registry.h"
#include "registry/operator_schema.h"

namespace caffe2 {

void EnforceCPUDevice(const DeviceOption& option, const std::string& who) {
  if (option.device_type() != PROTO_CPU) {
    const std::string device = DeviceTypeProto_IsValid(option.device_type())
                                   ? DeviceTypeProto_Name(static_cast<DeviceTypeProto>(option.device_type()))
                                   : MakeString("device type ", option.device_type());
    CAFFE_THROW(who, " asks for ", device, " (device_option.device_type ", option.device_type(),
                "), but this runtime runs on the CPU only (device_type 0 / PROTO_CPU); remove the "
                "device_option or set device_type: 0");
  }
}

namespace detail {
void ThrowUnsupportedDtype(TypeMeta meta, const std::vector<TypeMeta>& accepted) {
  std::ostringstream list;
  for (size_t i = 0; i < accepted.size(); ++i) list << (i ? ", " : "") << accepted[i].name();
  throw UnsupportedDtype(__FILE__, __LINE__, "",
                         MakeString("dtype ", meta.name(), " is not supported here; accepted dtypes: ", list.str()));
}
}  // namespace detail

OperatorBase::OperatorBase(const OperatorDef& def, Workspace* ws)
    : def_(std::make_unique<const OperatorDef>(def)), args_(*def_) {  // args_ points into the copy we keep
  CAFFE_ENFORCE(ws != nullptr, "an operator needs a workspace");
  inputs_.reserve(def.input_size());
  for (int i = 0; i < def.input_size(); ++i) {
    const Blob* blob = ws->GetBlob(def.input(i));
    CAFFE_ENFORCE(blob != nullptr, def.type(), ": input ", i, " is blob '", def.input(i),
                  "', which is not in the workspace; feed it before creating the operator");
    inputs_.push_back(blob);
  }
  outputs_.reserve(def.output_size());
  for (int i = 0; i < def.output_size(); ++i) outputs_.push_back(ws->CreateBlob(def.output(i)));
}

std::string OperatorBase::DescribeInput(int idx) const {
  const auto* schema = OpSchemaRegistry::Schema(def_->type());
  std::string name;
  if (schema && idx < static_cast<int>(schema->input_docs().size())) name = schema->input_docs()[idx].name;
  return MakeString("input ", idx, name.empty() ? "" : " '" + name + "'", " (blob '", def_->input(idx),
                    "')");
}

const Tensor& OperatorBase::Input(int idx, DeviceType) const {
  CAFFE_ENFORCE(idx >= 0 && idx < InputSize(), type(), " asked for input ", idx, " of ", InputSize());
  const Blob& blob = *inputs_[idx];
  if (!blob.IsType<Tensor>()) {
    CAFFE_THROW(DescribeInput(idx), " holds ", blob.TypeName(), ", not a tensor");
  }
  return blob.Get<Tensor>();
}

Tensor* OperatorBase::Output(int idx, DeviceType) {
  CAFFE_ENFORCE(idx >= 0 && idx < OutputSize(), type(), " asked for output ", idx, " of ", OutputSize());
  return BlobGetMutableTensor(outputs_[idx]);
}

Tensor* OperatorBase::Output(int idx, IntArrayRef dims, TypeMeta dtype) {
  CAFFE_ENFORCE(idx >= 0 && idx < OutputSize(), type(), " asked for output ", idx, " of ", OutputSize());
  CAFFE_ENFORCE(dtype.defined(), type(), ": Output(", idx, ", dims, options) needs a dtype");
  return BlobGetMutableTensor(outputs_[idx], dims, dtype);
}

const Blob& OperatorBase::CheckedInputBlob(int idx) const {
  CAFFE_ENFORCE(idx >= 0 && idx < InputSize(), type(), " asked for input ", idx, " of ", InputSize());
  return *inputs_[idx];
}

Blob* OperatorBase::CheckedOutputBlob(int idx) {
  CAFFE_ENFORCE(idx >= 0 && idx < OutputSize(), type(), " asked for output ", idx, " of ", OutputSize());
  return outputs_[idx];
}

void OperatorBase::OutputTensorCopyFrom(int idx, TypeMeta dtype, const Tensor& src, bool async) {
  CAFFE_ENFORCE(!dtype.defined() || dtype == src.dtype(), type(), ": OutputTensorCopyFrom(", idx,
                ") cannot change the dtype from ", src.dtype().name(), " to ", dtype.name());
  Tensor* out = Output(idx);
  out->CopyFrom(src, async);
}

Tensor* OperatorBase::OutputTensorAlias(int idx, const Tensor& src) {
  Tensor* out = Output(idx);
  out->ShareData(src);
  return out;
}

void OperatorBase::AddErrorContext(EnforceNotMet* error) const {
  // A check that recorded its object (a tensor's own checks, Caffe2's _WITH_CALLER forms): name the
  // input and output blobs that hold it, as Caffe2 does.
  if (error->caller() != nullptr) {
    for (size_t i = 0; i < inputs_.size(); ++i) {
      if (inputs_[i]->GetRaw() == error->caller()) error->AppendMessage("while accessing input: " + def_->input(i));
    }
    for (size_t i = 0; i < outputs_.size(); ++i) {
      if (outputs_[i]->GetRaw() == error->caller()) error->AppendMessage("while accessing output: " + def_->output(i));
    }
  }
  error->AppendMessage(MakeString("while running operator ",
                                  net_position_ >= 0 ? MakeString("#", net_position_, " ") : "",
                                  OperatorSummary(*def_)));
}

void OperatorBase::RethrowWithContext() const {
  try {
    throw;
  } catch (EnforceNotMet& error) {
    AddErrorContext(&error);
    throw;
  } catch (const std::exception& other) {
    EnforceNotMet error(__FILE__, __LINE__, "", MakeString("unexpected error: ", other.what()));
    AddErrorContext(&error);
    throw error;
  }
}

std::vector<std::string> OperatorDefProblems(const OperatorDef& def) {
  std::vector<std::string> problems;
  if (def.type().empty()) {
    problems.push_back(MakeString("operator ", OperatorSummary(def), " has no type"));
    return problems;
  }
  if (!CPUOperatorRegistry()->Has(def.type())) {
    std::string message = MakeString("operator type '", def.type(), "' is not registered");
    const auto close = CloseNames(def.type(), CPUOperatorRegistry()->Keys());
    if (!close.empty()) {
      message += "; did you mean ";
      for (size_t i = 0; i < close.size(); ++i) message += (i ? ", " : "") + close[i];
      message += "?";
    }
    problems.push_back(message + " (caffe2_mask_run --list_operators lists every operator)");
    return problems;
  }
  if (const OpSchema* schema = OpSchemaRegistry::Schema(def.type())) {
    for (auto& problem : schema->Problems(def)) problems.push_back(std::move(problem));
  }
  try {
    EnforceCPUDevice(def.device_option(), MakeString("operator ", OperatorSummary(def)));
  } catch (const EnforceNotMet& e) {
    problems.push_back(e.msg());
  }
  return problems;
}

namespace {
// Caffe2's engine choice: the first engine in the def's comma-separated `engine` list that has a
// "<type>_ENGINE_<engine>" registration, else the operator registered under its type.
std::string RegistryKeyFor(const OperatorDef& def) {
  const std::string& engines = def.engine();
  size_t start = 0;
  while (start < engines.size()) {
    size_t end = engines.find(',', start);
    if (end == std::string::npos) end = engines.size();
    const std::string key = def.type() + "_ENGINE_" + engines.substr(start, end - start);
    if (end > start && CPUOperatorRegistry()->Has(key)) return key;
    start = end + 1;
  }
  return def.type();
}
}  // namespace

std::unique_ptr<OperatorBase> CreateOperator(const OperatorDef& def, Workspace* ws, int net_position) {
  const auto problems = OperatorDefProblems(def);
  if (!problems.empty()) {
    std::string message = MakeString("cannot create operator ", OperatorSummary(def), ":");
    for (const auto& problem : problems) message += "\n  - " + problem;
    CAFFE_THROW(message);
  }
  const std::string context = MakeString("while creating operator ",
                                         net_position >= 0 ? MakeString("#", net_position, " ") : "",
                                         OperatorSummary(def));
  try {
    auto op = CPUOperatorRegistry()->Create(RegistryKeyFor(def), def, ws);
    op->set_net_position(net_position);
    return op;
  } catch (EnforceNotMet& error) {
    error.AppendMessage(context);
    throw;
  } catch (const std::exception& other) {
    // One error channel: anything else a constructor throws becomes an EnforceNotMet too.
    EnforceNotMet error(__FILE__, __LINE__, "", MakeString("unexpected error: ", other.what()));
    error.AppendMessage(context);
    throw error;
  }
}

}  // namespace caffe2
