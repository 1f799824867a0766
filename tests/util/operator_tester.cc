#include "tests/util/operator_tester.h"

namespace caffe2::testing {

void OperatorTester::Run() {
  try {
    ws_.RunOperatorOnce(Def());
  } catch (const std::exception& error) {
    FAIL() << type_ << " failed:\n" << error.what();
  }
  for (auto& check : checks_) check();
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
  ExpectThrowContaining([this] { ws_.RunOperatorOnce(Def()); }, pieces);
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
