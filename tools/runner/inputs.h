// Reading what the plan names: the nets and every input tensor, all before anything runs.
#pragma once

#include <string>
#include <vector>

#include "tools/runner/plan.h"

namespace caffe2::runner {

struct LoadedInput {
  std::string name;
  Tensor tensor;
};

// Every input of the plan, read from its file or made synthetic; errors name the blob and the flag.
std::vector<LoadedInput> LoadInputs(const std::vector<InputSpec>& inputs);

// Deterministic synthetic values (documented in docs/net-runner.md): floats ((i*37) % 101)/50 - 1,
// integers (i*7 + 3) % 10, bools (i % 3 != 1), strings "s<i>".
Tensor SyntheticTensor(const std::vector<int64_t>& dims, TypeMeta meta);

// A NetDef file, binary or text; `flag` ("--net") goes into the error context.
NetDef LoadNet(const std::string& path, const char* flag);

}  // namespace caffe2::runner
