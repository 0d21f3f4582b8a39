// Host canonicalisation and authority splitting: the one strict reading of a host name.
#include "net/host.h"

#include <cstdio>

namespace cordon::net {
namespace {

constexpr size_t kMaxName = 253;
constexpr size_t kMaxLabel = 63;

// The host as it may appear in a message (an HTTP 400 body, a log line): control and non-ASCII
// bytes escaped, and cut short so a huge host cannot flood the reader.
std::string printable(std::string_view raw) {
  std::string out;
  for (unsigned char c : raw.substr(0, 80)) {
    if (c < 0x20 || c >= 0x7f) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", c);
      out += buf;
    } else {
      out += static_cast<char>(c);
    }
  }
  if (raw.size() > 80) out += "...";
  return out;
}

Error bad_host(std::string_view raw, const std::string& why) {
  return Error(Errc::kInvalidInput, "invalid host \"" + printable(raw) + "\": " + why);
}

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}
bool is_hex(char c) {
  return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}
bool is_label_char(char c) {
  return is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '-' || c == '_';
}
char lower(char c) {
  return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

// The bytes no host may contain, whatever its form; nullptr when `raw` has none.
const char* forbidden_byte(std::string_view raw) {
  for (unsigned char c : raw) {
    if (c == 0) return "contains a NUL byte";
    if (c < 0x20 || c == 0x7f) return "contains a control byte";
    if (c >= 0x80)
      return "contains non-ASCII bytes (write an internationalised name in punycode, "
             "\"xn--...\")";
    if (c == '%') return "contains '%' (percent-encoding and IPv6 zone ids are not accepted)";
    if (c == '@') return "contains '@' (user information is not accepted)";
    if (c == '\\') return "contains '\\'";
    if (c == '/') return "contains '/'";
    if (c == ' ') return "contains a space";
  }
  return nullptr;
}

// A label that makes the host an IPv4 literal to the C library and to browsers: all decimal
// digits, or "0x" and hex digits.
bool is_numeric_label(std::string_view label) {
  if (label.size() >= 2 && label[0] == '0' && (label[1] == 'x' || label[1] == 'X')) {
    for (char c : label.substr(2)) {
      if (!is_hex(c)) return false;
    }
    return true;
  }
  for (char c : label) {
    if (!is_digit(c)) return false;
  }
  return !label.empty();
}

int digit_value(char c) {
  if (is_digit(c)) return c - '0';
  return lower(c) - 'a' + 10;
}

// The IPv4 forms inet_aton(3) accepts, read here rather than by the C library because glibc's
// inet_aton stops at the first space and accepts whatever follows it. One to four parts, each
// decimal, octal (leading 0) or hex (0x); the last part fills the remaining bytes.
std::optional<IpAddress> parse_inet_aton(std::string_view text) {
  uint64_t parts[4];
  int count = 0;
  size_t i = 0;
  while (true) {
    if (count == 4) return std::nullopt;
    unsigned base = 10;
    if (i < text.size() && text[i] == '0') {
      base = 8;
      if (i + 1 < text.size() && (text[i + 1] == 'x' || text[i + 1] == 'X')) {
        base = 16;
        i += 2;
      }
    }
    uint64_t value = 0;
    bool any_digit = false;
    for (; i < text.size() && text[i] != '.'; ++i) {
      char c = text[i];
      if (!is_hex(c)) return std::nullopt;
      auto d = static_cast<unsigned>(digit_value(c));
      if (d >= base) return std::nullopt;
      value = value * base + d;
      if (value > 0xffffffffu) return std::nullopt;
      any_digit = true;
    }
    if (!any_digit) return std::nullopt;
    parts[count++] = value;
    if (i == text.size()) break;
    ++i;  // the dot; a trailing one leaves an empty part, refused above
  }
  uint64_t last_max = 0xffffffffu >> (8 * (count - 1));
  for (int p = 0; p + 1 < count; ++p) {
    if (parts[p] > 0xff) return std::nullopt;
  }
  if (parts[count - 1] > last_max) return std::nullopt;
  uint32_t value = static_cast<uint32_t>(parts[count - 1]);
  for (int p = 0; p + 1 < count; ++p) value |= static_cast<uint32_t>(parts[p]) << (24 - 8 * p);
  return IpAddress::v4(static_cast<uint8_t>(value >> 24), static_cast<uint8_t>(value >> 16),
                       static_cast<uint8_t>(value >> 8), static_cast<uint8_t>(value));
}

CanonicalHost literal_host(const IpAddress& address) {
  IpAddress real = unmapped(address);
  return CanonicalHost{real.to_string(), real};
}

Result<CanonicalHost> canonical_v6(std::string_view raw, std::string_view text) {
  auto address = IpAddress::parse(text);
  if (!address || address->is_v4()) return bad_host(raw, "not a valid IPv6 address");
  return literal_host(*address);
}

Result<CanonicalHost> canonical_name(std::string_view raw) {
  std::string_view name = raw;
  if (name.back() == '.') name.remove_suffix(1);  // the root label: same name
  if (name.empty()) return bad_host(raw, "empty name");
  if (name.back() == '.') return bad_host(raw, "more than one trailing dot");
  if (name.size() > kMaxName) {
    return bad_host(raw, "longer than " + std::to_string(kMaxName) + " bytes");
  }
  std::string_view last;
  for (std::string_view rest = name;;) {
    size_t dot = rest.find('.');
    std::string_view label = rest.substr(0, dot);
    if (label.empty()) return bad_host(raw, "empty label");
    if (label.size() > kMaxLabel) {
      return bad_host(raw, "a label is longer than " + std::to_string(kMaxLabel) + " bytes");
    }
    for (char c : label) {
      if (!is_label_char(c)) return bad_host(raw, std::string("contains '") + c + "'");
    }
    if (label.front() == '-' || label.back() == '-') {
      return bad_host(raw, "a label starts or ends with '-'");
    }
    last = label;
    if (dot == std::string_view::npos) break;
    rest = rest.substr(dot + 1);
  }
  if (is_numeric_label(last)) {
    auto address = parse_inet_aton(name);
    if (!address) return bad_host(raw, "the last label is numeric but it is not an IPv4 address");
    return literal_host(*address);
  }
  CanonicalHost out;
  out.name.reserve(name.size());
  for (char c : name) out.name += lower(c);
  return out;
}


Error bad_authority(std::string_view authority, const std::string& why) {
  return Error(Errc::kInvalidInput, "invalid authority \"" + printable(authority) + "\": " + why);
}

}  // namespace

