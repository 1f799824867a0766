// Operators: OperatorBase (inputs, outputs, arguments), Operator<Context> (Run with error context),
// and DispatchHelper, which calls an operator's DoRunWithType<T>() for a tensor's dtype.
#pragma once

#include <memory>
#include <string>
#include <type_traits>
#include <utility>
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
  // Output i resized to `dims` with storage for `dtype` (Caffe2's Output(i, dims, options); the
  // options convert to their dtype).
  Tensor* Output(int idx, IntArrayRef dims, TypeMeta dtype);

  // Caffe2's typed blob access: Input<T>(i) / Output<T>(i) for blobs holding any T (a tensor is read
  // with Input(i) or Input<Tensor>(i, CPU)); a blob holding another type is an error naming both.
  template <typename T>
  const T& Input(int idx) const {
    return CheckedInputBlob(idx).template Get<T>();
  }
  template <typename T>
  const T& Input(int idx, DeviceType device) const {
    static_assert(std::is_same_v<T, Tensor>, "Input<T>(i, device) is for tensors; use Input<T>(i)");
    return Input(idx, device);
  }
  template <typename T>
  T* Output(int idx) {
    return CheckedOutputBlob(idx)->template GetMutable<T>();
  }
  template <typename T>
  T* Output(int idx, DeviceType device) {
    static_assert(std::is_same_v<T, Tensor>, "Output<T>(i, device) is for tensors; use Output<T>(i)");
    return Output(idx, device);
  }
  template <typename T>
  bool InputIsType(int idx) const {
    return CheckedInputBlob(idx).template IsType<T>();
  }
  bool InputIsTensorType(int idx, DeviceType = CPU) const { return InputIsType<Tensor>(idx); }
  template <typename T>
  bool OutputIsType(int idx) {
    return CheckedOutputBlob(idx)->template IsType<T>();
  }
  bool OutputIsTensorType(int idx, DeviceType = CPU) { return OutputIsType<Tensor>(idx); }
  // Output i becomes a deep copy of `src`. The dtype, if defined, must be src's (Caffe2 forbids a
  // change of dtype here).
  void OutputTensorCopyFrom(int idx, TypeMeta dtype, const Tensor& src, bool async = false);
  // Caffe2 passes at::TensorOptions, whose dtype may be unset (then src's is used): any options
  // type with has_dtype() and dtype() works, so the core needs no options class.
  template <class Options, typename = decltype(std::declval<const Options&>().has_dtype())>
  void OutputTensorCopyFrom(int idx, const Options& options, const Tensor& src, bool async = false) {
    OutputTensorCopyFrom(idx, options.has_dtype() ? TypeMeta(options.dtype()) : src.dtype(), src, async);
  }
  // Output i becomes a view of src's data (Caffe2's OutputTensorAlias).
  Tensor* OutputTensorAlias(int idx, const Tensor& src);
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
  const Blob& CheckedInputBlob(int idx) const;
  Blob* CheckedOutputBlob(int idx);
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
  using ::caffe2::OperatorBase::InputIsType;                \
  using ::caffe2::OperatorBase::InputIsTensorType;          \
  using ::caffe2::OperatorBase::IsInputOutputAlias;         \
  using ::caffe2::OperatorBase::InputBlob;                  \
  using ::caffe2::OperatorBase::OutputBlob;                 \
  using ::caffe2::OperatorBase::OutputTensorCopyFrom;       \
  using ::caffe2::OperatorBase::OutputTensorAlias;          \
  using ::caffe2::OperatorBase::debug_def
#define USE_OPERATOR_FUNCTIONS(context)              \
  USE_OPERATOR_BASE_FUNCTIONS;                       \
  using ::caffe2::Operator<context>::context_;       \
  using ::caffe2::OperatorBase::Input;               \
  using ::caffe2::OperatorBase::Output
#define USE_OPERATOR_CONTEXT_FUNCTIONS USE_OPERATOR_FUNCTIONS(Context)
// Ends in a body, as Caffe2's does, so that it is complete with or without a trailing `;`.
#define USE_SIMPLE_CTOR_DTOR(name)                                                            \
  name(const ::caffe2::OperatorDef& operator_def, ::caffe2::Workspace* ws)                    \
      : ::caffe2::Operator<Context>(operator_def, ws) {}                                      \
  ~name() noexcept override {}
#define USE_DISPATCH_HELPER                           \
  template <typename FirstArg, typename... ExtraArgs> \
  friend struct ::caffe2::DispatchHelper

// The list of dtypes an operator accepts, for DispatchHelper.
template <typename... Types>
struct TensorTypes {};
// As the last entry of TensorTypes: any other dtype calls DoRunWithOtherType<ExtraArgs...>() instead
// of failing (Caffe2's GenericTensorImplementation).
struct GenericTensorImplementation {};

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
    if ((TryType<Types>(op, meta, &result) || ...)) return result;
    if constexpr ((std::is_same_v<Types, GenericTensorImplementation> || ...)) {
      return op->template DoRunWithOtherType<ExtraArgs...>();
    } else {
      detail::ThrowUnsupportedDtype(meta, {TypeMeta::Make<Types>()...});
    }
  }
  template <typename Op>
  static bool call(Op* op, const Tensor& tensor) {
    return call(op, tensor.dtype());
  }
  template <typename Op>
  static bool call(Op* op, const Blob& blob) {
    return call(op, blob.meta());
  }

 private:
  // Runs DoRunWithType<ExtraArgs..., T> when T is the dtype; never instantiated for the generic tag.
  template <typename T, typename Op>
  static bool TryType(Op* op, TypeMeta meta, bool* result) {
    if constexpr (std::is_same_v<T, GenericTensorImplementation>) {
      return false;
    } else {
      if (!meta.Match<T>()) return false;
      *result = op->template DoRunWithType<ExtraArgs..., T>();
      return true;
    }
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
