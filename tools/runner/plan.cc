#include "tools/runner/plan.h"

#include <algorithm>
#include <climits>
#include <cerrno>
#include <cstdlib>
#include <map>
#include <set>
#include <sstream>

#include <sys/stat.h>
#include <unistd.h>

DEFINE_string(net, "", "The net to run: a NetDef file, binary or protobuf text format (detected from the content).");
DEFINE_string(init_net, "", "A NetDef run once before --net, to create parameters (binary or text).");
DEFINE_string(input, "", "Comma-separated names of the blobs to feed before running, e.g. 'data,mask'.");
DEFINE_string(input_file, "",
              "Comma-separated files, one per --input name: a BlobProto holding a tensor, a bare "
              "TensorProto (each binary or text) or a NumPy .npy file, detected from the content.");
DEFINE_string(input_dims, "",
              "Synthetic inputs instead of --input_file: one shape per --input name, dims separated by "
              "',' and shapes by ';', e.g. '2,3;4'. An empty shape is a scalar.");
DEFINE_string(input_type, "float",
              "Element types of the synthetic inputs, separated by ';' (one for all, or one per input): "
              "float, double, float16, int8, int16, int32, int64, uint8, uint16, bool, string.");
DEFINE_string(output, "",
              "Comma-separated blobs to fetch after the run, or '*' for every tensor in the workspace.");
DEFINE_string(output_folder, "",
              "Write each --output blob to <folder>/<name> (BlobProto) or <folder>/<name>.npy; created "
              "if missing. Without it, a summary of each output goes to stdout.");
DEFINE_string(output_format, "blob", "File format for --output_folder: 'blob' (binary BlobProto, as Caffe2) or 'npy'.");
DEFINE_int32(warmup, 0, "Untimed runs after the first run and before the timed ones.");
DEFINE_int32(iter, 10, "Timed runs; when > 0 the 'Main run finished.' timing line is printed.");
DEFINE_bool(run_individual, false,
            "After the timed runs, time each operator on its own (--iter runs) and print a line per "
            "operator and a per-type summary.");
DEFINE_string(gradient_for, "",
              "Comma-separated blobs whose gradient to add: appends the backward pass (seeded with ones) "
              "before running, so '<blob>_grad' outputs can be fetched.");
DEFINE_string(write_net, "", "Write the net that ran (with the backward pass, if any) to this file, in text format.");
DEFINE_string(ops_library, "",
              "Comma-separated operator libraries (shared libraries, e.g. built with "
              "caffe2_mask_add_operator_library) to load before anything else; their operators, schemas and "
              "gradients are then registered like the built-in ones.");
DEFINE_bool(list_operators, false, "List every registered operator with its one-line summary, then exit.");
DEFINE_string(describe_operator, "", "Print the full schema of this operator (inputs, outputs, arguments, documentation), then exit.");
DEFINE_int64(max_file_bytes, caffe2::SerializationLimits().max_file_bytes,
             "Largest net or input file read, in bytes.");
DEFINE_int32(max_proto_depth, caffe2::SerializationLimits().max_proto_depth,
             "Deepest nesting of protobuf messages accepted in a file.");
DEFINE_int64(max_string_bytes, caffe2::SerializationLimits().max_string_bytes,
             "Longest string element accepted in an input tensor file, in bytes.");
DEFINE_int64(max_tensor_bytes, caffe2::TensorLimits().max_bytes, "Largest tensor allowed, in bytes.");
DEFINE_int64(max_tensor_rank, caffe2::TensorLimits().max_rank, "Largest number of dims a tensor may have.");
DEFINE_int32(print_limit, 64, "Stdout summary: at most this many values per output are printed.");

