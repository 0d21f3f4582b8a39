// Fuzzes host canonicalisation (every entry point's host goes through it before any rule sees
// it), authorities, ports, CIDRs and the blocked ranges.
#include <cctype>
#include <string>
#include <string_view>

#include "fuzz_target.h"
#include "net/address.h"
#include "net/host.h"

namespace {

using cordon::net::IpAddress;

std::string upper(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

void check_canonical(std::string_view raw, bool bare_ipv6) {
  const auto host = cordon::net::canonicalize_host(raw, bare_ipv6);
  if (!host.ok()) return;
  const std::string& name = host->name;
  FUZZ_CHECK(!name.empty() && name.size() <= 253 && name.back() != '.');
  for (const unsigned char c : name) FUZZ_CHECK(!std::isupper(c) && c > ' ' && c < 0x7f);

  // Canonical means a fixed point, and case never changes what a spelling names (a spelling
  // refused in capitals is refused, which is safe).
  const auto again = cordon::net::canonicalize_host(name, true);
  FUZZ_CHECK(again.ok() && again->name == name && again->literal == host->literal);
  const auto shouted = cordon::net::canonicalize_host(upper(raw), bare_ipv6);
  if (shouted.ok()) FUZZ_CHECK(shouted->name == name);

  if (host->literal) {
    FUZZ_CHECK(IpAddress::parse(name) == host->literal);
    FUZZ_CHECK(cordon::net::unmapped(*host->literal) == *host->literal);
  }
}

void check_address(std::string_view text) {
  const auto address = IpAddress::parse(text);
  if (!address) return;
  FUZZ_CHECK(IpAddress::parse(address->to_string()) == address);
  // A mapped address is as blocked as the IPv4 address it reaches.
  const auto plain = cordon::net::unmapped(*address);
  if (cordon::net::blocked_range(plain)) FUZZ_CHECK(cordon::net::blocked_range(*address));
}

void check_cidr(std::string_view text) {
  const auto cidr = cordon::net::Cidr::parse(text);
  if (!cidr.ok()) return;
  const auto again = cordon::net::Cidr::parse(cidr->to_string());
  FUZZ_CHECK(again.ok() && again->to_string() == cidr->to_string());
  FUZZ_CHECK(cidr->contains(cidr->base));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  check_canonical(text, false);
  check_canonical(text, true);
  check_address(text);
  check_cidr(text);

  const auto authority = cordon::net::split_authority(text, 443);
  if (authority.ok()) FUZZ_CHECK(authority->port != 0);
  if (const auto port = cordon::net::parse_port(text)) {
    FUZZ_CHECK(*port != 0 && std::to_string(*port) == text);
  }
  return 0;
}
