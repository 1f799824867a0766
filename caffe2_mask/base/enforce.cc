#include "caffe2_mask/base/enforce.h"

namespace caffe2 {

EnforceNotMet::EnforceNotMet(const char* file, int line, const char* condition,
                             const std::string& message, const void* caller)
    : file_(file), line_(line), condition_(condition), message_(message), caller_(caller) {
  // Build paths are noise in a user's error message: keep the file name.
  const auto slash = file_.find_last_of('/');
  if (slash != std::string::npos) file_ = file_.substr(slash + 1);
  Rebuild();
}

void EnforceNotMet::AppendMessage(const std::string& context) {
  context_.push_back(context);
  Rebuild();
}

void EnforceNotMet::Rebuild() {
  std::ostringstream out;
  if (!condition_.empty()) {
    out << "[enforce fail at " << file_ << ":" << line_ << "] " << condition_ << ". ";
  } else {
    out << "[" << file_ << ":" << line_ << "] ";
  }
  out << message_;
  for (const auto& c : context_) {
    out << "\n  " << c;
  }
  full_message_ = out.str();
}

void ThrowEnforceNotMet(const char* file, int line, const char* condition,
                        const std::string& message, const void* caller) {
  throw EnforceNotMet(file, line, condition, message, caller);
}

}  // namespace caffe2
