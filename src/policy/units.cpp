// Sizes ("512M") and durations ("2h") as written in policy files, and back.
#include <array>
#include <cctype>
#include <string>
#include <utility>

#include "policy/loader.h"

namespace cordon::policy {
namespace {

struct Unit {
  char suffix;
  uint64_t factor;
};

// Binary units, as cgroups and tmpfs use: 1K = 1024 bytes. Largest first (for formatting).
constexpr std::array<Unit, 4> kSizeUnits{
    {{'T', 1ULL << 40}, {'G', 1ULL << 30}, {'M', 1ULL << 20}, {'K', 1ULL << 10}}};
constexpr std::array<Unit, 4> kDurationUnits{{{'d', 86400}, {'h', 3600}, {'m', 60}, {'s', 1}}};

constexpr const char* kSizeHint =
    "write a whole number of bytes with an optional K, M, G or T suffix (1K = 1024), "
    "e.g. \"512M\" or \"4G\"";
constexpr const char* kDurationHint =
    "write a whole number of seconds, or numbers with d, h, m or s units, "
    "e.g. \"90s\", \"30m\", \"2h\" or \"1h30m\"";

// Reads the decimal digits at `pos`, advancing it. False when there are none or they overflow.
bool read_number(const std::string& text, size_t& pos, uint64_t& out) {
  size_t start = pos;
  out = 0;
  while (pos < text.size() && std::isdigit(static_cast<unsigned char>(text[pos]))) {
    if (__builtin_mul_overflow(out, 10, &out) ||
        __builtin_add_overflow(out, static_cast<uint64_t>(text[pos] - '0'), &out)) {
      return false;
    }
    ++pos;
  }
  return pos > start;
}

bool scale(uint64_t value, uint64_t factor, uint64_t& out) {
  return !__builtin_mul_overflow(value, factor, &out);
}

Error bad(const std::string& what, const std::string& text, const char* hint) {
  return Error(Errc::kPolicy, "invalid " + what + " \"" + text + "\"").with_hint(hint);
}

}  // namespace

Result<uint64_t> parse_size(const std::string& text) {
  size_t pos = 0;
  uint64_t number = 0;
  if (!read_number(text, pos, number)) return bad("size", text, kSizeHint);
  if (pos == text.size()) return number;
  if (pos + 1 != text.size()) return bad("size", text, kSizeHint);
  char suffix = static_cast<char>(std::toupper(static_cast<unsigned char>(text[pos])));
  for (const Unit& unit : kSizeUnits) {
    uint64_t bytes = 0;
    if (unit.suffix != suffix) continue;
    if (!scale(number, unit.factor, bytes)) return bad("size", text, kSizeHint);
    return bytes;
  }
  return bad("size", text, kSizeHint);
}

Result<uint64_t> parse_duration(const std::string& text) {
  size_t pos = 0;
  uint64_t number = 0;
  if (!read_number(text, pos, number)) return bad("duration", text, kDurationHint);
  if (pos == text.size()) return number;  // bare seconds
  // One or more "<number><unit>" groups, each unit at most once, largest first ("1h30m").
  uint64_t total = 0;
  size_t next_unit = 0;
  for (;;) {
    while (next_unit < kDurationUnits.size() && kDurationUnits[next_unit].suffix != text[pos]) {
      ++next_unit;
    }
    uint64_t seconds = 0;
    if (next_unit == kDurationUnits.size() ||
        !scale(number, kDurationUnits[next_unit].factor, seconds) ||
        __builtin_add_overflow(total, seconds, &total)) {
      return bad("duration", text, kDurationHint);
    }
    ++next_unit;
    if (++pos == text.size()) return total;
    if (!read_number(text, pos, number) || pos == text.size()) {
      return bad("duration", text, kDurationHint);
    }
  }
}

std::string format_size(uint64_t bytes) {
  for (const Unit& unit : kSizeUnits) {
    if (bytes != 0 && bytes % unit.factor == 0) {
      return std::to_string(bytes / unit.factor) + unit.suffix;
    }
  }
  return std::to_string(bytes);
}

std::string format_duration(uint64_t seconds) {
  for (const Unit& unit : kDurationUnits) {
    if (seconds != 0 && seconds % unit.factor == 0) {
      return std::to_string(seconds / unit.factor) + unit.suffix;
    }
  }
  return std::to_string(seconds) + "s";
}

}  // namespace cordon::policy
