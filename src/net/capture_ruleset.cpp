// build_capture_ruleset(): the box's nf_tables ruleset as one hand-built nfnetlink batch.
//
// Built by hand rather than with libnftnl so the supervisor starts fast and the box init only
// sends bytes. Each rule is the expression sequence `nft --debug=netlink` prints for the rule
// in capture_netlink.h (nftables 1.0.6), so `nft list ruleset` in the box reads it back as
// written there; tests/unit/net_capture_netlink_test.cpp holds that listing.
#include <arpa/inet.h>
#include <netinet/in.h>
// After <netinet/in.h>: libc-compat then skips the kernel's duplicate in6 definitions.
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_conntrack_tuple_common.h>
#include <linux/netfilter/nf_nat.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/udp.h>

#include <cstddef>
#include <cstdint>

#include "net/capture_netlink.h"
#include "net/netlink_writer.h"

namespace cordon::net {
namespace {

constexpr char kTable[] = "cordon";
constexpr char kCaptureChain[] = "capture";
constexpr char kContainChain[] = "contain";

constexpr uint8_t kIpv4LoopbackFirstByte = 127;  // 127.0.0.0/8
constexpr uint8_t kIpv6Loopback[16] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};  // ::1
constexpr uint16_t kDnsPort = 53;

// One rule's expression list. Every load goes to NFT_REG_1 and every compare reads it, as nft
// does; a verdict goes to NFT_REG_VERDICT.
class Expressions {
 public:
  explicit Expressions(NetlinkWriter& w) : w_(w), list_(w.begin_nested(NFTA_RULE_EXPRESSIONS)) {}

  void meta(uint32_t key) {
    Open e = open("meta");
    w_.put_be32(NFTA_META_DREG, NFT_REG_1);
    w_.put_be32(NFTA_META_KEY, key);
    close(e);
  }
  void ct(uint32_t key) {
    Open e = open("ct");
    w_.put_be32(NFTA_CT_DREG, NFT_REG_1);
    w_.put_be32(NFTA_CT_KEY, key);
    close(e);
  }
  void payload(uint32_t base, uint32_t offset, uint32_t length) {
    Open e = open("payload");
    w_.put_be32(NFTA_PAYLOAD_DREG, NFT_REG_1);
    w_.put_be32(NFTA_PAYLOAD_BASE, base);
    w_.put_be32(NFTA_PAYLOAD_OFFSET, offset);
    w_.put_be32(NFTA_PAYLOAD_LEN, length);
    close(e);
  }
  void cmp(uint32_t op, const void* value, size_t size) {
    Open e = open("cmp");
    w_.put_be32(NFTA_CMP_SREG, NFT_REG_1);
    w_.put_be32(NFTA_CMP_OP, op);
    size_t data = w_.begin_nested(NFTA_CMP_DATA);
    w_.put(NFTA_DATA_VALUE, value, size);
    w_.end_nested(data);
    close(e);
  }
  void cmp_u8(uint32_t op, uint8_t value) { cmp(op, &value, sizeof(value)); }
  // Ports travel in network order in the registers, as the packet carries them.
  void cmp_port(uint32_t op, uint16_t port) {
    uint16_t be = htons(port);
    cmp(op, &be, sizeof(be));
  }
  void immediate_port(uint16_t port) {
    Open e = open("immediate");
    uint16_t be = htons(port);
    w_.put_be32(NFTA_IMMEDIATE_DREG, NFT_REG_1);
    size_t data = w_.begin_nested(NFTA_IMMEDIATE_DATA);
    w_.put(NFTA_DATA_VALUE, &be, sizeof(be));
    w_.end_nested(data);
    close(e);
  }
  void verdict(int32_t code) {
    Open e = open("immediate");
    w_.put_be32(NFTA_IMMEDIATE_DREG, NFT_REG_VERDICT);
    size_t data = w_.begin_nested(NFTA_IMMEDIATE_DATA);
    size_t verdict = w_.begin_nested(NFTA_DATA_VERDICT);
    w_.put_be32(NFTA_VERDICT_CODE, static_cast<uint32_t>(code));
    w_.end_nested(verdict);
    w_.end_nested(data);
    close(e);
  }
  // Redirect to the port in NFT_REG_1. The flag is what nft sends with a port: 6.18 redirects
  // to the port without it too (tested), but we do not rely on every kernel inferring it.
  void redirect_to_port_in_register() {
    Open e = open("redir");
    w_.put_be32(NFTA_REDIR_REG_PROTO_MIN, NFT_REG_1);
    w_.put_be32(NFTA_REDIR_FLAGS, NF_NAT_RANGE_PROTO_SPECIFIED);
    close(e);
  }

