// A small builder for operator tests: name the operator, add inputs and arguments, then either expect
// outputs or expect an error whose message contains given pieces.
#pragma once

#include <gtest/gtest.h>

#include <functional>
#include <string>
#include <vector>

#include "caffe2_mask/caffe2_mask.h"

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
    checks_.push_back([this, blob, dims, values]() {
      SCOPED_TRACE("output " + blob);
      const Tensor& out = GetOutput(blob);
      EXPECT_EQ(out.sizes(), dims);
      ASSERT_TRUE(out.IsType<T>()) << "dtype is " << out.dtype().name();
      EXPECT_EQ(ToVector<T>(out), values);
    });
    return *this;
  }

  OperatorDef Def() const { return CreateOperatorDef(type_, name_, inputs_, outputs_, args_); }

  // Runs the operator once and checks the expected outputs.
  void Run();
  // Runs the operator and expects an EnforceNotMet whose message contains every piece.
  void ExpectError(const std::vector<std::string>& pieces);

  const Tensor& GetOutput(const std::string& blob);
  Workspace& workspace() { return ws_; }

 private:
  std::string type_;
  std::string name_;
  std::vector<std::string> inputs_;
  std::vector<std::string> outputs_;
  std::vector<Argument> args_;
  std::vector<std::function<void()>> checks_;
  Workspace ws_;
};

}  // namespace caffe2::testing
