// IP addresses and CIDR ranges, and the ranges the egress wall never dials without an allow_cidr.
// Pure data: no sockets, no resolver.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "base/result.h"

namespace cordon::net {

struct IpAddress {
  enum class Family : uint8_t { kV4, kV6 };
  Family family = Family::kV4;
  std::array<uint8_t, 16> bytes{};  // network order; a v4 address uses bytes[0..3]

  static IpAddress v4(uint8_t a, uint8_t b, uint8_t c, uint8_t d);
  // Strict text forms only: dotted quad with four decimal parts (no leading zeros, no octal or
  // hex), or RFC 4291 IPv6 text (no brackets, no zone id). Anything else is nullopt.
  static std::optional<IpAddress> parse(std::string_view text);
  // The canonical text: "127.0.0.1", "2001:db8::1" (RFC 5952).
  std::string to_string() const;
  bool is_v4() const { return family == Family::kV4; }
  friend bool operator==(const IpAddress&, const IpAddress&) = default;
};

struct Cidr {
  IpAddress base;  // host bits are zero
  int prefix = 0;  // 0..32 or 0..128
  // "10.0.0.0/8", "2001:db8::/32", or a bare address (a /32 or /128). Host bits set in the
  // base ("10.0.0.1/8") are an error: the writer probably meant something else.
  static Result<Cidr> parse(std::string_view text);
  bool contains(const IpAddress& address) const;  // false across families
  std::string to_string() const;
};

// Why `address` is blocked, or nullopt for a public unicast address. Blocked: loopback,
// 0.0.0.0/8, RFC 1918, 100.64/10 (CGNAT), 169.254/16 (link-local, cloud metadata), 192.0.0/24,
// 198.18/15 (benchmarking; cordon's synthetic DNS answers), 240/4, multicast, broadcast,
// ::1, ::, fc00::/7, fe80::/10, fec0::/10 (deprecated site-local), ff00::/8, and IPv6 forms
// that embed an IPv4 address (::ffff:0:0/96 mapped, ::ffff:0:0:0/96 translated, ::/96
// compatible, 64:ff9b::/96 and 64:ff9b:1::/48 NAT64, 2002::/16 6to4, 2001::/32 Teredo: client
// or server) when the embedded address is itself blocked. Returns a short reason such as
// "loopback", "private (RFC 1918)", "link-local (cloud metadata)"; for an embedded address,
// followed by where it was found: "loopback (127.0.0.1 inside a 6to4 address)".
std::optional<std::string> blocked_range(const IpAddress& address);

// The IPv4 address an IPv4-mapped IPv6 address (::ffff:a.b.c.d) stands for, or `address`
// unchanged. A dual-stack socket dialling the mapped form reaches exactly that IPv4 address, so
// rules and ranges compare the unmapped form.
IpAddress unmapped(const IpAddress& address);

}  // namespace cordon::net
