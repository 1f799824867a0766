// An operator library built out of tree against the installed package (caffe2_mask_add_operator_library)
// with Caffe2's header paths only; main.cc loads it at run time.
#include "caffe2/core/context.h"
#include "caffe2/core/operator.h"
#include "caffe2/utils/math.h"

namespace caffe2 {
namespace {

// Y = 2 * X.
template <class Context>
class ConsumerDoubleOp final : public Operator<Context> {
 public:
  USE_OPERATOR_CONTEXT_FUNCTIONS;
  USE_SIMPLE_CTOR_DTOR(ConsumerDoubleOp);
  bool RunOnDevice() override {
    const auto& X = Input(0);
    auto* Y = Output(0, X.sizes(), at::dtype<float>());
    math::Scale<float, float, Context>(X.numel(), 2.0f, X.template data<float>(), Y->template mutable_data<float>(),
                                       &context_);
    return true;
  }
};

}  // namespace

REGISTER_CPU_OPERATOR(ConsumerDouble, ConsumerDoubleOp<CPUContext>)
OPERATOR_SCHEMA(ConsumerDouble).NumInputs(1).NumOutputs(1).IdenticalTypeAndShape();
NO_GRADIENT(ConsumerDouble)

}  // namespace caffe2
