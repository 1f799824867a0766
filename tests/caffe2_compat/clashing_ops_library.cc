// An operator library that registers a new operator and then one the built-ins already have:
// loading it must fail with both origins named and leave nothing of it registered.
#include "caffe2/core/operator.h"

namespace caffe2 {
namespace {

template <class Context>
class NothingOp final : public Operator<Context> {
 public:
  USE_OPERATOR_CONTEXT_FUNCTIONS;
  USE_SIMPLE_CTOR_DTOR(NothingOp);
  bool RunOnDevice() override { return true; }
};

}  // namespace

REGISTER_CPU_OPERATOR(ClashingLibraryFreshOp, NothingOp<CPUContext>);
OPERATOR_SCHEMA(ClashingLibraryFreshOp).NumInputs(0).NumOutputs(0);
NO_GRADIENT(ClashingLibraryFreshOp);
REGISTER_CPU_OPERATOR(SequenceMask, NothingOp<CPUContext>);
NO_GRADIENT(SequenceMask);

}  // namespace caffe2
