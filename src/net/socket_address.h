// Socket addresses for the proxy: an IP address with a port, converted to and from sockaddr.
#pragma once

#include <sys/socket.h>

#include <cstdint>
#include <optional>
#include <string>

#include "net/address.h"

namespace cordon::net {

struct Endpoint {
  IpAddress address;
  uint16_t port = 0;
  // "127.0.0.1:8080", "[2001:db8::1]:443".
  std::string to_string() const;
};

// Fills `storage` for connect()/bind(); returns the length to pass with it.
socklen_t to_sockaddr(const Endpoint& endpoint, sockaddr_storage* storage);
// AF_INET / AF_INET6 only; nullopt for any other family or a short length.
std::optional<Endpoint> from_sockaddr(const sockaddr_storage& storage, socklen_t length);

}  // namespace cordon::net
