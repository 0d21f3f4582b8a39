// network: the box has no route anywhere (only lo), while loopback itself works.
#include <arpa/inet.h>
#include <fcntl.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>
#include <string>
#include <vector>

#include "base/unique_fd.h"
#include "verify/probe_util.h"
#include "verify/probe_walls.h"

namespace cordon::verify::probe {
namespace {

constexpr const char* kWall = "network";
constexpr int kConnectTimeoutMs = 1000;

// Failures that mean the packet never left the box: no route, or a local policy refused it
// (Landlock's TCP connect rule: EACCES; a disabled IPv6: EAFNOSUPPORT). A refusal or timeout
// from the other end means a route exists.
bool local_failure(int err) {
  return one_of(err, {ENETUNREACH, EACCES, EPERM, EAFNOSUPPORT, EADDRNOTAVAIL});
}

// A TCP connect attempt: {no route, what happened}.
std::pair<bool, std::string> tcp_connect(const sockaddr* addr, socklen_t len) {
  UniqueFd fd(::socket(addr->sa_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (!fd) return {local_failure(errno), "socket: " + errno_name(errno)};
  if (::connect(fd.get(), addr, len) == 0) return {false, "connected"};
  if (errno != EINPROGRESS) return {local_failure(errno), errno_name(errno)};
  pollfd p{fd.get(), POLLOUT, 0};
  if (::poll(&p, 1, kConnectTimeoutMs) == 0) {
    return {false,
            "in progress after " + std::to_string(kConnectTimeoutMs) + " ms (a route exists)"};
  }
  int err = 0;
  socklen_t elen = sizeof err;
  ::getsockopt(fd.get(), SOL_SOCKET, SO_ERROR, &err, &elen);
  return {err != 0 && local_failure(err), err == 0 ? "connected" : errno_name(err)};
}

void interfaces(Reporter& r) {
  std::vector<std::string> names;
  if (struct if_nameindex* list = ::if_nameindex()) {
    for (auto* i = list; i->if_index != 0; ++i) names.push_back(i->if_name);
    ::if_freenameindex(list);
  }
  r.add(kWall, "network interfaces", "lo only", names.empty() ? "none" : join(names),
        names.size() == 1 && names.front() == "lo");
}

void outbound(Reporter& r) {
  struct Target {
    const char* label;
    int family;
    const char* ip;
    uint16_t port;
  };
  for (const Target& t : {Target{"192.0.2.1:80", AF_INET, "192.0.2.1", 80},
                          Target{"1.1.1.1:443", AF_INET, "1.1.1.1", 443},
                          Target{"[2001:db8::1]:80", AF_INET6, "2001:db8::1", 80}}) {
    sockaddr_storage ss{};
    socklen_t len;
    if (t.family == AF_INET) {
      auto* in = reinterpret_cast<sockaddr_in*>(&ss);
      in->sin_family = AF_INET;
      in->sin_port = htons(t.port);
      ::inet_pton(AF_INET, t.ip, &in->sin_addr);
      len = sizeof *in;
    } else {
      auto* in6 = reinterpret_cast<sockaddr_in6*>(&ss);
      in6->sin6_family = AF_INET6;
      in6->sin6_port = htons(t.port);
      ::inet_pton(AF_INET6, t.ip, &in6->sin6_addr);
      len = sizeof *in6;
    }
    auto [no_route, got] = tcp_connect(reinterpret_cast<sockaddr*>(&ss), len);
    r.add(kWall, std::string("TCP connect ") + t.label, "ENETUNREACH (no route)", got, no_route);
  }

  UniqueFd udp(::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  sockaddr_in dns{};
  dns.sin_family = AF_INET;
  dns.sin_port = htons(53);
  ::inet_pton(AF_INET, "8.8.8.8", &dns.sin_addr);
  ssize_t sent =
      udp ? ::sendto(udp.get(), "", 0, 0, reinterpret_cast<sockaddr*>(&dns), sizeof dns) : -1;
  int err = errno;
  r.add(kWall, "UDP sendto 8.8.8.8:53", "ENETUNREACH (no route)",
        sent >= 0 ? "sent" : errno_name(err), sent < 0 && local_failure(err));
}

// Positive control: a UDP socket on 127.0.0.1 sends a datagram to itself.
void loopback(Reporter& r) {
  UniqueFd fd(::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  std::string got = "sent and received";
  bool ok = fd && ::bind(fd.get(), reinterpret_cast<sockaddr*>(&addr), len) == 0 &&
            ::getsockname(fd.get(), reinterpret_cast<sockaddr*>(&addr), &len) == 0 &&
            ::sendto(fd.get(), "ping", 4, 0, reinterpret_cast<sockaddr*>(&addr), len) == 4;
  if (!ok) {
    got = errno_name(errno);
  } else {
    pollfd p{fd.get(), POLLIN, 0};
    char buf[8];
    ok = ::poll(&p, 1, 1000) == 1 && ::recv(fd.get(), buf, sizeof buf, 0) == 4 &&
         std::memcmp(buf, "ping", 4) == 0;
    if (!ok) got = "sent, not received";
  }
  r.add(kWall, "UDP to itself on 127.0.0.1 (positive control)", "sent and received", got, ok);
}

}  // namespace

void probe_network(const Context&, Reporter& r) {
  interfaces(r);
  loopback(r);
  outbound(r);
}

}  // namespace cordon::verify::probe