namespace caffe2::runner {

void Usage(const std::string& message) { throw UsageError{message}; }

bool IsRunnerFlag(const gflags::CommandLineFlagInfo& flag) { return flag.filename == __FILE__; }

std::vector<std::string> Split(const std::string& text, char separator, bool keep_empty) {
  std::vector<std::string> parts;
  if (text.empty()) return parts;
  std::string current;
  std::istringstream in(text);
  while (std::getline(in, current, separator)) {
    if (keep_empty || !current.empty()) parts.push_back(current);
  }
  if (keep_empty && text.back() == separator) parts.push_back("");
  return parts;
}

namespace {

std::string Trim(const std::string& s) {
  const auto begin = s.find_first_not_of(" \t");
  if (begin == std::string::npos) return "";
  const auto end = s.find_last_not_of(" \t");
  return s.substr(begin, end - begin + 1);
}

bool GivenOnCommandLine(const char* flag) {
  gflags::CommandLineFlagInfo info;
  return gflags::GetCommandLineFlagInfo(flag, &info) && !info.is_default;
}

// A comma-separated list of blob names: an empty entry is a mistake (a blob name cannot be empty),
// and so is a list that was given but names nothing.
std::vector<std::string> BlobNames(const char* flag, const std::string& text) {
  if (text.empty()) {
    if (GivenOnCommandLine(flag)) Usage(MakeString("--", flag, " is given but names no blob; give blob names separated by ','"));
    return {};
  }
  auto names = Split(text, ',', true);
  for (size_t i = 0; i < names.size(); ++i) {
    if (names[i].empty()) {
      Usage(MakeString("--", flag, "='", text, "': entry ", i + 1, " of ", names.size(),
                       " is empty; blob names cannot be empty (remove the extra ',')"));
    }
  }
  return names;
}

std::vector<InputSpec> PlanInputs() {
  const auto names = BlobNames("input", FLAGS_input);
  const auto files = Split(FLAGS_input_file, ',');
  std::vector<InputSpec> inputs;
  if (names.empty()) {
    if (!files.empty() || !FLAGS_input_dims.empty()) {
      Usage("--input_file and --input_dims need --input, the names of the blobs to feed");
    }
    return inputs;
  }
  std::set<std::string> seen;
  for (const auto& name : names) {
    if (!seen.insert(name).second) Usage(MakeString("--input names blob '", name, "' twice"));
  }
  if (!files.empty() && !FLAGS_input_dims.empty()) {
    Usage("give either --input_file (inputs read from files) or --input_dims (synthetic inputs), not both");
  }
  if (!files.empty()) {
    if (files.size() != names.size()) {
      Usage(MakeString("--input names ", names.size(), " blob", names.size() == 1 ? "" : "s", " (", FLAGS_input,
                       ") but --input_file gives ", files.size(), " file", files.size() == 1 ? "" : "s", " (",
                       FLAGS_input_file, "); give one file per blob, in the same order"));
    }
    for (size_t i = 0; i < names.size(); ++i) inputs.push_back(InputSpec{names[i], files[i], {}, TypeMeta()});
    return inputs;
  }
  if (FLAGS_input_dims.empty()) {
    Usage(MakeString("--input names ", names.size(),
                     " blob(s) but neither --input_file nor --input_dims says what to feed"));
  }
  const auto shapes = Split(FLAGS_input_dims, ';', true);
  if (shapes.size() != names.size()) {
    Usage(MakeString("--input names ", names.size(), " blob(s) but --input_dims gives ", shapes.size(),
                     " shape(s) ('", FLAGS_input_dims, "'); separate shapes with ';'"));
  }
  const auto types = Split(FLAGS_input_type, ';', true);
  if (types.size() != 1 && types.size() != names.size()) {
    Usage(MakeString("--input_type gives ", types.size(), " types for ", names.size(),
                     " inputs; give one type for all or one per input, separated by ';'"));
  }
  for (size_t i = 0; i < names.size(); ++i) {
    inputs.push_back(InputSpec{names[i], "", ParseDims(shapes[i], i), ParseType(types.size() == 1 ? types[0] : types[i])});
  }
  return inputs;
}

void CheckWritableDirectory(const std::string& dir, const char* what) {
  struct stat st;
  if (::stat(dir.c_str(), &st) != 0) Usage(MakeString(what, ": folder '", dir, "' does not exist"));
  if (!S_ISDIR(st.st_mode)) Usage(MakeString(what, ": '", dir, "' is not a folder"));
  if (::access(dir.c_str(), W_OK) != 0) Usage(MakeString(what, ": folder '", dir, "' is not writable"));
}

// The parent of a folder path given by the user ("a/b/" -> "a").
std::string ParentDir(const std::string& path) {
  std::string p = path;
  while (p.size() > 1 && p.back() == '/') p.pop_back();
  return DirectoryOf(p);
}

void PlanOutputs(RunPlan* plan) {
  if (!FLAGS_output_folder.empty() && FLAGS_output.empty()) {
    Usage("--output_folder needs --output: the blobs to write (a,b or '*')");
  }
  for (const auto& name : BlobNames("output", FLAGS_output)) {
    if (std::find(plan->outputs.begin(), plan->outputs.end(), name) == plan->outputs.end()) plan->outputs.push_back(name);
  }
  plan->all_outputs = plan->outputs.size() == 1 && plan->outputs[0] == "*";
  if (plan->all_outputs) plan->outputs.clear();
  if (std::find(plan->outputs.begin(), plan->outputs.end(), "*") != plan->outputs.end()) {
    Usage("--output: '*' must be given alone");
  }
  if (FLAGS_output_format == "npy") {
    plan->output_format = TensorFileFormat::kNpy;
  } else if (FLAGS_output_format != "blob") {
    Usage(MakeString("--output_format is '", FLAGS_output_format, "'; use 'blob' or 'npy'"));
  }
  plan->output_folder = FLAGS_output_folder;
  if (!plan->output_folder.empty()) {
    for (const auto& name : plan->outputs) {
      const std::string problem = OutputFileNameProblem(name, plan->output_format);
      if (!problem.empty()) Usage("--output: " + problem);
    }
    struct stat st;
    if (::stat(plan->output_folder.c_str(), &st) == 0) {
      CheckWritableDirectory(plan->output_folder, "--output_folder");
    } else {
      CheckWritableDirectory(ParentDir(plan->output_folder), "--output_folder (to create it in)");
    }
  }
  plan->write_net = FLAGS_write_net;
  if (!plan->write_net.empty()) {
    if (FileNameOf(plan->write_net).empty()) Usage(MakeString("--write_net: '", plan->write_net, "' names a folder, not a file"));
    CheckWritableDirectory(DirectoryOf(plan->write_net), "--write_net");
  }
}

}  // namespace

std::string OutputFileName(const std::string& blob, TensorFileFormat format) {
  std::string name = blob;
  std::replace(name.begin(), name.end(), '/', '_');
  if (name == "." || name == "..") name = "_" + name;
  return format == TensorFileFormat::kNpy ? name + ".npy" : name;
}

std::string OutputFileNameProblem(const std::string& blob, TensorFileFormat format) {
  if (blob.empty()) return "a blob has an empty name, which cannot be a file name in --output_folder";
  const std::string file = OutputFileName(blob, format);
  if (file.size() > NAME_MAX) {
    return MakeString("blob '", blob.substr(0, 40), "...' (", blob.size(), " bytes) would be written to a file name of ",
                      file.size(), " bytes, more than the file-name limit of ", NAME_MAX, " bytes (NAME_MAX)");
  }
  return "";
}

std::vector<int64_t> ParseDims(const std::string& text, size_t index) {
  std::vector<int64_t> dims;
  for (const auto& part : Split(text, ',', true)) {
    const std::string item = Trim(part);
    if (item.empty() && Trim(text).empty()) break;
    char* end = nullptr;
    errno = 0;
    const long long value = std::strtoll(item.c_str(), &end, 10);
    if (item.empty() || *end != '\0' || errno != 0 || value < 0) {
      Usage(MakeString("--input_dims: shape ", index + 1, " ('", text, "') has '", item,
                       "', which is not a non-negative integer; write shapes like '2,3;4'"));
    }
    dims.push_back(value);
  }
  return dims;
}

TypeMeta ParseType(const std::string& raw) {
  const std::string name = Trim(raw);
  static const std::map<std::string, TypeMeta> types = {
      {"float", TypeMeta::Make<float>()},       {"float32", TypeMeta::Make<float>()},
      {"double", TypeMeta::Make<double>()},     {"float64", TypeMeta::Make<double>()},
      {"float16", TypeMeta::Make<float16>()},   {"half", TypeMeta::Make<float16>()},
      {"int8", TypeMeta::Make<int8_t>()},       {"int8_t", TypeMeta::Make<int8_t>()},
      {"int16", TypeMeta::Make<int16_t>()},     {"int16_t", TypeMeta::Make<int16_t>()},
      {"int32", TypeMeta::Make<int32_t>()},     {"int", TypeMeta::Make<int32_t>()},
      {"int32_t", TypeMeta::Make<int32_t>()},   {"int64", TypeMeta::Make<int64_t>()},
      {"int64_t", TypeMeta::Make<int64_t>()},   {"uint8", TypeMeta::Make<uint8_t>()},
      {"uint8_t", TypeMeta::Make<uint8_t>()},   {"uint16", TypeMeta::Make<uint16_t>()},
      {"uint16_t", TypeMeta::Make<uint16_t>()}, {"bool", TypeMeta::Make<bool>()},
      {"string", TypeMeta::Make<std::string>()}};
  auto it = types.find(name);
  if (it == types.end()) {
    Usage(MakeString("--input_type: '", name,
                     "' is not a type; use float, double, float16, int8, int16, int32, int64, uint8, "
                     "uint16, bool or string"));
  }
  return it->second;
}

RunPlan PlanFromFlags() {
  RunPlan plan;
  if (FLAGS_max_file_bytes < 0 || FLAGS_max_string_bytes < 0 || FLAGS_max_proto_depth < 1 ||
      FLAGS_max_tensor_bytes < 0 || FLAGS_max_tensor_rank < 0) {
    Usage("--max_file_bytes, --max_string_bytes, --max_tensor_bytes and --max_tensor_rank must be >= 0 and --max_proto_depth >= 1");
  }
  plan.serialization_limits.max_file_bytes = FLAGS_max_file_bytes;
  plan.serialization_limits.max_proto_depth = FLAGS_max_proto_depth;
  plan.serialization_limits.max_string_bytes = FLAGS_max_string_bytes;
  plan.tensor_limits.max_bytes = FLAGS_max_tensor_bytes;
  plan.tensor_limits.max_rank = FLAGS_max_tensor_rank;
  plan.print_limit = std::max<int64_t>(FLAGS_print_limit, 0);

  plan.ops_libraries = Split(FLAGS_ops_library, ',', true);
  for (size_t i = 0; i < plan.ops_libraries.size(); ++i) {
    if (plan.ops_libraries[i].empty()) {
      Usage(MakeString("--ops_library='", FLAGS_ops_library, "': entry ", i + 1, " of ", plan.ops_libraries.size(),
                       " is empty; give library paths separated by ','"));
    }
  }
  plan.list_operators = FLAGS_list_operators;
  plan.describe_operator = FLAGS_describe_operator;
  if (plan.documentation_only()) return plan;

  if (FLAGS_net.empty()) Usage("--net is required (a NetDef file); see --help");
  plan.net = FLAGS_net;
  plan.init_net = FLAGS_init_net;
  if (FLAGS_warmup < 0 || FLAGS_iter < 0) Usage("--warmup and --iter must be >= 0");
  if (FLAGS_run_individual && FLAGS_iter == 0) Usage("--run_individual times --iter runs; give --iter > 0");
  plan.warmup = FLAGS_warmup;
  plan.iter = FLAGS_iter;
  plan.run_individual = FLAGS_run_individual;
  PlanOutputs(&plan);
  plan.gradient_for = BlobNames("gradient_for", FLAGS_gradient_for);
  plan.inputs = PlanInputs();
  return plan;
}

}  // namespace caffe2::runner