  void end() { w_.end_nested(list_); }

 private:
  struct Open {
    size_t element, data;
  };
  Open open(const char* name) {
    size_t element = w_.begin_nested(NFTA_LIST_ELEM);
    w_.put_string(NFTA_EXPR_NAME, name);
    return {element, w_.begin_nested(NFTA_EXPR_DATA)};
  }
  void close(Open e) {
    w_.end_nested(e.data);
    w_.end_nested(e.element);
  }

  NetlinkWriter& w_;
  size_t list_;
};

// The batch: BATCH_BEGIN, the nf_tables messages, BATCH_END; sequence numbers from 1 up.
class Batch {
 public:
  Batch() { delimiter(NFNL_MSG_BATCH_BEGIN); }

  // Every nf_tables message asks for an ACK: send_netlink counts them to know it is done.
  size_t begin(uint16_t nft_message, uint16_t flags) {
    nfgenmsg header{};
    header.nfgen_family = NFPROTO_INET;
    header.version = NFNETLINK_V0;
    header.res_id = 0;
    return w_.begin_message(static_cast<uint16_t>((NFNL_SUBSYS_NFTABLES << 8) | nft_message),
                            static_cast<uint16_t>(NLM_F_REQUEST | NLM_F_ACK | flags), seq_++,
                            &header, sizeof(header));
  }
  void end(size_t start) { w_.end_message(start); }
  NetlinkWriter& writer() { return w_; }

  std::vector<uint8_t> finish() {
    delimiter(NFNL_MSG_BATCH_END);
    return w_.take();
  }

 private:
  // res_id names the subsystem the batch is for, in network order (nfnetlink reads it so).
  // No NLM_F_ACK: older kernels ignore it on a delimiter (6.18 honours it), so send_netlink
  // would wait for an ACK that never comes. Errors are reported whether asked for or not.
  void delimiter(uint16_t type) {
    nfgenmsg header{};
    header.nfgen_family = AF_UNSPEC;
    header.version = NFNETLINK_V0;
    header.res_id = htons(NFNL_SUBSYS_NFTABLES);
    w_.end_message(w_.begin_message(type, NLM_F_REQUEST, seq_++, &header, sizeof(header)));
  }