Result<CanonicalHost> canonicalize_host(std::string_view raw, bool allow_bare_ipv6) {
  if (raw.empty()) return bad_host(raw, "empty");
  if (const char* why = forbidden_byte(raw)) return bad_host(raw, why);
  if (raw.front() == '[') {
    if (raw.size() < 2 || raw.back() != ']') return bad_host(raw, "'[' without a closing ']'");
    return canonical_v6(raw, raw.substr(1, raw.size() - 2));
  }
  if (raw.find(':') != std::string_view::npos) {
    if (allow_bare_ipv6) return canonical_v6(raw, raw);
    return bad_host(raw,
                    "contains ':' (a port belongs after the host; an IPv6 address needs "
                    "brackets: \"[2001:db8::1]\")");
  }
  return canonical_name(raw);
}

Result<Authority> split_authority(std::string_view authority, uint16_t default_port) {
  if (authority.empty()) return bad_authority(authority, "empty");
  if (authority.find('@') != std::string_view::npos) {
    return bad_authority(authority, "contains '@' (user information is not accepted)");
  }
  std::string_view host;
  std::string_view rest;
  if (authority.front() == '[') {
    size_t close = authority.find(']');
    if (close == std::string_view::npos) return bad_authority(authority, "'[' without ']'");
    host = authority.substr(1, close - 1);
    rest = authority.substr(close + 1);
    if (!rest.empty() && rest.front() != ':') {
      return bad_authority(authority, "unexpected text after ']'");
    }
  } else {
    size_t colon = authority.find(':');
    host = authority.substr(0, colon);
    if (colon != std::string_view::npos) {
      rest = authority.substr(colon);
      if (rest.find(':', 1) != std::string_view::npos) {
        return bad_authority(authority, "more than one ':' (an IPv6 address needs brackets)");
      }
    }
  }
  if (host.empty()) return bad_authority(authority, "empty host");
  Authority out{std::string(host), default_port};
  if (!rest.empty()) {
    auto port = parse_port(rest.substr(1));
    if (!port) return bad_authority(authority, "the port must be a number from 1 to 65535");
    out.port = *port;
  } else if (default_port == 0) {
    return bad_authority(authority, "a port is required (\"host:port\")");
  }
  return out;
}

std::optional<uint16_t> parse_port(std::string_view text) {
  if (text.empty() || text.size() > 5 || text[0] == '0') return std::nullopt;
  unsigned value = 0;
  for (char c : text) {
    if (!is_digit(c)) return std::nullopt;
    value = value * 10 + static_cast<unsigned>(c - '0');
  }
  if (value > 65535) return std::nullopt;
  return static_cast<uint16_t>(value);
}

}  // namespace cordon::net
