#include "caffe2_mask/framework/workspace.h"

#include "caffe2_mask/framework/net.h"

namespace caffe2 {

Workspace::Workspace() = default;
Workspace::~Workspace() {
  // Nets hold pointers to blobs: destroy them first.
  nets_.clear();
}

Blob* Workspace::CreateBlob(const std::string& name) {
  auto& slot = blobs_[name];
  if (!slot) slot = std::make_unique<Blob>();
  return slot.get();
}

const Blob* Workspace::GetBlob(const std::string& name) const {
  auto it = blobs_.find(name);
  return it == blobs_.end() ? nullptr : it->second.get();
}

Blob* Workspace::GetBlob(const std::string& name) {
  auto it = blobs_.find(name);
  return it == blobs_.end() ? nullptr : it->second.get();
}

bool Workspace::RemoveBlob(const std::string& name) {
  auto it = blobs_.find(name);
  if (it == blobs_.end()) return false;
  for (const auto& [net_name, net] : nets_) {
    CAFFE_ENFORCE(!net->UsesBlob(name), "blob '", name, "' cannot be removed: net '", net_name,
                  "' uses it; delete the net first");
  }
  blobs_.erase(it);
  return true;
}

std::vector<std::string> Workspace::Blobs() const {
  std::vector<std::string> names;
  names.reserve(blobs_.size());
  for (const auto& entry : blobs_) names.push_back(entry.first);
  return names;
}

bool Workspace::RunOperatorOnce(const OperatorDef& def) { return CreateOperator(def, this)->Run(); }

bool Workspace::RunNetOnce(const NetDef& def) { return caffe2::CreateNet(def, this)->Run(); }

NetBase* Workspace::CreateNet(const NetDef& def, bool overwrite) {
  CAFFE_ENFORCE(overwrite || nets_.count(def.name()) == 0, "a net called '", def.name(),
                "' already exists in this workspace; pass overwrite=true to replace it");
  // Create before replacing, so a failed overwrite keeps the old net (a failed creation only removes
  // blobs it created itself, which the old net cannot be using).
  auto net = caffe2::CreateNet(def, this);
  NetBase* raw = net.get();
  nets_[def.name()] = std::move(net);
  return raw;
}

NetBase* Workspace::GetNet(const std::string& name) {
  auto it = nets_.find(name);
  return it == nets_.end() ? nullptr : it->second.get();
}

bool Workspace::RunNet(const std::string& name) {
  NetBase* net = GetNet(name);
  CAFFE_ENFORCE(net != nullptr, "no net called '", name, "' in this workspace; create it with CreateNet first");
  return net->Run();
}

void Workspace::DeleteNet(const std::string& name) { nets_.erase(name); }

std::vector<std::string> Workspace::Nets() const {
  std::vector<std::string> names;
  for (const auto& entry : nets_) names.push_back(entry.first);
  return names;
}

}  // namespace caffe2
