#include "tools/runner/run.h"

#include <unistd.h>

#include <cerrno>
#include <csignal>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <map>

#include <glog/logging.h>
#include <google/protobuf/stubs/logging.h>

#include "registry/registry.h"
#include "tools/runner/inputs.h"
#include "tools/runner/output_commit.h"
#include "tools/runner/printing.h"
#include "tools/runner/signals.h"
#include "tools/runner/test_pause.h"

DECLARE_bool(help);

namespace caffe2::runner {
namespace {

constexpr const char* kProgram = "caffe2_mask_run";

using Clock = std::chrono::steady_clock;
double Millis(Clock::duration d) { return std::chrono::duration<double, std::milli>(d).count(); }

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
  static inline const bool enabled_ = ::isatty(STDERR_FILENO) == 1;
  const char* phase_;
  int total_;
  Clock::time_point start_, last_;
  bool shown_ = false;
};

// Runs `net` `count` times; returns the milliseconds taken.
double RunTimes(NetBase* net, int count, const char* phase) {
  Progress progress(phase, count);
  const auto start = Clock::now();
  for (int i = 0; i < count; ++i) {
    net->Run();
    progress.Update(i + 1);
  }
  return Millis(Clock::now() - start);
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
  PrintOperatorTimes(std::cout, *net, ms, iter);
}

// ---- the phases of Run ----

struct Loaded {
  NetDef init_net, net;
  std::vector<LoadedInput> inputs;
};

// Every file, read and checked before anything runs.
Loaded Load(const RunPlan& plan) {
  Loaded loaded;
  if (!plan.init_net.empty()) loaded.init_net = LoadNet(plan.init_net, "--init_net");
  loaded.net = LoadNet(plan.net, "--net");
  loaded.inputs = LoadInputs(plan.inputs);
  return loaded;
}

// The init net, the inputs, the backward pass; then the net's runs and their timing. Returns the net
// that ran (for --write_net).
NetDef Execute(const RunPlan& plan, Loaded loaded, Workspace* ws) {
  if (!plan.init_net.empty()) {
    try {
      ws->RunNetOnce(loaded.init_net);
    } catch (EnforceNotMet& e) {
      e.AppendMessage(MakeString("while running the init net from file '", plan.init_net, "'"));
      throw;
    }
  }
  for (auto& input : loaded.inputs) *BlobGetMutableTensor(ws->CreateBlob(input.name)) = std::move(input.tensor);
  NetDef& net = loaded.net;
  if (!plan.gradient_for.empty()) {
    try {
      AddGradientOperators(&net, plan.gradient_for);
    } catch (EnforceNotMet& e) {
      std::string seeds;
      for (const auto& s : plan.gradient_for) seeds += (seeds.empty() ? "" : ",") + s;
      e.AppendMessage(MakeString("while adding the backward pass (--gradient_for=", seeds, ") to the net from file '",
                                 plan.net, "'"));
      throw;
    }
  }
  try {
    NetBase* runner = ws->CreateNet(net);
    runner->Run();
    RunTimes(runner, plan.warmup, "warmup");
    if (plan.iter > 0) PrintTimingLine(std::cout, RunTimes(runner, plan.iter, "main run"), plan.iter);
    if (plan.run_individual) TimeIndividualOperators(runner, plan.iter);
  } catch (EnforceNotMet& e) {
    e.AppendMessage(MakeString("(net file '", plan.net, "')"));
    throw;
  }
  return net;
}

// The tensors the plan asks for, each checked to exist and hold data.
std::vector<std::pair<std::string, const Tensor*>> FetchOutputs(const RunPlan& plan, const Workspace& ws) {
  std::vector<std::string> names = plan.outputs;
  if (plan.all_outputs) {
    for (const auto& name : ws.Blobs()) {
      const Blob* blob = ws.GetBlob(name);
      if (blob->IsType<Tensor>() && blob->Get<Tensor>().dtype().defined()) names.push_back(name);
    }
  }
  std::vector<std::pair<std::string, const Tensor*>> outputs;
  for (const auto& name : names) {
    const Blob* blob = ws.GetBlob(name);
    if (blob == nullptr) {
      const auto close = CloseNames(name, ws.Blobs());
      CAFFE_THROW("--output: blob '", name, "' does not exist after the run",
                  close.empty() ? std::string() : "; did you mean '" + close.front() + "'?",
                  " (the workspace has ", ws.Blobs().size(), " blobs; --output='*' fetches them all)");
    }
    CAFFE_ENFORCE(blob->IsType<Tensor>(), "--output: blob '", name, "' holds ", blob->TypeName(), ", not a tensor");
    const Tensor& t = blob->Get<Tensor>();
    CAFFE_ENFORCE(t.dtype().defined(), "--output: blob '", name, "' holds a tensor that was never written");
    if (!plan.output_folder.empty()) {
      const std::string problem = OutputFileNameProblem(name, plan.output_format);
      CAFFE_ENFORCE(problem.empty(), "--output: ", problem);
    }
    outputs.push_back({name, &t});
  }
  return outputs;
}

// Output files (and --write_net) through one commit: each output is written from its tensor's buffer
// into its temporary file (no serialized copy in memory); or, without --output_folder, summaries on stdout.
void Write(const RunPlan& plan, const NetDef& net, const Workspace& ws) {
  const auto outputs = FetchOutputs(plan, ws);
  if (plan.output_folder.empty() && plan.write_net.empty()) {
    for (const auto& [name, tensor] : outputs) PrintSummary(std::cout, name, *tensor, plan.print_limit);
    return;
  }
  OutputCommit commit;
  if (!plan.output_folder.empty()) {
    commit.CreateFolder(plan.output_folder);
    std::map<std::string, std::string> file_to_blob;
    for (const auto& [name, tensor] : outputs) {
      const std::string file = OutputFileName(name, plan.output_format);
      auto [it, fresh] = file_to_blob.emplace(file, name);
      CAFFE_ENFORCE(fresh, "--output: blobs '", it->second, "' and '", name, "' would both be written to '", file,
                    "' in --output_folder");
      try {
        const Tensor& value = *tensor;
        const std::string& blob_name = name;
        commit.Stage(plan.output_folder + "/" + file, [&](const ByteSink& sink) {
          WriteTensorFileContent(value, plan.output_format, blob_name, sink);
        });
      } catch (EnforceNotMet& e) {
        e.AppendMessage(MakeString("while writing output blob '", name, "'"));
        throw;
      }
    }
  }
  if (!plan.write_net.empty()) commit.Stage(plan.write_net, ProtoToString(net, ProtoFormat::kText));
  TestPause("staged");
  commit.Commit();
  if (plan.output_folder.empty()) {
    for (const auto& [name, tensor] : outputs) PrintSummary(std::cout, name, *tensor, plan.print_limit);
  }
}

// SIGPIPE is blocked (signals.h), so a reader that went away shows as a failed write to stdout, not as
// a signal. The run then ends the way SIGPIPE would have ended it (128 + 13), with a message; output
// files were committed before anything was printed, so they stay.
int ExitCodeForStdout() {
  std::cout.flush();
  if (std::cout) return 0;
  const bool broken_pipe = errno == EPIPE;
  std::cerr << kProgram << ": error: cannot write to standard output"
            << (broken_pipe ? " (its reader closed the pipe)" : "")
            << "; the printed results are incomplete (output files, if any, were committed)" << std::endl;
  return broken_pipe ? 128 + SIGPIPE : 1;
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
    if (!IsRunnerFlag(flag)) continue;
    std::cout << "  --" << flag.name << " (" << flag.type << ", default ";
    std::cout << (flag.type == "string" ? "'" + flag.default_value + "'" : flag.default_value) << ")\n";
    std::cout << "      " << flag.description << "\n";
  }
  std::cout << "\nAlso: --helpfull (every flag, including logging), --version.\n"
               "Exit status: 0 success, 1 failure (bad file, net or operator error), 2 bad command line,\n"
               "128+N ended by signal N. Outputs are only written when the whole run succeeded.\n";
}

