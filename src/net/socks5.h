// The server side of SOCKS5 (RFC 1928, and RFC 1929 username/password for the standalone
// proxy's client tokens): CONNECT only. Pure parsing and reply building; no sockets.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace cordon::net {

namespace socks5 {

enum class Status { kIncomplete, kComplete, kBad };

// Client greeting: VER=5, NMETHODS, METHODS. NMETHODS 0 is kBad (RFC 1928: 1 to 255).
struct Greeting {
  Status status = Status::kIncomplete;
  bool offers_no_auth = false;
  bool offers_password = false;
  size_t size = 0;  // bytes consumed when complete
};
Greeting parse_greeting(std::span<const uint8_t> data);
// The method choice: 0x00 no auth, 0x02 username/password, 0xFF none acceptable.
std::vector<uint8_t> method_reply(uint8_t method);

// RFC 1929 username/password request. Empty fields are accepted (clients send an empty
// password with a token user name); the credential check that follows decides.
struct Credentials {
  Status status = Status::kIncomplete;
  std::string username;
  std::string password;
  size_t size = 0;
};
Credentials parse_credentials(std::span<const uint8_t> data);
std::vector<uint8_t> credentials_reply(bool ok);

// The request. Only CONNECT is accepted; BIND and UDP ASSOCIATE are parsed so the reply can
// say "command not supported". A domain name with a NUL or any byte outside letters, digits,
// '-', '.', '_' is kBad (reply "not allowed by ruleset"), as are an empty domain, a command
// other than 1..3, a non-zero reserved byte, an unknown address type and CONNECT to port 0.
struct Request {
  Status status = Status::kIncomplete;
  uint8_t command = 0;  // 1 CONNECT, 2 BIND, 3 UDP ASSOCIATE
  std::string host;     // a domain as sent, or an address literal's text ("[v6]" not bracketed)
  bool host_is_address = false;
  uint16_t port = 0;
  size_t size = 0;
  std::string error;  // kBad: why
};
Request parse_request(std::span<const uint8_t> data);

enum Reply : uint8_t {
  kSucceeded = 0x00,
  kGeneralFailure = 0x01,
  kNotAllowedByRuleset = 0x02,
  kNetworkUnreachable = 0x03,
  kHostUnreachable = 0x04,
  kConnectionRefused = 0x05,
  kTtlExpired = 0x06,
  kCommandNotSupported = 0x07,
  kAddressTypeNotSupported = 0x08,
};
// The reply, with BND.ADDR 0.0.0.0:0 (clients ignore it for CONNECT).
std::vector<uint8_t> reply(Reply code);

}  // namespace socks5

}  // namespace cordon::net
