#include "registry/operator_library.h"

#include <dlfcn.h>

#include <algorithm>
#include <climits>
#include <cstdlib>
#include <memory>
#include <mutex>

#include "registry/registry.h"

namespace caffe2 {

namespace {
struct LoadedLibrary {
  std::string path;      // as given
  std::string realpath;  // to recognise the same file under another name
};

// Recursive: a library's initializers may themselves load a library it depends on.
std::recursive_mutex& LoadMutex() {
  static auto* mutex = new std::recursive_mutex();
  return *mutex;
}

std::vector<LoadedLibrary>& Loaded() {
  static auto* loaded = new std::vector<LoadedLibrary>();
  return *loaded;
}

std::string RealPath(const std::string& path) {
  std::unique_ptr<char, void (*)(void*)> resolved(::realpath(path.c_str(), nullptr), std::free);
  return resolved ? std::string(resolved.get()) : path;
}
}  // namespace

void LoadOperatorLibrary(const std::string& path) {
  CAFFE_ENFORCE(!path.empty(), "LoadOperatorLibrary needs the path of a shared library");
  std::lock_guard<std::recursive_mutex> lock(LoadMutex());
  const std::string real = RealPath(path);
  for (const auto& loaded : Loaded()) {
    if (loaded.realpath == real) return;
  }
  LibraryRegistrationScope scope(path);
  ::dlerror();
  void* handle = ::dlopen(path.c_str(), RTLD_NOW | RTLD_GLOBAL);
  if (handle == nullptr) {
    const char* error = ::dlerror();
    // RTLD_NOW resolves every symbol before any initializer runs, so nothing was registered.
    CAFFE_THROW("cannot load operator library '", path, "': ", error ? error : "dlopen failed");
  }
  if (!scope.errors().empty()) {
    scope.UndoAll();
    ::dlclose(handle);
    std::string message = MakeString("operator library '", path, "' was not loaded: ", scope.errors().size(),
                                     " of its registrations clash with ones already made; nothing of "
                                     "the library stays registered:");
    for (const auto& error : scope.errors()) message += "\n  - " + error;
    CAFFE_THROW(message);
  }
  Loaded().push_back({path, real});
}

std::vector<std::string> LoadedOperatorLibraries() {
  std::lock_guard<std::recursive_mutex> lock(LoadMutex());
  std::vector<std::string> paths;
  for (const auto& loaded : Loaded()) paths.push_back(loaded.path);
  return paths;
}

}  // namespace caffe2
