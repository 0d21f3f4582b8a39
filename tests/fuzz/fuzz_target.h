// What every fuzz target in tests/fuzz/ shares: the libFuzzer entry point each one defines, a
// check that aborts with the broken invariant's text (libFuzzer then keeps the input), and a
// reader that cuts the input into the pieces a target needs.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

// An invariant of the code under test: a failure is a finding, never a skipped input.
#define FUZZ_CHECK(condition)                                                                \
  do {                                                                                       \
    if (!(condition)) {                                                                      \
      std::fprintf(stderr, "%s:%d: invariant broken: %s\n", __FILE__, __LINE__, #condition); \
      std::abort();                                                                          \
    }                                                                                        \
  } while (0)

namespace cordon::fuzz {

// Letters, digits, '-', '_' and '.': the bytes a host name may hold once a parser accepts it.
inline bool hostname_bytes(std::string_view text) {
  for (const unsigned char c : text) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '-' || c == '_' || c == '.';
    if (!ok) return false;
  }
  return true;
}

// Takes the input apart front to back; past its end every read gives zeros or empty pieces.
class InputReader {
 public:
  InputReader(const uint8_t* data, size_t size)
      : rest_(reinterpret_cast<const char*>(data), size) {}

  uint8_t byte() {
    if (rest_.empty()) return 0;
    const auto value = static_cast<uint8_t>(rest_.front());
    rest_.remove_prefix(1);
    return value;
  }
  // Up to the next NUL (consumed) or the end.
  std::string_view piece() {
    const size_t end = rest_.find('\0');
    std::string_view out = rest_.substr(0, end);
    rest_.remove_prefix(end == std::string_view::npos ? rest_.size() : end + 1);
    return out;
  }
  // The pieces that are left, at most `max` of them.
  std::vector<std::string> pieces(size_t max) {
    std::vector<std::string> out;
    while (!rest_.empty() && out.size() < max) out.emplace_back(piece());
    return out;
  }
  std::string_view rest() const { return rest_; }

 private:
  std::string_view rest_;
};

}  // namespace cordon::fuzz
