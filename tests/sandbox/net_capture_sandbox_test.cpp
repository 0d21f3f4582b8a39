// Sandbox tests for the capture routes and ruleset: a forked child builds a network namespace
// as the box init does, then proves what is captured, what is contained and what passes.
#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <net/if.h>
#include <netinet/icmp6.h>
#include <netinet/in.h>
#include <netinet/ip_icmp.h>
#include <poll.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>
// After <net/if.h> and <netinet/in.h>: libc-compat then skips the kernel's duplicates.
#include <linux/netfilter_ipv4.h>
#include <linux/netfilter_ipv6/ip6_tables.h>
#include <linux/netlink.h>

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "net/capture_netlink.h"
#include "sandbox/run_in_child.h"

namespace cordon::net {
namespace {

using cordon::testing::run_in_child;

constexpr uint16_t kTransparent = 15001;
constexpr uint16_t kDns = 5353;
constexpr uint16_t kOtherLocal = 8080;  // an ordinary service in the box
constexpr CapturePorts kPorts{kTransparent, kDns};

// The messages, built in the parent as cordon builds them; the child only sends them.
struct Prepared {
  std::vector<uint8_t> ruleset = build_capture_ruleset(kPorts);
  std::vector<uint8_t> route_v4 = build_local_default_route(AF_INET, 1);
  std::vector<uint8_t> route_v6 = build_local_default_route(AF_INET6, 1);
};

enum SetupStep : int {
  kUnshare,
  kSetgroups,
  kUidMap,
  kGidMap,
  kLoUp,
  kLoIndex,
  kRouteV4,
  kRouteV6,
  kRuleset,
  kReady,
};
const char* const kStepNames[] = {"unshare",  "setgroups", "uid_map",  "gid_map", "lo up",
                                  "lo index", "route v4",  "route v6", "ruleset", "ready"};

struct BoxSetup {
  int step;   // the step that failed, or kReady
  int error;  // its errno
};

// An address as text, so the report stays plain bytes.
struct Endpoint {
  int error;  // 0, or the errno of the call that should have filled it
  char host[INET6_ADDRSTRLEN];
  int port;
};

bool write_file(const char* path, const char* text) {
  int fd = ::open(path, O_WRONLY | O_CLOEXEC);
  if (fd < 0) return false;
  size_t size = std::strlen(text);
  bool ok = ::write(fd, text, size) == static_cast<ssize_t>(size);
  ::close(fd);
  return ok;
}

// Child side: a new user and network namespace holding what the box init installs there.
BoxSetup setup_box_network(const Prepared& p) {
  // Every test child must end: a hang becomes SIGALRM, which the parent reports.
  ::alarm(30);
  uid_t uid = ::getuid();
  gid_t gid = ::getgid();
  if (::unshare(CLONE_NEWUSER | CLONE_NEWNET) != 0) return {kUnshare, errno};
  if (!write_file("/proc/self/setgroups", "deny")) return {kSetgroups, errno};
  char map[64];
  std::snprintf(map, sizeof(map), "0 %u 1", uid);
  if (!write_file("/proc/self/uid_map", map)) return {kUidMap, errno};
  std::snprintf(map, sizeof(map), "0 %u 1", gid);
  if (!write_file("/proc/self/gid_map", map)) return {kGidMap, errno};

  int s = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (s < 0) return {kLoUp, errno};
  ifreq ifr{};
  std::strcpy(ifr.ifr_name, "lo");
  if (::ioctl(s, SIOCGIFFLAGS, &ifr) != 0) {
    int e = errno;
    ::close(s);
    return {kLoUp, e};
  }
  ifr.ifr_flags = static_cast<short>(ifr.ifr_flags | IFF_UP);
  if (::ioctl(s, SIOCSIFFLAGS, &ifr) != 0) {
    int e = errno;
    ::close(s);
    return {kLoUp, e};
  }
  int index_ok = ::ioctl(s, SIOCGIFINDEX, &ifr);
  int e = errno;
  ::close(s);
  // The routes were built for index 1, which lo always has in a new namespace.
  if (index_ok != 0) return {kLoIndex, e};
  if (ifr.ifr_ifindex != 1) return {kLoIndex, ENODEV};

  int r = send_netlink(NETLINK_ROUTE, p.route_v4.data(), p.route_v4.size());
  if (r != 0) return {kRouteV4, -r};
  r = send_netlink(NETLINK_ROUTE, p.route_v6.data(), p.route_v6.size());
  if (r != 0) return {kRouteV6, -r};
  r = send_netlink(NETLINK_NETFILTER, p.ruleset.data(), p.ruleset.size());
  if (r != 0) return {kRuleset, -r};
  return {kReady, 0};
}

// Why the kernel or the machine cannot run these tests at all, or empty if it can.
std::string unsupported(const BoxSetup& s) {
  if (s.step < kUnshare || s.step >= kReady) return "";
  std::string why = std::string(kStepNames[s.step]) + ": " + std::strerror(s.error);
  switch (s.step) {
    case kUnshare:
    case kSetgroups:
    case kUidMap:
    case kGidMap:
      return "no unprivileged user namespace (" + why + ")";
    case kLoUp:
      if (s.error == EPERM) return "no CAP_NET_ADMIN in a user namespace (" + why + ")";
      break;
    case kRouteV6:
      if (s.error == EAFNOSUPPORT) return "no IPv6 (" + why + ")";
      break;
    case kRuleset:
      // No nfnetlink, no nf_tables or its nat support, or nf_tables refused in a userns.
      if (s.error == EPROTONOSUPPORT || s.error == EOPNOTSUPP || s.error == EPERM) {
        return "nf_tables unavailable in a user namespace (" + why + ")";
      }
      break;
    default:
      break;
  }
  return "";
}

std::string describe(const BoxSetup& s) {
  if (s.step < kUnshare || s.step > kReady) return "setup never reported";
  return std::string("setup failed at ") + kStepNames[s.step] + ": " + std::strerror(s.error);
}

std::string child_end(int status) {
  if (WIFSIGNALED(status) && WTERMSIG(status) == SIGALRM) return "child hung (SIGALRM)";
  if (WIFSIGNALED(status)) return "child killed by signal " + std::to_string(WTERMSIG(status));
  return "child exit status " + std::to_string(WEXITSTATUS(status));
}

#define ASSERT_BOX_READY(child_status, setup)                              \
  do {                                                                     \
    ASSERT_TRUE(WIFEXITED(child_status) && WEXITSTATUS(child_status) == 0) \
        << child_end(child_status);                                        \
    std::string skip_reason = unsupported(setup);                          \
    if (!skip_reason.empty()) GTEST_SKIP() << skip_reason;                 \
    ASSERT_EQ((setup).step, kReady) << describe(setup);                    \
  } while (0)

socklen_t make_address(int family, const char* host, uint16_t port, sockaddr_storage* out) {
  std::memset(out, 0, sizeof(*out));
  if (family == AF_INET) {
    auto* a = reinterpret_cast<sockaddr_in*>(out);
    a->sin_family = AF_INET;
    a->sin_port = htons(port);
    ::inet_pton(AF_INET, host, &a->sin_addr);
    return sizeof(*a);
  }
  auto* a = reinterpret_cast<sockaddr_in6*>(out);
  a->sin6_family = AF_INET6;
  a->sin6_port = htons(port);
  ::inet_pton(AF_INET6, host, &a->sin6_addr);
  return sizeof(*a);
}

void fill_endpoint(const sockaddr_storage& a, Endpoint* out) {
  out->error = 0;
  std::memset(out->host, 0, sizeof(out->host));
  if (a.ss_family == AF_INET) {
    const auto* v4 = reinterpret_cast<const sockaddr_in*>(&a);
    ::inet_ntop(AF_INET, &v4->sin_addr, out->host, sizeof(out->host));
    out->port = ntohs(v4->sin_port);
  } else {
    const auto* v6 = reinterpret_cast<const sockaddr_in6*>(&a);
    ::inet_ntop(AF_INET6, &v6->sin6_addr, out->host, sizeof(out->host));
    out->port = ntohs(v6->sin6_port);
  }
}

std::string text(const Endpoint& e) {
  if (e.error != 0) return std::string("error: ") + std::strerror(e.error);
  if (e.host[sizeof(e.host) - 1] != '\0') return "never filled";
  return std::string(e.host) + " port " + std::to_string(e.port);
}

// A socket bound to host:port (listening if TCP), with 2 s receive timeouts so a missing
// packet fails the test instead of hanging it; -errno on failure.
int bound_socket(int family, int type, const char* host, uint16_t port) {
  int fd = ::socket(family, type | SOCK_CLOEXEC, 0);
  if (fd < 0) return -errno;
  timeval timeout{2, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout));
  int one = 1;
  // Tests reuse a port whose last connection may still be in TIME_WAIT.
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  if (family == AF_INET6) ::setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
  sockaddr_storage a;
  socklen_t len = make_address(family, host, port, &a);
  if (::bind(fd, reinterpret_cast<sockaddr*>(&a), len) != 0 ||
      (type == SOCK_STREAM && ::listen(fd, 8) != 0)) {
    int e = errno;
    ::close(fd);
    return -e;
  }
  return fd;
}

// Connects a new TCP socket to host:port; the fd, or -errno.
int tcp_connect(int family, const char* host, uint16_t port) {
  int fd = ::socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -errno;
  timeval timeout{2, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout));
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof(timeout));
  sockaddr_storage a;
  socklen_t len = make_address(family, host, port, &a);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&a), len) != 0) {
    int e = errno;
    ::close(fd);
    return -e;
  }
  return fd;
}

