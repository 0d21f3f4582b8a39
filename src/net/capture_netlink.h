// The netlink messages that make the box's network namespace capture every outbound connection:
// a "local" default route (IPv4 and IPv6) over lo, so connect() to any address reaches the
// box's own stack, and an nf_tables ruleset that redirects it to cordon's listeners.
//
// The parent builds the bytes (allocation is fine there); the box init, which holds
// CAP_NET_ADMIN in the box's user namespace only, sends them with send_netlink() between clone
// and exec: raw syscalls, no allocation.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace cordon::net {

struct CapturePorts {
  uint16_t transparent = 0;  // every outbound TCP connection not to loopback is redirected here
  uint16_t dns = 0;          // every UDP datagram to port 53, any address, is redirected here
};

// The ruleset, as one nfnetlink batch (NFNL_MSG_BATCH_BEGIN ... END) creating:
//   table inet cordon {
//     chain capture { type nat hook output priority -100;
//       udp dport 53 redirect to :<dns>
//       ip daddr 127.0.0.0/8 return
//       ip6 daddr ::1 return
//       meta l4proto tcp redirect to :<transparent> }
//     chain contain { type filter hook output priority 0; policy accept;
//       ct direction original ip daddr != 127.0.0.0/8 drop
//       ct direction original ip6 daddr != ::1 drop }
//   }
// After NAT a redirected packet's daddr is loopback, so `contain` drops exactly what was not
// redirected: UDP other than DNS, ICMP, SCTP, ... (sendto fails with EPERM).
std::vector<uint8_t> build_capture_ruleset(const CapturePorts& ports);

// RTM_NEWROUTE: "local 0.0.0.0/0 dev lo table main" (family AF_INET) or "local ::/0 dev lo".
// `lo_index` is lo's interface index (1 in a new namespace).
std::vector<uint8_t> build_local_default_route(int family, int lo_index);

// Sends one prepared message or batch on a new netlink socket of `protocol`
// (NETLINK_NETFILTER, NETLINK_ROUTE) and reads the acknowledgements (every message must ask
// for NLM_F_ACK, except nfnetlink's batch delimiters: older kernels never ACK those, so they
// must not ask). Returns 0, or -errno from the first error the kernel reports; -ETIMEDOUT if
// the kernel stays silent for 5 s. Async-signal-safe: no allocation, raw syscalls only.
int send_netlink(int protocol, const uint8_t* data, size_t size);

}  // namespace cordon::net
