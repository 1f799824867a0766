// One generic registry: keys to creators, filled by static registration objects. A second
// registration of a key is an error that names both places; nothing here ever exits the process.
#pragma once

#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "caffe2_mask/base/enforce.h"

namespace caffe2 {

// Registered names closest to `name` (edit distance, case-insensitive), best first, for "did you
// mean" messages.
std::vector<std::string> CloseNames(const std::string& name, const std::vector<std::string>& candidates,
                                    size_t max_results = 5);

template <class Key, class ObjectPtr, class... Args>
class Registry {
 public:
  using Creator = std::function<ObjectPtr(Args...)>;

  // `where` is "file:line" of the registration, reported if the key comes twice.
  void Register(const Key& key, Creator creator, const std::string& where) {
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = entries_.find(key);
    if (it != entries_.end()) {
      CAFFE_THROW("'", key, "' is registered twice: at ", it->second.where, " and at ", where);
    }
    entries_.emplace(key, Entry{std::move(creator), where});
  }

  bool Has(const Key& key) const {
    std::lock_guard<std::mutex> lock(mutex_);
    return entries_.count(key) > 0;
  }

  // nullptr when the key is not registered.
  ObjectPtr Create(const Key& key, Args... args) const {
    const Creator* creator = nullptr;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      auto it = entries_.find(key);
      if (it == entries_.end()) return nullptr;
      creator = &it->second.creator;
    }
    return (*creator)(args...);
  }

  // Where the key was registered, or "" if it was not.
  std::string Where(const Key& key) const {
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = entries_.find(key);
    return it == entries_.end() ? std::string() : it->second.where;
  }

  // Sorted.
  std::vector<Key> Keys() const {
    std::lock_guard<std::mutex> lock(mutex_);
    std::vector<Key> keys;
    keys.reserve(entries_.size());
    for (const auto& entry : entries_) keys.push_back(entry.first);
    return keys;
  }

 private:
  struct Entry {
    Creator creator;
    std::string where;
  };
  mutable std::mutex mutex_;
  std::map<Key, Entry> entries_;
};

template <class Key, class ObjectPtr, class... Args>
class Registerer {
 public:
  Registerer(Registry<Key, ObjectPtr, Args...>* registry, const Key& key,
             typename Registry<Key, ObjectPtr, Args...>::Creator creator, const std::string& where) {
    registry->Register(key, std::move(creator), where);
  }
};

}  // namespace caffe2

#define CAFFE2_MASK_CONCAT_IMPL(a, b) a##b
#define CAFFE2_MASK_CONCAT(a, b) CAFFE2_MASK_CONCAT_IMPL(a, b)
#define CAFFE_ANONYMOUS_VARIABLE(prefix) CAFFE2_MASK_CONCAT(prefix, __COUNTER__)
#define CAFFE2_MASK_STRINGIFY_IMPL(x) #x
#define CAFFE2_MASK_STRINGIFY(x) CAFFE2_MASK_STRINGIFY_IMPL(x)
#define CAFFE2_MASK_WHERE __FILE__ ":" CAFFE2_MASK_STRINGIFY(__LINE__)
