// NetBase::TEST_Benchmark, Caffe2's: kept out of the runtime, which has no timing code.
#include "caffe2/core/net.h"

#include <chrono>
#include <iostream>
#include <map>

namespace caffe2 {

namespace {
double MillisecondsSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
}
}  // namespace

std::vector<float> NetBase::TEST_Benchmark(const int warmup_runs, const int main_runs, const bool run_individual) {
  const std::string net = NetDescription(def_);
  CAFFE_ENFORCE_GE(warmup_runs, 0, "TEST_Benchmark of ", net, ": warmup_runs may not be negative");
  CAFFE_ENFORCE_GT(main_runs, 0, "TEST_Benchmark of ", net, ": main_runs must be positive (times are per run)");
  for (int i = 0; i < warmup_runs; ++i) CAFFE_ENFORCE(Run(), "warmup run ", i, " of ", net, " failed");

  const auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < main_runs; ++i) CAFFE_ENFORCE(Run(), "main run ", i, " of ", net, " failed");
  const double millis = MillisecondsSince(start);
  std::cout << "Main run finished. Milliseconds per iter: " << millis / main_runs
            << ". Iters per second: " << 1000.0 * main_runs / millis << std::endl;

  // As in Caffe2: element 0 is the time per net run, then one element per operator (its time per run
  // when run_individual, else 0).
  std::vector<float> result(1 + operators_.size(), 0.0f);
  result[0] = static_cast<float>(millis / main_runs);
  if (run_individual) {
    std::vector<double> per_op(operators_.size(), 0.0);
    for (int i = 0; i < main_runs; ++i) {
      for (size_t k = 0; k < operators_.size(); ++k) {
        const auto op_start = std::chrono::steady_clock::now();
        CAFFE_ENFORCE(operators_[k]->Run(), "operator #", k, " of ", net, " failed");
        per_op[k] += MillisecondsSince(op_start);
      }
    }
    std::map<std::string, double> per_type;
    for (size_t k = 0; k < operators_.size(); ++k) {
      const OperatorDef& def = operators_[k]->debug_def();
      const std::string& shown = !def.name().empty() ? def.name() : def.output_size() ? def.output(0) : "NO_OUTPUT";
      std::cout << "Operator #" << k << " (" << shown << ", " << def.type() << ") " << per_op[k] / main_runs
                << " ms/iter" << std::endl;
      per_type[def.type()] += per_op[k] / main_runs;
      result[1 + k] = static_cast<float>(per_op[k] / main_runs);
    }
    std::cout << "Time per operator type:" << std::endl;
    for (const auto& [type, ms] : per_type) std::cout << "  " << ms << " ms. " << type << std::endl;
  }
  return result;
}

}  // namespace caffe2
