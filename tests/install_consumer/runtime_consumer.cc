// A program built against the installed package's caffe2_mask::runtime alone: no built-in operator is
// registered, and the program registers and runs its own BooleanMask. Exits non-zero on any mismatch.
#include <caffe2_mask/caffe2_mask.h>

#include <iostream>
#include <string>

namespace caffe2 {
namespace {

// Writes the number of true mask values: enough to tell it from the built-in BooleanMask.
class CountingBooleanMaskOp final : public Operator<CPUContext> {
 public:
  USE_OPERATOR_FUNCTIONS(CPUContext);
  CountingBooleanMaskOp(const OperatorDef& def, Workspace* ws) : Operator<CPUContext>(def, ws) {}
  bool RunOnDevice() override {
    const Tensor& mask = Input(1);
    int64_t count = 0;
    for (int64_t i = 0; i < mask.numel(); ++i) count += mask.data<bool>()[i];
    Output(0)->Resize(1);
    Output(0)->mutable_data<int64_t>()[0] = count;
    return true;
  }
};

REGISTER_CPU_OPERATOR(BooleanMask, CountingBooleanMaskOp);
OPERATOR_SCHEMA(BooleanMask).NumInputs(2).NumOutputs(1);
NO_GRADIENT(BooleanMask);

}  // namespace
}  // namespace caffe2

int main() {
  try {
    if (caffe2::CPUOperatorRegistry()->Keys() != std::vector<std::string>{"BooleanMask"}) {
      std::cerr << "caffe2_mask_runtime_consumer: expected only this program's BooleanMask to be registered\n";
      return 1;
    }
    caffe2::Workspace ws;
    for (const char* name : {"data", "mask"}) {
      caffe2::Tensor* t = caffe2::BlobGetMutableTensor(ws.CreateBlob(name));
      t->Resize(3);
      bool* m = t->mutable_data<bool>();
      m[0] = true;
      m[1] = false;
      m[2] = true;
    }
    ws.RunOperatorOnce(caffe2::CreateOperatorDef("BooleanMask", "", {"data", "mask"}, {"count"}));
    const int64_t count = caffe2::BlobGetTensor(*ws.GetBlob("count")).data<int64_t>()[0];
    if (count != 2) {
      std::cerr << "caffe2_mask_runtime_consumer: the program's BooleanMask counted " << count << ", not 2\n";
      return 1;
    }
    std::cout << "caffe2_mask_runtime_consumer: own BooleanMask on caffe2_mask::runtime: ok\n";
  } catch (const std::exception& e) {
    std::cerr << "caffe2_mask_runtime_consumer: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
