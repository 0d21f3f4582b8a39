// The kernel's route type for an address, through one RTM_GETROUTE request (see host_routes.h).
#include "net/host_routes.h"

#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstring>

namespace cordon::net {
namespace {

struct RouteRequest {
  nlmsghdr header;
  rtmsg route;
  alignas(NLMSG_ALIGNTO) uint8_t attributes[RTA_SPACE(16)];
};

// No route to the address: nothing there can be dialled, so it is not this host's.
bool means_no_route(int err) {
  return err == ENETUNREACH || err == EHOSTUNREACH || err == EINVAL;
}

}  // namespace

Result<bool> HostRoutes::is_local(const IpAddress& address) {
  if (!socket_) {
    socket_ = UniqueFd(::socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE));
    if (!socket_) return Error::system("netlink socket for route lookups");
  }
  const size_t length = address.is_v4() ? 4 : 16;
  RouteRequest request;
  std::memset(&request, 0, sizeof(request));
  request.header.nlmsg_len = NLMSG_LENGTH(sizeof(rtmsg)) + RTA_SPACE(length);
  request.header.nlmsg_type = RTM_GETROUTE;
  request.header.nlmsg_flags = NLM_F_REQUEST;
  request.header.nlmsg_seq = ++seq_;
  request.route.rtm_family = address.is_v4() ? AF_INET : AF_INET6;
  request.route.rtm_dst_len = static_cast<unsigned char>(length * 8);
  auto* destination = reinterpret_cast<rtattr*>(request.attributes);
  destination->rta_type = RTA_DST;
  destination->rta_len = RTA_LENGTH(length);
  std::memcpy(RTA_DATA(destination), address.bytes.data(), length);

  sockaddr_nl kernel{};
  kernel.nl_family = AF_NETLINK;
  if (::sendto(socket_.get(), &request, request.header.nlmsg_len, 0,
               reinterpret_cast<sockaddr*>(&kernel), sizeof(kernel)) < 0) {
    int err = errno;
    socket_.reset();
    return Error::system("route lookup for " + address.to_string(), err);
  }
  // rtnetlink answers inside sendto(): the reply is queued before it returns, so this never
  // waits. A reply to an earlier request that was abandoned halfway carries an older sequence
  // number and is skipped.
  alignas(nlmsghdr) char reply[4096];
  for (;;) {
    ssize_t n = ::recv(socket_.get(), reply, sizeof(reply), MSG_DONTWAIT);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      int err = n < 0 ? errno : EPROTO;
      socket_.reset();
      return Error::system("route lookup for " + address.to_string(), err);
    }
    size_t left = static_cast<size_t>(n);
    for (auto* h = reinterpret_cast<nlmsghdr*>(reply); NLMSG_OK(h, left); h = NLMSG_NEXT(h, left)) {
      if (h->nlmsg_seq != seq_) continue;
      if (h->nlmsg_type == NLMSG_ERROR && h->nlmsg_len >= NLMSG_LENGTH(sizeof(nlmsgerr))) {
        int err = -static_cast<const nlmsgerr*>(NLMSG_DATA(h))->error;
        if (means_no_route(err)) return false;
        return Error::system("route lookup for " + address.to_string(), err);
      }
      if (h->nlmsg_type == RTM_NEWROUTE && h->nlmsg_len >= NLMSG_LENGTH(sizeof(rtmsg))) {
        return static_cast<const rtmsg*>(NLMSG_DATA(h))->rtm_type == RTN_LOCAL;
      }
      socket_.reset();
      return Error(Errc::kSystem, "route lookup for " + address.to_string() +
                                      ": unexpected netlink reply type " +
                                      std::to_string(h->nlmsg_type));
    }
  }
}

}  // namespace cordon::net
