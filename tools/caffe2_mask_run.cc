// caffe2_mask_run: runs a Caffe2 net from the command line, the way Caffe2's speed_benchmark did (same
// flags, same timing line), plus the backward pass, output files in .npy, operator documentation and
// strict error handling: any failure is one paragraph on stderr and a non-zero exit, and output files
// appear only when the whole run succeeded.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <functional>
#include <iomanip>
#include <iostream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <gflags/gflags.h>
#include <glog/logging.h>
#include <google/protobuf/stubs/logging.h>

#include "caffe2_mask/caffe2_mask.h"
#include "registry/registry.h"

DECLARE_bool(help);

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

namespace caffe2 {
namespace {

constexpr const char* kProgram = "caffe2_mask_run";

// A mistake in the command line rather than in the files or the net; exit code 2.
struct UsageError {
  std::string message;
};
[[noreturn]] void Usage(const std::string& message) { throw UsageError{message}; }

// ---------------------------------------------------------------------------------------------
// Temporary files and signals: a signal handler removes every temporary file this process created.

constexpr int kMaxTempFiles = 4096;
const char* g_temp_files[kMaxTempFiles];
volatile sig_atomic_t g_temp_count = 0;

void OnSignal(int sig) {
  for (int i = 0; i < g_temp_count; ++i) ::unlink(g_temp_files[i]);
  const char* text = sig == SIGINT ? "caffe2_mask_run: interrupted (SIGINT); no output file was written\n"
                                   : "caffe2_mask_run: terminated (SIGTERM); no output file was written\n";
  const ssize_t ignored = ::write(STDERR_FILENO, text, std::strlen(text));
  (void)ignored;
  ::_exit(128 + sig);
}

void InstallSignalHandlers() {
  struct sigaction action {};
  action.sa_handler = OnSignal;
  sigemptyset(&action.sa_mask);
  sigaddset(&action.sa_mask, SIGINT);
  sigaddset(&action.sa_mask, SIGTERM);
  sigaction(SIGINT, &action, nullptr);
  sigaction(SIGTERM, &action, nullptr);
}

void BlockSignals(bool block) {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  sigprocmask(block ? SIG_BLOCK : SIG_UNBLOCK, &set, nullptr);
}

// Files written at the end of a successful run: all go to temporary names first, then all are renamed.
class OutputCommit {
 public:
  void Add(const std::string& path, std::string content) { files_.push_back({path, std::move(content), ""}); }
  bool empty() const { return files_.empty(); }

  // `folder_to_create` is made (one level) first if it does not exist, and removed again on failure.
  void Commit(const std::string& folder_to_create) {
    CAFFE_ENFORCE_LE(files_.size(), static_cast<size_t>(kMaxTempFiles), "too many output files (",
                     files_.size(), "); the limit is ", kMaxTempFiles);
    bool created_folder = false;
    if (!folder_to_create.empty()) {
      struct stat st;
      if (::stat(folder_to_create.c_str(), &st) != 0) {
        CAFFE_ENFORCE(::mkdir(folder_to_create.c_str(), 0755) == 0, "cannot create the output folder '",
                      folder_to_create, "': ", std::strerror(errno));
        created_folder = true;
      }
    }
    size_t renamed = 0;
    try {
      for (auto& file : files_) file.temp = TemporaryPathFor(file.path);
      for (size_t i = 0; i < files_.size(); ++i) {
        // Register the name before the file exists, so an interrupt at any point removes it.
        BlockSignals(true);
        g_temp_files[i] = files_[i].temp.c_str();
        g_temp_count = static_cast<sig_atomic_t>(i + 1);
        BlockSignals(false);
        WriteNewFileSynced(files_[i].temp, files_[i].content);
        std::string().swap(files_[i].content);
      }
      // Renames are quick and must all happen: interrupts wait until they are done.
      BlockSignals(true);
      for (; renamed < files_.size(); ++renamed) RenameFile(files_[renamed].temp, files_[renamed].path);
      g_temp_count = 0;
    } catch (...) {
      BlockSignals(true);
      for (size_t i = 0; i < files_.size(); ++i) {
        ::unlink(i < renamed ? files_[i].path.c_str() : files_[i].temp.c_str());
      }
      g_temp_count = 0;
      if (created_folder) ::rmdir(folder_to_create.c_str());
      BlockSignals(false);
      throw;
    }
  }

