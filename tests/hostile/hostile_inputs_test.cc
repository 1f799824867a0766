// The hostile-input catalogue: each case writes hostile files (a net, input tensors) into a fresh
// folder at test time, runs bin/caffe2_mask_run on them with --output_folder, and asserts the exit code,
// pieces of the message naming what is wrong, and that the output folder holds nothing (no partial
// output and no temporary file) after a failure. The few legal cases (unknown binary fields, NaN
// fill values, extreme radius) must succeed and write their outputs.
#include <sys/wait.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <limits>
#include <sstream>
#include <ostream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "caffe2_mask/caffe2_mask.h"

#ifndef CAFFE2_MASK_RUN
#error "CAFFE2_MASK_RUN (path of caffe2_mask_run) must be defined"
#endif

namespace caffe2 {
namespace {

namespace fs = std::filesystem;

std::string Quote(const std::string& s) {
  std::string q = "'";
  for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

void WriteBytes(const fs::path& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  ASSERT_TRUE(out.good()) << path;
}

// ---- building hostile files ----

std::string BinaryNet(const std::string& text) {
  NetDef net;
  ParseProtoFromString(text, &net, "test net");
  return net.SerializeAsString();
}

template <typename T>
std::string TensorFile(std::initializer_list<int64_t> dims, std::vector<T> values) {
  Tensor t{IntArrayRef(dims)};
  T* out = t.mutable_data<T>();
  for (size_t i = 0; i < values.size(); ++i) out[i] = values[i];
  return TensorToFileContent(t, TensorFileFormat::kBlobProto, "x");
}
std::string Floats(std::initializer_list<int64_t> dims, std::vector<float> v) { return TensorFile<float>(dims, v); }
std::string Bools(std::vector<bool> v) {
  return TensorFile<bool>({static_cast<int64_t>(v.size())}, std::vector<bool>(v.begin(), v.end()));
}
std::string Ints(std::vector<int32_t> v) { return TensorFile<int32_t>({static_cast<int64_t>(v.size())}, v); }

// A .npy file with the given header dict and data bytes; header_len may lie.
std::string Npy(const std::string& dict, const std::string& data, int version = 1, int64_t header_len = -1) {
  std::string header = dict;
  while ((10 + header.size() + 1) % 64 != 0) header += ' ';
  header += '\n';
  std::string out = "\x93NUMPY";
  out += static_cast<char>(version);
  out += '\0';
  const uint32_t len = header_len >= 0 ? static_cast<uint32_t>(header_len) : static_cast<uint32_t>(header.size());
  out += static_cast<char>(len & 0xff);
  out += static_cast<char>((len >> 8) & 0xff);
  if (version >= 2) {
    out += static_cast<char>((len >> 16) & 0xff);
    out += static_cast<char>((len >> 24) & 0xff);
  }
  return out + header + data;
}

std::string TensorProtoText(const std::string& text) {
  TensorProto proto;
  ParseProtoFromString(text, &proto, "test tensor");
  return proto.SerializeAsString();
}

// A NetDef whose first op's argument nests nets `depth` deep.
std::string NestedNet(int depth) {
  NetDef inner;
  inner.set_name("leaf");
  for (int i = 0; i < depth; ++i) {
    NetDef outer;
    auto* op = outer.add_op();
    op->set_type("BooleanMask");
    auto* arg = op->add_arg();
    arg->set_name("n");
    *arg->mutable_n() = inner;
    inner = outer;
  }
  return inner.SerializeAsString();
}

// Raw protobuf field with unknown number 999 (varint) and 1000 (length-delimited) appended.
std::string WithUnknownFields(const std::string& message) {
  // Tag of field 999 as a varint (wire type 0): 999 << 3 = 7992 -> b8 3e; value 42.
  // Tag of field 1000, length-delimited (wire type 2): 8002 -> c2 3e; 3 bytes "abc".
  return message + std::string("\xb8\x3e\x2a\xc2\x3e\x03" "abc", 9);
}

// ---- the catalogue ----

struct Files {
  fs::path dir;
  // Writes `bytes` to dir/name and returns the path.
  std::string Add(const std::string& name, const std::string& bytes) const {
    WriteBytes(dir / name, bytes);
    return (dir / name).string();
  }
};

struct HostileCase {
  std::string name;
  // Writes the files and returns the runner's arguments (without --output_folder and --iter).
  std::function<std::vector<std::string>(const Files&)> setup;
  int exit_code;  // 0: legal input; -1: any non-zero exit
  std::vector<std::string> pieces;  // each must appear in stdout+stderr
};

// GoogleTest prints a parameter in test listings and failures: the case name says it all.
void PrintTo(const HostileCase& c, std::ostream* out) { *out << c.name; }

constexpr int kFail = -1;

const char* const kMaskNet = R"(name: "n" op { input: "data" input: "mask" output: "out" type: "BooleanMask" })";

// A net of one operator `type` reading `inputs` (names), output "out", with `args` (text format).
std::string OneOpNet(const std::string& type, const std::vector<std::string>& inputs, const std::string& args = "") {
  std::string net = "name: \"n\" op { ";
  for (const auto& i : inputs) net += "input: \"" + i + "\" ";
  return net + "output: \"out\" type: \"" + type + "\" " + args + " }";
}

// Arguments feeding `names` from files written by `contents`.
std::vector<std::string> Feed(const Files& f, const std::string& net, const std::vector<std::string>& names,
                              const std::vector<std::string>& contents, std::vector<std::string> extra = {}) {
  std::string input, files;
  for (size_t i = 0; i < names.size(); ++i) {
    input += (i ? "," : "") + names[i];
    files += (i ? "," : "") + f.Add(names[i] + ".in", contents[i]);
  }
  std::vector<std::string> args{"--net", f.Add("net.pbtxt", net), "--output", "out"};
  if (!names.empty()) {
    args.insert(args.end(), {"--input", input, "--input_file", files});
  }
  args.insert(args.end(), extra.begin(), extra.end());
  return args;
}

std::vector<std::string> MaskNetWith(const Files& f, const std::string& data, const std::string& mask) {
  return Feed(f, kMaskNet, {"data", "mask"}, {data, mask});
}

// Runs one operator on inputs given as files.
auto Op(const std::string& type, const std::vector<std::string>& names, std::vector<std::string> contents,
        const std::string& args = "") {
  return [=](const Files& f) { return Feed(f, OneOpNet(type, names, args), names, contents); };
}

const std::string kF3 = Floats({3}, {1, 2, 3});
const std::string kB3 = Bools({true, false, true});

std::vector<HostileCase> Catalogue() {
  const std::string seq_args = R"(arg { name: "mode" s: "sequence" })";
  const std::string win_args = R"(arg { name: "mode" s: "window" } arg { name: "radius" i: 1 })";
  const std::string x23 = Floats({2, 3}, {1, 2, 3, 4, 5, 6});
  std::vector<HostileCase> c;

  // -- net files --
  c.push_back({"net_truncated_binary", [](const Files& f) {
                 const std::string net = BinaryNet(kMaskNet);
                 return std::vector<std::string>{"--net", f.Add("net.pb", net.substr(0, net.size() - 7))};
               }, kFail, {"net.pb", "cannot parse it as a caffe2.NetDef"}});
  c.push_back({"net_empty_file", [](const Files& f) { return std::vector<std::string>{"--net", f.Add("net.pb", "")}; },
               kFail, {"net.pb", "empty"}});
  c.push_back({"net_garbage_bytes", [](const Files& f) {
                 return std::vector<std::string>{"--net", f.Add("net.pb", std::string("\xff\xfe\x00\x13garbage", 11))};
               }, kFail, {"net.pb", "not valid binary protobuf"}});
  c.push_back({"net_text_syntax_error", [](const Files& f) {
                 return std::vector<std::string>{"--net", f.Add("net.pbtxt", "name: \"n\" op { type: \"BooleanMask\" ")};
               }, kFail, {"net.pbtxt", "line"}});
  c.push_back({"net_text_unknown_field", [](const Files& f) {
                 return std::vector<std::string>{"--net", f.Add("net.pbtxt", "name: \"n\" inptu: \"x\"")};
               }, kFail, {"net.pbtxt", "inptu"}});
  c.push_back({"net_deeply_nested_messages", [](const Files& f) {
                 return std::vector<std::string>{"--net", f.Add("net.pb", NestedNet(150))};
               }, kFail, {"net.pb", "nest deeper than the limit of 100"}});
  c.push_back({"net_over_file_size_limit", [](const Files& f) {
                 return std::vector<std::string>{"--net", f.Add("net.pbtxt", kMaskNet), "--max_file_bytes", "16"};
               }, kFail, {"net.pbtxt", "16"}});
  c.push_back({"net_missing_file", [](const Files& f) {
                 return std::vector<std::string>{"--net", (f.dir / "no_such_net.pb").string()};
               }, kFail, {"no_such_net.pb"}});
  c.push_back({"net_is_a_directory", [](const Files& f) {
                 return std::vector<std::string>{"--net", f.dir.string()};
               }, kFail, {"is a directory"}});
  c.push_back({"net_unknown_operator", [](const Files& f) {
                 return Feed(f, OneOpNet("BooleanMsk", {"data", "mask"}), {"data", "mask"}, {kF3, kB3});
               }, kFail, {"BooleanMsk", "BooleanMask"}});
  c.push_back({"net_missing_blob", [](const Files& f) {
                 return Feed(f, kMaskNet, {"data"}, {kF3});
               }, kFail, {"mask"}});
  c.push_back({"net_unknown_type", [](const Files& f) {
                 return Feed(f, std::string(kMaskNet) + " type: \"weird_net\"", {"data", "mask"}, {kF3, kB3});
               }, kFail, {"weird_net"}});
  c.push_back({"net_gpu_device", [](const Files& f) {
                 return Feed(f, OneOpNet("BooleanMask", {"data", "mask"}, "device_option { device_type: 1 }"),
                             {"data", "mask"}, {kF3, kB3});
               }, kFail, {"device"}});
  c.push_back({"net_binary_unknown_fields_are_kept", [](const Files& f) {
                 std::vector<std::string> args = MaskNetWith(f, kF3, kB3);
                 args[1] = f.Add("net.pb", WithUnknownFields(BinaryNet(kMaskNet)));
                 return args;
               }, 0, {}});
  c.push_back({"net_many_unknown_operators", [](const Files& f) {
                 std::string net = "name: \"n\"";
                 for (int i = 0; i < 20000; ++i) net += " op { output: \"o" + std::to_string(i) + "\" type: \"Nope\" }";
                 return std::vector<std::string>{"--net", f.Add("net.pbtxt", net)};
               }, kFail, {"20000 problems", "Nope", "and 19950 more"}});

  // -- fills: shapes and huge repeated fields --
  c.push_back({"fill_dims_product_overflows", [](const Files& f) {
                 return Feed(f, OneOpNet("ConstantFill", {}, R"(arg { name: "shape" ints: 4294967296 ints: 4294967296 ints: 16 })"), {}, {});
               }, kFail, {"overflow"}});
  c.push_back({"fill_negative_dim", [](const Files& f) {
                 return Feed(f, OneOpNet("ConstantFill", {}, R"(arg { name: "shape" ints: 3 ints: -2 })"), {}, {});
               }, kFail, {"-2"}});
  c.push_back({"fill_oversized_dims", [](const Files& f) {
                 return Feed(f, OneOpNet("ConstantFill", {}, R"(arg { name: "shape" ints: 1000000 ints: 1000000 })"), {},
                             {}, {"--max_tensor_bytes", "1000000"});
               }, kFail, {"1000000"}});
  c.push_back({"fill_rank_over_limit", [](const Files& f) {
                 std::string shape = "arg { name: \"shape\"";
                 for (int i = 0; i < 40; ++i) shape += " ints: 1";
                 return Feed(f, OneOpNet("ConstantFill", {}, shape + " }"), {}, {});
               }, kFail, {"rank"}});
  c.push_back({"fill_huge_repeated_values", [](const Files& f) {
                 NetDef net;
                 auto* op = net.add_op();
                 op->set_type("GivenTensorFill");
                 op->add_output("out");
                 auto* shape = op->add_arg();
                 shape->set_name("shape");
                 shape->add_ints(3);
                 auto* values = op->add_arg();
                 values->set_name("values");
                 for (int i = 0; i < 3000000; ++i) values->add_floats(1.0f);
                 return std::vector<std::string>{"--net", f.Add("net.pb", net.SerializeAsString()), "--output", "out"};
               }, kFail, {"3000000"}});
  c.push_back({"fill_value_nan_is_legal", [](const Files& f) {
                 return Feed(f, OneOpNet("ConstantFill", {}, R"(arg { name: "shape" ints: 2 } arg { name: "value" f: nan })"), {}, {});
               }, 0, {}});
  c.push_back({"duplicate_argument", [](const Files& f) {
                 return Feed(f, OneOpNet("ConstantFill", {}, R"(arg { name: "shape" ints: 2 } arg { name: "shape" ints: 3 })"), {}, {});
               }, kFail, {"shape"}});

  // -- tensor files --
  auto feed_tensor = [](const std::string& bytes, std::vector<std::string> extra = {}) {
    return [=](const Files& f) { return Feed(f, kMaskNet, {"data", "mask"}, {bytes, Bools({true})}, extra); };
  };
  {
    const std::string good = TensorFile<float>({3}, {1, 2, 3});
    c.push_back({"tensor_truncated_blobproto", feed_tensor(good.substr(0, good.size() - 5)), kFail, {"data.in"}});
  }
  c.push_back({"tensor_empty_file", feed_tensor(""), kFail, {"data.in", "empty"}});
  c.push_back({"tensor_negative_dim", feed_tensor(TensorProtoText("dims: 3 dims: -1 data_type: FLOAT")), kFail, {"data.in", "-1"}});
  c.push_back({"tensor_dims_product_overflows",
               feed_tensor(TensorProtoText("dims: 4294967296 dims: 4294967296 dims: 4 data_type: FLOAT")), kFail,
               {"data.in", "overflow"}});
  c.push_back({"tensor_oversized_dims_without_data", feed_tensor(TensorProtoText("dims: 1000000000000 data_type: FLOAT")),
               kFail, {"data.in"}});
  c.push_back({"tensor_count_mismatch", feed_tensor(TensorProtoText("dims: 4 data_type: FLOAT float_data: 1 float_data: 2")),
               kFail, {"data.in", "4"}});
  {
    std::string t = "data_type: FLOAT";
    for (int i = 0; i < 40; ++i) t += " dims: 1";
    c.push_back({"tensor_rank_over_limit", feed_tensor(TensorProtoText(t + " float_data: 1")), kFail, {"data.in", "rank"}});
  }
  c.push_back({"tensor_raw_data_wrong_size", feed_tensor(TensorProtoText("dims: 2 data_type: FLOAT raw_data: \"abc\"")), kFail,
               {"data.in", "raw_data"}});
  c.push_back({"tensor_unknown_dtype", feed_tensor(TensorProtoText("dims: 1 data_type: UNDEFINED")), kFail, {"data.in"}});
  c.push_back({"tensor_int8_out_of_range", feed_tensor(TensorProtoText("dims: 1 data_type: INT8 int32_data: 1000")), kFail,
               {"data.in", "1000"}});
  c.push_back({"tensor_blob_of_other_type", feed_tensor([] {
                 BlobProto b;
                 b.set_name("x");
                 b.set_type("std::vector<int>");
                 b.set_content("junk");
                 return b.SerializeAsString();
               }()), kFail, {"data.in", "std::vector<int>"}});
  c.push_back({"tensor_unknown_fields_are_kept", [](const Files& f) {
                 return Feed(f, kMaskNet, {"data", "mask"},
                             {WithUnknownFields(TensorProtoText("dims: 1 data_type: FLOAT float_data: 7")), Bools({true})});
               }, 0, {}});
  c.push_back({"tensor_over_max_tensor_bytes", feed_tensor(Floats({100}, std::vector<float>(100, 1.0f)), {"--max_tensor_bytes", "64"}),
               kFail, {"data.in", "64"}});
  c.push_back({"tensor_over_max_tensor_rank", feed_tensor(Floats({1, 1, 1}, {1}), {"--max_tensor_rank", "2"}), kFail,
               {"data.in", "rank"}});
  c.push_back({"tensor_file_over_size_limit", feed_tensor(Floats({100}, std::vector<float>(100, 1.0f)), {"--max_file_bytes", "200"}),
               kFail, {"data.in", "200"}});
  // A string's length is bounded by the file size limit.
  c.push_back({"tensor_huge_string_over_file_limit",
               feed_tensor(TensorProtoText("dims: 1 data_type: STRING string_data: \"" + std::string(100000, 'x') + "\""),
                           {"--max_file_bytes", "50000"}),
               kFail, {"data.in", "50000"}});

  // -- .npy with lying headers --
  c.push_back({"npy_shape_bigger_than_data", feed_tensor(Npy("{'descr': '<f4', 'fortran_order': False, 'shape': (1000,), }", std::string(12, '\0'))),
               kFail, {"data.in"}});
  c.push_back({"npy_header_len_past_end", feed_tensor(Npy("{'descr': '<f4', 'fortran_order': False, 'shape': (3,), }", "", 1, 60000)),
               kFail, {"data.in"}});
  c.push_back({"npy_version_9", feed_tensor(Npy("{'descr': '<f4', 'fortran_order': False, 'shape': (3,), }", std::string(12, '\0'), 9)),
               kFail, {"data.in"}});
  c.push_back({"npy_negative_shape", feed_tensor(Npy("{'descr': '<f4', 'fortran_order': False, 'shape': (-3,), }", std::string(12, '\0'))),
               kFail, {"data.in"}});
  c.push_back({"npy_shape_overflows", feed_tensor(Npy("{'descr': '<f4', 'fortran_order': False, 'shape': (4294967296, 4294967296, 16), }", "")),
               kFail, {"data.in"}});
  c.push_back({"npy_fortran_order", feed_tensor(Npy("{'descr': '<f4', 'fortran_order': True, 'shape': (2, 3), }", std::string(24, '\0'))),
               kFail, {"data.in", "ortran"}});
  c.push_back({"npy_object_array", feed_tensor(Npy("{'descr': '|O', 'fortran_order': False, 'shape': (3,), }", std::string(24, '\0'))),
               kFail, {"data.in", "|O"}});
  c.push_back({"npy_big_endian", feed_tensor(Npy("{'descr': '>f4', 'fortran_order': False, 'shape': (3,), }", std::string(12, '\0'))),
               kFail, {"data.in", "endian"}});
  c.push_back({"npy_trailing_bytes", feed_tensor(Npy("{'descr': '<f4', 'fortran_order': False, 'shape': (3,), }", std::string(16, '\0'))),
               kFail, {"data.in"}});
  c.push_back({"npy_unterminated_header", feed_tensor(Npy("{'descr': '<f4', 'fortran_order': False, 'shape': (3,", std::string(12, '\0'))),
               kFail, {"data.in"}});
  c.push_back({"npy_complex_dtype", feed_tensor(Npy("{'descr': '<c8', 'fortran_order': False, 'shape': (3,), }", std::string(24, '\0'))),
               kFail, {"data.in", "<c8"}});
  c.push_back({"npy_rank_over_limit", feed_tensor(Npy("{'descr': '<f4', 'fortran_order': False, 'shape': (" + [] {
                                                     std::string s;
                                                     for (int i = 0; i < 40; ++i) s += "1,";
                                                     return s;
                                                   }() + "), }", std::string(4, '\0'))),
               kFail, {"data.in", "rank"}});

  // -- wrong dtype for every input of every mask operator --
  c.push_back({"BooleanMask_mask_float", Op("BooleanMask", {"data", "mask"}, {kF3, kF3}), kFail, {"mask", "must be bool", "float"}});
  c.push_back({"BooleanMask_mask_int32", Op("BooleanMask", {"data", "mask"}, {kF3, Ints({1, 0, 1})}), kFail, {"mask", "must be bool"}});
  c.push_back({"BooleanMaskGradient_mask_float", Op("BooleanMaskGradient", {"mask", "dY"}, {kF3, Floats({2}, {1, 2})}), kFail,
               {"mask", "must be bool"}});
  c.push_back({"BooleanMaskGradient_dY_string", Op("BooleanMaskGradient", {"mask", "dY"}, {kB3, TensorFile<std::string>({2}, {"a", "b"})}),
               kFail, {"string", "not supported"}});
  c.push_back({"BooleanMaskLengths_lengths_float", Op("BooleanMaskLengths", {"lengths", "mask"}, {Floats({1}, {3}), kB3}), kFail,
               {"lengths", "float"}});
  c.push_back({"BooleanMaskLengths_mask_int32", Op("BooleanMaskLengths", {"lengths", "mask"}, {Ints({3}), Ints({1, 0, 1})}), kFail,
               {"mask", "must be bool"}});
  c.push_back({"BooleanUnmask_mask_int32", Op("BooleanUnmask", {"m1", "v1"}, {Ints({1, 0, 1}), kF3}), kFail, {"m1", "must be bool"}});
  c.push_back({"BooleanUnmask_mixed_value_dtypes", Op("BooleanUnmask", {"m1", "v1", "m2", "v2"},
                                                      {Bools({true, false}), Floats({1}, {1}), Bools({false, true}), Ints({2})}),
               kFail, {"v2", "dtype"}});
  c.push_back({"SequenceMask_input_int32", Op("SequenceMask", {"x"}, {Ints({1, 2, 3})}, R"(arg { name: "mode" s: "upper" })"), kFail,
               {"int32", "not supported"}});
  c.push_back({"SequenceMask_lengths_float", Op("SequenceMask", {"x", "lengths"}, {x23, Floats({2}, {1, 2})}, seq_args), kFail,
               {"lengths", "must be int32"}});
  c.push_back({"SequenceMask_centers_int64", Op("SequenceMask", {"x", "centers"}, {x23, TensorFile<int64_t>({2}, {1, 2})}, win_args),
               kFail, {"centers", "must be int32"}});

  // -- shapes, modes, axes --
  c.push_back({"BooleanMask_mask_2d", Op("BooleanMask", {"data", "mask"}, {kF3, TensorFile<bool>({3, 1}, {true, false, true})}), kFail,
               {"mask", "1-D"}});
  c.push_back({"BooleanMask_mask_size_mismatch", Op("BooleanMask", {"data", "mask"}, {kF3, Bools({true, false})}), kFail,
               {"mask", "(2 vs. 3)"}});
  c.push_back({"BooleanMask_scalar_data", Op("BooleanMask", {"data", "mask"}, {TensorFile<float>({}, {1}), Bools({true})}), kFail,
               {"data", "at least 1 dim"}});
  c.push_back({"BooleanMaskGradient_dY_rows_mismatch", Op("BooleanMaskGradient", {"mask", "dY"}, {kB3, Floats({3}, {1, 2, 3})}), kFail,
               {"dY", "(3 vs. 2)"}});
  c.push_back({"BooleanMaskLengths_negative_length", Op("BooleanMaskLengths", {"lengths", "mask"}, {Ints({-1, 3}), Bools({true, true})}),
               kFail, {"negative length"}});
  c.push_back({"BooleanMaskLengths_sum_mismatch", Op("BooleanMaskLengths", {"lengths", "mask"}, {Ints({1, 3}), kB3}), kFail,
               {"sums to 4"}});
  c.push_back({"BooleanUnmask_uncovered_position", Op("BooleanUnmask", {"m1", "v1", "m2", "v2"},
                                                      {Bools({true, false}), Floats({1}, {1}), Bools({false, false}), Floats({0}, {})}),
               kFail, {"position 1"}});
  c.push_back({"BooleanUnmask_values_not_consumed", Op("BooleanUnmask", {"m1", "v1", "m2", "v2"},
                                                       {Bools({true, false}), Floats({1}, {1}), Bools({true, true}), Floats({2}, {2, 2})}),
               kFail, {"v2"}});
  c.push_back({"BooleanUnmask_odd_input_count", Op("BooleanUnmask", {"m1", "v1", "m2"}, {kB3, Floats({2}, {1, 2}), kB3}), kFail,
               {"BooleanUnmask", "3"}});
  c.push_back({"SequenceMask_bad_mode", Op("SequenceMask", {"x"}, {x23}, R"(arg { name: "mode" s: "diagonal" })"), kFail,
               {"diagonal", "sequence"}});
  c.push_back({"SequenceMask_missing_mode", Op("SequenceMask", {"x"}, {x23}), kFail, {"mode"}});
  c.push_back({"SequenceMask_axis_out_of_range", Op("SequenceMask", {"x"}, {x23}, R"(arg { name: "mode" s: "upper" } arg { name: "axis" i: 7 })"),
               kFail, {"axis", "7"}});
  c.push_back({"SequenceMask_batch_not_below_axis",
               Op("SequenceMask", {"x"}, {x23}, R"(arg { name: "mode" s: "upper" } arg { name: "axis" i: 1 } arg { name: "batch" i: 1 })"),
               kFail, {"batch"}});
  c.push_back({"SequenceMask_repeat_from_axis_in_window_mode",
               Op("SequenceMask", {"x", "centers"}, {x23, Ints({0, 1})}, win_args + R"( arg { name: "repeat_from_axis" i: 1 })"),
               kFail, {"repeat_from_axis"}});
  c.push_back({"SequenceMask_window_centers_too_short", Op("SequenceMask", {"x", "centers"}, {x23, Ints({1})}, win_args), kFail,
               {"centers", "1"}});
  c.push_back({"SequenceMask_sequence_lengths_too_short", Op("SequenceMask", {"x", "lengths"}, {x23, Ints({1})}, seq_args), kFail,
               {"lengths", "1"}});
  c.push_back({"SequenceMask_sequence_mode_one_input", Op("SequenceMask", {"x"}, {x23}, seq_args), kFail, {"sequence", "2"}});
  c.push_back({"SequenceMask_radius_as_nan_float", Op("SequenceMask", {"x", "centers"}, {x23, Ints({0, 1})},
                                                      R"(arg { name: "mode" s: "window" } arg { name: "radius" f: nan })"),
               kFail, {"radius"}});
  c.push_back({"SequenceMask_axis_as_inf_float", Op("SequenceMask", {"x"}, {x23}, R"(arg { name: "mode" s: "upper" } arg { name: "axis" f: inf })"),
               kFail, {"axis"}});
  c.push_back({"SequenceMask_fill_nan_is_legal", Op("SequenceMask", {"x"}, {x23}, R"(arg { name: "mode" s: "upper" } arg { name: "fill_val" f: nan })"),
               0, {}});
  c.push_back({"SequenceMask_fill_inf_is_legal", Op("SequenceMask", {"x"}, {x23}, R"(arg { name: "mode" s: "lower" } arg { name: "fill_val" f: inf })"),
               0, {}});
  c.push_back({"SequenceMask_extreme_radius_and_centers_are_legal",
               Op("SequenceMask", {"x", "centers"}, {x23, Ints({2147483647, -2147483647 - 1})},
                  R"(arg { name: "mode" s: "window" } arg { name: "radius" i: 9223372036854775807 })"),
               0, {}});

  // -- atomic outputs: the first operator succeeds, the second fails; nothing may be written --
  c.push_back({"failure_after_first_output_writes_nothing", [](const Files& f) {
                 const std::string net = std::string(kMaskNet) +
                                         R"( op { input: "out" output: "y" type: "SequenceMask" arg { name: "mode" s: "sequence" } })";
                 std::vector<std::string> args = Feed(f, net, {"data", "mask"}, {kF3, kB3});
                 args[3] = "out,data";
                 return args;
               }, kFail, {"sequence"}});
  return c;
}

class HostileInputs : public ::testing::TestWithParam<HostileCase> {};

TEST_P(HostileInputs, ClearErrorAndNoOutput) {
  const HostileCase& hc = GetParam();
  const fs::path dir = fs::path(::testing::TempDir()) / ("caffe2_mask_hostile_" + hc.name + "_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir / "files");
  fs::create_directories(dir / "out");
  std::vector<std::string> args = hc.setup(Files{dir / "files"});
  if (std::find(args.begin(), args.end(), "--output") == args.end()) args.insert(args.end(), {"--output", "out"});
  args.insert(args.end(), {"--output_folder", (dir / "out").string(), "--iter", "0"});

  std::string command = Quote(CAFFE2_MASK_RUN);
  for (const auto& a : args) command += " " + Quote(a);
  command += " > " + Quote((dir / "log").string()) + " 2>&1";
  const int status = std::system(command.c_str());
  ASSERT_TRUE(WIFEXITED(status)) << "the runner did not exit normally (signal?) on " << hc.name;
  const int code = WEXITSTATUS(status);
  std::ifstream log_in(dir / "log");
  const std::string log((std::istreambuf_iterator<char>(log_in)), std::istreambuf_iterator<char>());

  std::vector<std::string> written;
  for (const auto& entry : fs::directory_iterator(dir / "out")) written.push_back(entry.path().filename().string());
  if (hc.exit_code == 0) {
    EXPECT_EQ(code, 0) << log;
    EXPECT_FALSE(written.empty()) << "a legal input wrote no output\n" << log;
  } else {
    EXPECT_NE(code, 0) << log;
    EXPECT_TRUE(written.empty()) << "a failed run left " << written.size() << " file(s), the first '"
                                 << (written.empty() ? "" : written[0]) << "'\n" << log;
    EXPECT_NE(log.find("error"), std::string::npos) << log;
    // One paragraph, not a crash dump or a sanitizer report.
    EXPECT_EQ(log.find("AddressSanitizer"), std::string::npos) << log;
    EXPECT_EQ(log.find("runtime error"), std::string::npos) << log;
    EXPECT_LT(log.size(), 20000u) << "the message is too long to read";
  }
  for (const auto& piece : hc.pieces) EXPECT_NE(log.find(piece), std::string::npos) << "missing '" << piece << "' in:\n" << log;
  if (!::testing::Test::HasFailure()) fs::remove_all(dir);
}

INSTANTIATE_TEST_SUITE_P(Catalogue, HostileInputs, ::testing::ValuesIn(Catalogue()),
                         [](const ::testing::TestParamInfo<HostileCase>& info) { return info.param.name; });

TEST(HostileCatalogue, HasAtLeastFiftyCases) { EXPECT_GE(Catalogue().size(), 50u); }

}  // namespace
}  // namespace caffe2
