// Whether an address is one of the supervisor host's own, asked of the kernel's routing table.
//
// The proxy dials from the host's network namespace, so an allowed name that resolves to one of
// the host's interface addresses (its eth0 address, an AnyIP range on lo) reaches services that
// listen on 0.0.0.0 or :: there, exactly as 127.0.0.1 would. blocked_range() cannot know those
// addresses; the kernel does: a route lookup (RTM_GETROUTE, what `ip route get ADDR` does) says
// `local` for every address this host delivers to itself, whatever its range. The answer is the
// routing decision at the moment of the dial, so no snapshot can go stale between a netlink
// change and the dial.
#pragma once

#include <cstdint>

#include "base/result.h"
#include "base/unique_fd.h"
#include "net/address.h"

namespace cordon::net {

class HostRoutes {
 public:
  // True when the kernel would deliver a packet for `address` to this host (route type local).
  // No route at all (unreachable) is false: a connect() there fails anyway. An error when the
  // kernel could not be asked; the caller must then refuse the address (fail closed).
  // One netlink socket, opened on first use and kept; one request and one reply per call.
  // Not thread-safe: one per event loop.
  Result<bool> is_local(const IpAddress& address);

 private:
  UniqueFd socket_;
  uint32_t seq_ = 0;
};

}  // namespace cordon::net
