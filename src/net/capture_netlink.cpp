// The local default routes, and send_netlink() with which the box init installs them and the
// ruleset (built in capture_ruleset.cpp).
#include "net/capture_netlink.h"

#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "net/netlink_writer.h"

namespace cordon::net {
namespace {

// Long enough for a busy kernel, short enough that a box whose kernel never answers fails
// instead of hanging its launch.
constexpr time_t kAckTimeoutSeconds = 5;
constexpr int kNothingQueued = 1;

// The messages in `data` that ask for an ACK, and their sequence number range; false if the
// buffer is not a well-formed run of netlink messages.
struct AckPlan {
  size_t expected = 0;
  uint32_t first_seq = 0, last_seq = 0;
};

bool plan_acks(const uint8_t* data, size_t size, AckPlan* plan) {
  size_t offset = 0;
  bool any = false;
  while (offset < size) {
    nlmsghdr h;
    if (size - offset < sizeof(h)) return false;
    std::memcpy(&h, data + offset, sizeof(h));
    if (h.nlmsg_len < NLMSG_HDRLEN || h.nlmsg_len > size - offset) return false;
    if (h.nlmsg_flags & NLM_F_ACK) {
      if (!any || h.nlmsg_seq < plan->first_seq) plan->first_seq = h.nlmsg_seq;
      if (!any || h.nlmsg_seq > plan->last_seq) plan->last_seq = h.nlmsg_seq;
      any = true;
      ++plan->expected;
    }
    offset += NLMSG_ALIGN(h.nlmsg_len);
  }
  return offset == size || offset - size < NLMSG_ALIGNTO;
}

// Reads one datagram of replies and counts its ACKs into *acked. Returns 0, kNothingQueued
// (a timeout, or nothing there with MSG_DONTWAIT), or -errno from the kernel's first error.
int read_replies(int fd, const AckPlan& plan, int flags, size_t* acked) {
  // Big enough for many ACKs at once; with NETLINK_CAP_ACK each is 36 bytes.
  alignas(nlmsghdr) uint8_t buffer[8192];
  ssize_t n;
  do {
    n = ::recv(fd, buffer, sizeof(buffer), flags | MSG_TRUNC);
  } while (n < 0 && errno == EINTR);
  if (n < 0) return errno == EAGAIN || errno == EWOULDBLOCK ? kNothingQueued : -errno;
  // A cut-off datagram may have lost an ACK: waiting for it would only time out.
  if (static_cast<size_t>(n) > sizeof(buffer)) return -EMSGSIZE;
  size_t size = static_cast<size_t>(n), offset = 0;
  while (size - offset >= NLMSG_HDRLEN) {
    nlmsghdr h;
    std::memcpy(&h, buffer + offset, sizeof(h));
    if (h.nlmsg_len < NLMSG_HDRLEN || h.nlmsg_len > size - offset) return -EBADMSG;
    if (h.nlmsg_type == NLMSG_OVERRUN) return -ENOBUFS;
    if (h.nlmsg_type == NLMSG_ERROR) {
      if (h.nlmsg_len < NLMSG_LENGTH(sizeof(int))) return -EBADMSG;
      int error = 0;
      std::memcpy(&error, buffer + offset + NLMSG_HDRLEN, sizeof(error));
      if (error != 0) return error < 0 ? error : -EPROTO;
      if (h.nlmsg_seq >= plan.first_seq && h.nlmsg_seq <= plan.last_seq) ++*acked;
    }
    offset += NLMSG_ALIGN(h.nlmsg_len);
  }
  return 0;
}

// Waits for plan.expected ACKs (0) or the first error (-errno). In a failed nfnetlink batch the
// messages after the failing one are still ACKed with 0, so only "all ACKed, no error" is
// success.
int await_acks(int fd, const AckPlan& plan) {
  size_t acked = 0;
  while (acked < plan.expected) {
    int r = read_replies(fd, plan, 0, &acked);
    if (r == kNothingQueued) return -ETIMEDOUT;  // SO_RCVTIMEO expired
    if (r != 0) return r;
  }
  // The kernel handles a request inside sendto(), so every reply is queued by now. A failed
  // nf_tables commit adds an error to a batch whose messages were all ACKed: read what is
  // left without waiting, so an error in it is not missed whatever order it was queued in.
  for (;;) {
    int r = read_replies(fd, plan, MSG_DONTWAIT, &acked);
    if (r == kNothingQueued) return 0;
    if (r != 0) return r;
  }
}

}  // namespace

std::vector<uint8_t> build_local_default_route(int family, int lo_index) {
  if ((family != AF_INET && family != AF_INET6) || lo_index <= 0) std::abort();
  rtmsg route{};
  route.rtm_family = static_cast<unsigned char>(family);
  route.rtm_dst_len = 0;  // the default route: every destination
  // main, not local: both capture IPv4 and IPv6 alike (tested). Without policy routing rules
  // IPv4 keeps local and main in one merged trie (even with the route in main, binding a
  // non-loopback address succeeds), and IPv6 output lookups try local, then main. Main is
  // where a plain `ip route` shows it.
  route.rtm_table = RT_TABLE_MAIN;
  route.rtm_protocol = RTPROT_BOOT;  // what `ip route add` sends
  route.rtm_scope = RT_SCOPE_HOST;
  route.rtm_type = RTN_LOCAL;
  NetlinkWriter w;
  size_t m = w.begin_message(RTM_NEWROUTE, NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL, 1,
                             &route, sizeof(route));
  w.put_u32(RTA_OIF, static_cast<uint32_t>(lo_index));
  w.end_message(m);
  return w.take();
}

int send_netlink(int protocol, const uint8_t* data, size_t size) {
  AckPlan plan;
  // Without an ACK to wait for, success and a lost message would look the same.
  if (data == nullptr || size == 0 || !plan_acks(data, size, &plan) || plan.expected == 0) {
    return -EINVAL;
  }
  int fd = ::socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, protocol);
  if (fd < 0) return -errno;

  timeval timeout{kAckTimeoutSeconds, 0};
  int result = 0;
  if (::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout)) != 0) result = -errno;
  // An error then echoes only the failed message's header, not the whole message: small
  // replies fit the fixed buffer. Kernels before 4.3 lack it; the buffer still fits one.
  int one = 1;
  (void)::setsockopt(fd, SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof(one));

  if (result == 0) {
    sockaddr_nl kernel{};
    kernel.nl_family = AF_NETLINK;  // nl_pid 0: the kernel
    ssize_t sent;
    do {
      sent =
          ::sendto(fd, data, size, 0, reinterpret_cast<const sockaddr*>(&kernel), sizeof(kernel));
    } while (sent < 0 && errno == EINTR);
    if (sent < 0) {
      result = -errno;
    } else if (static_cast<size_t>(sent) != size) {
      result = -EMSGSIZE;
    }
  }
  if (result == 0) result = await_acks(fd, plan);
  ::close(fd);
  return result;
}

}  // namespace cordon::net
