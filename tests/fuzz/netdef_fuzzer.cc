// Fuzz target: arbitrary bytes -> NetDef through the runner's reading path (ParseProtoFromString: text or
// binary detection, recursion limit), then net creation in a workspace holding a few small tensors under
// the names nets usually read, and a run when creation succeeds. Any failure must be an EnforceNotMet;
// anything else escaping (another exception, a sanitizer report, a crash) is a bug.
#include <cstdint>
#include <string>

#include "caffe2_mask/caffe2_mask.h"
#include "tests/fuzz/fuzz_common.h"

namespace {

using caffe2::Tensor;

template <typename T>
void Feed(caffe2::Workspace* ws, const std::string& name, std::initializer_list<int64_t> dims,
          std::initializer_list<T> values) {
  Tensor* t = caffe2::BlobGetMutableTensor(ws->CreateBlob(name));
  t->Resize(caffe2::IntArrayRef(dims));
  T* out = t->mutable_data<T>();
  int64_t k = 0;
  for (const T& v : values) out[k++] = v;
}

void FeedCommonInputs(caffe2::Workspace* ws) {
  for (const char* name : {"data", "X", "input", "x", "scores", "dY", "masked_data_grad"}) {
    Feed<float>(ws, name, {4, 3}, {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12});
  }
  for (const char* name : {"mask", "mask1", "mask2", "padding_mask"}) {
    Feed<bool>(ws, name, {4}, {true, false, true, true});
  }
  for (const char* name : {"lengths", "sequence_lengths", "seq_lengths", "key_lengths"}) {
    Feed<int32_t>(ws, name, {4}, {1, 0, 3, 2});
  }
  for (const char* name : {"window_centers", "centers"}) Feed<int32_t>(ws, name, {4}, {0, 1, 2, -5});
  Feed<int64_t>(ws, "lengths64", {2}, {1, 3});
  Feed<double>(ws, "values", {3}, {1.5, -2.5, 3.5});
  Feed<caffe2::float16>(ws, "half", {2, 2}, {caffe2::float16(1.0f), caffe2::float16(2.0f),
                                             caffe2::float16(-1.0f), caffe2::float16(0.5f)});
  Feed<std::string>(ws, "tokens", {4}, {"a", "bb", "", "dddd"});
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  caffe2::fuzz::LowerLimits();

  const std::string content(reinterpret_cast<const char*>(data), size);
  caffe2::NetDef net;
  try {
    caffe2::ParseProtoFromString(content, &net, "fuzz input");
  } catch (const caffe2::EnforceNotMet&) {
    return 0;
  }
  caffe2::Workspace ws;
  FeedCommonInputs(&ws);
  try {
    caffe2::NetBase* created = ws.CreateNet(net, /*overwrite=*/true);
    created->Run();
    // A second run reuses every buffer: the path a benchmark takes.
    created->Run();
  } catch (const caffe2::EnforceNotMet&) {
  }
  return 0;
}
