#include "caffe2_mask/framework/net.h"

#include <algorithm>

#include "caffe2_mask/framework/workspace.h"

namespace caffe2 {

namespace {
const std::vector<std::string>& KnownNetTypes() {
  static const std::vector<std::string> types = {"",          "simple",           "dag", "async_dag",
                                                 "async_simple", "async_scheduling", "parallel"};
  return types;
}

// An operator inherits the net's device option when it has none of its own (as in Caffe2).
OperatorDef EffectiveOperatorDef(const NetDef& net, const OperatorDef& op) {
  OperatorDef def = op;
  if (!def.has_device_option() && net.has_device_option()) *def.mutable_device_option() = net.device_option();
  return def;
}

std::string OperatorAt(int position, const OperatorDef& def) {
  return MakeString("operator #", position, " ", OperatorSummary(def));
}
}  // namespace

std::string NetDescription(const NetDef& def) {
  return def.name().empty() ? std::string("the unnamed net") : "net '" + def.name() + "'";
}

std::vector<std::string> NetDefProblems(const NetDef& def, const Workspace& ws) {
  std::vector<std::string> problems;
  const auto& types = KnownNetTypes();
  if (std::find(types.begin(), types.end(), def.type()) == types.end()) {
    problems.push_back(MakeString("net type '", def.type(),
                                  "' is unknown; use simple, dag, async_scheduling or leave it empty"));
  }
  try {
    EnforceCPUDevice(def.device_option(), NetDescription(def));
  } catch (const EnforceNotMet& e) {
    problems.push_back(e.msg());
  }
  std::set<std::string> available;
  for (const auto& name : ws.Blobs()) available.insert(name);
  for (int position = 0; position < def.op_size(); ++position) {
    const OperatorDef op = EffectiveOperatorDef(def, def.op(position));
    for (const auto& problem : OperatorDefProblems(op)) {
      problems.push_back(MakeString(OperatorAt(position, op), ": ", problem));
    }
    for (int i = 0; i < op.input_size(); ++i) {
      if (available.count(op.input(i)) > 0) continue;
      const bool declared = std::find(def.external_input().begin(), def.external_input().end(),
                                      op.input(i)) != def.external_input().end();
      problems.push_back(MakeString(
          OperatorAt(position, op), ": input ", i, " is blob '", op.input(i),
          "', which is not in the workspace and is not produced by an earlier operator",
          declared ? " (the net lists it in external_input, but nothing provided it)" : "",
          ". Provide it before creating the net: feed it (caffe2_mask_run --input=", op.input(i),
          " --input_file=...), create it in the init net, or produce it by an earlier operator"));
    }
    for (const auto& output : op.output()) available.insert(output);
  }
  return problems;
}

NetBase::NetBase(const NetDef& def, Workspace* ws) : def_(def) {
  for (int position = 0; position < def.op_size(); ++position) {
    const OperatorDef op = EffectiveOperatorDef(def, def.op(position));
    blobs_used_.insert(op.input().begin(), op.input().end());
    blobs_used_.insert(op.output().begin(), op.output().end());
    operators_.push_back(CreateOperator(op, ws, position));
  }
}

bool SimpleNet::Run() {
  for (auto& op : operators_) {
    try {
      op->Run();
    } catch (EnforceNotMet& error) {
      error.AppendMessage(MakeString("in ", NetDescription(def_)));
      throw;
    }
  }
  return true;
}

std::unique_ptr<NetBase> CreateNet(const NetDef& def, Workspace* ws) {
  const auto problems = NetDefProblems(def, *ws);
  if (!problems.empty()) {
    std::string message = MakeString("cannot create ", NetDescription(def), ": ", problems.size(),
                                     problems.size() == 1 ? " problem" : " problems");
    // A hostile net can have thousands of problems; the first ones are enough to act on.
    constexpr size_t kMaxListed = 50;
    for (size_t i = 0; i < problems.size() && i < kMaxListed; ++i) {
      message += MakeString("\n  ", i + 1, ". ", problems[i]);
    }
    if (problems.size() > kMaxListed) message += MakeString("\n  ... and ", problems.size() - kMaxListed, " more");
    CAFFE_THROW(message);
  }
  const auto blobs_before = ws->Blobs();
  try {
    return std::make_unique<SimpleNet>(def, ws);
  } catch (EnforceNotMet& error) {
    // Leave the workspace as it was: drop the output blobs this attempt created.
    for (const auto& name : ws->Blobs()) {
      if (!std::binary_search(blobs_before.begin(), blobs_before.end(), name)) ws->RemoveBlob(name);
    }
    error.AppendMessage(MakeString("in ", NetDescription(def)));
    throw;
  }
}

}  // namespace caffe2