// What a captured TCP connection looks like from both ends.
struct TcpCapture {
  int listen_error, connect_error, accept_error;
  Endpoint client_peer;   // getpeername() on the client: the address it dialled
  Endpoint original_dst;  // SO_ORIGINAL_DST on the accepted socket
  int echoed;             // 1 if bytes went both ways
};

// Listens on listen_host:listen_port, dials dial_host:dial_port, and reports the capture.
void capture_tcp(int family, const char* listen_host, uint16_t listen_port, const char* dial_host,
                 uint16_t dial_port, TcpCapture* out) {
  out->echoed = 0;
  int listener = bound_socket(family, SOCK_STREAM, listen_host, listen_port);
  out->listen_error = listener < 0 ? -listener : 0;
  if (listener < 0) return;
  int client = tcp_connect(family, dial_host, dial_port);
  out->connect_error = client < 0 ? -client : 0;
  if (client >= 0) {
    // The handshake completed inside connect(): the connection waits in the backlog.
    int accepted = ::accept4(listener, nullptr, nullptr, SOCK_CLOEXEC);
    out->accept_error = accepted < 0 ? errno : 0;
    if (accepted >= 0) {
      sockaddr_storage a{};
      socklen_t len = sizeof(a);
      out->client_peer.error =
          ::getpeername(client, reinterpret_cast<sockaddr*>(&a), &len) == 0 ? 0 : errno;
      if (out->client_peer.error == 0) fill_endpoint(a, &out->client_peer);
      len = sizeof(a);
      a = {};
      int level = family == AF_INET ? SOL_IP : SOL_IPV6;
      int name = family == AF_INET ? SO_ORIGINAL_DST : IP6T_SO_ORIGINAL_DST;
      out->original_dst.error = ::getsockopt(accepted, level, name, &a, &len) == 0 ? 0 : errno;
      if (out->original_dst.error == 0) fill_endpoint(a, &out->original_dst);
      char buf[4] = {};
      out->echoed = ::write(client, "ping", 4) == 4 && ::read(accepted, buf, 4) == 4 &&
                    std::memcmp(buf, "ping", 4) == 0 && ::write(accepted, "pong", 4) == 4 &&
                    ::read(client, buf, 4) == 4 && std::memcmp(buf, "pong", 4) == 0;
      ::close(accepted);
    }
    ::close(client);
  }
  ::close(listener);
}

