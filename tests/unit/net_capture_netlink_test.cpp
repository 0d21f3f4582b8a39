// Unit tests for the capture netlink messages: framing, attribute nesting, and each rule's
// expressions decoded and compared with what `nft --debug=netlink` prints for the same rule.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <vector>

#include "net/capture_netlink.h"

namespace cordon::net {
namespace {

constexpr uint16_t nft_type(uint16_t message) {
  return static_cast<uint16_t>((NFNL_SUBSYS_NFTABLES << 8) | message);
}

struct Message {
  nlmsghdr header;
  const uint8_t* payload;  // after the nlmsghdr
  size_t size;
};

// Splits a buffer into messages; fails the test if the lengths do not add up exactly.
std::vector<Message> split(const std::vector<uint8_t>& bytes) {
  std::vector<Message> out;
  size_t offset = 0;
  while (offset < bytes.size()) {
    nlmsghdr h;
    EXPECT_GE(bytes.size() - offset, sizeof(h)) << "truncated header at " << offset;
    if (bytes.size() - offset < sizeof(h)) break;
    std::memcpy(&h, bytes.data() + offset, sizeof(h));
    EXPECT_EQ(h.nlmsg_len % NLMSG_ALIGNTO, 0u) << "unaligned message at " << offset;
    EXPECT_GE(h.nlmsg_len, NLMSG_HDRLEN);
    EXPECT_LE(h.nlmsg_len, bytes.size() - offset) << "message at " << offset << " overflows";
    if (h.nlmsg_len < NLMSG_HDRLEN || h.nlmsg_len > bytes.size() - offset) break;
    out.push_back({h, bytes.data() + offset + NLMSG_HDRLEN, h.nlmsg_len - NLMSG_HDRLEN});
    offset += NLMSG_ALIGN(h.nlmsg_len);
  }
  EXPECT_EQ(offset, bytes.size()) << "message lengths do not add up to the buffer";
  return out;
}

struct Attr {
  uint16_t type;  // without NLA_F_NESTED
  bool nested;
  const uint8_t* data;
  size_t size;
};

// Splits a run of attributes; fails the test on any that overflows its parent or leaves
// non-zero padding.
std::vector<Attr> attrs(const uint8_t* p, size_t size) {
  std::vector<Attr> out;
  size_t offset = 0;
  while (offset < size) {
    nlattr a;
    EXPECT_GE(size - offset, sizeof(a)) << "truncated attribute";
    if (size - offset < sizeof(a)) break;
    std::memcpy(&a, p + offset, sizeof(a));
    EXPECT_GE(a.nla_len, NLA_HDRLEN);
    EXPECT_LE(a.nla_len, size - offset)
        << "attribute " << (a.nla_type & NLA_TYPE_MASK) << " overflows its parent";
    if (a.nla_len < NLA_HDRLEN || a.nla_len > size - offset) break;
    size_t padded = std::min(size - offset, static_cast<size_t>(NLA_ALIGN(a.nla_len)));
    for (size_t i = a.nla_len; i < padded; ++i) EXPECT_EQ(p[offset + i], 0) << "padding";
    out.push_back({static_cast<uint16_t>(a.nla_type & NLA_TYPE_MASK),
                   (a.nla_type & NLA_F_NESTED) != 0, p + offset + NLA_HDRLEN,
                   static_cast<size_t>(a.nla_len) - NLA_HDRLEN});
    offset += NLA_ALIGN(a.nla_len);
  }
  EXPECT_EQ(offset, size) << "attribute lengths do not add up to their parent";
  return out;
}

std::vector<Attr> attrs(const Attr& parent) {
  EXPECT_TRUE(parent.nested) << "attribute " << parent.type << " lacks NLA_F_NESTED";
  return attrs(parent.data, parent.size);
}

std::optional<Attr> find(const std::vector<Attr>& list, uint16_t type) {
  std::optional<Attr> found;
  for (const Attr& a : list) {
    if (a.type != type) continue;
    EXPECT_FALSE(found.has_value()) << "attribute " << type << " twice";
    found = a;
  }
  return found;
}

std::string str(const std::optional<Attr>& a) {
  if (!a || a->size == 0 || a->data[a->size - 1] != '\0') return "<not a NUL-terminated string>";
  return std::string(reinterpret_cast<const char*>(a->data), a->size - 1);
}

// nf_tables' NLA_U32 values are big-endian.
uint32_t be32(const std::optional<Attr>& a) {
  EXPECT_TRUE(a.has_value());
  if (!a) return 0xdeadbeef;
  EXPECT_EQ(a->size, 4u);
  uint32_t v = 0;
  std::memcpy(&v, a->data, std::min<size_t>(a->size, 4));
  return ntohl(v);
}

// Bytes in wire order: a port shows as it travels ("0x0035" is 53).
std::string hex(const std::optional<Attr>& a) {
  if (!a) return "<missing>";
  static const char digits[] = "0123456789abcdef";
  std::string out = "0x";
  for (size_t i = 0; i < a->size; ++i) {
    out += digits[a->data[i] >> 4];
    out += digits[a->data[i] & 0xf];
  }
  return out;
}

std::string reg(const std::vector<Attr>& data, uint16_t type) {
  return "reg " + std::to_string(be32(find(data, type)));
}

// Every attribute of an expression must be one the decoder knows: nothing slips in unseen.
void expect_only(const std::vector<Attr>& data, std::vector<uint16_t> known, const std::string& e) {
  for (const Attr& a : data) {
    bool ok = false;
    for (uint16_t k : known) ok = ok || a.type == k;
    EXPECT_TRUE(ok) << "unexpected attribute " << a.type << " in " << e;
  }
}

std::string value(const std::vector<Attr>& data, uint16_t type) {
  auto holder = find(data, type);
  if (!holder) return "<missing>";
  auto inner = attrs(*holder);
  expect_only(inner, {NFTA_DATA_VALUE}, "data");
  return hex(find(inner, NFTA_DATA_VALUE));
}

// One expression, in the words of `nft --debug=netlink` (values as wire-order bytes, where nft
// prints 32-bit words).
std::string render(const Attr& element) {
  auto e = attrs(element);
  expect_only(e, {NFTA_EXPR_NAME, NFTA_EXPR_DATA}, "expression");
  std::string name = str(find(e, NFTA_EXPR_NAME));
  auto holder = find(e, NFTA_EXPR_DATA);
  if (!holder) return name + " <no data>";
  auto d = attrs(*holder);
  if (name == "meta") {
    expect_only(d, {NFTA_META_DREG, NFTA_META_KEY}, name);
    uint32_t key = be32(find(d, NFTA_META_KEY));
    std::string k = key == NFT_META_L4PROTO   ? "l4proto"
                    : key == NFT_META_NFPROTO ? "nfproto"
                                              : std::to_string(key);
    return "meta load " + k + " => " + reg(d, NFTA_META_DREG);
  }
  if (name == "ct") {
    expect_only(d, {NFTA_CT_DREG, NFTA_CT_KEY}, name);
    uint32_t key = be32(find(d, NFTA_CT_KEY));
    std::string k = key == NFT_CT_DIRECTION ? "direction" : std::to_string(key);
    return "ct load " + k + " => " + reg(d, NFTA_CT_DREG);
  }
  if (name == "payload") {
    expect_only(d, {NFTA_PAYLOAD_DREG, NFTA_PAYLOAD_BASE, NFTA_PAYLOAD_OFFSET, NFTA_PAYLOAD_LEN},
                name);
    uint32_t base = be32(find(d, NFTA_PAYLOAD_BASE));
    std::string b = base == NFT_PAYLOAD_NETWORK_HEADER     ? "network"
                    : base == NFT_PAYLOAD_TRANSPORT_HEADER ? "transport"
                                                           : std::to_string(base);
    return "payload load " + std::to_string(be32(find(d, NFTA_PAYLOAD_LEN))) + "b @ " + b +
           " header + " + std::to_string(be32(find(d, NFTA_PAYLOAD_OFFSET))) + " => " +
           reg(d, NFTA_PAYLOAD_DREG);
  }
  if (name == "cmp") {
    expect_only(d, {NFTA_CMP_SREG, NFTA_CMP_OP, NFTA_CMP_DATA}, name);
    uint32_t op = be32(find(d, NFTA_CMP_OP));
    std::string o = op == NFT_CMP_EQ ? "eq" : op == NFT_CMP_NEQ ? "neq" : std::to_string(op);
    return "cmp " + o + " " + reg(d, NFTA_CMP_SREG) + " " + value(d, NFTA_CMP_DATA);
  }
  if (name == "immediate") {
    expect_only(d, {NFTA_IMMEDIATE_DREG, NFTA_IMMEDIATE_DATA}, name);
    auto data = find(d, NFTA_IMMEDIATE_DATA);
    if (!data) return "immediate <no data>";
    auto inner = attrs(*data);
    if (auto verdict = find(inner, NFTA_DATA_VERDICT)) {
      auto v = attrs(*verdict);
      expect_only(v, {NFTA_VERDICT_CODE}, "verdict");
      auto code = static_cast<int32_t>(be32(find(v, NFTA_VERDICT_CODE)));
      std::string c = code == NFT_RETURN  ? "return"
                      : code == NF_DROP   ? "drop"
                      : code == NF_ACCEPT ? "accept"
                                          : std::to_string(code);
      return "immediate " + reg(d, NFTA_IMMEDIATE_DREG) + " " + c;
    }
    return "immediate " + reg(d, NFTA_IMMEDIATE_DREG) + " " + value(d, NFTA_IMMEDIATE_DATA);
  }
  if (name == "redir") {
    expect_only(d, {NFTA_REDIR_REG_PROTO_MIN, NFTA_REDIR_FLAGS}, name);
    return "redir proto_min " + reg(d, NFTA_REDIR_REG_PROTO_MIN) + " flags " +
           std::to_string(be32(find(d, NFTA_REDIR_FLAGS)));
  }
  ADD_FAILURE() << "unknown expression " << name;
  return name;
}

// Each NEWRULE as "<chain>:" followed by its expressions.
std::vector<std::string> render_rules(const std::vector<uint8_t>& batch) {
  std::vector<std::string> out;
  for (const Message& m : split(batch)) {
    if (m.header.nlmsg_type != nft_type(NFT_MSG_NEWRULE)) continue;
    auto a = attrs(m.payload + sizeof(nfgenmsg), m.size - sizeof(nfgenmsg));
    expect_only(a, {NFTA_RULE_TABLE, NFTA_RULE_CHAIN, NFTA_RULE_EXPRESSIONS}, "rule");
    EXPECT_EQ(str(find(a, NFTA_RULE_TABLE)), "cordon");
    out.push_back(str(find(a, NFTA_RULE_CHAIN)) + ":");
    auto list = find(a, NFTA_RULE_EXPRESSIONS);
    if (!list) continue;
    for (const Attr& element : attrs(*list)) {
      EXPECT_EQ(element.type, NFTA_LIST_ELEM);
      out.push_back("  " + render(element));
    }
  }
  return out;
}

constexpr CapturePorts kPorts{15001, 5353};  // 0x3a99, 0x14e9

TEST(NetCaptureNetlink, BatchFramesTableChainsAndRulesInOrder) {
  auto batch = build_capture_ruleset(kPorts);
  auto messages = split(batch);
  ASSERT_EQ(messages.size(), 11u);  // BEGIN, table, 2 chains, 6 rules, END

  std::vector<uint16_t> types;
  for (const Message& m : messages) types.push_back(m.header.nlmsg_type);
  std::vector<uint16_t> expected = {NFNL_MSG_BATCH_BEGIN, nft_type(NFT_MSG_NEWTABLE),
                                    nft_type(NFT_MSG_NEWCHAIN), nft_type(NFT_MSG_NEWCHAIN)};
  for (int i = 0; i < 6; ++i) expected.push_back(nft_type(NFT_MSG_NEWRULE));
  expected.push_back(NFNL_MSG_BATCH_END);
  EXPECT_EQ(types, expected);

  for (size_t i = 0; i < messages.size(); ++i) {
    const Message& m = messages[i];
    EXPECT_EQ(m.header.nlmsg_seq, i + 1) << "message " << i;
    EXPECT_EQ(m.header.nlmsg_pid, 0u);
    ASSERT_GE(m.size, sizeof(nfgenmsg));
    nfgenmsg g;
    std::memcpy(&g, m.payload, sizeof(g));
    EXPECT_EQ(g.version, NFNETLINK_V0);
    uint16_t flags = m.header.nlmsg_flags;
    if (i == 0 || i + 1 == messages.size()) {
      // Delimiters: no ACK asked (older kernels never send one), subsystem in network order.
      EXPECT_EQ(flags, NLM_F_REQUEST);
      EXPECT_EQ(g.nfgen_family, AF_UNSPEC);
      EXPECT_EQ(g.res_id, htons(NFNL_SUBSYS_NFTABLES));
      EXPECT_EQ(m.size, sizeof(nfgenmsg));
      continue;
    }
    EXPECT_EQ(g.nfgen_family, NFPROTO_INET);
    if (m.header.nlmsg_type == nft_type(NFT_MSG_NEWRULE)) {
      EXPECT_EQ(flags, NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_APPEND);
    } else {
      EXPECT_EQ(flags, NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL);
    }
  }

  auto table = attrs(messages[1].payload + sizeof(nfgenmsg), messages[1].size - sizeof(nfgenmsg));
  EXPECT_EQ(table.size(), 1u);
  EXPECT_EQ(str(find(table, NFTA_TABLE_NAME)), "cordon");
}

TEST(NetCaptureNetlink, ChainsHookOutputWithTheirTypesAndPriorities) {
  const std::vector<uint8_t> batch = build_capture_ruleset(kPorts);  // messages point into it
  auto messages = split(batch);
  ASSERT_EQ(messages.size(), 11u);
  struct Want {
    const char* name;
    const char* type;
    int32_t priority;
    bool policy;
  };
  const Want wants[] = {{"capture", "nat", -100, false}, {"contain", "filter", 0, true}};
  for (int i = 0; i < 2; ++i) {
    const Message& m = messages[2 + i];
    const Want& want = wants[i];
    auto a = attrs(m.payload + sizeof(nfgenmsg), m.size - sizeof(nfgenmsg));
    expect_only(
        a, {NFTA_CHAIN_TABLE, NFTA_CHAIN_NAME, NFTA_CHAIN_HOOK, NFTA_CHAIN_POLICY, NFTA_CHAIN_TYPE},
        want.name);
    EXPECT_EQ(str(find(a, NFTA_CHAIN_TABLE)), "cordon");
    EXPECT_EQ(str(find(a, NFTA_CHAIN_NAME)), want.name);
    EXPECT_EQ(str(find(a, NFTA_CHAIN_TYPE)), want.type);
    auto hook_attr = find(a, NFTA_CHAIN_HOOK);
    ASSERT_TRUE(hook_attr.has_value());
    auto hook = attrs(*hook_attr);
    expect_only(hook, {NFTA_HOOK_HOOKNUM, NFTA_HOOK_PRIORITY}, "hook");
    EXPECT_EQ(be32(find(hook, NFTA_HOOK_HOOKNUM)), static_cast<uint32_t>(NF_INET_LOCAL_OUT));
    EXPECT_EQ(static_cast<int32_t>(be32(find(hook, NFTA_HOOK_PRIORITY))), want.priority);
    if (want.policy) {
      EXPECT_EQ(be32(find(a, NFTA_CHAIN_POLICY)), static_cast<uint32_t>(NF_ACCEPT));
    } else {
      EXPECT_FALSE(find(a, NFTA_CHAIN_POLICY).has_value());
    }
  }
}

// The reviewed listing: `nft --debug=netlink` (nftables 1.0.6) prints these expressions for
// the ruleset in capture_netlink.h with dns 5353 and transparent 15001.
TEST(NetCaptureNetlink, RulesAreTheExpressionsNftGenerates) {
  std::vector<std::string> expected = {
      // udp dport 53 redirect to :5353
      "capture:",
      "  meta load l4proto => reg 1",
      "  cmp eq reg 1 0x11",
      "  payload load 2b @ transport header + 2 => reg 1",
      "  cmp eq reg 1 0x0035",
      "  immediate reg 1 0x14e9",
      "  redir proto_min reg 1 flags 2",
      // ip daddr 127.0.0.0/8 return
      "capture:",
      "  meta load nfproto => reg 1",
      "  cmp eq reg 1 0x02",
      "  payload load 1b @ network header + 16 => reg 1",
      "  cmp eq reg 1 0x7f",
      "  immediate reg 0 return",
      // ip6 daddr ::1 return
      "capture:",
      "  meta load nfproto => reg 1",
      "  cmp eq reg 1 0x0a",
      "  payload load 16b @ network header + 24 => reg 1",
      "  cmp eq reg 1 0x00000000000000000000000000000001",
      "  immediate reg 0 return",
      // meta l4proto tcp redirect to :15001
      "capture:",
      "  meta load l4proto => reg 1",
      "  cmp eq reg 1 0x06",
      "  immediate reg 1 0x3a99",
      "  redir proto_min reg 1 flags 2",
      // ct direction original ip daddr != 127.0.0.0/8 drop
      "contain:",
      "  ct load direction => reg 1",
      "  cmp eq reg 1 0x00",
      "  meta load nfproto => reg 1",
      "  cmp eq reg 1 0x02",
      "  payload load 1b @ network header + 16 => reg 1",
      "  cmp neq reg 1 0x7f",
      "  immediate reg 0 drop",
      // ct direction original ip6 daddr != ::1 drop
      "contain:",
      "  ct load direction => reg 1",
      "  cmp eq reg 1 0x00",
      "  meta load nfproto => reg 1",
      "  cmp eq reg 1 0x0a",
      "  payload load 16b @ network header + 24 => reg 1",
      "  cmp neq reg 1 0x00000000000000000000000000000001",
      "  immediate reg 0 drop",
  };
  EXPECT_EQ(render_rules(build_capture_ruleset(kPorts)), expected);
}

// The ports are the only inputs: they land in network order in the two immediates that feed
// the redirects, and nowhere else.
TEST(NetCaptureNetlink, PortsAppearInNetworkOrderOnlyInTheRedirectImmediates) {
  auto a = build_capture_ruleset({0x1234, 0xabcd});
  auto b = build_capture_ruleset({0x5678, 0xef01});
  ASSERT_EQ(a.size(), b.size());
  size_t differing = 0;
  for (size_t i = 0; i < a.size(); ++i) differing += a[i] != b[i];
  EXPECT_EQ(differing, 4u);

  auto rules = render_rules(a);
  auto count = [&](const std::string& line) {
    return std::count(rules.begin(), rules.end(), line);
  };
  EXPECT_EQ(count("  immediate reg 1 0xabcd"), 1);  // dns
  EXPECT_EQ(count("  immediate reg 1 0x1234"), 1);  // transparent
}

TEST(NetCaptureNetlink, LocalDefaultRoutesOverLo) {
  for (int family : {AF_INET, AF_INET6}) {
    auto bytes = build_local_default_route(family, 7);
    auto messages = split(bytes);
    ASSERT_EQ(messages.size(), 1u);
    const Message& m = messages[0];
    EXPECT_EQ(m.header.nlmsg_type, RTM_NEWROUTE);
    EXPECT_EQ(m.header.nlmsg_flags, NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL);
    ASSERT_GE(m.size, sizeof(rtmsg));
    rtmsg r;
    std::memcpy(&r, m.payload, sizeof(r));
    EXPECT_EQ(r.rtm_family, family);
    EXPECT_EQ(r.rtm_dst_len, 0);
    EXPECT_EQ(r.rtm_src_len, 0);
    EXPECT_EQ(r.rtm_table, RT_TABLE_MAIN);
    EXPECT_EQ(r.rtm_type, RTN_LOCAL);
    EXPECT_EQ(r.rtm_scope, RT_SCOPE_HOST);
    auto a = attrs(m.payload + NLMSG_ALIGN(sizeof(rtmsg)), m.size - NLMSG_ALIGN(sizeof(rtmsg)));
    ASSERT_EQ(a.size(), 1u);
    EXPECT_EQ(a[0].type, RTA_OIF);
    ASSERT_EQ(a[0].size, 4u);
    uint32_t oif = 0;
    std::memcpy(&oif, a[0].data, 4);
    EXPECT_EQ(oif, 7u);  // rtnetlink: host order
  }
}

// Input checks come before any socket: these never reach a kernel.
TEST(NetCaptureNetlink, SendRejectsMalformedInputWithoutSending) {
  EXPECT_EQ(send_netlink(NETLINK_ROUTE, nullptr, 0), -EINVAL);
  auto route = build_local_default_route(AF_INET, 1);
  EXPECT_EQ(send_netlink(NETLINK_ROUTE, route.data(), route.size() - 4), -EINVAL);  // overflows
  EXPECT_EQ(send_netlink(NETLINK_ROUTE, route.data(), 8), -EINVAL);                 // half a header

  // Nothing asks for an ACK: success could not be told from a lost message.
  nlmsghdr bare{};
  bare.nlmsg_len = sizeof(bare);
  bare.nlmsg_type = RTM_NEWROUTE;
  bare.nlmsg_flags = NLM_F_REQUEST;
  EXPECT_EQ(send_netlink(NETLINK_ROUTE, reinterpret_cast<const uint8_t*>(&bare), sizeof(bare)),
            -EINVAL);
}

}  // namespace
}  // namespace cordon::net
