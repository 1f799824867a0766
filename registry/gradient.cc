#include "registry/gradient.h"

#include "registry/operator_schema.h"

namespace caffe2 {

GradientMakerBase::GradientMakerBase(const OperatorDef& def, const std::vector<GradientWrapper>& g_output)
    : def_(def), g_output_(g_output), g_input_(def.input_size()) {
  CAFFE_ENFORCE_EQ(static_cast<int>(g_output.size()), def.output_size(), "gradient maker for ",
                   OperatorSummary(def), " needs one output gradient entry per output");
}

std::vector<OperatorDef> GradientMakerBase::GetGradientDefs() {
  CAFFE_THROW("the gradient maker for ", def_.type(), " does not define GetGradientDefs()");
}

GradientOpsMeta GradientMakerBase::Get() {
  std::vector<OperatorDef> ops = GetGradientDefs();
  for (auto& op : ops) {
    if (CopyDeviceOption() && def_.has_device_option()) *op.mutable_device_option() = def_.device_option();
    if (CopyEngine() && def_.has_engine()) op.set_engine(def_.engine());
    if (CopyArguments()) {
      // The maker's own arguments win: a forward argument is copied only under a new name, so no
      // name is ever duplicated (Caffe2 appended and then failed on the duplicate).
      for (const auto& arg : def_.arg()) {
        if (!ArgumentHelper(op).HasArgument(arg.name())) *op.add_arg() = arg;
      }
    }
    op.set_is_gradient_op(true);
  }
  return GradientOpsMeta(std::move(ops), g_input_);
}

const std::string& GradientMakerBase::I(int i) const {
  CAFFE_ENFORCE(i >= 0 && i < def_.input_size(), "gradient maker for ", def_.type(), " asked for input ",
                i, " of ", def_.input_size());
  return def_.input(i);
}

const std::string& GradientMakerBase::O(int i) const {
  CAFFE_ENFORCE(i >= 0 && i < def_.output_size(), "gradient maker for ", def_.type(),
                " asked for output ", i, " of ", def_.output_size());
  return def_.output(i);
}

std::string GradientMakerBase::GI(int i) {
  const std::string name = GradientName(I(i));
  g_input_[i].dense_ = name;
  return name;
}

const std::string& GradientMakerBase::GO(int i) const {
  O(i);
  CAFFE_ENFORCE(g_output_[i].IsDense(), "the gradient of ", def_.type(), " needs a dense gradient for output ",
                i, " ('", def_.output(i), "'), but none was given");
  return g_output_[i].dense_;
}

void GradientMakerBase::SetDense(int i, const std::string& name) {
  I(i);
  g_input_[i].dense_ = name;
}

std::string GradientMakerBase::GI_I(int i) {
  const std::string name = GradientSliceIndices(I(i));
  CAFFE_ENFORCE(!g_input_[i].IsDense(), "gradient maker for ", def_.type(), ": input ", i,
                " already has a dense gradient");
  g_input_[i].indices_ = name;
  return name;
}

std::string GradientMakerBase::GI_V(int i) {
  const std::string name = GradientSliceValues(I(i));
  CAFFE_ENFORCE(!g_input_[i].IsDense(), "gradient maker for ", def_.type(), ": input ", i,
                " already has a dense gradient");
  g_input_[i].values_ = name;
  return name;
}

const std::string& GradientMakerBase::GO_I(int i) const {
  O(i);
  CAFFE_ENFORCE(g_output_[i].IsSparse(), "the gradient of ", def_.type(), " needs a sparse gradient for output ",
                i, " ('", def_.output(i), "'), but it is ", g_output_[i].IsDense() ? "dense" : "missing");
  return g_output_[i].indices_;
}

const std::string& GradientMakerBase::GO_V(int i) const {
  O(i);
  CAFFE_ENFORCE(g_output_[i].IsSparse(), "the gradient of ", def_.type(), " needs a sparse gradient for output ",
                i, " ('", def_.output(i), "'), but it is ", g_output_[i].IsDense() ? "dense" : "missing");
  return g_output_[i].values_;
}

void GradientMakerBase::SetSparse(int i, const std::string& indices, const std::string& values) {
  I(i);
  CAFFE_ENFORCE(!g_input_[i].IsDense(), "gradient maker for ", def_.type(), ": input ", i,
                " already has a dense gradient");
  g_input_[i].indices_ = indices;
  g_input_[i].values_ = values;
}

GradientOpsMeta ThrowInTheTowelIfGradientIsCalled::Get() {
  CAFFE_THROW("a gradient is needed through ", OperatorSummary(def_), ", but ", def_.type(),
              " is declared SHOULD_NOT_DO_GRADIENT: its outputs must not be on a gradient path");
}

GradientOpsMeta GradientNotImplementedYet::Get() {
  CAFFE_THROW("a gradient is needed through ", OperatorSummary(def_), ", but the gradient of ",
              def_.type(), " is not implemented yet");
}

GradientRegistryType* GradientRegistry() {
  static auto* registry = new GradientRegistryType();
  return registry;
}

GradientOpsMeta GetGradientForOp(const OperatorDef& def, const std::vector<GradientWrapper>& g_output) {
  auto maker = GradientRegistry()->Create(def.type(), def, g_output);
  if (!maker) {
    CAFFE_THROW("no gradient maker is registered for operator type '", def.type(), "' (",
                OperatorSummary(def), "); an operator declares REGISTER_GRADIENT, NO_GRADIENT or ",
                "SHOULD_NOT_DO_GRADIENT");
  }
  return maker->Get();
}

}  // namespace caffe2