 private:
  struct File {
    std::string path;
    std::string content;
    std::string temp;
  };
  std::vector<File> files_;
};

// ---------------------------------------------------------------------------------------------
// Flag parsing helpers

std::vector<std::string> Split(const std::string& text, char separator, bool keep_empty = false) {
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

std::string Trim(const std::string& s) {
  const auto begin = s.find_first_not_of(" \t");
  if (begin == std::string::npos) return "";
  const auto end = s.find_last_not_of(" \t");
  return s.substr(begin, end - begin + 1);
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

// Deterministic synthetic values (documented in docs/net-runner.md): floats ((i*37) % 101)/50 - 1,
// integers (i*7 + 3) % 10, bools (i % 3 != 1), strings "s<i>".
Tensor SyntheticTensor(const std::vector<int64_t>& dims, TypeMeta meta) {
  Tensor t(dims);
  void* data = t.raw_mutable_data(meta);
  const int64_t n = t.numel();
  auto fill = [&](auto* p, auto value_of) {
    for (int64_t i = 0; i < n; ++i) p[i] = value_of(i);
  };
  auto real = [](int64_t i) { return static_cast<double>((i * 37) % 101) / 50.0 - 1.0; };
  auto integer = [](int64_t i) { return (i * 7 + 3) % 10; };
  if (meta.Match<float>()) fill(static_cast<float*>(data), [&](int64_t i) { return static_cast<float>(real(i)); });
  else if (meta.Match<double>()) fill(static_cast<double*>(data), real);
  else if (meta.Match<float16>())
    fill(static_cast<float16*>(data), [&](int64_t i) { return float16(static_cast<float>(real(i))); });
  else if (meta.Match<int8_t>()) fill(static_cast<int8_t*>(data), [&](int64_t i) { return static_cast<int8_t>(integer(i)); });
  else if (meta.Match<int16_t>()) fill(static_cast<int16_t*>(data), [&](int64_t i) { return static_cast<int16_t>(integer(i)); });
  else if (meta.Match<int32_t>()) fill(static_cast<int32_t*>(data), [&](int64_t i) { return static_cast<int32_t>(integer(i)); });
  else if (meta.Match<int64_t>()) fill(static_cast<int64_t*>(data), integer);
  else if (meta.Match<uint8_t>()) fill(static_cast<uint8_t*>(data), [&](int64_t i) { return static_cast<uint8_t>(integer(i)); });
  else if (meta.Match<uint16_t>()) fill(static_cast<uint16_t*>(data), [&](int64_t i) { return static_cast<uint16_t>(integer(i)); });
  else if (meta.Match<bool>()) fill(static_cast<bool*>(data), [](int64_t i) { return i % 3 != 1; });
  else if (meta.Match<std::string>()) fill(static_cast<std::string*>(data), [](int64_t i) { return "s" + std::to_string(i); });
  return t;
}

// ---------------------------------------------------------------------------------------------
// Printing

template <typename T>
void PrintValue(std::ostream& out, const T& v) {
  if constexpr (std::is_same_v<T, bool>) {
    out << (v ? "true" : "false");
  } else if constexpr (std::is_same_v<T, std::string>) {
    out << '"';
    for (unsigned char c : v) {
      if (c == '"' || c == '\\') out << '\\' << c;
      else if (c >= 0x20 && c != 0x7f) out << c;  // UTF-8 passes through
      else out << "\\x" << std::hex << std::setw(2) << std::setfill('0') << int{c} << std::dec << std::setfill(' ');
    }
    out << '"';
  } else if constexpr (std::is_same_v<T, float16>) {
    out << static_cast<float>(v);
  } else if constexpr (std::is_integral_v<T>) {
    out << static_cast<int64_t>(v);
  } else {
    out << v;
  }
}

template <typename T>
void PrintValues(std::ostream& out, const Tensor& t, int64_t limit) {
  const T* data = t.data<T>();
  const int64_t n = t.numel();
  const auto& dims = t.sizes();
  if (n <= limit && dims.size() >= 1) {
    // Nested like NumPy: one innermost row per line.
    int64_t flat = 0;
    std::function<void(size_t, int)> emit = [&](size_t axis, int indent) {
      out << "[";
      for (int64_t k = 0; k < dims[axis]; ++k) {
        if (axis + 1 == dims.size()) {
          if (k) out << ", ";
          PrintValue(out, data[flat++]);
        } else {
          if (k) out << ",\n" << std::string(indent + 1, ' ');
          emit(axis + 1, indent + 1);
        }
      }
      out << "]";
    };
    out << "  ";
    emit(0, 2);
    out << "\n";
    return;
  }
  if (dims.empty()) {
    out << "  ";
    PrintValue(out, data[0]);
    out << "\n";
    return;
  }
  out << "  [";
  const int64_t shown = std::min(n, limit);
  for (int64_t i = 0; i < shown; ++i) {
    if (i) out << ", ";
    PrintValue(out, data[i]);
  }
  if (shown < n) out << ", ...";
  out << "]";
  if (shown < n) out << "  (first " << shown << " of " << n << " values, flattened)";
  out << "\n";
}

void PrintSummary(std::ostream& out, const std::string& name, const Tensor& t) {
  out << name << ": " << t.dtype().name() << " " << ShapeString(t.sizes()) << "\n";
  const int64_t limit = std::max<int64_t>(FLAGS_print_limit, 0);
  const TypeMeta m = t.dtype();
  if (m.Match<float>()) PrintValues<float>(out, t, limit);
  else if (m.Match<double>()) PrintValues<double>(out, t, limit);
  else if (m.Match<float16>()) PrintValues<float16>(out, t, limit);
  else if (m.Match<int8_t>()) PrintValues<int8_t>(out, t, limit);
  else if (m.Match<int16_t>()) PrintValues<int16_t>(out, t, limit);
  else if (m.Match<int32_t>()) PrintValues<int32_t>(out, t, limit);
  else if (m.Match<int64_t>()) PrintValues<int64_t>(out, t, limit);
  else if (m.Match<uint8_t>()) PrintValues<uint8_t>(out, t, limit);
  else if (m.Match<uint16_t>()) PrintValues<uint16_t>(out, t, limit);
  else if (m.Match<bool>()) PrintValues<bool>(out, t, limit);
  else if (m.Match<std::string>()) PrintValues<std::string>(out, t, limit);
}

// ---------------------------------------------------------------------------------------------
// Progress on stderr, only for a terminal and only once a phase has taken more than 2 seconds.

class Progress {
 public:
  Progress(const char* phase, int total) : phase_(phase), total_(total), start_(Clock::now()), last_(start_) {}
  ~Progress() {
    if (shown_) std::fprintf(stderr, "\r\033[K");
  }
  void Update(int done) {
    if (!enabled_) return;
    const auto now = Clock::now();
    if (now - start_ < std::chrono::seconds(2) || now - last_ < std::chrono::milliseconds(250)) return;
    last_ = now;
    shown_ = true;
    const double seconds = std::chrono::duration<double>(now - start_).count();
    std::fprintf(stderr, "\r\033[K%s: %s %d/%d iterations, %.0f s", kProgram, phase_, done, total_, seconds);
    std::fflush(stderr);
  }

 private:
  using Clock = std::chrono::steady_clock;
  static inline const bool enabled_ = ::isatty(STDERR_FILENO) == 1;
  const char* phase_;
  int total_;
  Clock::time_point start_, last_;
  bool shown_ = false;
};

using Clock = std::chrono::steady_clock;
double Millis(Clock::duration d) { return std::chrono::duration<double, std::milli>(d).count(); }

// ---------------------------------------------------------------------------------------------

void ListOperators() {
  const auto names = CPUOperatorRegistry()->Keys();
  size_t width = 0;
  for (const auto& name : names) width = std::max(width, name.size());
  for (const auto& name : names) {
    const OpSchema* schema = OpSchemaRegistry::Schema(name);
    std::cout << std::left << std::setw(static_cast<int>(width + 2)) << name
              << (schema ? schema->Summary() : std::string("(no schema)")) << "\n";
  }
}

void DescribeOperator(const std::string& name) {
  const OpSchema* schema = OpSchemaRegistry::Schema(name);
  if (schema == nullptr) {
    auto known = CPUOperatorRegistry()->Keys();
    const auto close = CloseNames(name, known);
    std::string hint = close.empty() ? std::string(" (run --list_operators to see them all)")
                                     : "; did you mean " + close.front() + "?";
    CAFFE_THROW("--describe_operator: no operator called '", name, "' is registered", hint);
  }
  std::cout << schema->Describe();
  if (!CPUOperatorRegistry()->Has(name)) std::cout << "(schema only: no CPU implementation is registered)\n";
}

struct Input {
  std::string name;
  std::string file;  // empty for synthetic
  Tensor tensor;
};

// Every input, read and checked before anything runs.
std::vector<Input> LoadInputs() {
  const auto names = Split(FLAGS_input, ',');
  const auto files = Split(FLAGS_input_file, ',');
  const auto shapes = Split(FLAGS_input_dims, ';', true);
  std::vector<Input> inputs;
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
    for (size_t i = 0; i < names.size(); ++i) {
      Input input{names[i], files[i], Tensor()};
      try {
        ReadTensorFile(files[i], &input.tensor);
      } catch (EnforceNotMet& e) {
        e.AppendMessage(MakeString("while reading input blob '", names[i], "' (--input_file)"));
        throw;
      }
      inputs.push_back(std::move(input));
    }
    return inputs;
  }
  if (FLAGS_input_dims.empty()) {
    Usage(MakeString("--input names ", names.size(),
                     " blob(s) but neither --input_file nor --input_dims says what to feed"));
  }
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
    const auto dims = ParseDims(shapes[i], i);
    const TypeMeta meta = ParseType(types.size() == 1 ? types[0] : types[i]);
    Input input{names[i], "", Tensor()};
    try {
      input.tensor = SyntheticTensor(dims, meta);
    } catch (EnforceNotMet& e) {
      e.AppendMessage(MakeString("while making synthetic input blob '", names[i], "' (--input_dims)"));
      throw;
    }
    inputs.push_back(std::move(input));
  }
  return inputs;
}

NetDef LoadNet(const std::string& path, const char* flag) {
  NetDef net;
  try {
    ReadProtoFromFile(path, &net);
  } catch (EnforceNotMet& e) {
    e.AppendMessage(MakeString("while reading the net (", flag, ")"));
    throw;
  }
  return net;
}

// "a/b" -> "a_b": a blob name must not reach outside the output folder.
std::string OutputFileName(const std::string& blob) {
  std::string name = blob;
  std::replace(name.begin(), name.end(), '/', '_');
  if (name == "." || name == "..") name = "_" + name;
  return name;
}

void CheckWritableDirectory(const std::string& dir, const char* what) {
  struct stat st;
  if (::stat(dir.c_str(), &st) != 0) {
    Usage(MakeString(what, ": folder '", dir, "' does not exist"));
  }
  if (!S_ISDIR(st.st_mode)) Usage(MakeString(what, ": '", dir, "' is not a folder"));
  if (::access(dir.c_str(), W_OK) != 0) Usage(MakeString(what, ": folder '", dir, "' is not writable"));
}

std::string ParentDir(const std::string& path) {
  std::string p = path;
  while (p.size() > 1 && p.back() == '/') p.pop_back();
  const auto slash = p.find_last_of('/');
  if (slash == std::string::npos) return ".";
  return slash == 0 ? "/" : p.substr(0, slash);
}

void TimeIndividualOperators(NetBase* net, int iter) {
  const auto& ops = net->operators();
  std::vector<double> ms(ops.size(), 0.0);
  Progress progress("per-operator run", iter);
  for (int i = 0; i < iter; ++i) {
    for (size_t k = 0; k < ops.size(); ++k) {
      const auto start = Clock::now();
      try {
        ops[k]->Run();
      } catch (EnforceNotMet& e) {
        e.AppendMessage(MakeString("in ", NetDescription(net->debug_def()), " (--run_individual)"));
        throw;
      }
      ms[k] += Millis(Clock::now() - start);
    }
    progress.Update(i + 1);
  }
  double total = 0;
  for (double v : ms) total += v;
  std::map<std::string, double> per_type;
  std::cout << "Time per operator (--run_individual, " << iter << " iterations):\n";
  for (size_t k = 0; k < ops.size(); ++k) {
    const OperatorDef& def = ops[k]->debug_def();
    const double per_iter = ms[k] / iter;
    per_type[def.type()] += per_iter;
    std::cout << "Operator #" << k << " " << def.type() << " \"" << def.name() << "\": " << per_iter
              << " ms/iter (" << std::fixed << std::setprecision(1) << (total > 0 ? 100.0 * ms[k] / total : 0.0)
              << "% of total)\n"
              << std::defaultfloat << std::setprecision(6);
  }
  std::cout << "Time per operator type:\n";
  std::vector<std::pair<double, std::string>> sorted;
  for (const auto& [type, value] : per_type) sorted.push_back({value, type});
  std::sort(sorted.rbegin(), sorted.rend());
  for (const auto& [value, type] : sorted) {
    std::cout << "  " << value << " ms/iter  " << std::fixed << std::setprecision(1)
              << (total > 0 ? 100.0 * value * iter / total : 0.0) << "%  " << type << "\n"
              << std::defaultfloat << std::setprecision(6);
  }
}

int Run() {
  GetSerializationLimits().max_file_bytes = FLAGS_max_file_bytes;
  GetSerializationLimits().max_proto_depth = FLAGS_max_proto_depth;
  GetSerializationLimits().max_string_bytes = FLAGS_max_string_bytes;
  GetTensorLimits().max_bytes = FLAGS_max_tensor_bytes;
  GetTensorLimits().max_rank = FLAGS_max_tensor_rank;
  if (FLAGS_max_file_bytes < 0 || FLAGS_max_string_bytes < 0 || FLAGS_max_proto_depth < 1 || FLAGS_max_tensor_bytes < 0 || FLAGS_max_tensor_rank < 0) {
    Usage("--max_file_bytes, --max_string_bytes, --max_tensor_bytes and --max_tensor_rank must be >= 0 and --max_proto_depth >= 1");
  }

  if (FLAGS_list_operators || !FLAGS_describe_operator.empty()) {
    if (FLAGS_list_operators) ListOperators();
    if (!FLAGS_describe_operator.empty()) DescribeOperator(FLAGS_describe_operator);
    return 0;
  }

  // Check the whole command line before reading anything.
  if (FLAGS_net.empty()) Usage("--net is required (a NetDef file); see --help");
  if (FLAGS_warmup < 0 || FLAGS_iter < 0) Usage("--warmup and --iter must be >= 0");
  if (FLAGS_run_individual && FLAGS_iter == 0) Usage("--run_individual times --iter runs; give --iter > 0");
  if (FLAGS_output_format != "blob" && FLAGS_output_format != "npy") {
    Usage(MakeString("--output_format is '", FLAGS_output_format, "'; use 'blob' or 'npy'"));
  }
  if (!FLAGS_output_folder.empty() && FLAGS_output.empty()) {
    Usage("--output_folder needs --output: the blobs to write (a,b or '*')");
  }
  std::vector<std::string> output_names;
  for (const auto& name : Split(FLAGS_output, ',')) {
    if (std::find(output_names.begin(), output_names.end(), name) == output_names.end()) output_names.push_back(name);
  }
  const bool all_outputs = output_names.size() == 1 && output_names[0] == "*";
  if (!all_outputs && std::find(output_names.begin(), output_names.end(), "*") != output_names.end()) {
    Usage("--output: '*' must be given alone");
  }
  if (!FLAGS_output_folder.empty()) {
    struct stat st;
    if (::stat(FLAGS_output_folder.c_str(), &st) == 0) {
      CheckWritableDirectory(FLAGS_output_folder, "--output_folder");
    } else {
      CheckWritableDirectory(ParentDir(FLAGS_output_folder), "--output_folder (to create it in)");
    }
  }
  if (!FLAGS_write_net.empty()) CheckWritableDirectory(ParentDir(FLAGS_write_net), "--write_net");
  const auto gradient_seeds = Split(FLAGS_gradient_for, ',');

  // Read every file before running anything.
  NetDef init_net;
  if (!FLAGS_init_net.empty()) init_net = LoadNet(FLAGS_init_net, "--init_net");
  NetDef net = LoadNet(FLAGS_net, "--net");
  auto inputs = LoadInputs();

  Workspace ws;
  if (!FLAGS_init_net.empty()) {
    try {
      ws.RunNetOnce(init_net);
    } catch (EnforceNotMet& e) {
      e.AppendMessage(MakeString("while running the init net from file '", FLAGS_init_net, "'"));
      throw;
    }
  }
  for (auto& input : inputs) *BlobGetMutableTensor(ws.CreateBlob(input.name)) = std::move(input.tensor);

  if (!gradient_seeds.empty()) {
    try {
      AddGradientOperators(&net, gradient_seeds);
    } catch (EnforceNotMet& e) {
      e.AppendMessage(MakeString("while adding the backward pass (--gradient_for=", FLAGS_gradient_for,
                                 ") to the net from file '", FLAGS_net, "'"));
      throw;
    }
  }

  NetBase* runner = nullptr;
  try {
    runner = ws.CreateNet(net);
    runner->Run();
    {
      Progress progress("warmup", FLAGS_warmup);
      for (int i = 0; i < FLAGS_warmup; ++i) {
        runner->Run();
        progress.Update(i + 1);
      }
    }
    if (FLAGS_iter > 0) {
      Clock::duration elapsed{};
      {
        Progress progress("main run", FLAGS_iter);
        const auto start = Clock::now();
        for (int i = 0; i < FLAGS_iter; ++i) {
          runner->Run();
          progress.Update(i + 1);
        }
        elapsed = Clock::now() - start;
      }
      const double ms = Millis(elapsed) / FLAGS_iter;
      std::cout << "Main run finished. Milliseconds per iter: " << ms
                << ". Iters per second: " << (ms > 0 ? 1000.0 / ms : 0.0) << std::endl;
    }
    if (FLAGS_run_individual) TimeIndividualOperators(runner, FLAGS_iter);
  } catch (EnforceNotMet& e) {
    e.AppendMessage(MakeString("(net file '", FLAGS_net, "')"));
    throw;
  }

  // Outputs.
  if (all_outputs) {
    output_names.clear();
    for (const auto& name : ws.Blobs()) {
      const Blob* blob = ws.GetBlob(name);
      if (blob->IsType<Tensor>() && blob->Get<Tensor>().dtype().defined()) output_names.push_back(name);
    }
  }
  std::vector<std::pair<std::string, const Tensor*>> outputs;
  for (const auto& name : output_names) {
    const Blob* blob = ws.GetBlob(name);
    if (blob == nullptr) {
      const auto close = CloseNames(name, ws.Blobs());
      CAFFE_THROW("--output: blob '", name, "' does not exist after the run",
                  close.empty() ? std::string() : "; did you mean '" + close.front() + "'?",
                  " (the workspace has ", ws.Blobs().size(), " blobs; --output='*' fetches them all)");
    }
    CAFFE_ENFORCE(blob->IsType<Tensor>(), "--output: blob '", name, "' holds ", blob->TypeName(),
                  ", not a tensor");
    const Tensor& t = blob->Get<Tensor>();
    CAFFE_ENFORCE(t.dtype().defined(), "--output: blob '", name, "' holds a tensor that was never written");
    outputs.push_back({name, &t});
  }

  OutputCommit commit;
  if (!FLAGS_output_folder.empty()) {
    const bool npy = FLAGS_output_format == "npy";
    std::map<std::string, std::string> file_to_blob;
    for (const auto& [name, tensor] : outputs) {
      const std::string file = OutputFileName(name) + (npy ? ".npy" : "");
      auto [it, fresh] = file_to_blob.emplace(file, name);
      CAFFE_ENFORCE(fresh, "--output: blobs '", it->second, "' and '", name, "' would both be written to '",
                    file, "' in --output_folder");
      try {
        commit.Add(FLAGS_output_folder + "/" + file,
                   TensorToFileContent(*tensor, npy ? TensorFileFormat::kNpy : TensorFileFormat::kBlobProto, name));
      } catch (EnforceNotMet& e) {
        e.AppendMessage(MakeString("while serializing output blob '", name, "'"));
        throw;
      }
    }
  }
  if (!FLAGS_write_net.empty()) commit.Add(FLAGS_write_net, ProtoToString(net, ProtoFormat::kText));
  if (!commit.empty()) commit.Commit(FLAGS_output_folder);

  if (FLAGS_output_folder.empty()) {
    for (const auto& [name, tensor] : outputs) PrintSummary(std::cout, name, *tensor);
  }
  std::cout.flush();
  return 0;
}

void PrintError(const std::string& text) {
  std::cout.flush();
  std::cerr << kProgram << ": error: " << text << std::endl;
}

// --help: this program's flags only (gflags' --helpfull shows everything).
void PrintHelp() {
  std::cout << kProgram << ": " << gflags::ProgramUsage() << "\n\nFlags:\n";
  std::vector<gflags::CommandLineFlagInfo> flags;
  gflags::GetAllFlags(&flags);
  for (const auto& flag : flags) {
    if (flag.filename != __FILE__) continue;
    std::cout << "  --" << flag.name << " (" << flag.type << ", default ";
    std::cout << (flag.type == "string" ? "'" + flag.default_value + "'" : flag.default_value) << ")\n";
    std::cout << "      " << flag.description << "\n";
  }
  std::cout << "\nAlso: --helpfull (every flag, including logging), --version.\n"
               "Exit status: 0 success, 1 failure (bad file, net or operator error), 2 bad command line,\n"
               "128+N killed by signal N. Outputs are only written when the whole run succeeded.\n";
}

}  // namespace
}  // namespace caffe2

