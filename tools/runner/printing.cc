#include "tools/runner/printing.h"

#include <algorithm>
#include <functional>
#include <iomanip>
#include <map>
#include <vector>

#include "registry/registry.h"

namespace caffe2::runner {
namespace {

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

}  // namespace

void PrintSummary(std::ostream& out, const std::string& name, const Tensor& t, int64_t limit) {
  out << name << ": " << t.dtype().name() << " " << ShapeString(t.sizes()) << "\n";
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

void PrintTimingLine(std::ostream& out, double total_ms, int iter) {
  const double ms = total_ms / iter;
  out << "Main run finished. Milliseconds per iter: " << ms << ". Iters per second: " << (ms > 0 ? 1000.0 / ms : 0.0)
      << std::endl;
}

void PrintOperatorTimes(std::ostream& out, const NetBase& net, const std::vector<double>& ms, int iter) {
  const auto& ops = net.operators();
  double total = 0;
  for (double v : ms) total += v;
  std::map<std::string, double> per_type;
  out << "Time per operator (--run_individual, " << iter << " iterations):\n";
  for (size_t k = 0; k < ops.size(); ++k) {
    const OperatorDef& def = ops[k]->debug_def();
    const double per_iter = ms[k] / iter;
    per_type[def.type()] += per_iter;
    out << "Operator #" << k << " " << def.type() << " \"" << def.name() << "\": " << per_iter << " ms/iter ("
        << std::fixed << std::setprecision(1) << (total > 0 ? 100.0 * ms[k] / total : 0.0) << "% of total)\n"
        << std::defaultfloat << std::setprecision(6);
  }
  out << "Time per operator type:\n";
  std::vector<std::pair<double, std::string>> sorted;
  for (const auto& [type, value] : per_type) sorted.push_back({value, type});
  std::sort(sorted.rbegin(), sorted.rend());
  for (const auto& [value, type] : sorted) {
    out << "  " << value << " ms/iter  " << std::fixed << std::setprecision(1)
        << (total > 0 ? 100.0 * value * iter / total : 0.0) << "%  " << type << "\n"
        << std::defaultfloat << std::setprecision(6);
  }
}

void ListOperators(std::ostream& out) {
  const auto names = CPUOperatorRegistry()->Keys();
  size_t width = 0;
  for (const auto& name : names) width = std::max(width, name.size());
  for (const auto& name : names) {
    const OpSchema* schema = OpSchemaRegistry::Schema(name);
    const std::string library = CPUOperatorRegistry()->Library(name);
    out << std::left << std::setw(static_cast<int>(width + 2)) << name
        << (schema ? schema->Summary() : std::string("(no schema)"))
        << (library.empty() ? std::string() : " [operator library " + library + "]") << "\n";
  }
  out << std::right;
}

void DescribeOperator(std::ostream& out, const std::string& name) {
  const OpSchema* schema = OpSchemaRegistry::Schema(name);
  if (schema == nullptr) {
    auto known = CPUOperatorRegistry()->Keys();
    const auto close = CloseNames(name, known);
    std::string hint = close.empty() ? std::string(" (run --list_operators to see them all)")
                                     : "; did you mean " + close.front() + "?";
    CAFFE_THROW("--describe_operator: no operator called '", name, "' is registered", hint);
  }
  out << schema->Describe();
  if (!CPUOperatorRegistry()->Has(name)) out << "(schema only: no CPU implementation is registered)\n";
}

}  // namespace caffe2::runner
