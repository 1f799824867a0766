// c10::irange(end) / irange(begin, end): a range of integers for range-based for loops.
#pragma once

#include <type_traits>

namespace c10 {
template <typename I>
class IntegerRange {
 public:
  class iterator {
   public:
    explicit iterator(I value) : value_(value) {}
    I operator*() const { return value_; }
    iterator& operator++() {
      ++value_;
      return *this;
    }
    bool operator!=(const iterator& other) const { return value_ != other.value_; }

   private:
    I value_;
  };
  IntegerRange(I begin, I end) : begin_(begin), end_(end < begin ? begin : end) {}
  iterator begin() const { return iterator(begin_); }
  iterator end() const { return iterator(end_); }

 private:
  I begin_;
  I end_;
};

template <typename I, typename = std::enable_if_t<std::is_integral_v<I>>>
IntegerRange<I> irange(I end) {
  return IntegerRange<I>(I{0}, end);
}
template <typename I1, typename I2, typename = std::enable_if_t<std::is_integral_v<I1> && std::is_integral_v<I2>>>
IntegerRange<std::common_type_t<I1, I2>> irange(I1 begin, I2 end) {
  using I = std::common_type_t<I1, I2>;
  return IntegerRange<I>(static_cast<I>(begin), static_cast<I>(end));
}
}  // namespace c10