int main(int argc, char** argv) {
  caffe2::InstallSignalHandlers();
  gflags::SetUsageMessage(
      "runs a Caffe2 net (NetDef, binary or text) on input tensors and prints or saves its outputs and "
      "timing.\nExample: caffe2_mask_run --net net.pbtxt --input data,mask --input_file data.npy,mask.npy "
      "--output '*'");
  gflags::SetVersionString(CAFFE2_MASK_VERSION);
  // Logging: stderr only, warnings and worse, unless the command line says otherwise.
  FLAGS_logtostderr = true;
  FLAGS_minloglevel = google::GLOG_WARNING;
  gflags::ParseCommandLineNonHelpFlags(&argc, &argv, true);
  if (FLAGS_help) {
    caffe2::PrintHelp();
    return 0;
  }
  gflags::HandleCommandLineHelpFlags();  // --helpfull, --version, ... (these exit)
  google::InitGoogleLogging(argv[0]);
  // Parse failures are reported by the runtime's own errors; protobuf's log lines would repeat them.
  google::protobuf::SetLogHandler(nullptr);

  if (argc > 1) {
    caffe2::PrintError(caffe2::MakeString("unexpected argument '", argv[1],
                                          "'; every option is a flag, e.g. --net=PATH (see --help)"));
    return 2;
  }
  try {
    return caffe2::Run();
  } catch (const caffe2::UsageError& e) {
    caffe2::PrintError(e.message);
    return 2;
  } catch (const caffe2::EnforceNotMet& e) {
    std::string text = e.msg();
    for (const auto& context : e.context()) text += "\n  " + context;
    caffe2::PrintError(text);
    return 1;
  } catch (const std::bad_alloc&) {
    caffe2::PrintError("out of memory (lower the work, or check --max_tensor_bytes)");
    return 1;
  } catch (const std::exception& e) {
    caffe2::PrintError(e.what());
    return 1;
  }
}
