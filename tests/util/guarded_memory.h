// Test memory between two PROT_NONE pages: a kernel that reads or writes one byte before or after the
// buffer faults (SIGSEGV) in every build, Release included, not only under AddressSanitizer. The buffer
// touches one of its guard pages exactly: its last byte is the one before the trailing guard page
// (Edge::kEnd, for over-reads past the end, the usual vector-tail bug), or its first byte is the one
// after the leading guard page (Edge::kStart, for reads before the start). Header-only: the kernel
// tests use it without the runtime.
#pragma once

#include <sys/mman.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>

namespace caffe2::testing {

class PageGuardedMemory {
 public:
  enum class Edge { kEnd, kStart };

  PageGuardedMemory(size_t size, Edge edge) : size_(size) {
    page_ = static_cast<size_t>(::sysconf(_SC_PAGESIZE));
    const size_t data_pages = (size + page_ - 1) / page_;
    mapped_ = (data_pages + 2) * page_;
    void* base = ::mmap(nullptr, mapped_, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (base == MAP_FAILED) {
      std::perror("PageGuardedMemory: mmap");
      std::abort();
    }
    base_ = static_cast<uint8_t*>(base);
    if (::mprotect(base_, page_, PROT_NONE) != 0 ||
        ::mprotect(base_ + (data_pages + 1) * page_, page_, PROT_NONE) != 0) {
      std::perror("PageGuardedMemory: mprotect");
      std::abort();
    }
    data_ = edge == Edge::kStart ? base_ + page_ : base_ + (data_pages + 1) * page_ - size;
  }
  ~PageGuardedMemory() { ::munmap(base_, mapped_); }
  PageGuardedMemory(const PageGuardedMemory&) = delete;
  PageGuardedMemory& operator=(const PageGuardedMemory&) = delete;

  uint8_t* data() const { return data_; }
  size_t size() const { return size_; }

 private:
  size_t size_;
  size_t page_ = 0;
  size_t mapped_ = 0;
  uint8_t* base_ = nullptr;
  uint8_t* data_ = nullptr;
};

}  // namespace caffe2::testing
