// A small builder for operator tests: name the operator, add inputs and arguments, then either expect
// outputs or expect an error whose message contains given pieces.
//
// Run() and ExpectError() run the case once per configuration: every CPU path this machine supports
// (scalar, AVX2, AVX-512) times serial and threaded (a parallel threshold of 0, so even these small
// inputs go through the OpenMP code), like ONNX Runtime's OpTester runs a case on every execution
// provider. Before each run the inputs are restored and every output that is not also an input is
// pre-filled with a poison pattern (NaN with payload 0xA5 for floats, 0xA5 bytes otherwise), so an
// element the operator leaves unwritten fails the comparison instead of passing by luck.
#pragma once

#include <gtest/gtest.h>

#include <cstring>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <type_traits>
#include <vector>

#include "caffe2_mask/caffe2_mask.h"
#include "ops/kernels/mask_kernels.h"
#include "ops/kernels/path_kernels.h"

namespace caffe2::testing {

// A tensor filled from values (bool vectors go through std::vector<bool>, so they take an explicit
// copy into a bool array).
template <typename T>
Tensor MakeTensor(const std::vector<int64_t>& dims, const std::vector<T>& values) {
  Tensor tensor(dims);
  EXPECT_EQ(tensor.numel(), static_cast<int64_t>(values.size())) << "test data does not match its shape";
  T* data = tensor.mutable_data<T>();
  for (size_t i = 0; i < values.size() && static_cast<int64_t>(i) < tensor.numel(); ++i) data[i] = values[i];
  return tensor;
}

// Copies a tensor's contents out (T must be its dtype).
template <typename T>
std::vector<T> ToVector(const Tensor& tensor) {
  const T* data = tensor.data<T>();
  return std::vector<T>(data, data + tensor.numel());
}

// The configurations Run() and ExpectError() go through, and the name of one for messages: every CPU
// path this machine supports, and the AVX-512 path emulated with SIMDe (where the tests are built with
// it: CAFFE2_MASK_HAVE_AVX512_EMULATION), so that the AVX-512 logic is tested on any CPU; each serial
// and threaded.
struct RunConfig {
  kernels::CpuPath path;
  bool threaded;
  bool emulated_avx512 = false;  // the kernels run the emulated AVX-512 table (path is then kScalar)
};
std::vector<RunConfig> AllRunConfigs();
// Puts a configuration in force on the calling thread for its lifetime.
class ScopedRunConfig {
 public:
  explicit ScopedRunConfig(const RunConfig& config);
  ~ScopedRunConfig();
  ScopedRunConfig(const ScopedRunConfig&) = delete;
  ScopedRunConfig& operator=(const ScopedRunConfig&) = delete;

 private:
  kernels::ScopedCpuPath path_;
  kernels::ScopedParallelThreshold threshold_;
  std::unique_ptr<kernels::detail::ScopedKernelTable> table_;
};
std::string RunConfigName(const RunConfig& config);

// Fills a tensor of `dims` and dtype T with the poison pattern (T a plain type).
template <typename T>
void FillPoison(Tensor* tensor, const std::vector<int64_t>& dims) {
  tensor->Resize(dims);
  T* data = tensor->mutable_data<T>();
  const auto n = static_cast<size_t>(tensor->numel());
  if constexpr (std::is_same_v<T, float>) {
    const uint32_t bits = 0x7FE5A5A5u;  // a quiet NaN no kernel writes by itself
    for (size_t i = 0; i < n; ++i) std::memcpy(&data[i], &bits, sizeof bits);
  } else if constexpr (std::is_same_v<T, double>) {
    const uint64_t bits = 0x7FFDA5A5A5A5A5A5u;
    for (size_t i = 0; i < n; ++i) std::memcpy(&data[i], &bits, sizeof bits);
  } else {
    std::memset(static_cast<void*>(data), 0xA5, n * sizeof(T));
  }
}

// Runs f and expects an EnforceNotMet whose message contains every piece.
void ExpectThrowContaining(const std::function<void()>& f, const std::vector<std::string>& pieces);

class OperatorTester {
 public:
  explicit OperatorTester(std::string type, std::string name = "") : type_(std::move(type)), name_(std::move(name)) {}

