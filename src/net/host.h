// Host canonicalisation: the one strict parser every entry point (HTTP, CONNECT, SOCKS5, DNS,
// transparent SNI) runs a host through before any rule sees it.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "base/result.h"
#include "net/address.h"

namespace cordon::net {

struct CanonicalHost {
  // A DNS name: lower case, no trailing dot, labels of [a-z0-9-] (and '_'), 1..63 bytes each,
  // 253 bytes in all; or, for an address literal, the address's canonical text.
  std::string name;
  std::optional<IpAddress> literal;  // set when the host is an address
};

// Accepts: a DNS name (case folded; one trailing dot removed), an IPv4 literal in any spelling
// the C library's inet_aton would accept ("2130706433", "0177.0.0.1", "0x7f.1", "127.1") so that
// a rule check sees the address it really is, and a bracketed IPv6 literal ("[::1]",
// "[::ffff:127.0.0.1]"; unbracketed too when `allow_bare_ipv6`). Refuses (kInvalidInput, with a
// message fit for a 400 body): empty, NUL or any control byte, '%' (zone ids, percent-encoding),
// '@' (userinfo), '\\', '/', spaces, non-ASCII bytes (punycode "xn--" labels are fine), empty
// labels ("a..b"), more than one trailing dot, a label starting or ending with '-', and a
// numeric last label that is not a valid IPv4 literal ("1.2.3.999"). An IPv4-mapped literal
// ("[::ffff:127.0.0.1]") canonicalises to the IPv4 address it stands for (see unmapped()).
Result<CanonicalHost> canonicalize_host(std::string_view raw, bool allow_bare_ipv6 = false);

// Splits "host:port" / "[v6]:port" / "host" (port = default_port) from an authority. No
// userinfo allowed. The port must be 1..65535 in decimal without sign or leading '+' (or
// leading zero). A default_port of 0 makes the port required.
struct Authority {
  std::string host;  // as written, brackets removed for IPv6
  uint16_t port = 0;
};
Result<Authority> split_authority(std::string_view authority, uint16_t default_port);

// A port: 1..65535 in decimal, no sign, no leading zero.
std::optional<uint16_t> parse_port(std::string_view text);

}  // namespace cordon::net
