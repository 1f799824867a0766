// The runner's command line, checked whole and turned into a RunPlan before any file is read.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <gflags/gflags.h>

#include "caffe2_mask/caffe2_mask.h"

namespace caffe2::runner {

// A mistake in the command line rather than in the files or the net; exit code 2.
struct UsageError {
  std::string message;
};
[[noreturn]] void Usage(const std::string& message);

// One blob to feed: from a file, or synthetic (dims and type).
struct InputSpec {
  std::string name;
  std::string file;  // empty for a synthetic input
  std::vector<int64_t> dims;
  TypeMeta type;
};

struct RunPlan {
  // Operator libraries to load first, in order (also before the documentation modes).
  std::vector<std::string> ops_libraries;

  // Documentation modes: print and exit without running anything.
  bool list_operators = false;
  std::string describe_operator;

  std::string net, init_net;
  std::vector<InputSpec> inputs;
  std::vector<std::string> gradient_for;

  int warmup = 0;
  int iter = 10;
  bool run_individual = false;

  std::vector<std::string> outputs;  // distinct names, in command-line order
  bool all_outputs = false;          // --output '*'
  std::string output_folder;         // empty: print a summary to stdout
  TensorFileFormat output_format = TensorFileFormat::kBlobProto;
  std::string write_net;
  int64_t print_limit = 64;

  SerializationLimits serialization_limits;
  TensorLimits tensor_limits;

  bool documentation_only() const { return list_operators || !describe_operator.empty(); }
};

// The plan the flags describe; every command-line mistake is a UsageError naming the flag.
RunPlan PlanFromFlags();

// The file an output blob is written to in --output_folder: '/' becomes '_' (no output escapes the
// folder), "." and ".." get a '_' in front, and npy adds ".npy".
std::string OutputFileName(const std::string& blob, TensorFileFormat format);
// Why `blob` cannot be written to --output_folder (an empty name, a file name over NAME_MAX), or "".
std::string OutputFileNameProblem(const std::string& blob, TensorFileFormat format);

// Whether `flag` is one of the runner's own (what --help lists).
bool IsRunnerFlag(const gflags::CommandLineFlagInfo& flag);

// Helpers of the flag syntax, exposed for tests. Split drops empty parts unless `keep_empty`.
std::vector<std::string> Split(const std::string& text, char separator, bool keep_empty = false);
std::vector<int64_t> ParseDims(const std::string& text, size_t index);
TypeMeta ParseType(const std::string& name);

}  // namespace caffe2::runner
