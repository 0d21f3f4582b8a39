// HostRoutes against the real kernel: the host's own addresses (every interface address, and
// the whole of 127/8) are local; addresses elsewhere are not. No packet is sent.
#include <gtest/gtest.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>

#include <cstring>

#include "net/host_routes.h"

namespace cordon::net {
namespace {

IpAddress addr(const char* text) {
  return IpAddress::parse(text).value();
}

TEST(NetHostRoutes, LoopbackIsLocalAndDocumentationAddressesAreNot) {
  HostRoutes routes;
  for (const char* local : {"127.0.0.1", "127.0.0.53"}) {
    auto r = routes.is_local(addr(local));
    ASSERT_TRUE(r.ok()) << r.error().describe();
    EXPECT_TRUE(*r) << local;
  }
  // TEST-NET-3 is assigned to no host: routed elsewhere (or unreachable), never local.
  auto remote = routes.is_local(addr("203.0.113.7"));
  ASSERT_TRUE(remote.ok()) << remote.error().describe();
  EXPECT_FALSE(*remote);
}

TEST(NetHostRoutes, EveryInterfaceAddressIsLocal) {
  ifaddrs* list = nullptr;
  ASSERT_EQ(::getifaddrs(&list), 0);
  HostRoutes routes;
  int checked = 0;
  for (ifaddrs* i = list; i != nullptr; i = i->ifa_next) {
    // An address on an interface that is down has no local route until it comes up.
    if (i->ifa_addr == nullptr || (i->ifa_flags & IFF_UP) == 0) continue;
    IpAddress address;
    if (i->ifa_addr->sa_family == AF_INET) {
      std::memcpy(address.bytes.data(), &reinterpret_cast<sockaddr_in*>(i->ifa_addr)->sin_addr, 4);
    } else if (i->ifa_addr->sa_family == AF_INET6) {
      address.family = IpAddress::Family::kV6;
      std::memcpy(address.bytes.data(), &reinterpret_cast<sockaddr_in6*>(i->ifa_addr)->sin6_addr,
                  16);
    } else {
      continue;
    }
    auto r = routes.is_local(address);
    ASSERT_TRUE(r.ok()) << address.to_string() << ": " << r.error().describe();
    EXPECT_TRUE(*r) << address.to_string() << " on " << i->ifa_name;
    ++checked;
  }
  ::freeifaddrs(list);
  EXPECT_GT(checked, 0) << "getifaddrs listed no address, not even loopback";
}

}  // namespace
}  // namespace cordon::net
