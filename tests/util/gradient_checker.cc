#include "tests/util/gradient_checker.h"

#include <cmath>
#include <random>
#include <sstream>
#include <vector>

namespace caffe2::testing {

namespace {

Tensor& MutableTensor(Workspace* ws, const std::string& blob) {
  Blob* b = ws->GetBlob(blob);
  CAFFE_ENFORCE(b != nullptr, "gradient checker: no blob '", blob, "'");
  return *BlobGetMutableTensor(b);
}

const Tensor& GetTensor(Workspace* ws, const std::string& blob) {
  const Blob* b = ws->GetBlob(blob);
  CAFFE_ENFORCE(b != nullptr && b->IsType<Tensor>(), "gradient checker: no tensor '", blob, "'");
  return b->Get<Tensor>();
}

double Loss(const Tensor& out, const std::vector<double>& w) {
  const double* y = out.data<double>();
  double loss = 0;
  for (int64_t k = 0; k < out.numel(); ++k) {
    if (w[k] != 0) loss += y[k] * w[k];
  }
  return loss;
}

// Central differences of loss() with respect to every element of blob `input`, compared with `analytic`.
template <typename LossFn>
::testing::AssertionResult Compare(Workspace* ws, const std::string& input, const Tensor& analytic, LossFn loss,
                                   const GradientCheckOptions& options) {
  Tensor& x = MutableTensor(ws, input);
  if (!x.IsType<double>()) return ::testing::AssertionFailure() << "input '" << input << "' must be double";
  if (!analytic.IsType<double>() || analytic.sizes() != x.sizes()) {
    return ::testing::AssertionFailure() << "the gradient of '" << input << "' is " << analytic.DebugString()
                                         << " but the input is " << x.DebugString();
  }
  std::ostringstream failures;
  int bad = 0;
  const int64_t n = x.numel();
  for (int64_t k = 0; k < n; ++k) {
    double* data = x.mutable_data<double>();
    const double saved = data[k];
    data[k] = saved + options.step;
    const double plus = loss();
    data = x.mutable_data<double>();
    data[k] = saved - options.step;
    const double minus = loss();
    data = x.mutable_data<double>();
    data[k] = saved;
    const double numeric = (plus - minus) / (2 * options.step);
    const double got = analytic.data<double>()[k];
    if (!(std::abs(got - numeric) <= options.tolerance * (1 + std::abs(numeric)))) {
      if (++bad <= 5) failures << "\n  element " << k << ": analytic " << got << ", numeric " << numeric;
    }
  }
  if (bad > 0) {
    return ::testing::AssertionFailure() << bad << " of " << n << " gradient elements of '" << input
                                         << "' differ:" << failures.str();
  }
  return ::testing::AssertionSuccess() << n << " elements agree";
}

}  // namespace

::testing::AssertionResult CheckOperatorGradient(const OperatorDef& def, Workspace* ws, int input_index,
                                                 int output_index, const GradientCheckOptions& options) {
  try {
    ws->RunOperatorOnce(def);
    const Tensor& out = GetTensor(ws, def.output(output_index));
    if (!out.IsType<double>()) return ::testing::AssertionFailure() << "the checked output must be double";
    std::mt19937 rng(options.seed);
    std::uniform_real_distribution<double> dist(-1.0, 1.0);
    std::vector<double> w(out.numel());
    for (int64_t k = 0; k < out.numel(); ++k) w[k] = std::isfinite(out.data<double>()[k]) ? dist(rng) : 0.0;

    const std::string seed_blob = def.output(output_index) + "_gradient_check_seed";
    Tensor seed(out.sizes());
    std::copy(w.begin(), w.end(), seed.mutable_data<double>());
    BlobGetMutableTensor(ws->CreateBlob(seed_blob))->CopyFrom(seed);

    std::vector<GradientWrapper> g_output(def.output_size());
    g_output[output_index].dense_ = seed_blob;
    const GradientOpsMeta meta = GetGradientForOp(def, g_output);
    for (const auto& op : meta.ops_) ws->RunOperatorOnce(op);
    const std::string& grad_blob = meta.g_input_.at(input_index).dense_;
    if (grad_blob.empty()) {
      return ::testing::AssertionFailure() << def.type() << " gives no gradient for input " << input_index;
    }
    Tensor analytic = GetTensor(ws, grad_blob).Clone();
    return Compare(ws, def.input(input_index), analytic,
                   [&] {
                     ws->RunOperatorOnce(def);
                     return Loss(GetTensor(ws, def.output(output_index)), w);
                   },
                   options);
  } catch (const std::exception& error) {
    return ::testing::AssertionFailure() << "gradient check of " << def.type() << " failed: " << error.what();
  }
}

::testing::AssertionResult CheckNetGradient(const NetDef& net, Workspace* ws, const std::string& input_blob,
                                            const std::string& output_blob, const GradientCheckOptions& options) {
  try {
    NetDef with_gradient = net;
    const int forward_ops = with_gradient.op_size();
    const auto grads = AddGradientOperators(&with_gradient, {output_blob});
    // The builder seeds with a float ConstantFill; this check runs in double, so seed in double.
    for (int k = forward_ops; k < with_gradient.op_size(); ++k) {
      OperatorDef* op = with_gradient.mutable_op(k);
      if (op->type() == "ConstantFill" && op->input_size() == 1 && op->input(0) == output_blob) {
        SetArgument(op, MakeArgument<int>("dtype", TensorProto::DOUBLE));
      }
    }
    const auto it = grads.find(input_blob);
    if (it == grads.end()) return ::testing::AssertionFailure() << "no gradient reaches '" << input_blob << "'";
    ws->RunNetOnce(with_gradient);
    const Tensor& out = GetTensor(ws, output_blob);
    std::vector<double> w(out.numel());
    for (int64_t k = 0; k < out.numel(); ++k) w[k] = std::isfinite(out.data<double>()[k]) ? 1.0 : 0.0;
    Tensor analytic = GetTensor(ws, it->second).Clone();
    return Compare(ws, input_blob, analytic,
                   [&] {
                     ws->RunNetOnce(net);
                     return Loss(GetTensor(ws, output_blob), w);
                   },
                   options);
  } catch (const std::exception& error) {
    return ::testing::AssertionFailure() << "gradient check of the net failed: " << error.what();
  }
}

}  // namespace caffe2::testing