// gflags reports a flag it cannot parse on stderr and calls exit(1). The runner documents exit 2 for
// every command-line mistake: while gflags parses, its stderr goes to a temporary file, and an exit
// during that time is turned into one error paragraph and exit 2.
FILE* g_flag_errors = nullptr;
int g_saved_stderr = -1;

void ReportFlagParseError() {
  if (g_flag_errors == nullptr) return;
  std::fflush(stderr);
  ::dup2(g_saved_stderr, STDERR_FILENO);
  std::string text;
  std::rewind(g_flag_errors);
  for (int c; (c = std::fgetc(g_flag_errors)) != EOF;) text += static_cast<char>(c);
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
  if (text.rfind("ERROR: ", 0) == 0) text.erase(0, 7);
  std::fprintf(stderr, "%s: error: %s (see --help)\n", kProgram, text.empty() ? "bad command line" : text.c_str());
  std::fflush(stderr);
  ::_exit(2);
}

void ParseFlags(int* argc, char*** argv) {
  g_flag_errors = std::tmpfile();
  if (g_flag_errors != nullptr) {
    std::fflush(stderr);
    g_saved_stderr = ::dup(STDERR_FILENO);
    ::dup2(::fileno(g_flag_errors), STDERR_FILENO);
    std::atexit(ReportFlagParseError);
  }
  gflags::ParseCommandLineNonHelpFlags(argc, argv, true);
  if (g_flag_errors != nullptr) {
    std::fflush(stderr);
    ::dup2(g_saved_stderr, STDERR_FILENO);
    ::close(g_saved_stderr);
    std::fclose(g_flag_errors);
    g_flag_errors = nullptr;
  }
}

}  // namespace

