// Operators: OperatorBase (inputs, outputs, arguments), Operator<Context> (Run with error context),
// and DispatchHelper, which calls an operator's DoRunWithType<T>() for a tensor's dtype.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "caffe2_mask/core/blob.h"
#include "caffe2_mask/core/context.h"
#include "caffe2_mask/core/proto_utils.h"

namespace caffe2 {

class Workspace;

class OperatorBase {
 public:
  // Binds the def's input and output blobs in `ws` (outputs are created); an input that is not in
  // the workspace is an error naming it. CreateOperator checks the schema before this runs.
  OperatorBase(const OperatorDef& def, Workspace* ws);
  virtual ~OperatorBase() = default;
  OperatorBase(const OperatorBase&) = delete;
  OperatorBase& operator=(const OperatorBase&) = delete;

  // Runs the operator. Returns true; every failure throws EnforceNotMet naming this operator.
  virtual bool Run(int stream_id = 0) = 0;

  bool HasArgument(const std::string& name) const { return args_.HasArgument(name); }
  template <typename T>
  T GetSingleArgument(const std::string& name, const T& default_value) const {
    return args_.GetSingleArgument<T>(name, default_value);
  }
  template <typename T>
  bool HasSingleArgumentOfType(const std::string& name) const {
    return args_.HasSingleArgumentOfType<T>(name);
  }
  template <typename T>
  std::vector<T> GetRepeatedArgument(const std::string& name,
                                     const std::vector<T>& default_value = {}) const {
    return args_.GetRepeatedArgument<T>(name, default_value);
  }

  // Input i as a tensor; an input blob holding something else is an error naming the blob.
  const Tensor& Input(int idx, DeviceType = CPU) const;
  Tensor* Output(int idx, DeviceType = CPU);
  const Blob& InputBlob(int idx) const { return *inputs_.at(idx); }
  Blob* OutputBlob(int idx) { return outputs_.at(idx); }
  int InputSize() const { return static_cast<int>(inputs_.size()); }
  int OutputSize() const { return static_cast<int>(outputs_.size()); }
  bool IsInputOutputAlias(int input, int output) const {
    return inputs_.at(input) == outputs_.at(output);
  }
  // "input 1 'mask' (blob 'm')", for error messages.
  std::string DescribeInput(int idx) const;

  const OperatorDef& debug_def() const { return *def_; }
  const std::string& type() const { return def_->type(); }
  // Position in its net, or -1 when it runs on its own; used in error context.
  int net_position() const { return net_position_; }
  void set_net_position(int position) { net_position_ = position; }

 protected:
  // Adds this operator's identity to an error leaving Run().
  void AddErrorContext(EnforceNotMet* error) const;
  [[noreturn]] void RethrowWithContext() const;

 private:
  std::unique_ptr<const OperatorDef> def_;
  ArgumentHelper args_;
  std::vector<const Blob*> inputs_;
  std::vector<Blob*> outputs_;
  int net_position_ = -1;
};

template <class Context>
class Operator : public OperatorBase {
 public:
  Operator(const OperatorDef& def, Workspace* ws) : OperatorBase(def, ws), context_(def.device_option()) {}

  bool Run(int = 0) final {
    try {
      if (!RunOnDevice()) CAFFE_THROW("RunOnDevice returned false");
    } catch (...) {
      RethrowWithContext();
    }
    return true;
  }

  // The operator's computation. Return true; report failures by throwing (CAFFE_ENFORCE).
  virtual bool RunOnDevice() = 0;

 protected:
  Context context_;
};

#define USE_OPERATOR_BASE_FUNCTIONS                         \
  using ::caffe2::OperatorBase::HasArgument;                \
  using ::caffe2::OperatorBase::GetSingleArgument;          \
  using ::caffe2::OperatorBase::HasSingleArgumentOfType;    \
  using ::caffe2::OperatorBase::GetRepeatedArgument;        \
  using ::caffe2::OperatorBase::InputSize;                  \
  using ::caffe2::OperatorBase::OutputSize;                 \
  using ::caffe2::OperatorBase::DescribeInput;              \
  using ::caffe2::OperatorBase::debug_def
#define USE_OPERATOR_FUNCTIONS(context)              \
  USE_OPERATOR_BASE_FUNCTIONS;                       \
  using ::caffe2::Operator<context>::context_;       \
  using ::caffe2::OperatorBase::Input;               \
  using ::caffe2::OperatorBase::Output
#define USE_OPERATOR_CONTEXT_FUNCTIONS USE_OPERATOR_FUNCTIONS(Context)
#define USE_SIMPLE_CTOR_DTOR(name)                                                            \
  name(const ::caffe2::OperatorDef& operator_def, ::caffe2::Workspace* ws)                    \
      : ::caffe2::Operator<Context>(operator_def, ws) {}                                      \
  ~name() override = default
#define USE_DISPATCH_HELPER                           \
  template <typename FirstArg, typename... ExtraArgs> \
  friend struct ::caffe2::DispatchHelper

// The list of dtypes an operator accepts, for DispatchHelper.
template <typename... Types>
struct TensorTypes {};

// What DispatchHelper throws for a dtype outside its list: an EnforceNotMet like any other, of its own
// type so that an operator can add which input it dispatched on without looking at the message.
class UnsupportedDtype : public EnforceNotMet {
 public:
  using EnforceNotMet::EnforceNotMet;
};

namespace detail {
[[noreturn]] void ThrowUnsupportedDtype(TypeMeta meta, const std::vector<TypeMeta>& accepted);
}

template <typename TypeList, typename... ExtraArgs>
struct DispatchHelper;

// Calls op->DoRunWithType<ExtraArgs..., T>() for the T in Types that matches `meta`; any other
// dtype is an error that names it and the accepted list.
template <typename... Types, typename... ExtraArgs>
struct DispatchHelper<TensorTypes<Types...>, ExtraArgs...> {
  template <typename Op>
  static bool call(Op* op, TypeMeta meta) {
    bool result = false;
    const bool matched =
        ((meta.Match<Types>() && ((result = op->template DoRunWithType<ExtraArgs..., Types>()), true)) ||
         ...);
    if (!matched) detail::ThrowUnsupportedDtype(meta, {TypeMeta::Make<Types>()...});
    return result;
  }
  template <typename Op>
  static bool call(Op* op, const Tensor& tensor) {
    return call(op, tensor.dtype());
  }
};

// Creates the operator `def` describes, after checking that its type is registered, that it passes
// its schema and that it runs on the CPU. Problems are reported all at once, with close names for an
// unknown type.
std::unique_ptr<OperatorBase> CreateOperator(const OperatorDef& def, Workspace* ws, int net_position = -1);

// Everything wrong with `def` that can be told without running it: unknown type, schema violations,
// a device other than the CPU. Empty when none. CreateOperator and nets use it.
std::vector<std::string> OperatorDefProblems(const OperatorDef& def);

}  // namespace caffe2
