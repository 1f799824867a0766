// The output commit loses nothing: every way a write, fsync, link or rename can fail, a directory in
// the way, a file-size limit, a process killed in the middle, stale files of dead processes.
#include "tools/runner/output_commit.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <cstdlib>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "caffe2_mask/caffe2_mask.h"
#include "caffe2_mask/io/file_io.h"

namespace caffe2::runner {
namespace {

using ::testing::HasSubstr;

// Counts the calls of one kind and fails the k-th (errno EIO) or, in `kill_mode`, ends the process
// there as SIGKILL would (no cleanup at all).
struct Injector {
  enum Kind { kWrite, kFsync, kRename, kLink, kOpen, kUnlink };
  static inline Kind kind = kWrite;
  static inline int fail_at = 0;  // 1-based; 0 never
  static inline int calls = 0;
  static inline bool kill_mode = false;
  static bool Hit(Kind k) {
    if (k != kind || fail_at == 0) return false;
    if (++calls != fail_at) return false;
    if (kill_mode) ::_exit(99);
    errno = EIO;
    return true;
  }
  static FileSyscalls Calls() {
    FileSyscalls c = RealFileSyscalls();
    c.write = [](int fd, const void* d, size_t n) -> ssize_t { return Hit(kWrite) ? -1 : ::write(fd, d, n); };
    c.fsync = [](int fd) { return Hit(kFsync) ? -1 : ::fsync(fd); };
    c.rename = [](const char* a, const char* b) { return Hit(kRename) ? -1 : ::rename(a, b); };
    c.link = [](const char* a, const char* b) { return Hit(kLink) ? -1 : ::link(a, b); };
    c.open = [](const char* p, int f, mode_t m) { return Hit(kOpen) ? -1 : ::open(p, f, m); };
    c.unlink = [](const char* p) { return Hit(kUnlink) ? -1 : ::unlink(p); };
    return c;
  }
  static void Arm(Kind k, int at, bool kill = false) {
    kind = k;
    fail_at = at;
    calls = 0;
    kill_mode = kill;
  }
};

class OutputCommitTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/output_commit_test.XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override { ASSERT_EQ(std::system(("rm -rf '" + dir_ + "'").c_str()), 0); }

  std::string Path(const std::string& name) const { return dir_ + "/" + name; }
  void Put(const std::string& name, const std::string& text) const { std::ofstream(Path(name)) << text; }
  // Every entry of the folder (hidden ones too) with its content ("<dir>" for a folder).
  std::map<std::string, std::string> Contents() const {
    std::map<std::string, std::string> out;
    DIR* d = ::opendir(dir_.c_str());
    while (const dirent* e = ::readdir(d)) {
      const std::string name = e->d_name;
      if (name == "." || name == "..") continue;
      struct stat st;
      ::lstat(Path(name).c_str(), &st);
      if (S_ISDIR(st.st_mode)) {
        out[name] = "<dir>";
      } else {
        std::ifstream in(Path(name));
        std::stringstream s;
        s << in.rdbuf();
        out[name] = s.str();
      }
    }
    ::closedir(d);
    return out;
  }
  // The user's folder before a commit of a (replaces), b (new) and c (replaces).
  std::map<std::string, std::string> MakePreviousFiles() {
    Put("a", "old a");
    Put("c", "old c");
    Put("unrelated", "keep me");
    return Contents();
  }
  // Stages and commits the three new files; returns the error, or "" on success.
  std::string CommitThree() {
    try {
      OutputCommit commit;
      commit.Stage(Path("a"), "new a");
      commit.Stage(Path("b"), "new b");
      commit.Stage(Path("c"), "new c");
      commit.Commit();
    } catch (const EnforceNotMet& e) {
      return e.what();
    }
    return "";
  }
  std::map<std::string, std::string> NewFiles() const {
    return {{"a", "new a"}, {"b", "new b"}, {"c", "new c"}, {"unrelated", "keep me"}};
  }

