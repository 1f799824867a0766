// Gradient makers: for an operator def and the names of its outputs' gradients, the operators that
// compute its inputs' gradients. Same names and types as Caffe2, so Caffe2 gradient makers compile.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "caffe2_mask/core/proto_utils.h"
#include "registry/registry.h"

namespace caffe2 {

struct GradientWrapper {
  std::string dense_;
  std::string indices_;
  std::string values_;

  bool IsDense() const { return !dense_.empty(); }
  bool IsSparse() const { return !indices_.empty() || !values_.empty(); }
  bool IsEmpty() const { return !IsDense() && !IsSparse(); }
};

struct GradientOpsMeta {
  std::vector<OperatorDef> ops_;
  std::vector<GradientWrapper> g_input_;

  GradientOpsMeta() = default;
  GradientOpsMeta(std::vector<OperatorDef> ops, std::vector<GradientWrapper> g_input)
      : ops_(std::move(ops)), g_input_(std::move(g_input)) {}
};

class GradientMakerBase {
 public:
  GradientMakerBase(const OperatorDef& def, const std::vector<GradientWrapper>& g_output);
  virtual ~GradientMakerBase() = default;

  // What the builder copies from the forward def onto each gradient op.
  virtual bool CopyDeviceOption() const { return true; }
  virtual bool CopyEngine() const { return true; }
  virtual bool CopyArguments() const { return true; }

  virtual std::vector<OperatorDef> GetGradientDefs();
  // The gradient ops (with the copies above applied) and the names of the inputs' gradients.
  virtual GradientOpsMeta Get();

  const OperatorDef& Def() const { return def_; }

  static std::string GradientName(const std::string& name) { return name + "_grad"; }
  static std::string GradientSliceIndices(const std::string& name) { return name + "_grad_indices"; }
  static std::string GradientSliceValues(const std::string& name) { return name + "_grad_values"; }

 protected:
  // Forward input / output names.
  const std::string& I(int i) const;
  const std::string& O(int i) const;
  // Names input i's gradient `<input>_grad` and records that this maker produces it.
  std::string GI(int i);
  // The gradient of output i; an output with no gradient is an error.
  const std::string& GO(int i) const;
  // Records `name` as input i's dense gradient.
  void SetDense(int i, const std::string& name);
  // Input i's gradient as a sparse (indices, values) pair: names them `<input>_grad_indices` and
  // `<input>_grad_values` and records both (Caffe2's GI_I / GI_V).
  std::string GI_I(int i);
  std::string GI_V(int i);
  // The sparse gradient of output i; an output whose gradient is not sparse is an error.
  const std::string& GO_I(int i) const;
  const std::string& GO_V(int i) const;
  // Records (indices, values) as input i's sparse gradient.
  void SetSparse(int i, const std::string& indices, const std::string& values);

  template <typename... Args>
  static std::vector<OperatorDef> SingleGradientDef(const Args&... args) {
    return {CreateOperatorDef(args...)};
  }

  const OperatorDef& def_;
  const std::vector<GradientWrapper>& g_output_;
  std::vector<GradientWrapper> g_input_;
};

// NO_GRADIENT: the operator has no gradient; the backward pass stops there.
class NoGradient : public GradientMakerBase {
  using GradientMakerBase::GradientMakerBase;
  std::vector<OperatorDef> GetGradientDefs() override { return {}; }
};

// SHOULD_NOT_DO_GRADIENT: asking for a gradient through the operator is an error.
class ThrowInTheTowelIfGradientIsCalled : public GradientMakerBase {
 public:
  using GradientMakerBase::GradientMakerBase;
  GradientOpsMeta Get() override;
};

class GradientNotImplementedYet : public GradientMakerBase {
 public:
  using GradientMakerBase::GradientMakerBase;
  GradientOpsMeta Get() override;
};

using GradientRegistryType = Registry<std::string, std::unique_ptr<GradientMakerBase>, const OperatorDef&,
                                      const std::vector<GradientWrapper>&>;
GradientRegistryType* GradientRegistry();

// The gradient ops for `def`, given its outputs' gradients (one entry per output, empty where the
// output has none). An operator with no registered gradient maker is an error.
GradientOpsMeta GetGradientForOp(const OperatorDef& def, const std::vector<GradientWrapper>& g_output);

template <class Maker>
std::unique_ptr<GradientMakerBase> DefaultGradientMakerCreator(const OperatorDef& def,
                                                               const std::vector<GradientWrapper>& g) {
  return std::make_unique<Maker>(def, g);
}

}  // namespace caffe2

#define REGISTER_GRADIENT(name, ...)                                                           \
  static ::caffe2::Registerer<std::string, std::unique_ptr<::caffe2::GradientMakerBase>,      \
                              const ::caffe2::OperatorDef&,                                   \
                              const std::vector<::caffe2::GradientWrapper>&>                  \
      CAFFE_ANONYMOUS_VARIABLE(g_gradient_maker_)(                                            \
          ::caffe2::GradientRegistry(), #name,                                                \
          &::caffe2::DefaultGradientMakerCreator<__VA_ARGS__>, CAFFE2_MASK_WHERE);
#define REGISTER_GRADIENT_STR(str_name, ...)                                                   \
  static ::caffe2::Registerer<std::string, std::unique_ptr<::caffe2::GradientMakerBase>,      \
                              const ::caffe2::OperatorDef&,                                   \
                              const std::vector<::caffe2::GradientWrapper>&>                  \
      CAFFE_ANONYMOUS_VARIABLE(g_gradient_maker_)(                                            \
          ::caffe2::GradientRegistry(), str_name,                                             \
          &::caffe2::DefaultGradientMakerCreator<__VA_ARGS__>, CAFFE2_MASK_WHERE);
#define NO_GRADIENT(name) REGISTER_GRADIENT(name, ::caffe2::NoGradient)
#define SHOULD_NOT_DO_GRADIENT(name) REGISTER_GRADIENT(name, ::caffe2::ThrowInTheTowelIfGradientIsCalled)
#define GRADIENT_NOT_IMPLEMENTED_YET(name) REGISTER_GRADIENT(name, ::caffe2::GradientNotImplementedYet)