  NetlinkWriter w_;
  uint32_t seq_ = 1;
};

// EXCL: a table or chain that already exists (it never should in a new namespace) may hold
// rules we did not write, so the batch fails instead of adding to it.
void add_table(Batch& b) {
  size_t m = b.begin(NFT_MSG_NEWTABLE, NLM_F_CREATE | NLM_F_EXCL);
  b.writer().put_string(NFTA_TABLE_NAME, kTable);
  b.end(m);
}

void add_base_chain(Batch& b, const char* name, const char* type, int32_t priority,
                    bool policy_accept) {
  NetlinkWriter& w = b.writer();
  size_t m = b.begin(NFT_MSG_NEWCHAIN, NLM_F_CREATE | NLM_F_EXCL);
  w.put_string(NFTA_CHAIN_TABLE, kTable);
  w.put_string(NFTA_CHAIN_NAME, name);
  size_t hook = w.begin_nested(NFTA_CHAIN_HOOK);
  w.put_be32(NFTA_HOOK_HOOKNUM, NF_INET_LOCAL_OUT);
  w.put_be32(NFTA_HOOK_PRIORITY, static_cast<uint32_t>(priority));
  w.end_nested(hook);
  if (policy_accept) w.put_be32(NFTA_CHAIN_POLICY, NF_ACCEPT);
  w.put_string(NFTA_CHAIN_TYPE, type);
  b.end(m);
}

template <class Fill>
void add_rule(Batch& b, const char* chain, Fill fill) {
  NetlinkWriter& w = b.writer();
  size_t m = b.begin(NFT_MSG_NEWRULE, NLM_F_CREATE | NLM_F_APPEND);
  w.put_string(NFTA_RULE_TABLE, kTable);
  w.put_string(NFTA_RULE_CHAIN, chain);
  Expressions e(w);
  fill(e);
  e.end();
  b.end(m);
}

// An inet chain sees both families, so an address match first pins the family, or it would
// read an IPv6 header at IPv4 offsets.
void match_ipv4_loopback(Expressions& e, uint32_t op) {
  e.meta(NFT_META_NFPROTO);
  e.cmp_u8(NFT_CMP_EQ, NFPROTO_IPV4);
  // nft reduces a /8 to its first byte.
  e.payload(NFT_PAYLOAD_NETWORK_HEADER, offsetof(iphdr, daddr), 1);
  e.cmp_u8(op, kIpv4LoopbackFirstByte);
}

void match_ipv6_loopback(Expressions& e, uint32_t op) {
  e.meta(NFT_META_NFPROTO);
  e.cmp_u8(NFT_CMP_EQ, NFPROTO_IPV6);
  e.payload(NFT_PAYLOAD_NETWORK_HEADER, offsetof(ipv6hdr, daddr), sizeof(kIpv6Loopback));
  e.cmp(op, kIpv6Loopback, sizeof(kIpv6Loopback));
}

// Only the original direction is judged: an IPv4 client's source is the address it dialled
// (the local route's source is its destination), so the replies of cordon's listeners go to a
// non-loopback address. (IPv6 picks ::1 as the source; the check costs nothing there.)
void match_original_direction(Expressions& e) {
  e.ct(NFT_CT_DIRECTION);
  e.cmp_u8(NFT_CMP_EQ, IP_CT_DIR_ORIGINAL);
}

}  // namespace

std::vector<uint8_t> build_capture_ruleset(const CapturePorts& ports) {
  Batch b;
  add_table(b);
  // nat output sees only a flow's first packet; conntrack applies the mapping to the rest.
  add_base_chain(b, kCaptureChain, "nat", -100, false);
  add_base_chain(b, kContainChain, "filter", 0, true);

  // udp dport 53 redirect to :<dns>  (before the loopback return: DNS to 127.0.0.53 too)
  add_rule(b, kCaptureChain, [&](Expressions& e) {
    e.meta(NFT_META_L4PROTO);
    e.cmp_u8(NFT_CMP_EQ, IPPROTO_UDP);
    e.payload(NFT_PAYLOAD_TRANSPORT_HEADER, offsetof(udphdr, dest), sizeof(uint16_t));
    e.cmp_port(NFT_CMP_EQ, kDnsPort);
    e.immediate_port(ports.dns);
    e.redirect_to_port_in_register();
  });
  // ip daddr 127.0.0.0/8 return
  add_rule(b, kCaptureChain, [](Expressions& e) {
    match_ipv4_loopback(e, NFT_CMP_EQ);
    e.verdict(NFT_RETURN);
  });
  // ip6 daddr ::1 return
  add_rule(b, kCaptureChain, [](Expressions& e) {
    match_ipv6_loopback(e, NFT_CMP_EQ);
    e.verdict(NFT_RETURN);
  });
  // meta l4proto tcp redirect to :<transparent>
  add_rule(b, kCaptureChain, [&](Expressions& e) {
    e.meta(NFT_META_L4PROTO);
    e.cmp_u8(NFT_CMP_EQ, IPPROTO_TCP);
    e.immediate_port(ports.transparent);
    e.redirect_to_port_in_register();
  });

  // ct direction original ip daddr != 127.0.0.0/8 drop
  add_rule(b, kContainChain, [](Expressions& e) {
    match_original_direction(e);
    match_ipv4_loopback(e, NFT_CMP_NEQ);
    e.verdict(NF_DROP);
  });
  // ct direction original ip6 daddr != ::1 drop
  add_rule(b, kContainChain, [](Expressions& e) {
    match_original_direction(e);
    match_ipv6_loopback(e, NFT_CMP_NEQ);
    e.verdict(NF_DROP);
  });
  return b.finish();
}

}  // namespace cordon::net
