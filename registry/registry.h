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

// Registrations made while an operator library loads (LoadOperatorLibrary, on the loading thread).
// They run inside dlopen's static initializers, where an exception would terminate the program, so a
// duplicate is recorded here instead of thrown, and every registration records how to undo itself:
// if anything went wrong, the loader undoes the library's registrations and throws one error.
class LibraryRegistrationScope {
 public:
  explicit LibraryRegistrationScope(std::string library);
  ~LibraryRegistrationScope();
  LibraryRegistrationScope(const LibraryRegistrationScope&) = delete;
  LibraryRegistrationScope& operator=(const LibraryRegistrationScope&) = delete;

  // The scope of the library loading on this thread, or nullptr.
  static LibraryRegistrationScope* Current();

  const std::string& library() const { return library_; }
  void AddError(std::string error) { errors_.push_back(std::move(error)); }
  void AddUndo(std::function<void()> undo) { undos_.push_back(std::move(undo)); }
  const std::vector<std::string>& errors() const { return errors_; }
  // Undoes every registration made in this scope, newest first.
  void UndoAll();

 private:
  std::string library_;
  LibraryRegistrationScope* previous_;
  std::vector<std::string> errors_;
  std::vector<std::function<void()>> undos_;
};

// The origin of a registration at `where` ("file:line"): "file:line" itself for code linked into the
// program, "file:line in operator library 'path'" while a library loads.
std::string RegistrationOrigin(const std::string& where);

template <class Key, class ObjectPtr, class... Args>
class Registry {
 public:
  using Creator = std::function<ObjectPtr(Args...)>;

  // `where` is "file:line" of the registration, reported if the key comes twice.
  void Register(const Key& key, Creator creator, const std::string& where) {
    const std::string origin = RegistrationOrigin(where);
    LibraryRegistrationScope* scope = LibraryRegistrationScope::Current();
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = entries_.find(key);
    if (it != entries_.end()) {
      std::string error = MakeString("'", key, "' is registered twice: at ", it->second.where, " and at ", origin);
      if (scope != nullptr) {
        scope->AddError(std::move(error));
        return;
      }
      CAFFE_THROW(error);
    }
    entries_.emplace(key, Entry{std::move(creator), origin, scope ? scope->library() : std::string()});
    if (scope != nullptr) scope->AddUndo([this, key] { Erase(key); });
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

  // Where the key was registered ("file:line", plus the library for one loaded at run time), or ""
  // if it was not.
  std::string Where(const Key& key) const {
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = entries_.find(key);
    return it == entries_.end() ? std::string() : it->second.where;
  }

  // The operator library (as given to LoadOperatorLibrary) that registered the key, or "" for a key
  // registered by code linked into the program (or not registered).
  std::string Library(const Key& key) const {
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = entries_.find(key);
    return it == entries_.end() ? std::string() : it->second.library;
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
    std::string library;
  };
  void Erase(const Key& key) {
    std::lock_guard<std::mutex> lock(mutex_);
    entries_.erase(key);
  }
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
// The origin of a registration: "file:line", marked for the built-in operators (their library is
// compiled with CAFFE2_MASK_BUILTIN_OPERATORS) so a clash names which side is which.
#ifdef CAFFE2_MASK_BUILTIN_OPERATORS
#define CAFFE2_MASK_WHERE __FILE__ ":" CAFFE2_MASK_STRINGIFY(__LINE__) " (built-in)"
#else
#define CAFFE2_MASK_WHERE __FILE__ ":" CAFFE2_MASK_STRINGIFY(__LINE__)
#endif