void expect_captured(const TcpCapture& c, const char* host, int port) {
  EXPECT_EQ(c.listen_error, 0) << std::strerror(c.listen_error);
  ASSERT_EQ(c.connect_error, 0) << std::strerror(c.connect_error);
  ASSERT_EQ(c.accept_error, 0) << std::strerror(c.accept_error);
  std::string want = std::string(host) + " port " + std::to_string(port);
  EXPECT_EQ(text(c.client_peer), want) << "the client must not notice the redirect";
  EXPECT_EQ(text(c.original_dst), want);
  EXPECT_EQ(c.echoed, 1);
}

TEST(NetCaptureSandbox, TcpToAnyIpv4AddressReachesTheTransparentListener) {
  Prepared p;
  struct Report {
    BoxSetup setup;
    TcpCapture tcp;
  };
  int status = 0;
  auto r = run_in_child<Report>(
      [&](Report& rep) {
        rep.setup = setup_box_network(p);
        if (rep.setup.step != kReady) return;
        capture_tcp(AF_INET, "127.0.0.1", kTransparent, "203.0.113.9", 80, &rep.tcp);
      },
      &status);
  ASSERT_BOX_READY(status, r.setup);
  expect_captured(r.tcp, "203.0.113.9", 80);
}

TEST(NetCaptureSandbox, TcpToAnyIpv6AddressReachesTheTransparentListener) {
  Prepared p;
  struct Report {
    BoxSetup setup;
    TcpCapture tcp;
  };
  int status = 0;
  auto r = run_in_child<Report>(
      [&](Report& rep) {
        rep.setup = setup_box_network(p);
        if (rep.setup.step != kReady) return;
        capture_tcp(AF_INET6, "::1", kTransparent, "2001:db8::9", 443, &rep.tcp);
      },
      &status);
  ASSERT_BOX_READY(status, r.setup);
  expect_captured(r.tcp, "2001:db8::9", 443);
}

