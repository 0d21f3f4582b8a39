// Fuzzes the TLS ClientHello reader that finds the SNI after CONNECT and on transparent
// connections: the box chooses every byte.
#include <string_view>

#include "fuzz_target.h"
#include "net/tls_client_hello.h"

namespace {

using Status = cordon::net::SniPeek::Status;

bool printable_name(std::string_view name) {
  for (const unsigned char c : name) {
    if (c <= ' ' || c == 0x7f) return false;
  }
  return !name.empty();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::span<const uint8_t> bytes(data, size);
  const auto full = cordon::net::peek_client_hello(bytes);
  if (full.status == Status::kFound) FUZZ_CHECK(printable_name(full.server_name));

  // Bytes that arrive later never change a verdict already given: a prefix is either not yet
  // decided or decided as the whole is (else a client could show one name and use another).
  // The cut comes from the last two bytes, which no ClientHello needs.
  if (size >= 2) {
    const size_t cut = (static_cast<size_t>(data[size - 1]) << 8 | data[size - 2]) % size;
    const auto prefix = cordon::net::peek_client_hello(bytes.first(cut));
    if (prefix.status != Status::kIncomplete) {
      FUZZ_CHECK(prefix.status == full.status);
      FUZZ_CHECK(prefix.server_name == full.server_name);
    }
  }
  return 0;
}
