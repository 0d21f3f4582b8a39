// The ranges the egress wall never dials unless an allow_cidr covers them (see address.h).
#include <algorithm>

#include "net/address.h"

namespace cordon::net {
namespace {

struct V4Range {
  uint32_t base;
  int prefix;
  const char* reason;
};

// Broadcast comes before 240/4, which contains it, so it gets its own name.
constexpr V4Range kV4Ranges[] = {
    {0xFFFFFFFFu, 32, "broadcast"},
    {0x00000000u, 8, "unspecified (0.0.0.0/8, \"this network\")"},
    {0x0A000000u, 8, "private (RFC 1918)"},
    {0x64400000u, 10, "shared address space (CGNAT, 100.64.0.0/10)"},
    {0x7F000000u, 8, "loopback"},
    {0xA9FE0000u, 16, "link-local (cloud metadata)"},
    {0xAC100000u, 12, "private (RFC 1918)"},
    {0xC0000000u, 24, "IETF protocol assignments (192.0.0.0/24)"},
    {0xC0A80000u, 16, "private (RFC 1918)"},
    {0xC6120000u, 15, "benchmarking (198.18.0.0/15, cordon's synthetic DNS answers)"},
    {0xE0000000u, 4, "multicast"},
    {0xF0000000u, 4, "reserved (240.0.0.0/4)"},
};

const char* v4_reason(const uint8_t* b) {
  uint32_t value = (uint32_t{b[0]} << 24) | (uint32_t{b[1]} << 16) | (uint32_t{b[2]} << 8) | b[3];
  for (const V4Range& range : kV4Ranges) {
    uint32_t mask = range.prefix == 0 ? 0 : ~uint32_t{0} << (32 - range.prefix);
    if ((value & mask) == range.base) return range.reason;
  }
  return nullptr;
}

bool all_zero(const std::array<uint8_t, 16>& b, int from, int to) {
  return std::all_of(b.begin() + from, b.begin() + to, [](uint8_t x) { return x == 0; });
}

bool starts_with(const std::array<uint8_t, 16>& b, std::initializer_list<uint8_t> prefix) {
  return std::equal(prefix.begin(), prefix.end(), b.begin());
}

// The reason for an IPv4 address embedded in an IPv6 one, or nullopt when it is public.
std::optional<std::string> embedded(const uint8_t (&v4)[4], const char* kind) {
  const char* reason = v4_reason(v4);
  if (reason == nullptr) return std::nullopt;
  return std::string(reason) + " (" + IpAddress::v4(v4[0], v4[1], v4[2], v4[3]).to_string() +
         " inside " + kind + ")";
}

std::optional<std::string> embedded_at(const std::array<uint8_t, 16>& b, int i0, int i1, int i2,
                                       int i3, const char* kind) {
  const uint8_t v4[4] = {b[i0], b[i1], b[i2], b[i3]};
  return embedded(v4, kind);
}

// 64:ff9b:1::/48 (RFC 8215) may carry its IPv4 address in any RFC 6052 layout (the network
// picks the prefix length inside the /48). All zeros between the /48 and the last 32 bits means
// the /96 layout; otherwise every other layout is checked and any blocked one refuses.
std::optional<std::string> local_nat64(const std::array<uint8_t, 16>& b) {
  const char* kind = "a local-use NAT64 address";
  if (all_zero(b, 6, 12)) return embedded_at(b, 12, 13, 14, 15, kind);
  if (auto r = embedded_at(b, 6, 7, 9, 10, kind)) return r;   // /48 (byte 8 is RFC 6052's "u")
  if (auto r = embedded_at(b, 7, 9, 10, 11, kind)) return r;  // /56
  return embedded_at(b, 9, 10, 11, 12, kind);                 // /64
}

std::optional<std::string> v6_reason(const std::array<uint8_t, 16>& b) {
  if (all_zero(b, 0, 16)) return "unspecified (::)";
  if (all_zero(b, 0, 15) && b[15] == 1) return "loopback";
  if (b[0] == 0xff) return "multicast";
  if ((b[0] & 0xfe) == 0xfc) return "unique local (fc00::/7)";
  if (b[0] == 0xfe && (b[1] & 0xc0) == 0x80) return "link-local (fe80::/10)";
  if (b[0] == 0xfe && (b[1] & 0xc0) == 0xc0) return "site-local (fec0::/10)";
  if (all_zero(b, 0, 10) && b[10] == 0xff && b[11] == 0xff) {
    return embedded_at(b, 12, 13, 14, 15, "an IPv4-mapped address");
  }
  if (all_zero(b, 0, 8) && b[8] == 0xff && b[9] == 0xff && b[10] == 0 && b[11] == 0) {
    return embedded_at(b, 12, 13, 14, 15, "an IPv4-translated address");  // RFC 2765
  }
  if (all_zero(b, 0, 12)) return embedded_at(b, 12, 13, 14, 15, "an IPv4-compatible address");
  if (starts_with(b, {0x00, 0x64, 0xff, 0x9b}) && all_zero(b, 4, 12)) {
    return embedded_at(b, 12, 13, 14, 15, "a NAT64 address (64:ff9b::/96)");
  }
  if (starts_with(b, {0x00, 0x64, 0xff, 0x9b, 0x00, 0x01})) return local_nat64(b);
  if (starts_with(b, {0x20, 0x02})) return embedded_at(b, 2, 3, 4, 5, "a 6to4 address");
  if (starts_with(b, {0x20, 0x01, 0x00, 0x00})) {
    // Teredo: the server's address in bytes 4..7, the client's (obfuscated) in the last four.
    const uint8_t client[4] = {
        static_cast<uint8_t>(b[12] ^ 0xff), static_cast<uint8_t>(b[13] ^ 0xff),
        static_cast<uint8_t>(b[14] ^ 0xff), static_cast<uint8_t>(b[15] ^ 0xff)};
    if (auto r = embedded(client, "a Teredo address")) return r;
    return embedded_at(b, 4, 5, 6, 7, "a Teredo address (server)");
  }
  return std::nullopt;
}

}  // namespace

std::optional<std::string> blocked_range(const IpAddress& address) {
  if (!address.is_v4()) return v6_reason(address.bytes);
  if (const char* reason = v4_reason(address.bytes.data())) return std::string(reason);
  return std::nullopt;
}

}  // namespace cordon::net
