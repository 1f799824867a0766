// Caffe2's caffe2/core/operator.h: OperatorBase and Operator<Context>, the USE_* macros,
// DispatchHelper over TensorTypes, TensorTypes2 and FixedValues, CreateOperator, the operator
// registry and its REGISTER_CPU_OPERATOR* macros (schemas and gradient makers come with it, as in
// Caffe2).
#pragma once

#include "caffe2/core/blob.h"
#include "caffe2/core/common.h"
#include "caffe2/core/context.h"
#include "caffe2/core/logging.h"
#include "caffe2/core/operator_gradient.h"
#include "caffe2/core/operator_schema.h"
#include "caffe2/core/tensor.h"
#include "caffe2/core/types.h"
#include "caffe2/core/workspace.h"
#include "caffe2/proto/caffe2_pb.h"
#include "caffe2/utils/proto_utils.h"
#include "caffe2_mask/framework/operator.h"
#include "registry/operator_library.h"
#include "registry/operator_registry.h"

// Initializes member `variable` from the single argument `name` (Caffe2's constructor helper).
#define OP_SINGLE_ARG(type, name, variable, default_value) \
  variable(::caffe2::OperatorBase::GetSingleArgument<type>(name, (default_value)))

namespace caffe2 {

// A second dtype list, dispatched to DoRunWithType2<ExtraArgs..., T>() (for operators that dispatch
// on two inputs); GenericTensorImplementation as its last entry calls DoRunWithOtherType2. The body
// mirrors TensorTypes' DispatchHelper instead of sharing a helper with it on purpose: USE_DISPATCH_HELPER
// befriends DispatchHelper only, so a private DoRunWithType2 must be called from inside it.
template <typename... Types>
struct TensorTypes2 {};

template <typename... Types, typename... ExtraArgs>
struct DispatchHelper<TensorTypes2<Types...>, ExtraArgs...> {
  template <typename Op>
  static bool call(Op* op, TypeMeta meta) {
    bool result = false;
    if ((TryType<Types>(op, meta, &result) || ...)) return result;
    if constexpr ((std::is_same_v<Types, GenericTensorImplementation> || ...)) {
      return op->template DoRunWithOtherType2<ExtraArgs...>();
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
  // Runs DoRunWithType2<ExtraArgs..., T> when T is the dtype; never instantiated for the generic tag.
  template <typename T, typename Op>
  static bool TryType(Op* op, TypeMeta meta, bool* result) {
    if constexpr (std::is_same_v<T, GenericTensorImplementation>) {
      return false;
    } else {
      if (!meta.Match<T>()) return false;
      *result = op->template DoRunWithType2<ExtraArgs..., T>();
      return true;
    }
  }
};

// Dispatch on an integer known from a small set: DoRunWithValue<ExtraArgs..., N>() for the N that
// equals the value, DoRunWithValue<ExtraArgs..., -1>() (the generic case) for any other value.
template <int... Values>
struct FixedValues {};

template <int... Values, typename... ExtraArgs>
struct DispatchHelper<FixedValues<Values...>, ExtraArgs...> {
  template <typename Op>
  static bool call(Op* op, int64_t value) {
    bool result = false;
    const bool matched =
        ((value == Values && ((result = op->template DoRunWithValue<ExtraArgs..., Values>()), true)) || ...);
    if (matched) return result;
    return op->template DoRunWithValue<ExtraArgs..., -1>();
  }
};

}  // namespace caffe2