  template <typename T>
  OperatorTester& Input(const std::string& blob, const std::vector<int64_t>& dims, const std::vector<T>& values) {
    BlobGetMutableTensor(ws_.CreateBlob(blob))->CopyFrom(MakeTensor<T>(dims, values));
    inputs_.push_back(blob);
    return *this;
  }
  OperatorTester& InputTensor(const std::string& blob, const Tensor& tensor) {
    BlobGetMutableTensor(ws_.CreateBlob(blob))->CopyFrom(tensor);
    inputs_.push_back(blob);
    return *this;
  }
  // An input name whose blob the test sets up itself (or leaves missing on purpose).
  OperatorTester& InputName(const std::string& blob) {
    inputs_.push_back(blob);
    return *this;
  }
  template <typename T>
  OperatorTester& Arg(const std::string& name, const T& value) {
    args_.push_back(MakeArgument(name, value));
    return *this;
  }
  OperatorTester& Arg(const Argument& arg) {
    args_.push_back(arg);
    return *this;
  }
  OperatorTester& Output(const std::string& blob) {
    outputs_.push_back(blob);
    return *this;
  }
  template <typename T>
  OperatorTester& ExpectOutput(const std::string& blob, const std::vector<int64_t>& dims,
                               const std::vector<T>& values) {
    outputs_.push_back(blob);
    if constexpr (std::is_trivially_copyable_v<T>) {
      poison_[blob] = [dims](Tensor* tensor) { FillPoison<T>(tensor, dims); };
    }
    checks_.push_back([this, blob, dims, values]() {
      SCOPED_TRACE("output " + blob);
      const Tensor& out = GetOutput(blob);
      EXPECT_EQ(out.sizes(), dims);
      ASSERT_TRUE(out.IsType<T>()) << "dtype is " << out.dtype().name();
      if constexpr (std::is_same_v<T, bool>) {
        // Compared as bytes: a poison byte left in a bool output is no valid bool to load.
        std::vector<uint8_t> got(static_cast<size_t>(out.numel()));
        if (!got.empty()) std::memcpy(got.data(), out.raw_data(), got.size());
        EXPECT_EQ(got, std::vector<uint8_t>(values.begin(), values.end()));
      } else {
        EXPECT_EQ(ToVector<T>(out), values);
      }
    });
    return *this;
  }

  OperatorDef Def() const { return CreateOperatorDef(type_, name_, inputs_, outputs_, args_); }

  // Runs the operator in every configuration and checks the expected outputs after each.
  void Run();
  // Runs the operator in every configuration and expects an EnforceNotMet whose message contains
  // every piece.
  void ExpectError(const std::vector<std::string>& pieces);

  // After Run(): the outputs of the last configuration.
  const Tensor& GetOutput(const std::string& blob);
  Workspace& workspace() { return ws_; }

 private:
  // Runs `body` once per configuration, after restoring the inputs and poisoning the outputs.
  void ForEachConfig(const std::function<void()>& body);
  void PrepareRun();

  std::string type_;
  std::string name_;
  std::vector<std::string> inputs_;
  std::vector<std::string> outputs_;
  std::vector<Argument> args_;
  std::vector<std::function<void()>> checks_;
  // Poison fillers of the outputs whose dtype and shape are expected; other outputs get raw bytes.
  std::map<std::string, std::function<void(Tensor*)>> poison_;
  // The input tensors (and outputs the test set up itself) as they were before the first run,
  // restored before each run: an operator may work in place.
  std::map<std::string, std::unique_ptr<Tensor>> saved_inputs_;
  bool inputs_saved_ = false;
  Workspace ws_;
};

}  // namespace caffe2::testing
