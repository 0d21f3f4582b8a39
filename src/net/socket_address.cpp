// Conversions between Endpoint and the kernel's sockaddr_in / sockaddr_in6.
#include "net/socket_address.h"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <cstring>

namespace cordon::net {

std::string Endpoint::to_string() const {
  std::string text = address.to_string();
  if (!address.is_v4()) text = "[" + text + "]";
  return text + ":" + std::to_string(port);
}

socklen_t to_sockaddr(const Endpoint& endpoint, sockaddr_storage* storage) {
  std::memset(storage, 0, sizeof(*storage));
  if (endpoint.address.is_v4()) {
    auto* in = reinterpret_cast<sockaddr_in*>(storage);
    in->sin_family = AF_INET;
    in->sin_port = htons(endpoint.port);
    std::memcpy(&in->sin_addr, endpoint.address.bytes.data(), 4);
    return sizeof(sockaddr_in);
  }
  auto* in6 = reinterpret_cast<sockaddr_in6*>(storage);
  in6->sin6_family = AF_INET6;
  in6->sin6_port = htons(endpoint.port);
  std::memcpy(&in6->sin6_addr, endpoint.address.bytes.data(), 16);
  return sizeof(sockaddr_in6);
}

std::optional<Endpoint> from_sockaddr(const sockaddr_storage& storage, socklen_t length) {
  Endpoint endpoint;
  if (storage.ss_family == AF_INET && length >= static_cast<socklen_t>(sizeof(sockaddr_in))) {
    const auto* in = reinterpret_cast<const sockaddr_in*>(&storage);
    endpoint.address.family = IpAddress::Family::kV4;
    std::memcpy(endpoint.address.bytes.data(), &in->sin_addr, 4);
    endpoint.port = ntohs(in->sin_port);
    return endpoint;
  }
  if (storage.ss_family == AF_INET6 && length >= static_cast<socklen_t>(sizeof(sockaddr_in6))) {
    const auto* in6 = reinterpret_cast<const sockaddr_in6*>(&storage);
    endpoint.address.family = IpAddress::Family::kV6;
    std::memcpy(endpoint.address.bytes.data(), &in6->sin6_addr, 16);
    endpoint.port = ntohs(in6->sin6_port);
    return endpoint;
  }
  return std::nullopt;
}

}  // namespace cordon::net
