// IP address and CIDR text: strict parsing and canonical (RFC 5952) printing.
#include "net/address.h"

#include <arpa/inet.h>

#include <algorithm>
#include <cstdio>

namespace cordon::net {
namespace {

constexpr uint8_t kMapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

// A decimal number with no sign and no leading zero (except "0" itself), at most `max`.
std::optional<unsigned> strict_decimal(std::string_view text, unsigned max) {
  if (text.empty() || text.size() > 5 || (text[0] == '0' && text.size() > 1)) return std::nullopt;
  unsigned value = 0;
  for (char c : text) {
    if (!is_digit(c)) return std::nullopt;
    value = value * 10 + static_cast<unsigned>(c - '0');
  }
  if (value > max) return std::nullopt;
  return value;
}

std::optional<IpAddress> parse_dotted_quad(std::string_view text) {
  IpAddress out;
  for (int i = 0; i < 4; ++i) {
    size_t dot = text.find('.');
    if ((i < 3) != (dot != std::string_view::npos)) return std::nullopt;
    auto part = strict_decimal(text.substr(0, dot), 255);
    if (!part) return std::nullopt;
    out.bytes[i] = static_cast<uint8_t>(*part);
    text = i < 3 ? text.substr(dot + 1) : std::string_view();
  }
  return out;
}

std::optional<IpAddress> parse_v6(std::string_view text) {
  // inet_pton reads a C string: a NUL inside the view would cut the text short, so the text
  // is checked for anything that cannot be part of IPv6 text first.
  if (text.size() < 2 || text.size() > 45) return std::nullopt;
  for (char c : text) {
    bool ok =
        is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F') || c == ':' || c == '.';
    if (!ok) return std::nullopt;
  }
  std::string copy(text);
  IpAddress out;
  out.family = IpAddress::Family::kV6;
  if (inet_pton(AF_INET6, copy.c_str(), out.bytes.data()) != 1) return std::nullopt;
  return out;
}

std::string v4_text(const uint8_t* b) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%u.%u.%u.%u", b[0], b[1], b[2], b[3]);
  return buf;
}

// RFC 5952: lower-case hex without leading zeros, the longest run (the first on a tie) of two
// or more zero groups as "::", and dotted decimal for the IPv4 part of a mapped address.
std::string v6_text(const std::array<uint8_t, 16>& b) {
  if (std::equal(std::begin(kMapped), std::end(kMapped), b.begin())) {
    return "::ffff:" + v4_text(&b[12]);
  }
  unsigned words[8];
  for (int i = 0; i < 8; ++i) words[i] = (unsigned{b[2 * i]} << 8) | b[2 * i + 1];
  int best = -1, best_len = 0;
  for (int i = 0; i < 8;) {
    if (words[i] != 0) {
      ++i;
      continue;
    }
    int j = i;
    while (j < 8 && words[j] == 0) ++j;
    if (j - i > best_len) {
      best = i;
      best_len = j - i;
    }
    i = j;
  }
  if (best_len < 2) best = -1;
  std::string out;
  char buf[8];
  for (int i = 0; i < 8; ++i) {
    if (i == best) {
      out += "::";
      i += best_len - 1;
      continue;
    }
    if (!out.empty() && out.back() != ':') out += ':';
    std::snprintf(buf, sizeof buf, "%x", words[i]);
    out += buf;
  }
  return out;
}

Error cidr_error(std::string_view text, const std::string& why) {
  return Error(Errc::kInvalidInput, "invalid CIDR \"" + std::string(text) + "\": " + why)
      .with_hint("write an address and a prefix length, e.g. \"10.0.0.0/8\" or \"2001:db8::/32\"");
}

}  // namespace

IpAddress IpAddress::v4(uint8_t a, uint8_t b, uint8_t c, uint8_t d) {
  IpAddress out;
  out.bytes[0] = a;
  out.bytes[1] = b;
  out.bytes[2] = c;
  out.bytes[3] = d;
  return out;
}

std::optional<IpAddress> IpAddress::parse(std::string_view text) {
  if (text.find(':') != std::string_view::npos) return parse_v6(text);
  return parse_dotted_quad(text);
}

std::string IpAddress::to_string() const {
  return is_v4() ? v4_text(bytes.data()) : v6_text(bytes);
}

IpAddress unmapped(const IpAddress& address) {
  if (address.is_v4() ||
      !std::equal(std::begin(kMapped), std::end(kMapped), address.bytes.begin())) {
    return address;
  }
  return IpAddress::v4(address.bytes[12], address.bytes[13], address.bytes[14], address.bytes[15]);
}

Result<Cidr> Cidr::parse(std::string_view text) {
  size_t slash = text.find('/');
  std::string_view address_text = text.substr(0, slash);
  auto address = IpAddress::parse(address_text);
  if (!address) {
    return cidr_error(
        text, "\"" + std::string(address_text) + "\" is not an IPv4 dotted quad or IPv6 address");
  }
  int max = address->is_v4() ? 32 : 128;
  Cidr out{*address, max};
  if (slash != std::string_view::npos) {
    auto prefix = strict_decimal(text.substr(slash + 1), static_cast<unsigned>(max));
    if (!prefix) {
      return cidr_error(text,
                        "the prefix length must be a number from 0 to " + std::to_string(max));
    }
    out.prefix = static_cast<int>(*prefix);
  }
  Cidr masked = out;
  for (int bit = out.prefix; bit < max; ++bit) {
    masked.base.bytes[bit / 8] &= static_cast<uint8_t>(~(0x80u >> (bit % 8)));
  }
  if (!(masked.base == out.base)) {
    return cidr_error(text, "host bits are set after /" + std::to_string(out.prefix) +
                                " (did you mean \"" + masked.to_string() + "\"?)");
  }
  return out;
}

bool Cidr::contains(const IpAddress& address) const {
  if (address.family != base.family) return false;
  int full = prefix / 8;
  for (int i = 0; i < full; ++i) {
    if (address.bytes[i] != base.bytes[i]) return false;
  }
  int rest = prefix % 8;
  if (rest == 0) return true;
  auto mask = static_cast<uint8_t>(0xff00u >> rest);
  return (address.bytes[full] & mask) == (base.bytes[full] & mask);
}

std::string Cidr::to_string() const {
  return base.to_string() + "/" + std::to_string(prefix);
}

}  // namespace cordon::net
