// A program built against the installed package: creates a Workspace, feeds tensors, creates an
// operator from an OperatorDef, runs it and checks the output; then loads an operator library built
// out of tree and runs its operator on that output. Exits non-zero on any mismatch.
#include <caffe2_mask/caffe2_mask.h>

#include <cstdint>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

namespace {

int Fail(const std::string& what) {
  std::cerr << "caffe2_mask_consumer: " << what << "\n";
  return 1;
}

}  // namespace

int main() {
  try {
    caffe2::Workspace ws;

    caffe2::Tensor* data = caffe2::BlobGetMutableTensor(ws.CreateBlob("data"));
    data->Resize(4, 2);
    float* d = data->mutable_data<float>();
    for (int i = 0; i < 8; ++i) d[i] = static_cast<float>(i);

    caffe2::Tensor* mask = caffe2::BlobGetMutableTensor(ws.CreateBlob("mask"));
    mask->Resize(4);
    bool* m = mask->mutable_data<bool>();
    m[0] = true;
    m[1] = false;
    m[2] = false;
    m[3] = true;

    const caffe2::OperatorDef def =
        caffe2::CreateOperatorDef("BooleanMask", "consumer", {"data", "mask"}, {"masked", "indices"});
    std::unique_ptr<caffe2::OperatorBase> op = caffe2::CreateOperator(def, &ws);
    op->Run();

    const caffe2::Tensor& masked = caffe2::BlobGetTensor(*ws.GetBlob("masked"));
    if (masked.sizes() != std::vector<int64_t>{2, 2}) return Fail("masked has shape " + caffe2::ShapeString(masked.sizes()));
    const std::vector<float> expected = {0, 1, 6, 7};
    for (int i = 0; i < 4; ++i) {
      if (masked.data<float>()[i] != expected[i]) return Fail("masked value " + std::to_string(i) + " is wrong");
    }
    const caffe2::Tensor& indices = caffe2::BlobGetTensor(*ws.GetBlob("indices"));
    if (indices.numel() != 2 || indices.data<int64_t>()[0] != 0 || indices.data<int64_t>()[1] != 3) {
      return Fail("masked_indices are wrong");
    }

    // The error channel works across the package boundary too.
    try {
      ws.RunOperatorOnce(caffe2::CreateOperatorDef("BooleanMsk", "", {"data", "mask"}, {"x"}));
      return Fail("an unknown operator type was accepted");
    } catch (const caffe2::EnforceNotMet& e) {
      if (std::string(e.what()).find("BooleanMask") == std::string::npos) return Fail("no close name in: " + std::string(e.what()));
    }
    // An operator library built out of tree with caffe2_mask_add_operator_library, loaded at run time.
    caffe2::LoadOperatorLibrary(CONSUMER_OPS_LIBRARY);
    if (caffe2::CPUOperatorRegistry()->Where("ConsumerDouble").find(CONSUMER_OPS_LIBRARY) == std::string::npos) {
      return Fail("ConsumerDouble's origin does not name its library: " +
                  caffe2::CPUOperatorRegistry()->Where("ConsumerDouble"));
    }
    ws.RunOperatorOnce(caffe2::CreateOperatorDef("ConsumerDouble", "", {"masked"}, {"doubled"}));
    const caffe2::Tensor& doubled = caffe2::BlobGetTensor(*ws.GetBlob("doubled"));
    for (int i = 0; i < 4; ++i) {
      if (doubled.data<float>()[i] != 2 * expected[i]) return Fail("ConsumerDouble value " + std::to_string(i) + " is wrong");
    }
    std::cout << "caffe2_mask_consumer: BooleanMask from the installed package: ok ("
              << caffe2::CPUOperatorRegistry()->Keys().size() << " operators registered)\n";
  } catch (const std::exception& e) {
    return Fail(e.what());
  }
  return 0;
}
