// Decodes git's EWAH-compressed bitmaps (ewah/ewah_io.c), which a split index's `link` extension
// uses to say which entries of the shared index are deleted or replaced.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "base/result.h"

namespace cordon::box {

struct EwahBitmap {
  std::vector<uint32_t> set_bits;  // ascending
  size_t encoded_bytes = 0;        // how much of the input the bitmap took
};

// The bitmap serialised at the start of `bytes`: a 32-bit bit count, a 32-bit word count, that
// many 64-bit words, and a 32-bit position of the last run-length word, all big-endian. Every set
// bit must lie below `limit` (the caller's number of entries): an error otherwise, and for a
// bitmap whose words do not add up, so that a hostile one costs at most `limit` positions.
Result<EwahBitmap> decode_ewah(std::string_view bytes, uint64_t limit);

}  // namespace cordon::box
