// Reads the server name (SNI) from the first bytes of a TLS connection, without consuming them.
#pragma once

#include <cstdint>
#include <span>
#include <string>

namespace cordon::net {

struct SniPeek {
  enum class Status {
    kIncomplete,  // need more bytes (the ClientHello may span several records)
    kNotTls,      // the first byte is not a TLS handshake record
    kNoSni,       // a complete ClientHello without a server_name extension
    kFound,
    kMalformed,   // lengths that do not add up, several host_name entries, an empty name
  };
  Status status = Status::kIncomplete;
  std::string server_name;  // kFound: as sent (canonicalise before comparing)
};

// `data` is everything received so far. Handles a ClientHello split across records (up to
// 64 KiB in all; beyond that, kMalformed). kNotTls is decided on the first two bytes (record
// type 22, major version 3). Also kMalformed: a name with a control byte or space, a name type
// other than host_name, two server_name extensions, another record type before the hello ends.
SniPeek peek_client_hello(std::span<const uint8_t> data);

}  // namespace cordon::net
