// JSON text as nlohmann's dump(-1, ' ', false, error_handler_t::replace) prints it.
#include "audit/json_text.h"

#include <charconv>

namespace cordon::audit {
namespace {

constexpr std::string_view kReplacement = "\xef\xbf\xbd";  // U+FFFD

// How many continuation bytes the lead byte `b` takes, and the range its first one must fall
// in (Unicode's table of well-formed UTF-8 byte sequences); -1 for a byte that leads nothing.
struct Lead {
  int continuations;
  uint8_t first_low = 0x80;
  uint8_t first_high = 0xbf;
};
Lead lead_of(uint8_t b) {
  if (b >= 0xc2 && b <= 0xdf) return {1};
  if (b == 0xe0) return {2, 0xa0, 0xbf};
  if (b == 0xed) return {2, 0x80, 0x9f};  // no surrogates
  if (b >= 0xe1 && b <= 0xef) return {2};
  if (b == 0xf0) return {3, 0x90, 0xbf};
  if (b == 0xf4) return {3, 0x80, 0x8f};  // nothing above U+10FFFF
  if (b >= 0xf1 && b <= 0xf3) return {3};
  return {-1};
}

bool plain(uint8_t b) {
  return b >= 0x20 && b < 0x80 && b != '"' && b != '\\';
}

void append_escaped(std::string& out, uint8_t b) {
  switch (b) {
    case '"':
      out += "\\\"";
      return;
    case '\\':
      out += "\\\\";
      return;
    case '\b':
      out += "\\b";
      return;
    case '\f':
      out += "\\f";
      return;
    case '\n':
      out += "\\n";
      return;
    case '\r':
      out += "\\r";
      return;
    case '\t':
      out += "\\t";
      return;
    default: {
      static constexpr char kHex[] = "0123456789abcdef";
      const char escape[] = {'\\', 'u', '0', '0', kHex[b >> 4], kHex[b & 0xf]};
      out.append(escape, sizeof escape);
    }
  }
}

}  // namespace

void append_json_string(std::string& out, std::string_view bytes) {
  const auto at = [&](size_t i) { return static_cast<uint8_t>(bytes[i]); };
  const size_t n = bytes.size();
  out.push_back('"');
  size_t i = 0;
  while (i < n) {
    size_t run = i;
    while (run < n && plain(at(run))) ++run;
    out.append(bytes.substr(i, run - i));
    i = run;
    if (i == n) break;
    const uint8_t b = at(i);
    if (b < 0x80) {
      append_escaped(out, b);
      ++i;
      continue;
    }
    const Lead lead = lead_of(b);
    if (lead.continuations < 0) {  // a byte that starts nothing is replaced on its own
      out.append(kReplacement);
      ++i;
      continue;
    }
    int good = 0;  // continuation bytes that fit
    while (good < lead.continuations && i + 1 + good < n) {
      const uint8_t c = at(i + 1 + good);
      const uint8_t low = good == 0 ? lead.first_low : 0x80;
      const uint8_t high = good == 0 ? lead.first_high : 0xbf;
      if (c < low || c > high) break;
      ++good;
    }
    if (good == lead.continuations) {
      out.append(bytes.substr(i, 1 + good));
    } else {
      // One replacement for the broken sequence; reading resumes at the byte that broke it
      // (which may start a sequence of its own), or ends with the text.
      out.append(kReplacement);
    }
    i += 1 + good;
  }
  out.push_back('"');
}

void JsonText::separate() {
  if (after_value_) out_.push_back(',');
}

JsonText& JsonText::open(char bracket) {
  separate();
  out_.push_back(bracket);
  after_value_ = false;
  return *this;
}

JsonText& JsonText::close(char bracket) {
  out_.push_back(bracket);
  after_value_ = true;
  return *this;
}

JsonText& JsonText::literal(std::string_view text) {
  separate();
  out_.append(text);
  after_value_ = true;
  return *this;
}

JsonText& JsonText::begin_object() {
  return open('{');
}
JsonText& JsonText::end_object() {
  return close('}');
}
JsonText& JsonText::begin_array() {
  return open('[');
}
JsonText& JsonText::end_array() {
  return close(']');
}

JsonText& JsonText::key(std::string_view name) {
  separate();
  append_json_string(out_, name);
  out_.push_back(':');
  after_value_ = false;
  return *this;
}

JsonText& JsonText::text(std::string_view bytes) {
  separate();
  append_json_string(out_, bytes);
  after_value_ = true;
  return *this;
}

JsonText& JsonText::texts(const std::vector<std::string>& items) {
  begin_array();
  for (const auto& item : items) text(item);
  return end_array();
}

JsonText& JsonText::number(int64_t value) {
  char digits[24];
  return literal({digits, std::to_chars(digits, digits + sizeof digits, value).ptr});
}

JsonText& JsonText::number(uint64_t value) {
  char digits[24];
  return literal({digits, std::to_chars(digits, digits + sizeof digits, value).ptr});
}

JsonText& JsonText::boolean(bool value) {
  return literal(value ? "true" : "false");
}

JsonText& JsonText::null() {
  return literal("null");
}

}  // namespace cordon::audit
