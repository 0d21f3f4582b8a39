// network: the egress wall. Checks chosen by the policy's network.mode: with "none" the box has
// no route anywhere; with "proxy" every connection is captured and decided by cordon's proxy,
// which must refuse everything but the verify origin. Both modes: only lo, no raw sockets, no
// changes to the box's network, and the host's loopback stays out of reach.
#include <arpa/inet.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <netinet/in.h>
#include <netinet/ip_icmp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>
#include <string>
#include <vector>

#include "base/unique_fd.h"
#include "verify/probe_network_io.h"
#include "verify/probe_util.h"
#include "verify/probe_walls.h"

namespace cordon::verify::probe {
namespace netio {
namespace {

// All the network section may spend waiting; well inside the probe's 30 s watchdog, which the
// resource attacks after it need too.
constexpr int kNetworkBudgetMs = 12'000;

void interfaces(Reporter& r) {
  std::vector<std::string> names;
  if (struct if_nameindex* list = ::if_nameindex()) {
    for (auto* i = list; i->if_index != 0; ++i) names.push_back(i->if_name);
    ::if_freenameindex(list);
  }
  r.add(kWall, "network interfaces", "lo only", names.empty() ? "none" : join(names),
        names.size() == 1 && names.front() == "lo");
}

// Positive control: a UDP socket on 127.0.0.1 sends a datagram to itself.
void loopback_datagram(Reporter& r) {
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

// Sockets that would write packets around the capture.
void raw_sockets(Reporter& r) {
  struct Raw {
    const char* attack;
    int family, type, protocol;
  };
  for (const Raw& s :
       {Raw{"raw IPv4 socket (packets around the capture)", AF_INET, SOCK_RAW, IPPROTO_ICMP},
        Raw{"raw IPv6 socket (packets around the capture)", AF_INET6, SOCK_RAW, IPPROTO_ICMPV6},
        Raw{"packet socket (frames around the capture)", AF_PACKET, SOCK_RAW,
            static_cast<int>(htons(0x0003))}}) {
    int fd = ::socket(s.family, s.type | SOCK_CLOEXEC, s.protocol);
    int err = errno;
    if (fd >= 0) ::close(fd);
    r.add(kWall, s.attack, "EPERM", fd >= 0 ? "opened" : errno_name(err), fd < 0 && err == EPERM);
  }
}

// An ICMP echo through an unprivileged ping socket: refused when the socket is made (the box's
// ping_group_range) or when the echo is sent (no route, or the capture's drop).
void ping(Reporter& r) {
  UniqueFd fd(::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, IPPROTO_ICMP));
  std::string got;
  bool pass = false;
  if (!fd) {
    got = "socket: " + errno_name(errno);
    pass = true;
  } else {
    icmphdr echo{};
    echo.type = ICMP_ECHO;
    echo.un.echo.sequence = htons(1);
    auto to = endpoint("192.0.2.1", 0);
    ssize_t sent = ::sendto(fd.get(), &echo, sizeof echo, 0, to->addr(), to->size);
    got = sent < 0 ? "sendto: " + errno_name(errno) : "echo sent";
    pass = sent < 0 && local_failure(errno);
  }
  r.add(kWall, "ICMP echo to 192.0.2.1 (ping socket)",
        "refused (socket EACCES, or sendto EPERM/ENETUNREACH)", got, pass);
}

// Marks and route changes need CAP_NET_ADMIN in the box's network namespace; the agent has none.
// Both attempts are harmless if they were allowed (a mark on our own socket; deleting a route
// that does not exist answers ESRCH).
void reconfigure(Reporter& r) {
  {
    UniqueFd fd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
    int mark = 0x636f;
    int rc = fd ? ::setsockopt(fd.get(), SOL_SOCKET, SO_MARK, &mark, sizeof mark) : -1;
    int err = errno;
    r.add(kWall, "setsockopt(SO_MARK) (steer around the capture)", "EPERM",
          rc == 0 ? "succeeded" : errno_name(err), rc != 0 && err == EPERM);
  }
  UniqueFd nl(::socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE));
  std::string got;
  bool pass = false;
  if (!nl) {
    got = "socket: " + errno_name(errno);
    pass = errno == EPERM;
  } else {
    struct {
      nlmsghdr header;
      rtmsg route;
      rtattr dst_attr;
      in_addr dst;
    } req{};
    req.header.nlmsg_len = sizeof req;
    req.header.nlmsg_type = RTM_DELROUTE;
    req.header.nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
    req.header.nlmsg_seq = 1;
    req.route.rtm_family = AF_INET;
    req.route.rtm_dst_len = 32;
    req.route.rtm_table = RT_TABLE_MAIN;
    req.route.rtm_scope = RT_SCOPE_NOWHERE;
    req.dst_attr.rta_len = RTA_LENGTH(sizeof(in_addr));
    req.dst_attr.rta_type = RTA_DST;
    ::inet_pton(AF_INET, "198.51.100.77", &req.dst);
    sockaddr_nl kernel{};
    kernel.nl_family = AF_NETLINK;
    if (::sendto(nl.get(), &req, sizeof req, 0, reinterpret_cast<sockaddr*>(&kernel),
                 sizeof kernel) < 0) {
      got = "sendto: " + errno_name(errno);
      pass = errno == EPERM;
    } else {
      pollfd p{nl.get(), POLLIN, 0};
      char buf[1024];
      ssize_t n = ::poll(&p, 1, 1000) == 1 ? ::recv(nl.get(), buf, sizeof buf, 0) : -1;
      auto* reply = reinterpret_cast<nlmsghdr*>(buf);
      if (n >= static_cast<ssize_t>(NLMSG_LENGTH(sizeof(nlmsgerr))) &&
          reply->nlmsg_type == NLMSG_ERROR) {
        int err = -reinterpret_cast<nlmsgerr*>(NLMSG_DATA(reply))->error;
        got = err == 0 ? "succeeded" : errno_name(err);
        pass = err == EPERM;
      } else {
        got = "no acknowledgement";
      }
    }
  }
  r.add(kWall, "RTM_DELROUTE via rtnetlink (change the box's routes; unfiltered: ESRCH)", "EPERM",
        got, pass);
}

// The host's canary service listens on the host's 127.0.0.1 and ::1; the box's loopback is its
// own, so nothing answers there (or Landlock refuses the port).
void canary_direct(const ProbeSpec& spec, Reporter& r) {
  const uint16_t port = spec.network.canary_port;
  for (const char* ip : {"127.0.0.1", "::1"}) {
    auto to = endpoint(ip, port);
    Connection c = connect_tcp(*to, 1000);
    std::string label = std::string(ip).find(':') != std::string::npos ? "[" + std::string(ip) + "]"
                                                                       : std::string(ip);
    bool pass = !c.ok() && !c.timed_out &&
                one_of(c.err, {ECONNREFUSED, EACCES, EADDRNOTAVAIL, EAFNOSUPPORT, ENETUNREACH});
    r.add(kWall, "host loopback canary directly: " + label + ":" + std::to_string(port),
          "refused (the box's own loopback: ECONNREFUSED, or Landlock: EACCES)", c.describe(),
          pass);
  }
}

}  // namespace

void common_attacks(const ProbeSpec& spec, Reporter& r) {
  interfaces(r);
  loopback_datagram(r);
  raw_sockets(r);
  ping(r);
  reconfigure(r);
  canary_direct(spec, r);
}

// network.mode = "none": nothing leaves, and no proxy listens.
void no_route_attacks(const ProbeSpec& spec, Reporter& r) {
  struct Target {
    const char* ip;
    uint16_t port;
  };
  for (const Target& t :
       {Target{"192.0.2.1", 80}, Target{"1.1.1.1", 443}, Target{"2001:db8::1", 80}}) {
    auto to = endpoint(t.ip, t.port);
    Connection c = connect_tcp(*to, 1000);
    std::string label = std::string(t.ip).find(':') != std::string::npos
                            ? "[" + std::string(t.ip) + "]"
                            : std::string(t.ip);
    // Landlock's connect rule (no port is allowed without a proxy) usually answers first.
    r.add(kWall, "TCP connect " + label + ":" + std::to_string(t.port),
          "refused locally (EACCES: Landlock, or ENETUNREACH: no route)",
          c.ok() ? "connected" : c.describe(), !c.ok() && !c.timed_out && local_failure(c.err));
  }
  // Datagrams meet no Landlock rule: these show the missing route itself.
  for (const char* ip : {"203.0.113.7", "2001:db8::7"}) {
    auto to = endpoint(ip, 9);
    UniqueFd fd(::socket(to->family(), SOCK_DGRAM | SOCK_CLOEXEC, 0));
    ssize_t sent = fd ? ::sendto(fd.get(), "cordon", 6, 0, to->addr(), to->size) : -1;
    int err = errno;
    std::string label = std::string(ip).find(':') != std::string::npos
                            ? "[" + std::string(ip) + "]:9"
                            : std::string(ip) + ":9";
    r.add(kWall, "UDP sendto " + label, "ENETUNREACH (no route)",
          sent >= 0 ? "sent" : errno_name(err), sent < 0 && local_failure(err));
  }
  DnsExchange dns =
      dns_udp(*endpoint("8.8.8.8", 53),
              spec.network.denied_name.empty() ? kVerifyDeniedName : spec.network.denied_name,
              wire::dns::kTypeA, 1000);
  r.add(kWall, "DNS query to 8.8.8.8:53", "ENETUNREACH (no route)", dns.describe(),
        dns.err != 0 && local_failure(dns.err));
  if (spec.network.http_proxy_port != 0) {
    Connection c = connect_tcp(loopback(spec.network.http_proxy_port), 1000);
    r.add(kWall,
          "connect to 127.0.0.1:" + std::to_string(spec.network.http_proxy_port) +
              " (no proxy without network.mode = \"proxy\")",
          "ECONNREFUSED or EACCES", c.describe(), !c.ok() && one_of(c.err, {ECONNREFUSED, EACCES}));
  }
}

}  // namespace netio

void probe_network(const Context& ctx, Reporter& r) {
  netio::start_budget(netio::kNetworkBudgetMs);
  netio::common_attacks(ctx.spec, r);
  if (ctx.spec.network.mode == "proxy") {
    netio::proxy_controls(ctx.spec, r);
    netio::capture_attacks(ctx.spec, r);
    netio::proxy_attacks(ctx.spec, r);
  } else {
    netio::no_route_attacks(ctx.spec, r);
  }
}

}  // namespace cordon::verify::probe
