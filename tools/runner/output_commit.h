// Output files that appear all together or not at all, and never cost the user a file they had.
//
// The protocol (docs/reliability.md, "Output commit", states the guarantees):
//  1. Stage: each output is written to a hidden temporary file in its destination's folder and fsynced,
//     one at a time (the caller frees each serialization before the next).
//  2. Commit, with signals held off: a journal listing every destination is written and fsynced in
//     each folder; then for each output, an existing file is kept as a hidden backup (a hard link,
//     link(2)) and the temporary file is renamed over the name, so at every instant the name holds
//     its previous file or its complete new one; the folders are fsynced; removing the journals is
//     the commit point; then the backups are removed.
//  3. Any failure before the commit point rolls back: backups are renamed back over their names,
//     outputs that had no previous file are removed, temporary files and journals too.
// Working files carry the pid of their process (caffe2_mask/io/file_io.h, WorkFileName); the first
// commit that writes to a folder cleans up after dead processes (CleanStaleWorkFiles).
#pragma once

#include <cstdint>
#include <ostream>
#include <set>
#include <string>
#include <vector>

#include "caffe2_mask/io/file_io.h"

namespace caffe2::runner {

class OutputCommit {
 public:
  OutputCommit();
  // Without a successful Commit(): removes every temporary file and the folder CreateFolder made.
  ~OutputCommit();
  OutputCommit(const OutputCommit&) = delete;
  OutputCommit& operator=(const OutputCommit&) = delete;

  // Makes `folder` (one level) if it does not exist; it is removed again unless the commit succeeds.
  void CreateFolder(const std::string& folder);
  // Writes `content` to a fresh temporary file next to `path` and fsyncs it. The first file staged
  // in a folder cleans the folder's stale working files first.
  void Stage(const std::string& path, const std::string& content);
  // The same with the content written by `write` into the temporary file as it is made (nothing of it
  // held in memory); a `write` that throws leaves no temporary file.
  void Stage(const std::string& path, const ContentWriter& write);
  // Puts every staged file in place, or rolls back and throws; see the protocol above.
  void Commit();

  // With the commit lock held, for a process about to exit: undoes a commit that has not started.
  void AbandonForSignal();

 private:
  struct File {
    std::string path, temp, backup;
    uint64_t new_inode = 0;
    bool had_previous = false;  // a file (or symlink) was at `path` before the commit
    bool backed_up = false;
    bool renamed = false;
  };
  enum class State { kStaging, kCommitted, kRolledBack };

  void CommitLocked();
  // Returns what could not be restored (empty when everything was).
  std::string RollBackLocked();
  void RemoveTemporariesLocked();

  std::vector<File> files_;
  std::vector<std::string> journals_;
  std::set<std::string> cleaned_folders_;
  std::string created_folder_;
  State state_ = State::kStaging;
};

// The commit lock holds off the signal thread (signals.h) while a file is created or renamed.
// Takes the commit lock if it is free (then it is held for good, as by LockCommitsForExit).
bool TryLockCommits();
// Takes the commit lock for good (the process is about to exit; `already_locked` after a successful
// TryLockCommits), abandons every commit not made, and says what became of the output files:
// "every output file was committed" or "no output file was written or changed".
std::string LockCommitsForExit(bool already_locked = false);

// In `dir`, for working files whose process is gone: removes temporary files, rolls back the
// unfinished commit of a journal (restores backups, removes outputs that had no previous file, but
// only while each name still holds the dead run's file), removes backups of finished commits.
// Files of live processes and any other file are left alone. What cannot be resolved safely is left
// in place and described on `warnings`.
void CleanStaleWorkFiles(const std::string& dir, std::ostream& warnings);

}  // namespace caffe2::runner