  std::string dir_;
};

// For each kind of system call, fail its 1st, 2nd, ... call until a commit no longer reaches it: every
// failure must leave exactly the previous files, and the one that succeeds exactly the new ones.
TEST_F(OutputCommitTest, EveryFailingCallLeavesThePreviousFiles) {
  const std::map<Injector::Kind, const char*> kinds = {{Injector::kWrite, "write"}, {Injector::kFsync, "fsync"},
                                                       {Injector::kRename, "rename"}, {Injector::kLink, "link"},
                                                       {Injector::kOpen, "open"}};
  for (const auto& [kind, name] : kinds) {
    int failures = 0;
    for (int k = 1; k < 50; ++k) {
      ASSERT_EQ(std::system(("rm -rf '" + dir_ + "'/* '" + dir_ + "'/.[!.]*").c_str()), 0);
      const auto before = MakePreviousFiles();
      std::string error;
      {
        ScopedFileSyscalls scoped(Injector::Calls());
        Injector::Arm(kind, k);
        error = CommitThree();
      }
      if (error.empty()) {
        EXPECT_EQ(Contents(), NewFiles()) << name << " #" << k << " was never reached and the commit succeeded";
        break;
      }
      ++failures;
      EXPECT_EQ(Contents(), before) << "failing " << name << " #" << k << ": " << error;
      EXPECT_THAT(error, HasSubstr("Input/output error")) << name << " #" << k;
    }
    // Each output is written, fsynced, linked (when replacing) and renamed: a commit with no call of
    // a kind would make a silent durability or atomicity hole.
    EXPECT_GE(failures, kind == Injector::kLink ? 2 : 3) << name;
  }
}

// Durability: a file's data is fsynced before its name is put in place, and the folder after.
std::set<ino_t> g_synced;
int g_unsynced_renames = 0;
TEST_F(OutputCommitTest, EveryFileIsFsyncedBeforeItIsRenamedIntoPlace) {
  MakePreviousFiles();
  FileSyscalls calls = RealFileSyscalls();
  calls.fsync = [](int fd) {
    struct stat st;
    if (::fstat(fd, &st) == 0 && S_ISREG(st.st_mode)) g_synced.insert(st.st_ino);
    return ::fsync(fd);
  };
  calls.rename = [](const char* from, const char* to) {
    struct stat st;
    if (::stat(from, &st) == 0 && !g_synced.count(st.st_ino)) ++g_unsynced_renames;
    return ::rename(from, to);
  };
  {
    ScopedFileSyscalls scoped(calls);
    EXPECT_EQ(CommitThree(), "");
  }
  EXPECT_EQ(g_unsynced_renames, 0);
  EXPECT_EQ(Contents(), NewFiles());
}

TEST_F(OutputCommitTest, AFolderWhereAnOutputShouldGoIsAnErrorAndChangesNothing) {
  const auto before = MakePreviousFiles();
  ASSERT_EQ(::mkdir(Path("b").c_str(), 0755), 0);
  const auto with_folder = Contents();
  EXPECT_THAT(CommitThree(), HasSubstr("cannot write output file '" + Path("b") + "': a folder of that name exists"));
  EXPECT_EQ(Contents(), with_folder);
}

// RLIMIT_FSIZE makes write(2) fail with EFBIG (SIGXFSZ ignored, as a shell's ulimit -f does not).
TEST_F(OutputCommitTest, FileSizeLimitDuringWritingChangesNothing) {
  const auto before = MakePreviousFiles();
  struct rlimit saved;
  ASSERT_EQ(::getrlimit(RLIMIT_FSIZE, &saved), 0);
  auto* previous_handler = std::signal(SIGXFSZ, SIG_IGN);
  struct rlimit small = saved;
  small.rlim_cur = 4096;
  ASSERT_EQ(::setrlimit(RLIMIT_FSIZE, &small), 0);
  std::string error;
  try {
    OutputCommit commit;
    commit.Stage(Path("a"), "new a");
    commit.Stage(Path("c"), std::string(100000, 'x'));
    commit.Commit();
  } catch (const EnforceNotMet& e) {
    error = e.what();
  }
  ::setrlimit(RLIMIT_FSIZE, &saved);
  std::signal(SIGXFSZ, previous_handler);
  EXPECT_THAT(error, HasSubstr("File too large"));
  EXPECT_EQ(Contents(), before);
}

TEST_F(OutputCommitTest, LongNamesGetHashedWorkingNamesWithinNameMax) {
  const std::string long_a(250, 'a'), long_b = std::string(249, 'a') + "b";
  Put(long_a, "old");
  OutputCommit commit;
  commit.Stage(Path(long_a), "new a");
  commit.Stage(Path(long_b), "new b");
  commit.Commit();
  EXPECT_EQ(Contents(), (std::map<std::string, std::string>{{long_a, "new a"}, {long_b, "new b"}}));
  EXPECT_NE(WorkFileKey(long_a), WorkFileKey(long_b));
  EXPECT_LE(WorkFilePath("", WorkFileName{WorkFileKey(long_a), "bak", 2147483647, UINT64_MAX, "18446744073709551615"}).size(),
            255u);
}

TEST_F(OutputCommitTest, AnUncommittedSetLeavesNothing) {
  const auto before = MakePreviousFiles();
  {
    OutputCommit commit;
    commit.CreateFolder(Path("new_folder"));
    commit.Stage(Path("new_folder/x"), "x");
    commit.Stage(Path("a"), "new a");
  }
  EXPECT_EQ(Contents(), before);
}

// A run killed (as by SIGKILL) at every step of its commit: the next commit to that folder restores
// every previous file, removes what the killed run added, and keeps the user's other files.
TEST_F(OutputCommitTest, NextRunRollsBackACommitKilledAtAnyStep) {
  for (const Injector::Kind kind : {Injector::kRename, Injector::kLink, Injector::kUnlink, Injector::kFsync}) {
    for (int k = 1; k <= 6; ++k) {
      ASSERT_EQ(std::system(("rm -rf '" + dir_ + "'/* '" + dir_ + "'/.[!.]*").c_str()), 0);
      const auto before = MakePreviousFiles();
      const pid_t child = ::fork();
      ASSERT_GE(child, 0);
      if (child == 0) {
        GetFileSyscalls() = Injector::Calls();
        Injector::Arm(kind, k, /*kill=*/true);
        _exit(CommitThree().empty() ? 0 : 1);
      }
      int status = 0;
      ASSERT_EQ(::waitpid(child, &status, 0), child);
      const int code = WEXITSTATUS(status);
      std::ostringstream warnings;
      CleanStaleWorkFiles(dir_, warnings);
      EXPECT_EQ(warnings.str(), "");
      const auto after = Contents();
      if (code == 0) {
        EXPECT_EQ(after, NewFiles()) << "kind " << kind << " #" << k << " not reached";
      } else if (code == 99) {
        // Killed before its commit point: rolled back; after it (removing backups): committed.
        EXPECT_TRUE(after == before || after == NewFiles()) << "killed at kind " << kind << " #" << k;
      }
    }
  }
}

TEST_F(OutputCommitTest, StaleFilesOfLiveProcessesAndOtherFilesAreLeftAlone) {
  const std::string live = WorkFilePath(dir_, WorkFileName{"x", "tmp", ::getppid(), 1, ""});
  std::ofstream(live) << "a live process's temporary file";
  Put(".x.tmp.123.4", "not ours: no caffe2_mask marker");
  Put(".y.tmp.caffe2_mask.notapid.1", "not ours: malformed");
  // A dead process: a child that has exited and been reaped.
  const pid_t child = ::fork();
  if (child == 0) _exit(0);
  ::waitpid(child, nullptr, 0);
  const std::string dead_tmp = WorkFilePath(dir_, WorkFileName{"x", "tmp", child, 7, ""});
  const std::string dead_bak = WorkFilePath(dir_, WorkFileName{"x", "bak", child, 7, ""});
  std::ofstream(dead_tmp) << "stale";
  std::ofstream(dead_bak) << "backup of a finished commit (no journal)";
  std::ostringstream warnings;
  CleanStaleWorkFiles(dir_, warnings);
  const auto after = Contents();
  EXPECT_EQ(after.count(FileNameOf(live)), 1u);
  EXPECT_EQ(after.count(".x.tmp.123.4"), 1u);
  EXPECT_EQ(after.count(".y.tmp.caffe2_mask.notapid.1"), 1u);
  EXPECT_EQ(after.count(FileNameOf(dead_tmp)), 0u);
  EXPECT_EQ(after.count(FileNameOf(dead_bak)), 0u);
}

TEST(WorkFileNames, RoundTripAndRefuseOthers) {
  const WorkFileName name{"out.pb", "tmp", 4242, 17, ""};
  const std::string entry = FileNameOf(WorkFilePath("d", name));
  EXPECT_EQ(entry, ".out.pb.tmp.caffe2_mask.4242.17");
  const auto parsed = ParseWorkFileName(entry);
  ASSERT_TRUE(parsed);
  EXPECT_EQ(parsed->key, "out.pb");
  EXPECT_EQ(parsed->pid, 4242);
  EXPECT_EQ(parsed->serial, 17u);
  for (const char* other : {"out.pb", ".out.pb", ".out.pb.tmp.4242.17", ".a.zip.caffe2_mask.1.2", ".a.tmp.caffe2_mask.1",
                            ".a.tmp.caffe2_mask.1.2.3.4", ".a.tmp.caffe2_mask.0.2", ".a.tmp.caffe2_mask.x.2"}) {
    EXPECT_FALSE(ParseWorkFileName(other)) << other;
  }
}

}  // namespace
}  // namespace caffe2::runner
