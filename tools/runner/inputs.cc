#include "tools/runner/inputs.h"

namespace caffe2::runner {

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

std::vector<LoadedInput> LoadInputs(const std::vector<InputSpec>& inputs) {
  std::vector<LoadedInput> loaded;
  for (const auto& spec : inputs) {
    LoadedInput input{spec.name, Tensor()};
    try {
      if (!spec.file.empty()) {
        ReadTensorFile(spec.file, &input.tensor);
      } else {
        input.tensor = SyntheticTensor(spec.dims, spec.type);
      }
    } catch (EnforceNotMet& e) {
      e.AppendMessage(spec.file.empty()
                          ? MakeString("while making synthetic input blob '", spec.name, "' (--input_dims)")
                          : MakeString("while reading input blob '", spec.name, "' (--input_file)"));
      throw;
    }
    loaded.push_back(std::move(input));
  }
  return loaded;
}

NetDef LoadNet(const std::string& path, const char* flag) {
  NetDef net;
  try {
    ReadProtoFile(path, &net);
  } catch (EnforceNotMet& e) {
    e.AppendMessage(MakeString("while reading the net (", flag, ")"));
    throw;
  }
  return net;
}

}  // namespace caffe2::runner
