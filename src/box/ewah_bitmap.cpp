// decode_ewah: git's run-length-word layout, checked against the buffer and the caller's limit.
#include "box/ewah_bitmap.h"

#include <algorithm>

namespace cordon::box {
namespace {

constexpr size_t kWordBits = 64;
constexpr unsigned kRunningLengthBits = 32;  // ewah/ewok_rlw.h: RLW_RUNNING_BITS
constexpr uint64_t kRunningLengthMask = (uint64_t{1} << kRunningLengthBits) - 1;

uint64_t big_endian(std::string_view bytes, size_t at, size_t width) {
  uint64_t v = 0;
  for (size_t i = 0; i < width; ++i) v = (v << 8) | static_cast<unsigned char>(bytes[at + i]);
  return v;
}

// a + b, held at `limit` (past which every set bit is an error anyway) so that no count of
// words can overflow it.
uint64_t capped_sum(uint64_t a, uint64_t b, uint64_t limit) {
  return a >= limit || b >= limit - a ? limit : a + b;
}

}  // namespace

Result<EwahBitmap> decode_ewah(std::string_view bytes, uint64_t limit) {
  const auto bad = [](const char* why) {
    return Error(Errc::kInvalidInput, std::string("EWAH bitmap: ") + why);
  };
  if (bytes.size() < 8) return bad("truncated header");
  limit = std::min<uint64_t>(limit, uint64_t{1} << 32);  // positions are 32-bit
  const uint64_t bit_count = big_endian(bytes, 0, 4);
  const uint64_t word_count = big_endian(bytes, 4, 4);
  if ((bytes.size() - 8) / 8 < word_count || bytes.size() - 8 - word_count * 8 < 4) {
    return bad("truncated words");
  }
  EwahBitmap out;
  out.encoded_bytes = 8 + word_count * 8 + 4;
  const auto word = [&](uint64_t i) { return big_endian(bytes, 8 + i * 8, 8); };

  // Each run-length word: bit 0 the value of a run, bits 1-32 the run's length in words, bits
  // 33-63 the number of literal words that follow it (ewah_each_bit in ewah/ewah_bitmap.c).
  uint64_t position = 0;
  uint64_t at = 0;
  while (at < word_count) {
    const uint64_t marker = word(at++);
    const uint64_t run_bits = ((marker >> 1) & kRunningLengthMask) * kWordBits;
    const uint64_t literals = marker >> (1 + kRunningLengthBits);
    if (marker & 1) {
      if (run_bits > limit || position > limit - run_bits) return bad("a set bit beyond the end");
      for (uint64_t k = 0; k < run_bits; ++k)
        out.set_bits.push_back(static_cast<uint32_t>(position++));
    } else {
      position = capped_sum(position, run_bits, limit);
    }
    if (literals > word_count - at) return bad("more literal words than the buffer holds");
    for (uint64_t k = 0; k < literals; ++k, position = capped_sum(position, kWordBits, limit)) {
      const uint64_t bits = word(at++);
      for (size_t b = 0; b < kWordBits; ++b) {
        if (!(bits >> b & 1)) continue;
        if (position + b >= limit) return bad("a set bit beyond the end");
        out.set_bits.push_back(static_cast<uint32_t>(position + b));
      }
    }
  }
  if (!out.set_bits.empty() && out.set_bits.back() >= bit_count) {
    return bad("a set bit beyond its own size");
  }
  return out;
}

}  // namespace cordon::box