// A DNS exchange: the query reaches cordon's resolver socket, and the answer reaches the
// client from the address it queried.
struct DnsExchange {
  int server_error, send_error, server_recv_error, reply_error, client_recv_error;
  char query[4], answer[4];
  Endpoint answer_from;
};

void exchange_dns(int family, const char* server_host, const char* dial_host, DnsExchange* out) {
  int server = bound_socket(family, SOCK_DGRAM, server_host, kDns);
  out->server_error = server < 0 ? -server : 0;
  if (server < 0) return;
  int client = ::socket(family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  timeval timeout{2, 0};
  ::setsockopt(client, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout));
  sockaddr_storage to;
  socklen_t to_len = make_address(family, dial_host, 53, &to);
  out->send_error =
      ::sendto(client, "qry", 4, 0, reinterpret_cast<sockaddr*>(&to), to_len) == 4 ? 0 : errno;
  sockaddr_storage from{};
  socklen_t from_len = sizeof(from);
  out->server_recv_error = ::recvfrom(server, out->query, sizeof(out->query), 0,
                                      reinterpret_cast<sockaddr*>(&from), &from_len) == 4
                               ? 0
                               : errno;
  if (out->server_recv_error == 0) {
    out->reply_error =
        ::sendto(server, "ans", 4, 0, reinterpret_cast<sockaddr*>(&from), from_len) == 4 ? 0
                                                                                         : errno;
    sockaddr_storage answer_from{};
    socklen_t answer_len = sizeof(answer_from);
    out->client_recv_error = ::recvfrom(client, out->answer, sizeof(out->answer), 0,
                                        reinterpret_cast<sockaddr*>(&answer_from), &answer_len) == 4
                                 ? 0
                                 : errno;
    if (out->client_recv_error == 0) fill_endpoint(answer_from, &out->answer_from);
  }
  ::close(client);
  ::close(server);
}

