#include "caffe2_mask/io/file_io.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <vector>

#include "caffe2_mask/base/enforce.h"
#include "caffe2_mask/io/internal/error_prefix.h"
#include "caffe2_mask/io/internal/input_file.h"
#include "caffe2_mask/io/limits.h"

namespace caffe2 {

using io_internal::ErrnoText;

namespace {
constexpr const char* kWorkFileMarker = ".caffe2_mask.";

int RealOpen(const char* path, int flags, mode_t mode) { return ::open(path, flags, mode); }

bool AllDigits(const std::string& s) {
  return !s.empty() && s.find_first_not_of("0123456789") == std::string::npos;
}

// FNV-1a: enough to tell apart the long names of one folder; the kept prefix makes a collision
// between names that also share their first bytes the only (astronomically unlikely) way to clash,
// and O_EXCL turns even that into an error, not an overwrite.
uint64_t Fnv1a(const std::string& s) {
  uint64_t h = 0xcbf29ce484222325ull;
  for (unsigned char c : s) {
    h ^= c;
    h *= 0x100000001b3ull;
  }
  return h;
}
}  // namespace

FileSyscalls RealFileSyscalls() {
  return FileSyscalls{RealOpen, ::write, ::fsync, ::close, ::rename, ::link, ::unlink, ::mkdir, ::rmdir};
}

FileSyscalls& GetFileSyscalls() {
  static FileSyscalls calls = RealFileSyscalls();
  return calls;
}

std::string ReadFileToString(const std::string& path) {
  // InputFile holds the checks every reader shares (regular file, size limit) and the read loop.
  const io_internal::InputFile file(path);
  std::string content(static_cast<size_t>(file.size()), '\0');
  file.ReadAt(0, content.data(), content.size());
  return content;
}

// ---- Hidden working files ----

std::string WorkFileKey(const std::string& file_name) {
  if (file_name.size() <= kMaxVerbatimKeyBytes) return file_name;
  size_t keep = 120;
  // Cut at a UTF-8 character boundary, so the hidden name stays readable text.
  while (keep > 0 && (static_cast<unsigned char>(file_name[keep]) & 0xC0) == 0x80) --keep;
  char hash[17];
  std::snprintf(hash, sizeof hash, "%016llx", static_cast<unsigned long long>(Fnv1a(file_name)));
  return file_name.substr(0, keep) + "~" + hash;
}

std::string WorkFilePath(const std::string& dir, const WorkFileName& name) {
  std::string path = dir.empty() ? "" : (dir.back() == '/' ? dir : dir + "/");
  path += MakeString(".", name.key, ".", name.kind, kWorkFileMarker, name.pid, ".", name.serial);
  if (!name.extra.empty()) path += "." + name.extra;
  return path;
}

std::optional<WorkFileName> ParseWorkFileName(const std::string& entry) {
  if (entry.size() < 2 || entry[0] != '.') return std::nullopt;
  const size_t marker = entry.rfind(kWorkFileMarker);
  if (marker == std::string::npos) return std::nullopt;
  const size_t kind_dot = entry.rfind('.', marker - 1);
  if (kind_dot == std::string::npos || kind_dot < 2) return std::nullopt;
  WorkFileName name;
  name.key = entry.substr(1, kind_dot - 1);
  name.kind = entry.substr(kind_dot + 1, marker - kind_dot - 1);
  if (name.kind != "tmp" && name.kind != "bak" && name.kind != "jrn") return std::nullopt;
  // "<pid>.<serial>[.<extra>]", all decimal.
  std::vector<std::string> numbers;
  std::string rest = entry.substr(marker + std::strlen(kWorkFileMarker));
  size_t start = 0;
  while (true) {
    const size_t dot = rest.find('.', start);
    numbers.push_back(rest.substr(start, dot == std::string::npos ? std::string::npos : dot - start));
    if (dot == std::string::npos) break;
    start = dot + 1;
  }
  if (numbers.size() < 2 || numbers.size() > 3) return std::nullopt;
  for (const auto& n : numbers) {
    if (!AllDigits(n) || n.size() > 19) return std::nullopt;
  }
  name.pid = static_cast<pid_t>(std::stoll(numbers[0]));
  name.serial = std::stoull(numbers[1]);
  if (numbers.size() == 3) name.extra = numbers[2];
  if (name.pid <= 0) return std::nullopt;
  return name;
}

std::string DirectoryOf(const std::string& path) {
  const auto slash = path.find_last_of('/');
  if (slash == std::string::npos) return ".";
  return slash == 0 ? "/" : path.substr(0, slash);
}

std::string FileNameOf(const std::string& path) {
  const auto slash = path.find_last_of('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

std::string TemporaryPathFor(const std::string& path) {
  static std::atomic<uint64_t> counter{0};
  const std::string base = FileNameOf(path);
  CAFFE_ENFORCE(!base.empty(), "'", path, "' names a directory, not a file");
  const auto slash = path.find_last_of('/');
  const std::string dir = slash == std::string::npos ? "" : path.substr(0, slash + 1);
  return WorkFilePath(dir, WorkFileName{WorkFileKey(base), "tmp", ::getpid(), counter++, ""});
}

// ---- Writing ----

NewFile::NewFile(std::string path) : path_(std::move(path)) {
  fd_ = GetFileSyscalls().open(path_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  CAFFE_ENFORCE(fd_ >= 0, "cannot create file '", path_, "': ", ErrnoText());
  struct stat st;
  if (::fstat(fd_, &st) != 0) Fail("stat");
  inode_ = static_cast<uint64_t>(st.st_ino);
}

NewFile::~NewFile() {
  if (finished_) return;
  if (fd_ >= 0) GetFileSyscalls().close(fd_);
  GetFileSyscalls().unlink(path_.c_str());
}

void NewFile::Fail(const char* what) {
  const std::string reason = ErrnoText();
  if (fd_ >= 0) GetFileSyscalls().close(fd_);
  fd_ = -1;
  GetFileSyscalls().unlink(path_.c_str());
  finished_ = true;  // nothing left for the destructor
  CAFFE_THROW("cannot ", what, " file '", path_, "': ", reason);
}

void NewFile::Write(const char* data, size_t size) {
  CAFFE_ENFORCE(fd_ >= 0 && !finished_, "file '", path_, "' is already finished");
  size_t done = 0;
  while (done < size) {
    const ssize_t wrote = GetFileSyscalls().write(fd_, data + done, size - done);
    if (wrote < 0 && errno == EINTR) continue;
    if (wrote == 0) errno = ENOSPC;  // write(2) makes no progress only when the device is full
    if (wrote <= 0) Fail("write");
    done += static_cast<size_t>(wrote);
  }
}

void NewFile::FinishSynced() {
  CAFFE_ENFORCE(fd_ >= 0 && !finished_, "file '", path_, "' is already finished");
  if (GetFileSyscalls().fsync(fd_) != 0) Fail("fsync");
  const int fd = fd_;
  fd_ = -1;
  if (GetFileSyscalls().close(fd) != 0) Fail("close");
  finished_ = true;
}

void WriteNewFileSynced(const std::string& path, const std::string& content) {
  WriteNewFileSynced(path, [&](const ByteSink& sink) { sink(content.data(), content.size()); });
}

void WriteNewFileSynced(const std::string& path, const ContentWriter& write) {
  NewFile file(path);
  write([&](const char* data, size_t size) { file.Write(data, size); });
  file.FinishSynced();
}

void SyncDirectory(const std::string& dir) {
  const int fd = GetFileSyscalls().open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC, 0);
  CAFFE_ENFORCE(fd >= 0, "cannot open folder '", dir, "' to fsync it: ", ErrnoText());
  const bool synced = GetFileSyscalls().fsync(fd) == 0;
  const std::string reason = synced ? "" : ErrnoText();
  GetFileSyscalls().close(fd);
  CAFFE_ENFORCE(synced, "cannot fsync folder '", dir, "': ", reason);
}

void RenameFile(const std::string& from, const std::string& to) {
  CAFFE_ENFORCE(GetFileSyscalls().rename(from.c_str(), to.c_str()) == 0, "cannot rename '", from, "' to '",
                to, "': ", ErrnoText());
  SyncDirectory(DirectoryOf(to));
}

void WriteFileAtomically(const std::string& path, const std::string& content) {
  WriteFileAtomically(path, [&](const ByteSink& sink) { sink(content.data(), content.size()); });
}

void WriteFileAtomically(const std::string& path, const ContentWriter& write) {
  const std::string temp = TemporaryPathFor(path);
  WriteNewFileSynced(temp, write);
  try {
    RenameFile(temp, path);
  } catch (...) {
    GetFileSyscalls().unlink(temp.c_str());
    throw;
  }
}

}  // namespace caffe2
