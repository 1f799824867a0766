// Whole files in and out: reads with a size limit, and writes that readers never see half-done.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <functional>
#include <optional>
#include <string>

namespace caffe2 {

// The whole file; missing, unreadable, not a regular file or over the size limit are errors naming it.
std::string ReadFileToString(const std::string& path);

// ---- Hidden working files ----------------------------------------------------------------------
// Temporary files (and the backups of an output commit, tools/runner/output_commit.h) are hidden files
// in the destination's folder, named
//   ".<key>.<kind>.caffe2_mask.<pid>.<serial>[.<extra>]"
// `key` is the destination's file name, or for a name longer than kMaxVerbatimKeyBytes its first bytes
// and a hash of the whole (so every working name fits NAME_MAX whatever the destination's length);
// `pid` is the process that made the file, so a later run can tell a stale file from a live one.
struct WorkFileName {
  std::string key;
  std::string kind;  // "tmp" (temporary), "bak" (backup) or "jrn" (commit journal)
  pid_t pid = 0;
  uint64_t serial = 0;
  std::string extra;  // kind-specific, may be empty
};
constexpr size_t kMaxVerbatimKeyBytes = 160;
// The `key` of a destination file name (no '/').
std::string WorkFileKey(const std::string& file_name);
// "<dir>/" + the hidden name; `dir` may be empty (the current folder).
std::string WorkFilePath(const std::string& dir, const WorkFileName& name);
// The parts of a hidden working file's name, or nothing if `entry` (a name without '/') is not one.
std::optional<WorkFileName> ParseWorkFileName(const std::string& entry);
// Splits "dir/name" into "dir" ("." when there is no '/', "/" for the root) and "name".
std::string DirectoryOf(const std::string& path);
std::string FileNameOf(const std::string& path);

// A fresh temporary name next to `path` (same folder, so rename is atomic), of kind "tmp", unique in
// this process. An error if `path` names a directory ("dir/").
std::string TemporaryPathFor(const std::string& path);

// ---- Writing ------------------------------------------------------------------------------------
// Where a writer puts its bytes, piece by piece (a file, a string): large outputs are written straight
// from the tensor's buffer instead of being serialized into memory first.
using ByteSink = std::function<void(const char* data, size_t size)>;
// What fills a file: called once with the file's sink.
using ContentWriter = std::function<void(const ByteSink& sink)>;

// A file being written: created (it must not exist) by the constructor, removed by the destructor
// unless FinishSynced() succeeded. Every failure is an error naming the file and the reason.
class NewFile {
 public:
  explicit NewFile(std::string path);
  ~NewFile();
  NewFile(const NewFile&) = delete;
  NewFile& operator=(const NewFile&) = delete;

  void Write(const char* data, size_t size);
  void Write(const std::string& bytes) { Write(bytes.data(), bytes.size()); }
  // fsync, then close: once this returns, the content is durable.
  void FinishSynced();
  const std::string& path() const { return path_; }
  // The file's inode number (valid from construction).
  uint64_t inode() const { return inode_; }

 private:
  [[noreturn]] void Fail(const char* what);
  std::string path_;
  int fd_ = -1;
  uint64_t inode_ = 0;
  bool finished_ = false;
};

// Creates `path` (which must not exist), writes `content` and fsyncs it. On failure nothing is left.
void WriteNewFileSynced(const std::string& path, const std::string& content);
void WriteNewFileSynced(const std::string& path, const ContentWriter& write);
// fsync of a folder, so that renames, links and removals in it are durable. An error naming it.
void SyncDirectory(const std::string& dir);
// rename(from, to), then fsync of to's folder.
void RenameFile(const std::string& from, const std::string& to);
// Writes a temporary file next to `path`, fsyncs it and renames it over `path`: readers see the old
// file or the complete new one, never a partial one. On failure the temporary file is removed.
void WriteFileAtomically(const std::string& path, const std::string& content);
void WriteFileAtomically(const std::string& path, const ContentWriter& write);

// ---- Test seam ----------------------------------------------------------------------------------
// Every system call by which the functions above (and the runner's output commit) change files goes
// through this table, so tests can make the k-th write, fsync, rename or link fail and check that
// nothing is lost. Production code never changes it; a test that does restores it before it ends
// (ScopedFileSyscalls). Set before use: it is a plain table read without a lock on every call, so
// change it only while no other thread writes files (docs/reliability.md, "Thread safety").
struct FileSyscalls {
  int (*open)(const char* path, int flags, mode_t mode);
  ssize_t (*write)(int fd, const void* data, size_t size);
  int (*fsync)(int fd);
  int (*close)(int fd);
  int (*rename)(const char* from, const char* to);
  int (*link)(const char* from, const char* to);
  int (*unlink)(const char* path);
  int (*mkdir)(const char* path, mode_t mode);
  int (*rmdir)(const char* path);
};
// The table in use (initially the real system calls).
FileSyscalls& GetFileSyscalls();
// The real system calls.
FileSyscalls RealFileSyscalls();

class ScopedFileSyscalls {
 public:
  explicit ScopedFileSyscalls(const FileSyscalls& calls) : saved_(GetFileSyscalls()) { GetFileSyscalls() = calls; }
  ~ScopedFileSyscalls() { GetFileSyscalls() = saved_; }
  ScopedFileSyscalls(const ScopedFileSyscalls&) = delete;
  ScopedFileSyscalls& operator=(const ScopedFileSyscalls&) = delete;

 private:
  FileSyscalls saved_;
};

}  // namespace caffe2