void expect_dns_answered(const DnsExchange& d, const char* dialled) {
  ASSERT_EQ(d.server_error, 0) << std::strerror(d.server_error);
  ASSERT_EQ(d.send_error, 0) << std::strerror(d.send_error);
  ASSERT_EQ(d.server_recv_error, 0)
      << "query never reached the resolver socket: " << std::strerror(d.server_recv_error);
  EXPECT_STREQ(d.query, "qry");
  ASSERT_EQ(d.reply_error, 0) << std::strerror(d.reply_error);
  ASSERT_EQ(d.client_recv_error, 0)
      << "answer never reached the client: " << std::strerror(d.client_recv_error);
  EXPECT_STREQ(d.answer, "ans");
  EXPECT_EQ(text(d.answer_from), std::string(dialled) + " port 53");
}

TEST(NetCaptureSandbox, DnsToAnyIpv4AddressReachesTheResolverAndIsAnswered) {
  Prepared p;
  struct Report {
    BoxSetup setup;
    DnsExchange dns;
  };
  int status = 0;
  auto r = run_in_child<Report>(
      [&](Report& rep) {
        rep.setup = setup_box_network(p);
        if (rep.setup.step != kReady) return;
        exchange_dns(AF_INET, "127.0.0.1", "192.0.2.53", &rep.dns);
      },
      &status);
  ASSERT_BOX_READY(status, r.setup);
  expect_dns_answered(r.dns, "192.0.2.53");
}

TEST(NetCaptureSandbox, DnsToAnyIpv6AddressReachesTheResolverAndIsAnswered) {
  Prepared p;
  struct Report {
    BoxSetup setup;
    DnsExchange dns;
  };
  int status = 0;
  auto r = run_in_child<Report>(
      [&](Report& rep) {
        rep.setup = setup_box_network(p);
        if (rep.setup.step != kReady) return;
        exchange_dns(AF_INET6, "::1", "2001:db8::53", &rep.dns);
      },
      &status);
  ASSERT_BOX_READY(status, r.setup);
  expect_dns_answered(r.dns, "2001:db8::53");
}

