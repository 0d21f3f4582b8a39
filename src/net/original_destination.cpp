// SO_ORIGINAL_DST: the destination conntrack saw before the redirect.
#include "net/original_destination.h"

#include <netinet/in.h>
#include <sys/socket.h>

namespace cordon::net {
namespace {
// SO_ORIGINAL_DST (<linux/netfilter_ipv4.h>) and IP6T_SO_ORIGINAL_DST
// (<linux/netfilter_ipv6/ip6_tables.h>); those headers clash with <netinet/in.h>.
constexpr int kSoOriginalDst = 80;
constexpr int kIp6tSoOriginalDst = 80;
}  // namespace

Result<Endpoint> socket_original_destination(const UniqueFd& client) {
  sockaddr_storage local{};
  socklen_t length = sizeof(local);
  if (::getsockname(client.get(), reinterpret_cast<sockaddr*>(&local), &length) != 0) {
    return Error::system("getsockname");
  }
  sockaddr_storage original{};
  length = sizeof(original);
  int rc = local.ss_family == AF_INET6
               ? ::getsockopt(client.get(), SOL_IPV6, kIp6tSoOriginalDst, &original, &length)
               : ::getsockopt(client.get(), SOL_IP, kSoOriginalDst, &original, &length);
  if (rc != 0) return Error::system("getsockopt SO_ORIGINAL_DST");
  auto endpoint = from_sockaddr(original, length);
  if (!endpoint) return Error(Errc::kInternal, "SO_ORIGINAL_DST: unexpected address family");
  return *endpoint;
}

}  // namespace cordon::net
