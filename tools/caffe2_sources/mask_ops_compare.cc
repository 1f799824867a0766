// mask_ops_compare <operator library>: loads one library of the mask operators (the built-in
// libcaffe2_mask.so, or Caffe2's own sources compiled unchanged as an operator library), runs the same
// cases on it and prints every output exactly: dtype, dims and each value (floats in hexadecimal), or
// "fails" for a case the operator rejects, and the gradient operators each forward def gets. Two runs
// on two libraries are then compared with diff. The program links the runtime and the Caffe2 headers
// only, so whichever library it loads is the only one that registers these operator names.
#include <cstdint>
#include <functional>
#include <iostream>
#include <limits>
#include <string>
#include <vector>

#include "caffe2/core/operator.h"
#include "caffe2/core/operator_gradient.h"
#include "caffe2/core/workspace.h"
#include "caffe2/utils/proto_utils.h"

namespace caffe2 {
namespace {

template <typename T>
void Feed(Workspace* ws, const string& name, const vector<int64_t>& dims, const vector<T>& values) {
  auto* tensor = BlobGetMutableTensor(ws->CreateBlob(name), CPU);
  tensor->Resize(dims);
  CAFFE_ENFORCE_EQ(tensor->numel(), static_cast<int64_t>(values.size()), "input ", name, ": dims and values differ");
  T* data = tensor->template mutable_data<T>();
  for (size_t i = 0; i < values.size(); ++i) data[i] = values[i];
}

void FeedBool(Workspace* ws, const string& name, const vector<int>& values) {
  vector<bool> as_bool(values.begin(), values.end());
  auto* tensor = BlobGetMutableTensor(ws->CreateBlob(name), CPU);
  tensor->Resize(static_cast<int64_t>(values.size()));
  bool* data = tensor->template mutable_data<bool>();
  for (size_t i = 0; i < values.size(); ++i) data[i] = as_bool[i];
}

template <typename T>
void PrintValues(const Tensor& t) {
  const T* data = t.data<T>();
  for (int64_t i = 0; i < t.numel(); ++i) {
    if constexpr (std::is_floating_point_v<T>) {
      std::cout << ' ' << std::hexfloat << data[i] << std::defaultfloat;
    } else if constexpr (std::is_same_v<T, string>) {
      std::cout << " \"" << data[i] << '"';
    } else {
      std::cout << ' ' << static_cast<int64_t>(data[i]);
    }
  }
}

// Prints t's values as the first of Ts that is its dtype; false when none is.
template <typename... Ts>
bool PrintValuesAs(const Tensor& t) {
  return ((t.dtype().Match<Ts>() && (PrintValues<Ts>(t), true)) || ...);
}

void PrintTensor(const string& name, const Tensor& t) {
  std::cout << "  " << name << ": " << t.dtype().name() << " [";
  for (int i = 0; i < t.dim(); ++i) std::cout << (i ? "," : "") << t.size(i);
  std::cout << "]";
  const bool printed = PrintValuesAs<float, double, int32_t, int64_t, bool, uint8_t, string>(t);
  CAFFE_ENFORCE(printed, "output ", name, ": no printer for dtype ", t.dtype().name());
  std::cout << '\n';
}

struct Case {
  string name;
  OperatorDef def;
  std::function<void(Workspace*)> feed;
};

void RunCase(const Case& c) {
  std::cout << std::flush;  // what was printed survives a crash in the case that follows
  std::cout << c.name << " (" << c.def.type() << ")\n";
  Workspace ws;
  c.feed(&ws);
  try {
    ws.RunOperatorOnce(c.def);
  } catch (const EnforceNotMet&) {
    // Messages differ between implementations; that both reject the case is what is compared.
    std::cout << "  fails\n";
    return;
  }
  for (const auto& output : c.def.output()) PrintTensor(output, ws.GetBlob(output)->Get<Tensor>());
  // Gradients of forward operators only: the built-ins also give BooleanMaskGradient one (BooleanMask,
  // for second derivatives), where Caffe2 registers none.
  if (c.def.type().size() >= 8 && c.def.type().compare(c.def.type().size() - 8, 8, "Gradient") == 0) return;
  vector<GradientWrapper> g_output;
  for (const auto& output : c.def.output()) g_output.push_back(GradientWrapper{output + "_grad", "", ""});
  GradientOpsMeta grad;
  try {
    grad = GetGradientForOp(c.def, g_output);
  } catch (const EnforceNotMet&) {
    std::cout << "  gradient: fails\n";
    return;
  }
  for (const auto& op : grad.ops_) {
    std::cout << "  gradient: " << op.type() << " (";
    for (int i = 0; i < op.input_size(); ++i) std::cout << (i ? ", " : "") << op.input(i);
    std::cout << ") -> (";
    for (int i = 0; i < op.output_size(); ++i) std::cout << (i ? ", " : "") << op.output(i);
    std::cout << ")";
    for (const auto& arg : op.arg()) std::cout << ' ' << arg.name();
    std::cout << '\n';
  }
}

OperatorDef Def(const string& type, const vector<string>& inputs, const vector<string>& outputs,
                const vector<Argument>& args = {}) {
  return CreateOperatorDef(type, "", inputs, outputs, args);
}

vector<float> Iota(int n, float start = 1.0f) {
  vector<float> v(n);
  for (int i = 0; i < n; ++i) v[i] = start + 0.5f * i;
  return v;
}

vector<Case> BooleanMaskCases() {
  vector<Case> cases;
  const vector<int> mask6{1, 0, 0, 1, 1, 0};
  cases.push_back({"BooleanMask float 1-D with indices", Def("BooleanMask", {"d", "m"}, {"y", "idx"}),
                   [=](Workspace* ws) { Feed<float>(ws, "d", {6}, Iota(6)); FeedBool(ws, "m", mask6); }});
  cases.push_back({"BooleanMask float [6,3]", Def("BooleanMask", {"d", "m"}, {"y"}),
                   [=](Workspace* ws) { Feed<float>(ws, "d", {6, 3}, Iota(18)); FeedBool(ws, "m", mask6); }});
  cases.push_back({"BooleanMask int32 [6,2,2] with indices", Def("BooleanMask", {"d", "m"}, {"y", "idx"}),
                   [=](Workspace* ws) {
                     vector<int32_t> v(24);
                     for (int i = 0; i < 24; ++i) v[i] = i * 7 - 40;
                     Feed<int32_t>(ws, "d", {6, 2, 2}, v);
                     FeedBool(ws, "m", {0, 1, 1, 1, 0, 1});
                   }});
  cases.push_back({"BooleanMask int64 [4]", Def("BooleanMask", {"d", "m"}, {"y"}), [](Workspace* ws) {
                     Feed<int64_t>(ws, "d", {4}, {int64_t{1} << 40, -3, 5, 7});
                     FeedBool(ws, "m", {1, 1, 0, 1});
                   }});
  cases.push_back({"BooleanMask double [3,2]", Def("BooleanMask", {"d", "m"}, {"y"}), [](Workspace* ws) {
                     Feed<double>(ws, "d", {3, 2}, {0.1, 0.2, 0.3, 0.4, 0.5, 0.6});
                     FeedBool(ws, "m", {0, 0, 1});
                   }});
  cases.push_back({"BooleanMask bool [5]", Def("BooleanMask", {"d", "m"}, {"y"}), [](Workspace* ws) {
                     FeedBool(ws, "d", {1, 0, 1, 1, 0});
                     FeedBool(ws, "m", {1, 1, 0, 1, 1});
                   }});
  cases.push_back({"BooleanMask uint8 [4,3]", Def("BooleanMask", {"d", "m"}, {"y"}), [](Workspace* ws) {
                     Feed<uint8_t>(ws, "d", {4, 3}, {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 255});
                     FeedBool(ws, "m", {1, 0, 0, 1});
                   }});
  cases.push_back({"BooleanMask string [4]", Def("BooleanMask", {"d", "m"}, {"y", "idx"}), [](Workspace* ws) {
                     Feed<string>(ws, "d", {4}, {"alpha", "", "gamma", "a longer string than the small buffer"});
                     FeedBool(ws, "m", {1, 0, 1, 1});
                   }});
  cases.push_back({"BooleanMask all false", Def("BooleanMask", {"d", "m"}, {"y", "idx"}), [](Workspace* ws) {
                     Feed<float>(ws, "d", {3, 2}, Iota(6));
                     FeedBool(ws, "m", {0, 0, 0});
                   }});
  cases.push_back({"BooleanMask all true", Def("BooleanMask", {"d", "m"}, {"y", "idx"}), [](Workspace* ws) {
                     Feed<float>(ws, "d", {3, 2}, Iota(6));
                     FeedBool(ws, "m", {1, 1, 1});
                   }});
  cases.push_back({"BooleanMask empty", Def("BooleanMask", {"d", "m"}, {"y", "idx"}), [](Workspace* ws) {
                     Feed<float>(ws, "d", {0, 4}, {});
                     FeedBool(ws, "m", {});
                   }});
  cases.push_back({"BooleanMask mask longer than data", Def("BooleanMask", {"d", "m"}, {"y"}), [](Workspace* ws) {
                     Feed<float>(ws, "d", {2}, {1, 2});
                     FeedBool(ws, "m", {1, 0, 1});
                   }});
  cases.push_back({"BooleanMask scalar data", Def("BooleanMask", {"d", "m"}, {"y"}), [](Workspace* ws) {
                     Feed<float>(ws, "d", {}, {1});
                     FeedBool(ws, "m", {1});
                   }});

  cases.push_back({"BooleanMaskLengths int32", Def("BooleanMaskLengths", {"l", "m"}, {"y"}), [](Workspace* ws) {
                     Feed<int32_t>(ws, "l", {3}, {1, 3, 2});
                     FeedBool(ws, "m", {0, 1, 1, 0, 1, 1});
                   }});
  cases.push_back({"BooleanMaskLengths int64 with a zero length", Def("BooleanMaskLengths", {"l", "m"}, {"y"}),
                   [](Workspace* ws) {
                     Feed<int64_t>(ws, "l", {4}, {2, 0, 1, 3});
                     FeedBool(ws, "m", {1, 1, 0, 0, 1, 0});
                   }});
  cases.push_back({"BooleanMaskLengths lengths do not sum to the mask", Def("BooleanMaskLengths", {"l", "m"}, {"y"}),
                   [](Workspace* ws) {
                     Feed<int32_t>(ws, "l", {2}, {1, 1});
                     FeedBool(ws, "m", {1, 1, 1});
                   }});

  cases.push_back({"BooleanMaskGradient float", Def("BooleanMaskGradient", {"m", "dy"}, {"dx"}), [](Workspace* ws) {
                     FeedBool(ws, "m", {1, 0, 0, 1, 1});
                     Feed<float>(ws, "dy", {3}, {0.5f, -2.0f, 3.25f});
                   }});
  cases.push_back({"BooleanMaskGradient int64", Def("BooleanMaskGradient", {"m", "dy"}, {"dx"}), [](Workspace* ws) {
                     FeedBool(ws, "m", {0, 1, 1});
                     Feed<int64_t>(ws, "dy", {2}, {9, -9});
                   }});
  cases.push_back({"BooleanMaskGradient double", Def("BooleanMaskGradient", {"m", "dy"}, {"dx"}), [](Workspace* ws) {
                     FeedBool(ws, "m", {1, 1, 0, 1});
                     Feed<double>(ws, "dy", {3}, {1e-300, 2.5, -0.0});
                   }});
  cases.push_back({"BooleanMaskGradient int32 all false", Def("BooleanMaskGradient", {"m", "dy"}, {"dx"}),
                   [](Workspace* ws) {
                     FeedBool(ws, "m", {0, 0, 0});
                     Feed<int32_t>(ws, "dy", {0}, {});
                   }});
  return cases;
}

vector<Case> BooleanUnmaskCases() {
  vector<Case> cases;
  cases.push_back({"BooleanUnmask float, three masks", Def("BooleanUnmask", {"m1", "v1", "m2", "v2", "m3", "v3"}, {"y"}),
                   [](Workspace* ws) {
                     FeedBool(ws, "m1", {1, 0, 1, 0, 0});
                     Feed<float>(ws, "v1", {2}, {1.0f, 3.0f});
                     FeedBool(ws, "m2", {0, 1, 0, 0, 0});
                     Feed<float>(ws, "v2", {1}, {2.0f});
                     FeedBool(ws, "m3", {0, 0, 0, 1, 1});
                     Feed<float>(ws, "v3", {2}, {4.0f, 5.0f});
                   }});
  cases.push_back({"BooleanUnmask int32, two masks", Def("BooleanUnmask", {"m1", "v1", "m2", "v2"}, {"y"}),
                   [](Workspace* ws) {
                     FeedBool(ws, "m1", {1, 0, 0, 1, 1, 0});
                     Feed<int32_t>(ws, "v1", {3}, {1, 4, 5});
                     FeedBool(ws, "m2", {0, 1, 1, 0, 0, 1});
                     Feed<int32_t>(ws, "v2", {3}, {2, 3, 6});
                   }});
  // No string case: Caffe2's BooleanUnmask copies elements as bytes (std::copy over raw_data), which
  // for std::string duplicates the string's pointers and frees them twice when both tensors go. The
  // built-in copies strings as strings; Caffe2's code is not run on them here.
  cases.push_back({"BooleanUnmask empty masks", Def("BooleanUnmask", {"m1", "v1"}, {"y"}), [](Workspace* ws) {
                     FeedBool(ws, "m1", {});
                     Feed<double>(ws, "v1", {0}, {});
                   }});
  cases.push_back({"BooleanUnmask a position no mask covers", Def("BooleanUnmask", {"m1", "v1", "m2", "v2"}, {"y"}),
                   [](Workspace* ws) {
                     FeedBool(ws, "m1", {1, 0});
                     Feed<float>(ws, "v1", {1}, {1.0f});
                     FeedBool(ws, "m2", {0, 0});
                     Feed<float>(ws, "v2", {0}, {});
                   }});
  cases.push_back({"BooleanUnmask two masks true at one position", Def("BooleanUnmask", {"m1", "v1", "m2", "v2"}, {"y"}),
                   [](Workspace* ws) {
                     FeedBool(ws, "m1", {1, 0});
                     Feed<float>(ws, "v1", {1}, {1.0f});
                     FeedBool(ws, "m2", {1, 1});
                     Feed<float>(ws, "v2", {2}, {2.0f, 2.0f});
                   }});
  cases.push_back({"BooleanUnmask fewer values than trues", Def("BooleanUnmask", {"m1", "v1"}, {"y"}), [](Workspace* ws) {
                     FeedBool(ws, "m1", {1, 1});
                     Feed<float>(ws, "v1", {1}, {1.0f});
                   }});
  return cases;
}

vector<Case> SequenceMaskCases() {
  vector<Case> cases;
  const auto seq = [](const string& name, const vector<int64_t>& dims, const vector<int32_t>& lengths,
                      const vector<Argument>& args) {
    int64_t n = 1;
    for (auto d : dims) n *= d;
    return Case{name, Def("SequenceMask", {"x", "l"}, {"y"}, args), [=](Workspace* ws) {
                  Feed<float>(ws, "x", dims, Iota(static_cast<int>(n), -3.0f));
                  Feed<int32_t>(ws, "l", {static_cast<int64_t>(lengths.size())}, lengths);
                }};
  };
  const auto mode = [](const string& m) { return MakeArgument<string>("mode", m); };
  cases.push_back(seq("sequence [3,4]", {3, 4}, {0, 2, 4}, {mode("sequence")}));
  cases.push_back(seq("sequence [2,3,4] axis 2", {2, 3, 4}, {1, 2, 3, 0, 4, 2}, {mode("sequence"), MakeArgument<int>("axis", 2)}));
  cases.push_back(seq("sequence [2,3,4] axis -1 fill_val 7", {2, 3, 4}, {1, 2, 3, 0, 4, 2},
                      {mode("sequence"), MakeArgument<int>("axis", -1), MakeArgument<float>("fill_val", 7.0f)}));
  cases.push_back(seq("sequence [3,4] grad", {3, 4}, {1, 0, 3}, {mode("sequence"), MakeArgument<bool>("grad", true)}));
  cases.push_back(seq("sequence [2,3,4] batch 0 axis 2", {2, 3, 4}, {1, 4, 2},
                      {mode("sequence"), MakeArgument<int>("batch", 0), MakeArgument<int>("axis", 2)}));
  cases.push_back(seq("sequence [2,2,3,4] batch 1 axis 3", {2, 2, 3, 4}, {0, 3, 4},
                      {mode("sequence"), MakeArgument<int>("batch", 1), MakeArgument<int>("axis", 3)}));
  cases.push_back(seq("sequence [3,4,2] repeat_from_axis 2", {3, 4, 2}, {1, 3, 0},
                      {mode("sequence"), MakeArgument<int>("repeat_from_axis", 2)}));
  cases.push_back(seq("sequence [2,3,2,2] axis 1 repeat_from_axis -2", {2, 3, 2, 2}, {2, 1},
                      {mode("sequence"), MakeArgument<int>("axis", 1), MakeArgument<int>("repeat_from_axis", -2)}));
  cases.push_back(seq("sequence batch not before axis", {2, 3, 4},  {1, 2},
                      {mode("sequence"), MakeArgument<int>("batch", 1), MakeArgument<int>("axis", 1)}));
  cases.push_back(seq("sequence too few lengths", {3, 4}, {1, 2}, {mode("sequence")}));
  cases.push_back(seq("window [3,6] radius 1", {3, 6}, {0, 2, 5}, {mode("window"), MakeArgument<int>("radius", 1)}));
  cases.push_back(seq("window [2,2,5] axis 2 default radius", {2, 2, 5}, {0, 1, 2, 4}, {mode("window"), MakeArgument<int>("axis", 2)}));
  cases.push_back(seq("window [2,3,6] batch 0 axis 2 radius 2", {2, 3, 6}, {0, 3, 5},
                      {mode("window"), MakeArgument<int>("batch", 0), MakeArgument<int>("axis", 2), MakeArgument<int>("radius", 2)}));
  for (const string m : {"upper", "lower", "upperdiag", "lowerdiag"}) {
    cases.push_back({m + " [4,4]", Def("SequenceMask", {"x"}, {"y"}, {mode(m)}),
                     [](Workspace* ws) { Feed<float>(ws, "x", {4, 4}, Iota(16)); }});
    cases.push_back({m + " [3,5] grad", Def("SequenceMask", {"x"}, {"y"}, {mode(m), MakeArgument<bool>("grad", true)}),
                     [](Workspace* ws) { Feed<float>(ws, "x", {3, 5}, Iota(15)); }});
    cases.push_back({m + " [2,3,3] batch 0 axis 2",
                     Def("SequenceMask", {"x"}, {"y"}, {mode(m), MakeArgument<int>("batch", 0), MakeArgument<int>("axis", 2)}),
                     [](Workspace* ws) { Feed<float>(ws, "x", {2, 3, 3}, Iota(18)); }});
  }
  cases.push_back({"unknown mode", Def("SequenceMask", {"x"}, {"y"}, {mode("diagonal")}),
                   [](Workspace* ws) { Feed<float>(ws, "x", {2, 2}, Iota(4)); }});
  cases.push_back({"sequence on int32 data", Def("SequenceMask", {"x", "l"}, {"y"}, {mode("sequence")}),
                   [](Workspace* ws) {
                     Feed<int32_t>(ws, "x", {2, 2}, {1, 2, 3, 4});
                     Feed<int32_t>(ws, "l", {2}, {1, 1});
                   }});
  return cases;
}

}  // namespace
}  // namespace caffe2

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: " << argv[0] << " <operator library .so>\n";
    return 2;
  }
  try {
    caffe2::LoadOperatorLibrary(argv[1]);
    for (const auto& cases : {caffe2::BooleanMaskCases(), caffe2::BooleanUnmaskCases(), caffe2::SequenceMaskCases()}) {
      for (const auto& c : cases) caffe2::RunCase(c);
    }
  } catch (const caffe2::EnforceNotMet& e) {
    std::cerr << "mask_ops_compare: " << e.what() << '\n';
    return 1;
  }
  return 0;
}