// errno of a one-datagram sendto (0 if sent).
int udp_send(int family, const char* host, uint16_t port) {
  int fd = ::socket(family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return errno;
  sockaddr_storage to;
  socklen_t len = make_address(family, host, port, &to);
  int e = ::sendto(fd, "x", 1, 0, reinterpret_cast<sockaddr*>(&to), len) == 1 ? 0 : errno;
  ::close(fd);
  return e;
}

TEST(NetCaptureSandbox, UdpOtherThanDnsIsDroppedButLoopbackUdpWorks) {
  Prepared p;
  struct Report {
    BoxSetup setup;
    int v4_out, v6_out;           // 192.0.2.1:9, [2001:db8::1]:9
    int v4_local, v4_local_recv;  // control: 127.0.0.1:9999
    int v6_local, v6_local_recv;  // control: [::1]:9999
  };
  int status = 0;
  auto r = run_in_child<Report>(
      [&](Report& rep) {
        rep.setup = setup_box_network(p);
        if (rep.setup.step != kReady) return;
        rep.v4_out = udp_send(AF_INET, "192.0.2.1", 9);
        rep.v6_out = udp_send(AF_INET6, "2001:db8::1", 9);
        char buf[1];
        int s4 = bound_socket(AF_INET, SOCK_DGRAM, "127.0.0.1", 9999);
        rep.v4_local = udp_send(AF_INET, "127.0.0.1", 9999);
        rep.v4_local_recv = s4 >= 0 && ::recv(s4, buf, 1, 0) == 1 ? 0 : errno;
        int s6 = bound_socket(AF_INET6, SOCK_DGRAM, "::1", 9999);
        rep.v6_local = udp_send(AF_INET6, "::1", 9999);
        rep.v6_local_recv = s6 >= 0 && ::recv(s6, buf, 1, 0) == 1 ? 0 : errno;
        if (s4 >= 0) ::close(s4);
        if (s6 >= 0) ::close(s6);
      },
      &status);
  ASSERT_BOX_READY(status, r.setup);
  EXPECT_EQ(r.v4_out, EPERM) << std::strerror(r.v4_out);
  EXPECT_EQ(r.v6_out, EPERM) << std::strerror(r.v6_out);
  EXPECT_EQ(r.v4_local, 0) << std::strerror(r.v4_local);
  EXPECT_EQ(r.v4_local_recv, 0) << std::strerror(r.v4_local_recv);
  EXPECT_EQ(r.v6_local, 0) << std::strerror(r.v6_local);
  EXPECT_EQ(r.v6_local_recv, 0) << std::strerror(r.v6_local_recv);
}

// Loopback returns from the capture chain (all of 127.0.0.0/8 and ::1), so the box's own
// services stay reachable; the same port on any other address is still captured.
TEST(NetCaptureSandbox, LoopbackTcpIsNotRedirected) {
  Prepared p;
  struct Report {
    BoxSetup setup;
    int listen_error;
    TcpCapture v4, v4_other_loopback, v6;
    int transparent_pending;  // poll() on the transparent listener: 0 if nothing came
    TcpCapture non_loopback;  // 203.0.113.9:8080 still goes to the transparent listener
  };
  int status = 0;
  auto r = run_in_child<Report>(
      [&](Report& rep) {
        rep.setup = setup_box_network(p);
        if (rep.setup.step != kReady) return;
        int transparent = bound_socket(AF_INET, SOCK_STREAM, "127.0.0.1", kTransparent);
        rep.listen_error = transparent < 0 ? -transparent : 0;
        if (transparent < 0) return;
        capture_tcp(AF_INET, "127.0.0.1", kOtherLocal, "127.0.0.1", kOtherLocal, &rep.v4);
        capture_tcp(AF_INET, "0.0.0.0", kOtherLocal, "127.0.0.2", kOtherLocal,
                    &rep.v4_other_loopback);
        capture_tcp(AF_INET6, "::1", kOtherLocal, "::1", kOtherLocal, &rep.v6);
        pollfd pending{transparent, POLLIN, 0};
        rep.transparent_pending = ::poll(&pending, 1, 0);
        ::close(transparent);
        // The service listens on every address, yet only loopback reaches it.
        int service = bound_socket(AF_INET, SOCK_STREAM, "0.0.0.0", kOtherLocal);
        capture_tcp(AF_INET, "127.0.0.1", kTransparent, "203.0.113.9", kOtherLocal,
                    &rep.non_loopback);
        if (service >= 0) ::close(service);
      },
      &status);
  ASSERT_BOX_READY(status, r.setup);
  ASSERT_EQ(r.listen_error, 0) << std::strerror(r.listen_error);
  expect_captured(r.v4, "127.0.0.1", kOtherLocal);
  expect_captured(r.v4_other_loopback, "127.0.0.2", kOtherLocal);
  expect_captured(r.v6, "::1", kOtherLocal);
  EXPECT_EQ(r.transparent_pending, 0) << "a loopback connection was redirected";
  expect_captured(r.non_loopback, "203.0.113.9", kOtherLocal);
}

uint16_t icmp_checksum(const uint8_t* data, size_t size) {
  uint32_t sum = 0;
  for (size_t i = 0; i + 1 < size; i += 2) sum += static_cast<uint32_t>(data[i] << 8 | data[i + 1]);
  if (size % 2) sum += static_cast<uint32_t>(data[size - 1] << 8);
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  return htons(static_cast<uint16_t>(~sum));
}

struct Ping {
  int stage;  // where it stopped: 1 socket(), 2 sendto(), 3 waiting for the reply, 4 replied
  int error;  // errno at that stage
};

// Sends one echo request on a new socket of `type` (SOCK_DGRAM: a ping socket; SOCK_RAW). For a
// ping socket also waits up to 1 s for the echo reply: every address is local in the box, so
// the box's own kernel answers whatever is not dropped.
Ping ping(int family, int type, const char* host) {
  int proto = family == AF_INET ? static_cast<int>(IPPROTO_ICMP) : IPPROTO_ICMPV6;
  int fd = ::socket(family, type | SOCK_CLOEXEC, proto);
  if (fd < 0) return {1, errno};
  uint8_t request[8] = {};
  request[0] = family == AF_INET ? ICMP_ECHO : ICMP6_ECHO_REQUEST;
  if (family == AF_INET) {
    uint16_t sum = icmp_checksum(request, sizeof(request));
    std::memcpy(request + 2, &sum, 2);
  }  // ICMPv6 checksums cover a pseudo-header; the kernel computes them
  sockaddr_storage to;
  socklen_t len = make_address(family, host, 0, &to);
  Ping result{2, 0};
  if (::sendto(fd, request, sizeof(request), 0, reinterpret_cast<sockaddr*>(&to), len) !=
      static_cast<ssize_t>(sizeof(request))) {
    result.error = errno;
  } else if (type == SOCK_DGRAM) {
    // A raw socket would also read back its own request to loopback: only ping sockets wait.
    timeval timeout{1, 0};
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout));
    uint8_t reply[64];
    result = ::recv(fd, reply, sizeof(reply), 0) > 0 ? Ping{4, 0} : Ping{3, errno};
  }
  ::close(fd);
  return result;
}

