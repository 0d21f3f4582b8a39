// Fuzzes the SOCKS5 server's parsers (greeting, RFC 1929 credentials, request): the box speaks
// first, so every byte here comes from a hijacked agent.
#include <string_view>

#include "fuzz_target.h"
#include "net/socks5.h"

namespace {

namespace socks5 = cordon::net::socks5;

bool hostname_alphabet(std::string_view host) {
  return !host.empty() && cordon::fuzz::hostname_bytes(host);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::span<const uint8_t> bytes(data, size);

  const auto greeting = socks5::parse_greeting(bytes);
  if (greeting.status == socks5::Status::kComplete) {
    FUZZ_CHECK(greeting.size >= 3 && greeting.size <= size);
  }

  const auto credentials = socks5::parse_credentials(bytes);
  if (credentials.status == socks5::Status::kComplete) {
    FUZZ_CHECK(credentials.size <= size);
    FUZZ_CHECK(credentials.username.size() + credentials.password.size() + 3 == credentials.size);
  }

  const auto request = socks5::parse_request(bytes);
  if (request.status == socks5::Status::kBad) FUZZ_CHECK(!request.error.empty());
  if (request.status == socks5::Status::kComplete) {
    FUZZ_CHECK(request.size <= size);
    FUZZ_CHECK(request.command >= 1 && request.command <= 3);
    FUZZ_CHECK(request.port != 0 || request.command != 1);
    if (!request.host_is_address) FUZZ_CHECK(hostname_alphabet(request.host));
    // What a complete request is made of does not depend on the bytes after it.
    const auto alone = socks5::parse_request(bytes.first(request.size));
    FUZZ_CHECK(alone.status == socks5::Status::kComplete && alone.host == request.host &&
               alone.port == request.port);
  }
  return 0;
}
