// Operator libraries: shared libraries of operators, schemas and gradient makers that a program
// loads at run time (Caffe2 users did this with dyndep.InitOpsLibrary).
#pragma once

#include <string>
#include <vector>

namespace caffe2 {

// Loads the shared library at `path` (dlopen with RTLD_NOW | RTLD_GLOBAL), which registers its
// operators, schemas and gradient makers; their Where() origin names the library. Loading the same
// file again does nothing. Failures are EnforceNotMet: a library dlopen refuses (with dlerror's text),
// and a library whose registrations clash with ones already made (each clash names both origins).
// A library that clashes is unloaded again and leaves nothing registered. Loads are serialized, so
// threads may load libraries concurrently.
void LoadOperatorLibrary(const std::string& path);

// The libraries LoadOperatorLibrary has loaded, as given to it, in load order.
std::vector<std::string> LoadedOperatorLibraries();

}  // namespace caffe2