int Run(const RunPlan& plan) {
  SetSerializationLimits(plan.serialization_limits);
  SetTensorLimits(plan.tensor_limits);
  for (const auto& library : plan.ops_libraries) LoadOperatorLibrary(library);
  if (plan.documentation_only()) {
    if (plan.list_operators) ListOperators(std::cout);
    if (!plan.describe_operator.empty()) DescribeOperator(std::cout, plan.describe_operator);
    return 0;
  }
  Loaded loaded = Load(plan);
  TestPause("loaded");
  Workspace ws;
  const NetDef net = Execute(plan, std::move(loaded), &ws);
  Write(plan, net, ws);
  std::cout.flush();
  return 0;
}

int RunMain(int argc, char** argv) {
  gflags::SetUsageMessage(
      "runs a Caffe2 net (NetDef, binary or text) on input tensors and prints or saves its outputs and "
      "timing.\nExample: caffe2_mask_run --net net.pbtxt --input data,mask --input_file data.npy,mask.npy "
      "--output '*'");
  gflags::SetVersionString(CAFFE2_MASK_VERSION);
  // Logging: stderr only, warnings and worse, unless the command line says otherwise.
  FLAGS_logtostderr = true;
  FLAGS_minloglevel = google::GLOG_WARNING;
  ParseFlags(&argc, &argv);
  if (FLAGS_help) {
    PrintHelp();
    return 0;
  }
  gflags::HandleCommandLineHelpFlags();  // --helpfull, --version, ... (these exit)
  google::InitGoogleLogging(argv[0]);
  // Parse failures are reported by the runtime's own errors; protobuf's log lines would repeat them.
  google::protobuf::SetLogHandler(nullptr);
  if (argc > 1) {
    PrintError(MakeString("unexpected argument '", argv[1], "'; every option is a flag, e.g. --net=PATH (see --help)"));
    return 2;
  }
  try {
    const int code = Run(PlanFromFlags());
    return code != 0 ? code : ExitCodeForStdout();
  } catch (const UsageError& e) {
    PrintError(e.message);
    return 2;
  } catch (const EnforceNotMet& e) {
    std::string text = e.msg();
    for (const auto& context : e.context()) text += "\n  " + context;
    PrintError(text);
    return 1;
  } catch (const std::bad_alloc&) {
    PrintError("out of memory (lower the work, or check --max_tensor_bytes)");
    return 1;
  } catch (const std::exception& e) {
    PrintError(e.what());
    return 1;
  }
}

}  // namespace caffe2::runner
