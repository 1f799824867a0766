#include "tools/runner/output_commit.h"

#include <dirent.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <map>
#include <mutex>
#include <optional>
#include <iostream>
#include <sstream>

#include "caffe2_mask/base/enforce.h"
#include "caffe2_mask/io/file_io.h"
#include "tools/runner/test_pause.h"

namespace caffe2::runner {
namespace {

// Never destroyed: the signal thread may use them while the process exits.
std::mutex& CommitMutex() {
  static auto* mutex = new std::mutex;
  return *mutex;
}
std::set<OutputCommit*>& LiveCommits() {
  static auto* commits = new std::set<OutputCommit*>;
  return *commits;
}

struct CommitLockGuard {
  CommitLockGuard() { CommitMutex().lock(); }
  ~CommitLockGuard() { CommitMutex().unlock(); }
};

std::atomic<uint64_t> g_commit_serial{0};

// What a signal ending the process would leave of the outputs; changed under the lock.
const char* g_outcome = "no output file was written or changed";

std::string Errno() { return std::strerror(errno); }

std::optional<struct stat> Lstat(const std::string& path) {
  struct stat st;
  if (::lstat(path.c_str(), &st) != 0) return std::nullopt;
  return st;
}

bool ProcessAlive(pid_t pid) { return ::kill(pid, 0) == 0 || errno == EPERM; }

std::string Join(const std::string& dir, const std::string& name) { return dir == "/" ? "/" + name : dir + "/" + name; }

// Journal records: "<had_previous 0|1> <new inode> <length>:<file name> <length>:<backup name>\n", so
// that any byte (a newline included) may be in a name.
constexpr const char* kJournalHeader = "caffe2_mask output commit journal 1\n";

struct JournalRecord {
  bool had_previous = false;
  uint64_t new_inode = 0;
  std::string name, backup;
};

std::string LengthPrefixed(const std::string& s) { return std::to_string(s.size()) + ":" + s; }

bool ReadLengthPrefixed(std::istream& in, std::string* out) {
  size_t size = 0;
  char colon = 0;
  if (!(in >> size) || !in.get(colon) || colon != ':' || size > 4096) return false;
  out->resize(size);
  return static_cast<bool>(in.read(out->data(), static_cast<std::streamsize>(size)));
}

std::optional<std::vector<JournalRecord>> ParseJournal(const std::string& text) {
  if (text.rfind(kJournalHeader, 0) != 0) return std::nullopt;
  std::istringstream in(text.substr(std::strlen(kJournalHeader)));
  std::vector<JournalRecord> records;
  while (in >> std::ws, in.peek() != EOF) {
    JournalRecord r;
    int had_previous = 0;
    if (!(in >> had_previous >> r.new_inode) || in.get() != ' ' || !ReadLengthPrefixed(in, &r.name) ||
        in.get() != ' ' || !ReadLengthPrefixed(in, &r.backup)) {
      return std::nullopt;
    }
    r.had_previous = had_previous != 0;
    records.push_back(std::move(r));
  }
  return records;
}

// Undoes one record of a dead run's unfinished commit; returns what could not be done safely.
std::string RollBackRecord(const std::string& dir, const JournalRecord& r) {
  const std::string path = Join(dir, r.name), backup = Join(dir, r.backup);
  const auto current = Lstat(path);
  const auto saved = Lstat(backup);
  const bool holds_dead_runs_file = current && static_cast<uint64_t>(current->st_ino) == r.new_inode;
  auto& sys = GetFileSyscalls();
  if (saved) {
    if (current && current->st_ino == saved->st_ino) {
      // The backup link was made but the new file never renamed over the name: a second name only.
      if (sys.unlink(backup.c_str()) != 0) return "cannot remove '" + backup + "': " + Errno();
      return "";
    }
    if (!current || holds_dead_runs_file) {
      if (sys.rename(backup.c_str(), path.c_str()) != 0) return "cannot restore '" + path + "' from '" + backup + "': " + Errno();
      return "";
    }
    return "'" + path + "' was replaced after the run that was killed; its earlier file is kept as '" + backup + "'";
  }
  if (!r.had_previous && holds_dead_runs_file && sys.unlink(path.c_str()) != 0) {
    return "cannot remove '" + path + "': " + Errno();
  }
  return "";
}

}  // namespace

// ---- the lock ----


bool TryLockCommits() { return CommitMutex().try_lock(); }

std::string LockCommitsForExit(bool already_locked) {
  if (!already_locked) CommitMutex().lock();  // never released: the process ends with it held
  for (OutputCommit* commit : LiveCommits()) commit->AbandonForSignal();
  return g_outcome;
}

// ---- stale files ----

void CleanStaleWorkFiles(const std::string& dir, std::ostream& warnings) {
  DIR* d = ::opendir(dir.c_str());
  if (d == nullptr) return;  // the commit itself reports an unusable folder
  std::vector<std::pair<std::string, WorkFileName>> stale;
  while (const dirent* entry = ::readdir(d)) {
    auto name = ParseWorkFileName(entry->d_name);
    if (name && name->pid != ::getpid() && !ProcessAlive(name->pid)) stale.push_back({entry->d_name, *name});
  }
  ::closedir(d);
  auto& sys = GetFileSyscalls();
  bool changed = false;
  // Journals first: the unfinished commits they describe are rolled back, using their backups.
  std::set<std::string> kept;
  for (const auto& [entry, name] : stale) {
    if (name.kind != "jrn") continue;
    const std::string path = Join(dir, entry);
    std::optional<std::vector<JournalRecord>> records;
    try {
      records = ParseJournal(ReadFileToString(path));
    } catch (const EnforceNotMet&) {
    }
    if (!records) {
      warnings << "caffe2_mask_run: warning: cannot read the commit journal '" << path << "' of a killed run; it is left in place\n";
      continue;
    }
    std::string problems;
    for (const auto& record : *records) {
      const std::string problem = RollBackRecord(dir, record);
      if (!problem.empty()) {
        problems += (problems.empty() ? "" : "; ") + problem;
        kept.insert(record.backup);
      }
    }
    changed = true;
    if (problems.empty()) {
      sys.unlink(path.c_str());
    } else {
      warnings << "caffe2_mask_run: warning: rolling back the output commit of a killed run (journal '" << path
               << "'): " << problems << "\n";
    }
  }
  // Then temporary files, and backups of commits that passed their commit point.
  for (const auto& [entry, name] : stale) {
    if (name.kind == "jrn" || kept.count(entry)) continue;
    const std::string path = Join(dir, entry);
    if (Lstat(path) && sys.unlink(path.c_str()) == 0) changed = true;
  }
  if (changed) {
    try {
      SyncDirectory(dir);
    } catch (const EnforceNotMet&) {
      // Cleaning up is best effort; the commit fsyncs the folder again.
    }
  }
}

// ---- the commit ----

OutputCommit::OutputCommit() {
  CommitLockGuard lock;
  LiveCommits().insert(this);
}

OutputCommit::~OutputCommit() {
  CommitLockGuard lock;
  if (state_ == State::kStaging) {
    RemoveTemporariesLocked();
  }
  LiveCommits().erase(this);
}

void OutputCommit::CreateFolder(const std::string& folder) {
  CommitLockGuard lock;
  struct stat st;
  if (::stat(folder.c_str(), &st) == 0) return;
  CAFFE_ENFORCE(GetFileSyscalls().mkdir(folder.c_str(), 0755) == 0, "cannot create the output folder '", folder,
                "': ", Errno());
  created_folder_ = folder;
  cleaned_folders_.insert(DirectoryOf(folder + "/x"));  // a new folder has nothing stale
}

void OutputCommit::Stage(const std::string& path, const std::string& content) {
  Stage(path, [&](const ByteSink& sink) { sink(content.data(), content.size()); });
}

void OutputCommit::Stage(const std::string& path, const ContentWriter& write) {
  CAFFE_ENFORCE(state_ == State::kStaging, "the output files are already committed");
  for (const auto& file : files_) {
    CAFFE_ENFORCE(file.path != path, "two outputs would be written to '", path, "'");
  }
  const std::string dir = DirectoryOf(path);
  if (cleaned_folders_.insert(dir).second) CleanStaleWorkFiles(dir, std::cerr);
  std::optional<NewFile> file;
  {
    // Created under the lock, so that a signal either sees it registered or sees no file.
    CommitLockGuard lock;
    File staged;
    staged.path = path;
    staged.temp = TemporaryPathFor(path);
    file.emplace(staged.temp);
    files_.push_back(staged);
  }
  // Written without the lock: a signal meanwhile removes the file and ends the process.
  write([&](const char* data, size_t size) { file->Write(data, size); });
  file->FinishSynced();
  files_.back().new_inode = file->inode();
}

void OutputCommit::Commit() {
  CommitLockGuard lock;
  CAFFE_ENFORCE(state_ == State::kStaging, "the output files are already committed");
  try {
    CommitLocked();
  } catch (EnforceNotMet& e) {
    const std::string unrestored = RollBackLocked();
    if (!unrestored.empty()) e.AppendMessage("and the rollback failed: " + unrestored);
    throw;
  } catch (...) {
    RollBackLocked();
    throw;
  }
  state_ = State::kCommitted;
  g_outcome = "every output file was committed";
  // Past the commit point: the backups are only second names of the replaced files. One left behind
  // (a failed unlink) is removed by the next run's CleanStaleWorkFiles, as its journal is gone.
  std::set<std::string> dirs;
  for (const auto& file : files_) {
    if (file.backed_up && GetFileSyscalls().unlink(file.backup.c_str()) == 0) dirs.insert(DirectoryOf(file.path));
  }
  for (const auto& dir : dirs) {
    try {
      SyncDirectory(dir);
    } catch (const EnforceNotMet&) {
      // The outputs are committed and durable; only the backups' removal may not be.
    }
  }
  created_folder_.clear();  // it holds the outputs now
}

void OutputCommit::CommitLocked() {
  const pid_t pid = ::getpid();
  const uint64_t serial = g_commit_serial++;
  // Check every destination before changing anything.
  for (auto& file : files_) {
    const auto st = Lstat(file.path);
    if (st) {
      CAFFE_ENFORCE(!S_ISDIR(st->st_mode), "cannot write output file '", file.path,
                    "': a folder of that name exists (remove or rename it)");
      CAFFE_ENFORCE(S_ISREG(st->st_mode) || S_ISLNK(st->st_mode), "cannot write output file '", file.path,
                    "': something that is not a regular file has that name");
      file.had_previous = true;
    }
    file.backup = WorkFilePath(DirectoryOf(file.path),
                               WorkFileName{WorkFileKey(FileNameOf(file.path)), "bak", pid, serial, ""});
  }
  // One journal per folder, durable before the first name changes.
  std::map<std::string, std::string> journal_text;
  for (const auto& file : files_) {
    std::string& text = journal_text[DirectoryOf(file.path)];
    if (text.empty()) text = kJournalHeader;
    text += MakeString(file.had_previous ? 1 : 0, " ", file.new_inode, " ", LengthPrefixed(FileNameOf(file.path)), " ",
                       LengthPrefixed(FileNameOf(file.backup)), "\n");
  }
  for (const auto& [dir, text] : journal_text) {
    const std::string journal = WorkFilePath(dir, WorkFileName{"commit", "jrn", pid, serial, ""});
    WriteNewFileSynced(journal, text);
    journals_.push_back(journal);
    SyncDirectory(dir);
  }
  auto& sys = GetFileSyscalls();
  for (size_t i = 0; i < files_.size(); ++i) {
    File& file = files_[i];
    if (file.had_previous) {
      CAFFE_ENFORCE(sys.link(file.path.c_str(), file.backup.c_str()) == 0, "cannot keep the previous file '",
                    file.path, "' as '", file.backup, "' (link): ", Errno());
      file.backed_up = true;
    }
    CAFFE_ENFORCE(sys.rename(file.temp.c_str(), file.path.c_str()) == 0, "cannot rename '", file.temp, "' to '",
                  file.path, "': ", Errno());
    file.renamed = true;
    if (i == 0) TestPause("renaming");
  }
  for (const auto& [dir, text] : journal_text) SyncDirectory(dir);
  // The commit point: without its journal, a folder's new files are final.
  for (auto& journal : journals_) {
    CAFFE_ENFORCE(sys.unlink(journal.c_str()) == 0, "cannot remove the commit journal '", journal, "': ", Errno());
    journal.clear();
  }
  for (const auto& [dir, text] : journal_text) SyncDirectory(dir);
}

std::string OutputCommit::RollBackLocked() {
  auto& sys = GetFileSyscalls();
  std::string unrestored;
  auto problem = [&](const std::string& text) { unrestored += (unrestored.empty() ? "" : "; ") + text; };
  std::set<std::string> dirs;
  for (auto it = files_.rbegin(); it != files_.rend(); ++it) {
    File& file = *it;
    dirs.insert(DirectoryOf(file.path));
    if (file.renamed) {
      if (file.backed_up) {
        // rename(2) puts the previous file back in one step: the name is never missing.
        if (sys.rename(file.backup.c_str(), file.path.c_str()) != 0) {
          problem(MakeString("cannot restore '", file.path, "' from '", file.backup, "': ", Errno()));
          continue;
        }
      } else if (sys.unlink(file.path.c_str()) != 0 && errno != ENOENT) {
        problem(MakeString("cannot remove the new '", file.path, "': ", Errno()));
        continue;
      }
      file.renamed = file.backed_up = false;
    } else if (file.backed_up) {
      sys.unlink(file.backup.c_str());
      file.backed_up = false;
    }
  }
  RemoveTemporariesLocked();
  // A journal is kept while something could not be restored: the next run finishes the rollback.
  if (unrestored.empty()) {
    for (auto& journal : journals_) {
      if (!journal.empty()) sys.unlink(journal.c_str());
    }
    journals_.clear();
  } else {
    unrestored += "; the next run that writes to this folder retries";
  }
  for (const auto& dir : dirs) {
    try {
      SyncDirectory(dir);
    } catch (const EnforceNotMet&) {
    }
  }
  state_ = State::kRolledBack;
  return unrestored;
}

void OutputCommit::RemoveTemporariesLocked() {
  auto& sys = GetFileSyscalls();
  for (const auto& file : files_) {
    if (!file.renamed) sys.unlink(file.temp.c_str());
  }
  if (!created_folder_.empty()) {
    sys.rmdir(created_folder_.c_str());  // only if empty: nothing else is ever removed
    created_folder_.clear();
  }
}

void OutputCommit::AbandonForSignal() {
  if (state_ != State::kStaging) return;
  RemoveTemporariesLocked();
  state_ = State::kRolledBack;
}

}  // namespace caffe2::runner
