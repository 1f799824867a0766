// The one error channel of the runtime: every failed check throws caffe2::EnforceNotMet, whose message
// carries the failed condition, the values involved and, once it passes through Operator::Run or a net,
// the operator that was running.
#pragma once

#include <exception>
#include <sstream>
#include <string>
#include <vector>

namespace caffe2 {

namespace detail {
template <typename T>
void AppendOne(std::ostream& out, const T& value) {
  out << value;
}
// Vectors (a tensor's sizes(), say) print as "[2, 3]", so CAFFE_ENFORCE_EQ(a.sizes(), b.sizes())
// works as it does in Caffe2, whose sizes() is a printable IntArrayRef.
template <typename T, typename A>
void AppendOne(std::ostream& out, const std::vector<T, A>& values) {
  out << "[";
  for (size_t i = 0; i < values.size(); ++i) out << (i ? ", " : "") << values[i];
  out << "]";
}
inline void AppendToStream(std::ostream&) {}
template <typename T, typename... Rest>
void AppendToStream(std::ostream& out, const T& first, const Rest&... rest) {
  AppendOne(out, first);
  AppendToStream(out, rest...);
}
}  // namespace detail

// Concatenates its arguments with operator<<.
template <typename... Args>
std::string MakeString(const Args&... args) {
  std::ostringstream out;
  detail::AppendToStream(out, args...);
  return out.str();
}
inline std::string MakeString(const std::string& s) { return s; }
inline std::string MakeString(const char* s) { return s; }

class EnforceNotMet : public std::exception {
 public:
  // `caller` is the object whose check failed (Caffe2's _WITH_CALLER checks pass `this`), or null.
  EnforceNotMet(const char* file, int line, const char* condition, const std::string& message,
                const void* caller = nullptr);

  // Adds context (an operator, a net) as a new line; what() includes it.
  void AppendMessage(const std::string& context);

  const char* what() const noexcept override { return full_message_.c_str(); }
  // The message without the file/line prefix and the appended context.
  const std::string& msg() const { return message_; }
  const std::vector<std::string>& context() const { return context_; }
  const std::string& condition() const { return condition_; }
  const std::string& file() const { return file_; }
  int line() const { return line_; }
  // The object that raised the error, when the check named one: Operator::Run compares it with its
  // input and output blobs' contents and says which one was being accessed.
  const void* caller() const noexcept { return caller_; }

 private:
  void Rebuild();

  std::string file_;
  int line_;
  std::string condition_;
  std::string message_;
  std::vector<std::string> context_;
  std::string full_message_;
  const void* caller_;
};

[[noreturn]] void ThrowEnforceNotMet(const char* file, int line, const char* condition,
                                     const std::string& message, const void* caller = nullptr);

namespace detail {
// "a == b" failed: prints "a == b (3 vs. 4)" plus the caller's message.
template <typename A, typename B>
[[noreturn]] void ThrowComparison(const char* file, int line, const char* expr, const A& a, const B& b,
                                  const std::string& message, const void* caller = nullptr) {
  std::string text = MakeString(message.empty() ? "" : message + " ", "(", a, " vs. ", b, ")");
  ThrowEnforceNotMet(file, line, expr, text, caller);
}
}  // namespace detail

}  // namespace caffe2

#define CAFFE_THROW(...) \
  ::caffe2::ThrowEnforceNotMet(__FILE__, __LINE__, "", ::caffe2::MakeString(__VA_ARGS__))

// `caller`: the object to record in the error (nullptr for none; see EnforceNotMet::caller()).
#define CAFFE_ENFORCE_IMPL(condition, caller, ...)                                               \
  do {                                                                                          \
    if (!(condition)) {                                                                         \
      ::caffe2::ThrowEnforceNotMet(__FILE__, __LINE__, #condition,                             \
                                   ::caffe2::MakeString("" __VA_OPT__(, ) __VA_ARGS__), caller); \
    }                                                                                           \
  } while (false)

#define CAFFE_ENFORCE(condition, ...) CAFFE_ENFORCE_IMPL(condition, nullptr, __VA_ARGS__)

#define CAFFE_ENFORCE_THAT_IMPL(op, a, b, expr, caller, ...)                                \
  do {                                                                                      \
    const auto& caffe_enforce_a_ = (a);                                                     \
    const auto& caffe_enforce_b_ = (b);                                                     \
    if (!(caffe_enforce_a_ op caffe_enforce_b_)) {                                          \
      ::caffe2::detail::ThrowComparison(__FILE__, __LINE__, expr, caffe_enforce_a_,         \
                                        caffe_enforce_b_,                                   \
                                        ::caffe2::MakeString("" __VA_OPT__(, ) __VA_ARGS__), \
                                        caller);                                            \
    }                                                                                       \
  } while (false)

#define CAFFE_ENFORCE_EQ(a, b, ...) CAFFE_ENFORCE_THAT_IMPL(==, a, b, #a " == " #b, nullptr, __VA_ARGS__)
#define CAFFE_ENFORCE_NE(a, b, ...) CAFFE_ENFORCE_THAT_IMPL(!=, a, b, #a " != " #b, nullptr, __VA_ARGS__)
#define CAFFE_ENFORCE_LE(a, b, ...) CAFFE_ENFORCE_THAT_IMPL(<=, a, b, #a " <= " #b, nullptr, __VA_ARGS__)
#define CAFFE_ENFORCE_LT(a, b, ...) CAFFE_ENFORCE_THAT_IMPL(<, a, b, #a " < " #b, nullptr, __VA_ARGS__)
#define CAFFE_ENFORCE_GE(a, b, ...) CAFFE_ENFORCE_THAT_IMPL(>=, a, b, #a " >= " #b, nullptr, __VA_ARGS__)
#define CAFFE_ENFORCE_GT(a, b, ...) CAFFE_ENFORCE_THAT_IMPL(>, a, b, #a " > " #b, nullptr, __VA_ARGS__)

// The _WITH_CALLER forms record `this` as the error's caller() (c10::Error::caller() in Caffe2).
// Operator::Run names the input or output blob holding that object ("while accessing input: x").
#define CAFFE_ENFORCE_WITH_CALLER(condition, ...) CAFFE_ENFORCE_IMPL(condition, this, __VA_ARGS__)
#define CAFFE_ENFORCE_EQ_WITH_CALLER(a, b, ...) CAFFE_ENFORCE_THAT_IMPL(==, a, b, #a " == " #b, this, __VA_ARGS__)
#define CAFFE_ENFORCE_NE_WITH_CALLER(a, b, ...) CAFFE_ENFORCE_THAT_IMPL(!=, a, b, #a " != " #b, this, __VA_ARGS__)
#define CAFFE_ENFORCE_LE_WITH_CALLER(a, b, ...) CAFFE_ENFORCE_THAT_IMPL(<=, a, b, #a " <= " #b, this, __VA_ARGS__)
#define CAFFE_ENFORCE_LT_WITH_CALLER(a, b, ...) CAFFE_ENFORCE_THAT_IMPL(<, a, b, #a " < " #b, this, __VA_ARGS__)
#define CAFFE_ENFORCE_GE_WITH_CALLER(a, b, ...) CAFFE_ENFORCE_THAT_IMPL(>=, a, b, #a " >= " #b, this, __VA_ARGS__)
#define CAFFE_ENFORCE_GT_WITH_CALLER(a, b, ...) CAFFE_ENFORCE_THAT_IMPL(>, a, b, #a " > " #b, this, __VA_ARGS__)