std::string text(const Ping& p) {
  const char* stages[] = {"?", "socket", "sendto", "reply", "replied"};
  return std::string(stages[p.stage >= 1 && p.stage <= 4 ? p.stage : 0]) + ": " +
         std::strerror(p.error);
}

// Both ways an agent could send ICMP: a ping socket (allowed when its group is in the
// namespace's ping_group_range, "1 0" that is nobody by default, so the child widens it as a
// box that allowed ping would) and a raw socket (CAP_NET_RAW over the namespace, which the
// child holds and an agent does not).
TEST(NetCaptureSandbox, IcmpOutOfTheBoxIsDroppedButLoopbackPingWorks) {
  Prepared p;
  struct Report {
    BoxSetup setup;
    int ping_range;  // errno of writing ping_group_range
    Ping dgram_v4_out, dgram_v4_local, dgram_v6_out, dgram_v6_local;
    Ping raw_v4_out, raw_v4_local, raw_v6_out, raw_v6_local;
  };
  int status = 0;
  auto r = run_in_child<Report>(
      [&](Report& rep) {
        rep.setup = setup_box_network(p);
        if (rep.setup.step != kReady) return;
        rep.ping_range = write_file("/proc/sys/net/ipv4/ping_group_range", "0 0") ? 0 : errno;
        rep.dgram_v4_out = ping(AF_INET, SOCK_DGRAM, "192.0.2.1");
        rep.dgram_v4_local = ping(AF_INET, SOCK_DGRAM, "127.0.0.1");
        rep.dgram_v6_out = ping(AF_INET6, SOCK_DGRAM, "2001:db8::1");
        rep.dgram_v6_local = ping(AF_INET6, SOCK_DGRAM, "::1");
        rep.raw_v4_out = ping(AF_INET, SOCK_RAW, "192.0.2.1");
        rep.raw_v4_local = ping(AF_INET, SOCK_RAW, "127.0.0.1");
        rep.raw_v6_out = ping(AF_INET6, SOCK_RAW, "2001:db8::1");
        rep.raw_v6_local = ping(AF_INET6, SOCK_RAW, "::1");
      },
      &status);
  ASSERT_BOX_READY(status, r.setup);
  ASSERT_EQ(r.ping_range, 0) << "ping_group_range: " << std::strerror(r.ping_range);

  // Controls: loopback is answered (ping sockets) or at least sent (raw).
  EXPECT_EQ(r.dgram_v4_local.stage, 4) << text(r.dgram_v4_local);
  EXPECT_EQ(r.dgram_v6_local.stage, 4) << text(r.dgram_v6_local);
  EXPECT_EQ(r.raw_v4_local.stage, 2) << text(r.raw_v4_local);
  EXPECT_EQ(r.raw_v4_local.error, 0) << text(r.raw_v4_local);
  EXPECT_EQ(r.raw_v6_local.stage, 2) << text(r.raw_v6_local);
  EXPECT_EQ(r.raw_v6_local.error, 0) << text(r.raw_v6_local);

  // Out of the box: dropped, and sendto says so...
  EXPECT_EQ(r.dgram_v4_out.stage, 2) << text(r.dgram_v4_out);
  EXPECT_EQ(r.dgram_v4_out.error, EPERM) << text(r.dgram_v4_out);
  EXPECT_EQ(r.raw_v4_out.stage, 2) << text(r.raw_v4_out);
  EXPECT_EQ(r.raw_v4_out.error, EPERM) << text(r.raw_v4_out);
  EXPECT_EQ(r.raw_v6_out.stage, 2) << text(r.raw_v6_out);
  EXPECT_EQ(r.raw_v6_out.error, EPERM) << text(r.raw_v6_out);
  // ...except for an IPv6 ping socket, whose sendmsg ignores the error of pushing the frame
  // out: the drop shows only as the reply that never comes.
  EXPECT_TRUE((r.dgram_v6_out.stage == 2 && r.dgram_v6_out.error == EPERM) ||
              (r.dgram_v6_out.stage == 3 && r.dgram_v6_out.error == EAGAIN))
      << text(r.dgram_v6_out);
}

