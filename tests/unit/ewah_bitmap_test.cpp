// The EWAH decoder against bitmaps laid out by hand from git's format (ewah/ewah_io.c), and
// against the bounds that keep a hostile one cheap.
#include "box/ewah_bitmap.h"

#include <gtest/gtest.h>

#include <string>

namespace cordon::box {
namespace {

void put(std::string& out, uint64_t v, int bytes) {
  for (int i = bytes - 1; i >= 0; --i) out += static_cast<char>((v >> (8 * i)) & 0xff);
}

// A serialised bitmap of `bits` bits made of `words`.
std::string bitmap(uint32_t bits, const std::vector<uint64_t>& words) {
  std::string out;
  put(out, bits, 4);
  put(out, words.size(), 4);
  for (uint64_t w : words) put(out, w, 8);
  put(out, 0, 4);  // the last run-length word's position: for writers, not read here
  return out;
}

// A run-length word: `run` words of `bit`, then `literals` literal words.
uint64_t marker(bool bit, uint64_t run, uint64_t literals) {
  return (literals << 33) | (run << 1) | (bit ? 1 : 0);
}

TEST(EwahBitmapTest, ReadsLiteralAndRunWords) {
  // Bits 1 and 3, then a run of one zero word, then bit 0 of the next literal (bit 128).
  const std::string b = bitmap(129, {marker(false, 0, 1), 0b1010, marker(false, 1, 1), 0b1});
  auto decoded = decode_ewah(b + "trailing", 1000);
  ASSERT_TRUE(decoded.ok()) << decoded.error().describe();
  EXPECT_EQ(decoded->set_bits, (std::vector<uint32_t>{1, 3, 128}));
  EXPECT_EQ(decoded->encoded_bytes, b.size());
}

TEST(EwahBitmapTest, ReadsARunOfOnes) {
  auto decoded = decode_ewah(bitmap(64, {marker(true, 1, 0)}), 64);
  ASSERT_TRUE(decoded.ok()) << decoded.error().describe();
  EXPECT_EQ(decoded->set_bits.size(), 64u);
  EXPECT_EQ(decoded->set_bits.back(), 63u);
}

TEST(EwahBitmapTest, AnEmptyBitmapHasNoBits) {
  auto decoded = decode_ewah(bitmap(0, {}), 10);
  ASSERT_TRUE(decoded.ok()) << decoded.error().describe();
  EXPECT_TRUE(decoded->set_bits.empty());
  EXPECT_EQ(decoded->encoded_bytes, 12u);
}

TEST(EwahBitmapTest, RefusesBitsBeyondTheLimitAndMalformedLayouts) {
  // A set bit at or past the caller's limit, however it is encoded.
  EXPECT_FALSE(decode_ewah(bitmap(129, {marker(false, 2, 1), 0b1}), 128).ok());
  EXPECT_FALSE(decode_ewah(bitmap(1u << 31, {marker(true, 0xffffffff, 0)}), 1000).ok());
  // A literal count the buffer does not hold, a truncated buffer, a bit past its own size.
  EXPECT_FALSE(decode_ewah(bitmap(64, {marker(false, 0, 2), 1}), 1000).ok());
  EXPECT_FALSE(decode_ewah(bitmap(64, {marker(false, 0, 1), 1}).substr(0, 20), 1000).ok());
  EXPECT_FALSE(decode_ewah(bitmap(2, {marker(false, 0, 1), 0b100}), 1000).ok());
  EXPECT_FALSE(decode_ewah("", 1000).ok());
}

}  // namespace
}  // namespace cordon::box
