#include "caffe2_mask/io/file_io.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <climits>
#include <cstring>

#include "caffe2_mask/base/enforce.h"
#include "caffe2_mask/io/internal/error_prefix.h"
#include "caffe2_mask/io/limits.h"

namespace caffe2 {

using io_internal::ErrnoText;

namespace {
// Closes a file descriptor on scope exit.
struct FdCloser {
  int fd;
  ~FdCloser() {
    if (fd >= 0) ::close(fd);
  }
};
}  // namespace

std::string ReadFileToString(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  CAFFE_ENFORCE(fd >= 0, "cannot open file '", path, "': ", ErrnoText());
  FdCloser closer{fd};
  struct stat st;
  CAFFE_ENFORCE(::fstat(fd, &st) == 0, "cannot stat file '", path, "': ", ErrnoText());
  CAFFE_ENFORCE(!S_ISDIR(st.st_mode), "file '", path, "' is a directory, not a file");
  CAFFE_ENFORCE(S_ISREG(st.st_mode), "file '", path, "' is not a regular file");
  const int64_t limit = GetSerializationLimits().max_file_bytes;
  CAFFE_ENFORCE(st.st_size <= limit, "file '", path, "' is ", st.st_size,
                " bytes, more than the file size limit of ", limit,
                " bytes (caffe2_mask_run --max_file_bytes)");
  std::string content(static_cast<size_t>(st.st_size), '\0');
  size_t done = 0;
  while (done < content.size()) {
    const ssize_t got = ::read(fd, content.data() + done, content.size() - done);
    if (got < 0 && errno == EINTR) continue;
    CAFFE_ENFORCE(got >= 0, "cannot read file '", path, "': ", ErrnoText());
    if (got == 0) break;  // shrank while reading
    done += static_cast<size_t>(got);
  }
  content.resize(done);
  return content;
}

std::string TemporaryPathFor(const std::string& path) {
  static std::atomic<uint64_t> counter{0};
  const auto slash = path.find_last_of('/');
  const std::string dir = slash == std::string::npos ? "" : path.substr(0, slash + 1);
  const std::string base = slash == std::string::npos ? path : path.substr(slash + 1);
  CAFFE_ENFORCE(!base.empty(), "'", path, "' names a directory, not a file");
  return MakeString(dir, ".", base, ".tmp.", ::getpid(), ".", counter++);
}

void WriteNewFileSynced(const std::string& path, const std::string& content) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  CAFFE_ENFORCE(fd >= 0, "cannot create file '", path, "': ", ErrnoText());
  auto fail = [&](const char* what) {
    const std::string reason = ErrnoText();
    ::close(fd);
    ::unlink(path.c_str());
    CAFFE_THROW("cannot ", what, " file '", path, "': ", reason);
  };
  size_t done = 0;
  while (done < content.size()) {
    const ssize_t wrote = ::write(fd, content.data() + done, content.size() - done);
    if (wrote < 0 && errno == EINTR) continue;
    if (wrote <= 0) fail("write");
    done += static_cast<size_t>(wrote);
  }
  if (::fsync(fd) != 0) fail("fsync");
  if (::close(fd) != 0) {
    const std::string reason = ErrnoText();
    ::unlink(path.c_str());
    CAFFE_THROW("cannot close file '", path, "': ", reason);
  }
}

void RenameFile(const std::string& from, const std::string& to) {
  CAFFE_ENFORCE(::rename(from.c_str(), to.c_str()) == 0, "cannot rename '", from, "' to '", to,
                "': ", ErrnoText());
  // Make the rename itself durable.
  const auto slash = to.find_last_of('/');
  const std::string dir = slash == std::string::npos ? "." : (slash == 0 ? "/" : to.substr(0, slash));
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd >= 0) {
    ::fsync(fd);
    ::close(fd);
  }
}

void WriteFileAtomically(const std::string& path, const std::string& content) {
  const std::string temp = TemporaryPathFor(path);
  WriteNewFileSynced(temp, content);
  try {
    RenameFile(temp, path);
  } catch (...) {
    ::unlink(temp.c_str());
    throw;
  }
}

}  // namespace caffe2
