// Nets: a NetDef's operators, created after the whole def was checked, run in order.
#pragma once

#include <memory>
#include <set>
#include <string>
#include <vector>

#include "caffe2_mask/framework/operator.h"

namespace caffe2 {

class Workspace;

class NetBase {
 public:
  virtual ~NetBase() = default;
  // Runs every operator in order. Returns true; a failing operator stops the run and throws an
  // EnforceNotMet naming the net and the operator (position, type, name).
  virtual bool Run() = 0;

  const std::string& Name() const { return def_.name(); }
  const NetDef& debug_def() const { return def_; }
  const std::vector<std::unique_ptr<OperatorBase>>& operators() const { return operators_; }
  bool UsesBlob(const std::string& name) const { return blobs_used_.count(name) > 0; }

  // Caffe2's benchmark entry point. Declared here because Caffe2 code calls it on a NetBase; defined
  // by the Caffe2 compatibility library (caffe2_mask::caffe2, caffe2/core/net.cc): the runtime has no
  // timing code, and a program that calls it links that library.
  std::vector<float> TEST_Benchmark(int warmup_runs, int main_runs, bool run_individual);

 protected:
  NetBase(const NetDef& def, Workspace* ws);
  NetDef def_;
  std::vector<std::unique_ptr<OperatorBase>> operators_;
  std::set<std::string> blobs_used_;
};

// Runs operators one after another. Every net type Caffe2 users write maps to it: `simple`, `dag`,
// `async_dag`, `async_scheduling`, `async_simple`, `parallel` and no type at all.
class SimpleNet final : public NetBase {
 public:
  SimpleNet(const NetDef& def, Workspace* ws) : NetBase(def, ws) {}
  bool Run() override;
};

// Everything wrong with `def` against `ws`, found without running anything: unknown net type,
// unknown operators, schema violations, non-CPU devices, and inputs that are neither in the workspace
// nor produced by an earlier operator. Each problem is one sentence; empty when there are none.
std::vector<std::string> NetDefProblems(const NetDef& def, const Workspace& ws);

// Checks `def` (reporting every problem at once), then creates its operators. On failure the
// workspace is left as it was: blobs the attempt created are removed.
std::unique_ptr<NetBase> CreateNet(const NetDef& def, Workspace* ws);

// "net 'name'" or "the unnamed net", for messages.
std::string NetDescription(const NetDef& def);

}  // namespace caffe2
