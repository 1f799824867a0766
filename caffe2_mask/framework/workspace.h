// A workspace: named blobs and the nets created on them.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "caffe2_mask/core/blob.h"
#include "proto/caffe2.pb.h"

namespace caffe2 {

class NetBase;

class Workspace {
 public:
  Workspace();
  ~Workspace();
  Workspace(const Workspace&) = delete;
  Workspace& operator=(const Workspace&) = delete;

  // The blob called `name`, created empty if absent.
  Blob* CreateBlob(const std::string& name);
  // nullptr if absent.
  const Blob* GetBlob(const std::string& name) const;
  Blob* GetBlob(const std::string& name);
  bool HasBlob(const std::string& name) const { return blobs_.count(name) > 0; }
  // False if absent. Removing a blob that a created net uses is an error (the net holds it).
  bool RemoveBlob(const std::string& name);
  // Sorted names.
  std::vector<std::string> Blobs() const;

  // These return true; every failure throws EnforceNotMet (one error channel).
  bool RunOperatorOnce(const OperatorDef& def);
  bool RunNetOnce(const NetDef& def);
  // Creates (validating everything first) and keeps a net under def.name(). A second net with the
  // same name is an error unless `overwrite`.
  NetBase* CreateNet(const NetDef& def, bool overwrite = false);
  NetBase* GetNet(const std::string& name);
  bool RunNet(const std::string& name);
  void DeleteNet(const std::string& name);
  std::vector<std::string> Nets() const;

 private:
  std::map<std::string, std::unique_ptr<Blob>> blobs_;
  std::map<std::string, std::unique_ptr<NetBase>> nets_;
};

}  // namespace caffe2
