// Internal: the 8-byte word a pattern fill stores.
#ifndef CAFFE2_MASK_OPS_KERNELS_ITEM_WORD_H_
#define CAFFE2_MASK_OPS_KERNELS_ITEM_WORD_H_

#include <cstdint>
#include <cstring>

namespace caffe2::kernels::detail {

// 8 bytes holding 8 / item_bytes copies of `item` (item_bytes 2, 4 or 8), built with fixed-size moves:
// a fill then stores whole words instead of making one variable-size copy per item. `static` because
// it is compiled with each code path's instruction-set flags (internal linkage keeps the copies apart).
static inline uint64_t ItemWord(int64_t item_bytes, const void* item) {
  switch (item_bytes) {
    case 2: {
      uint16_t v;
      memcpy(&v, item, 2);
      return v * uint64_t{0x0001000100010001};
    }
    case 4: {
      uint32_t v;
      memcpy(&v, item, 4);
      return v * uint64_t{0x0000000100000001};
    }
    default: {
      uint64_t v;
      memcpy(&v, item, 8);
      return v;
    }
  }
}

}  // namespace caffe2::kernels::detail

#endif  // CAFFE2_MASK_OPS_KERNELS_ITEM_WORD_H_
