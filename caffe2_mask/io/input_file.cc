#include "caffe2_mask/io/internal/input_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

#include "caffe2_mask/base/enforce.h"
#include "caffe2_mask/io/internal/error_prefix.h"
#include "caffe2_mask/io/limits.h"

namespace caffe2::io_internal {

InputFile::InputFile(const std::string& path) : path_(path) {
  fd_ = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  CAFFE_ENFORCE(fd_ >= 0, "cannot open file '", path, "': ", ErrnoText());
  struct stat st;
  const bool stat_ok = ::fstat(fd_, &st) == 0;
  // Read once: the limit may change while this runs, and the message must name the one checked.
  const int64_t limit = GetSerializationLimits().max_file_bytes;
  if (!stat_ok || !S_ISREG(st.st_mode) || st.st_size > limit) {
    const std::string error = stat_ok ? "" : ErrnoText();
    ::close(fd_);
    CAFFE_ENFORCE(stat_ok, "cannot stat file '", path, "': ", error);
    CAFFE_ENFORCE(!S_ISDIR(st.st_mode), "file '", path, "' is a directory, not a file");
    CAFFE_ENFORCE(S_ISREG(st.st_mode), "file '", path, "' is not a regular file");
    CAFFE_THROW("file '", path, "' is ", st.st_size, " bytes, more than the file size limit of ",
                limit, " bytes (caffe2_mask_run --max_file_bytes)");
  }
  size_ = st.st_size;
}

InputFile::~InputFile() { ::close(fd_); }

void InputFile::ReadAt(int64_t offset, void* dst, size_t n) const {
  auto* out = static_cast<char*>(dst);
  size_t done = 0;
  while (done < n) {
    // At most 1 GiB a call: Linux transfers at most about 2 GiB per read.
    const size_t chunk = std::min<size_t>(n - done, size_t{1} << 30);
    const ssize_t got = ::pread(fd_, out + done, chunk, static_cast<off_t>(offset + done));
    if (got < 0 && errno == EINTR) continue;
    CAFFE_ENFORCE(got >= 0, "cannot read file '", path_, "': ", ErrnoText());
    CAFFE_ENFORCE(got > 0, "file '", path_, "' shrank while it was read: ", offset + done,
                  " bytes instead of the ", size_, " it had");
    done += static_cast<size_t>(got);
  }
}

}  // namespace caffe2::io_internal
