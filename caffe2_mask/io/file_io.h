// Whole files in and out: reads with a size limit, and writes that readers never see half-done.
#pragma once

#include <string>

namespace caffe2 {

// The whole file; missing, unreadable, not a regular file or over the size limit are errors naming it.
std::string ReadFileToString(const std::string& path);
// A fresh name for a temporary file next to `path` (same directory, so rename is atomic), hidden and
// unique in this process: "<dir>/.<name>.tmp.<pid>.<n>".
std::string TemporaryPathFor(const std::string& path);
// Creates `path` (which must not exist), writes `content` and fsyncs it. On failure nothing is left.
void WriteNewFileSynced(const std::string& path, const std::string& content);
// rename(from, to), then fsync of the directory.
void RenameFile(const std::string& from, const std::string& to);
// Writes a temporary file next to `path`, fsyncs it and renames it over `path`: readers see the old
// file or the complete new one, never a partial one. On failure the temporary file is removed.
void WriteFileAtomically(const std::string& path, const std::string& content);

}  // namespace caffe2
