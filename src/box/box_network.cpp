// The init's network steps in proxy mode: capture everything, then open the proxy's sockets.
//
// Runs as: the box init (pid 1), with every capability of the box's user namespace, which owns
// the box's network namespace; between clone and exec, so raw syscalls and no allocation.
#include "box/box_network.h"

#include <arpa/inet.h>
#include <linux/netlink.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>

#include "base/fd_passing.h"
#include "net/capture_netlink.h"

namespace cordon::box {
namespace {

// IPv6 may be absent (ipv6.disable=1): then there is nothing of it to route or capture.
bool ipv6_missing(int err) {
  return err == EAFNOSUPPORT || err == EADDRNOTAVAIL || err == EOPNOTSUPP;
}

int open_listener(const BoxListener& l) {
  int fd = ::socket(l.family, l.type | SOCK_CLOEXEC, 0);
  if (fd < 0) return -errno;
  int one = 1;
  (void)::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  int rc;
  if (l.family == AF_INET6) {
    (void)::setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
    sockaddr_in6 a{};
    a.sin6_family = AF_INET6;
    a.sin6_port = htons(l.port);
    a.sin6_addr = in6addr_loopback;
    rc = ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
  } else {
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(l.port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    rc = ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
  }
  if (rc == 0 && l.type == SOCK_STREAM) rc = ::listen(fd, 1024);
  if (rc != 0) {
    int err = errno;
    ::close(fd);
    return -err;
  }
  return fd;
}

}  // namespace

int install_network_capture(const BoxNetworkPlan& plan) {
  if (int rc = net::send_netlink(NETLINK_ROUTE, plan.route_v4.data, plan.route_v4.size); rc != 0)
    return rc;
  if (int rc = net::send_netlink(NETLINK_ROUTE, plan.route_v6.data, plan.route_v6.size);
      rc != 0 && !ipv6_missing(-rc))
    return rc;
  return net::send_netlink(NETLINK_NETFILTER, plan.ruleset.data, plan.ruleset.size);
}

int open_box_listeners(const BoxNetworkPlan& plan, int control_fd, int* failed_index) {
  for (size_t i = 0; i < plan.listener_count; ++i) {
    const BoxListener& l = plan.listeners[i];
    *failed_index = static_cast<int>(i);
    int fd = open_listener(l);
    if (fd < 0 && l.skip_without_family && ipv6_missing(-fd)) {
      char tag = kTagNoListener;
      if (::send(control_fd, &tag, 1, MSG_NOSIGNAL) != 1) return -errno;
      continue;
    }
    if (fd < 0) return fd;
    int rc = send_fd(control_fd, fd, kTagListener);
    ::close(fd);
    if (rc != 0) return rc;
  }
  return 0;
}

}  // namespace cordon::box