// A second install fails cleanly (the table exists; routes too) instead of hanging or adding
// to what is there, and the failed batch leaves the first ruleset working: nf_tables applies a
// batch whole or not at all.
TEST(NetCaptureSandbox, InstallingTwiceFailsWithEexistAndKeepsTheFirstRuleset) {
  Prepared p;
  struct Report {
    BoxSetup setup;
    int ruleset_again, route_v4_again, route_v6_again;
    TcpCapture after;
  };
  int status = 0;
  auto r = run_in_child<Report>(
      [&](Report& rep) {
        rep.setup = setup_box_network(p);
        if (rep.setup.step != kReady) return;
        rep.ruleset_again = send_netlink(NETLINK_NETFILTER, p.ruleset.data(), p.ruleset.size());
        rep.route_v4_again = send_netlink(NETLINK_ROUTE, p.route_v4.data(), p.route_v4.size());
        rep.route_v6_again = send_netlink(NETLINK_ROUTE, p.route_v6.data(), p.route_v6.size());
        capture_tcp(AF_INET, "127.0.0.1", kTransparent, "198.51.100.7", 22, &rep.after);
      },
      &status);
  ASSERT_BOX_READY(status, r.setup);
  EXPECT_EQ(r.ruleset_again, -EEXIST) << std::strerror(-r.ruleset_again);
  EXPECT_EQ(r.route_v4_again, -EEXIST) << std::strerror(-r.route_v4_again);
  EXPECT_EQ(r.route_v6_again, -EEXIST) << std::strerror(-r.route_v6_again);
  expect_captured(r.after, "198.51.100.7", 22);
}

}  // namespace
}  // namespace cordon::net
