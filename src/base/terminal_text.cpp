// Terminal-safe text: printable ASCII as it is, every other byte as \xHH.
#include "base/terminal_text.h"

namespace cordon {

void append_terminal_safe(std::string& out, unsigned char c) {
  static constexpr char kHex[] = "0123456789abcdef";
  if (c < 0x20 || c >= 0x7f) {
    out += "\\x";
    out += kHex[c >> 4];
    out += kHex[c & 15];
  } else {
    out += static_cast<char>(c);
  }
}

std::string terminal_safe(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (const unsigned char c : text) append_terminal_safe(out, c);
  return out;
}

}  // namespace cordon
