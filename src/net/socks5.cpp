// SOCKS5 server-side message parsing and replies (RFC 1928, RFC 1929).
#include "net/socks5.h"

#include <arpa/inet.h>

namespace cordon::net::socks5 {

namespace {

constexpr uint8_t kVersion = 5;
constexpr uint8_t kPasswordVersion = 1;
constexpr uint8_t kAtypIpv4 = 1;
constexpr uint8_t kAtypDomain = 3;
constexpr uint8_t kAtypIpv6 = 4;

bool is_domain_byte(uint8_t c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '.' || c == '_';
}

Request bad_request(std::string error) {
  Request r;
  r.status = Status::kBad;
  r.error = std::move(error);
  return r;
}

}  // namespace

Greeting parse_greeting(std::span<const uint8_t> data) {
  Greeting g;
  if (data.empty()) return g;
  if (data[0] != kVersion) {
    g.status = Status::kBad;
    return g;
  }
  if (data.size() < 2) return g;
  const size_t count = data[1];
  if (count == 0) {
    // RFC 1928 section 3: METHODS holds 1 to 255 octets.
    g.status = Status::kBad;
    return g;
  }
  if (data.size() < 2 + count) return g;
  for (uint8_t method : data.subspan(2, count)) {
    if (method == 0x00) g.offers_no_auth = true;
    if (method == 0x02) g.offers_password = true;
  }
  g.size = 2 + count;
  g.status = Status::kComplete;
  return g;
}

std::vector<uint8_t> method_reply(uint8_t method) {
  return {kVersion, method};
}

// RFC 1929 asks for 1..255 bytes in each field; empty ones are accepted because common
// clients send an empty password with a token-only user name, and an empty value simply
// fails the credential check that follows.
Credentials parse_credentials(std::span<const uint8_t> data) {
  Credentials c;
  if (data.empty()) return c;
  if (data[0] != kPasswordVersion) {
    c.status = Status::kBad;
    return c;
  }
  if (data.size() < 2) return c;
  const size_t user_size = data[1];
  if (data.size() < 2 + user_size + 1) return c;
  const size_t password_size = data[2 + user_size];
  const size_t total = 3 + user_size + password_size;
  if (data.size() < total) return c;
  c.username.assign(data.begin() + 2, data.begin() + 2 + static_cast<long>(user_size));
  c.password.assign(data.begin() + 3 + static_cast<long>(user_size),
                    data.begin() + static_cast<long>(total));
  c.size = total;
  c.status = Status::kComplete;
  return c;
}

std::vector<uint8_t> credentials_reply(bool ok) {
  return {kPasswordVersion, ok ? uint8_t{0} : uint8_t{1}};
}

Request parse_request(std::span<const uint8_t> data) {
  Request r;
  if (data.empty()) return r;
  if (data[0] != kVersion) return bad_request("not SOCKS version 5");
  if (data.size() < 2) return r;
  if (data[1] < 1 || data[1] > 3) return bad_request("unknown command");
  if (data.size() < 3) return r;
  if (data[2] != 0) return bad_request("reserved byte is not zero");
  if (data.size() < 4) return r;
  const uint8_t atyp = data[3];
  size_t address_size = 0;
  size_t address_start = 4;
  if (atyp == kAtypIpv4) {
    address_size = 4;
  } else if (atyp == kAtypIpv6) {
    address_size = 16;
  } else if (atyp == kAtypDomain) {
    if (data.size() < 5) return r;
    address_size = data[4];
    address_start = 5;
    if (address_size == 0) return bad_request("empty domain name");
  } else {
    return bad_request("unknown address type");
  }
  const size_t total = address_start + address_size + 2;
  if (data.size() < total) return r;
  const auto address = data.subspan(address_start, address_size);
  if (atyp == kAtypDomain) {
    for (uint8_t c : address) {
      // NUL, '%', '@', spaces and non-ASCII bytes all change meaning between parsers.
      if (!is_domain_byte(c)) return bad_request("invalid byte in domain name");
    }
    r.host.assign(address.begin(), address.end());
  } else {
    char text[INET6_ADDRSTRLEN] = {};
    const int family = atyp == kAtypIpv4 ? AF_INET : AF_INET6;
    if (inet_ntop(family, address.data(), text, sizeof(text)) == nullptr) {
      return bad_request("unprintable address");
    }
    r.host = text;
    r.host_is_address = true;
  }
  r.port = static_cast<uint16_t>((data[total - 2] << 8) | data[total - 1]);
  // UDP ASSOCIATE legitimately sends port 0; it is parsed so it can be answered "not supported".
  if (r.port == 0 && data[1] == 1) return bad_request("CONNECT to port 0");
  r.command = data[1];
  r.size = total;
  r.status = Status::kComplete;
  return r;
}

std::vector<uint8_t> reply(Reply code) {
  return {kVersion, code, 0, kAtypIpv4, 0, 0, 0, 0, 0, 0};
}

}  // namespace cordon::net::socks5
