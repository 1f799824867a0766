#include "tests/util/operator_tester.h"

#include <cstring>
#include <limits>

#if defined(CAFFE2_MASK_HAVE_AVX512_EMULATION)
namespace caffe2::kernels::detail {
const PathKernels& Avx512EmulatedKernels();  // ops/kernels/path_avx512_emulated.cc, built into this library
}  // namespace caffe2::kernels::detail
#endif

namespace caffe2::testing {

std::vector<RunConfig> AllRunConfigs() {
  std::vector<RunConfig> configs;
  for (auto path : {kernels::CpuPath::kScalar, kernels::CpuPath::kAVX2, kernels::CpuPath::kAVX512}) {
    if (!kernels::PathSupported(path)) continue;
    configs.push_back({path, false});
    configs.push_back({path, true});
  }
#if defined(CAFFE2_MASK_HAVE_AVX512_EMULATION)
  configs.push_back({kernels::CpuPath::kScalar, false, true});
  configs.push_back({kernels::CpuPath::kScalar, true, true});
#endif
  return configs;
}

std::string RunConfigName(const RunConfig& config) {
  return std::string(config.emulated_avx512 ? "avx512_emulated" : kernels::CpuPathName(config.path)) +
         (config.threaded ? ", threaded" : ", serial");
}

ScopedRunConfig::ScopedRunConfig(const RunConfig& config)
    : path_(config.path), threshold_(config.threaded ? 0 : std::numeric_limits<int64_t>::max()) {
  if (config.emulated_avx512) {
#if defined(CAFFE2_MASK_HAVE_AVX512_EMULATION)
    table_ = std::make_unique<kernels::detail::ScopedKernelTable>(&kernels::detail::Avx512EmulatedKernels());
#else
    ADD_FAILURE() << "the emulated AVX-512 path is not built into these tests";
#endif
  }
}

ScopedRunConfig::~ScopedRunConfig() = default;

void OperatorTester::PrepareRun() {
  if (!inputs_saved_) {
    inputs_saved_ = true;
    auto save = [this](const std::string& name) {
      const Blob* blob = ws_.GetBlob(name);
      if (blob == nullptr || !blob->IsType<Tensor>() || saved_inputs_.count(name)) return;
      saved_inputs_[name] = std::make_unique<Tensor>(blob->Get<Tensor>().Clone());
    };
    for (const auto& name : inputs_) save(name);
    for (const auto& name : outputs_) save(name);
  }
  for (const auto& [name, tensor] : saved_inputs_) BlobGetMutableTensor(ws_.CreateBlob(name))->CopyFrom(*tensor);
  for (const auto& name : outputs_) {
    if (saved_inputs_.count(name)) continue;
    Tensor* out = BlobGetMutableTensor(ws_.CreateBlob(name));
    auto it = poison_.find(name);
    if (it != poison_.end()) {
      it->second(out);
    } else {
      // Dtype and shape unknown: poison bytes enough for every output of these small cases; the
      // operator keeps the buffer when its output fits (Tensor::Resize).
      FillPoison<uint8_t>(out, {4096});
    }
  }
}

void OperatorTester::ForEachConfig(const std::function<void()>& body) {
  for (const RunConfig& config : AllRunConfigs()) {
    SCOPED_TRACE("CPU path " + RunConfigName(config));
    ScopedRunConfig scoped(config);
    PrepareRun();
    body();
  }
}

void OperatorTester::Run() {
  ForEachConfig([this] {
    try {
      ws_.RunOperatorOnce(Def());
    } catch (const std::exception& error) {
      ADD_FAILURE() << type_ << " failed:\n" << error.what();
      return;
    }
    for (auto& check : checks_) check();
  });
}

void ExpectThrowContaining(const std::function<void()>& f, const std::vector<std::string>& pieces) {
  try {
    f();
  } catch (const EnforceNotMet& error) {
    const std::string message = error.what();
    for (const auto& piece : pieces) {
      EXPECT_NE(message.find(piece), std::string::npos)
          << "error message lacks '" << piece << "':\n" << message;
    }
    return;
  }
  ADD_FAILURE() << "expected an EnforceNotMet containing '" << (pieces.empty() ? "" : pieces[0])
                << "', but nothing was thrown";
}

void OperatorTester::ExpectError(const std::vector<std::string>& pieces) {
  ForEachConfig([&] { ExpectThrowContaining([this] { ws_.RunOperatorOnce(Def()); }, pieces); });
}

const Tensor& OperatorTester::GetOutput(const std::string& blob) {
  static const Tensor kEmpty;
  const Blob* b = ws_.GetBlob(blob);
  if (b == nullptr || !b->IsType<Tensor>()) {
    ADD_FAILURE() << "no tensor output '" << blob << "'";
    return kEmpty;
  }
  return b->Get<Tensor>();
}

}  // namespace caffe2::testing
