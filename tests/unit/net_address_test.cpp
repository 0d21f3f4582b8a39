// IP address and CIDR parsing, canonical text, and the blocked ranges of the egress wall.
#include <gtest/gtest.h>

#include "net/address.h"

namespace cordon::net {
namespace {

IpAddress addr(const char* text) {
  auto a = IpAddress::parse(text);
  EXPECT_TRUE(a.has_value()) << text;
  return a.value_or(IpAddress{});
}

std::string blocked(const char* text) {
  return blocked_range(addr(text)).value_or("public");
}

TEST(NetAddress, ParsesStrictDottedQuad) {
  IpAddress a = addr("203.0.113.7");
  EXPECT_TRUE(a.is_v4());
  EXPECT_EQ(a, IpAddress::v4(203, 0, 113, 7));
  EXPECT_EQ(a.to_string(), "203.0.113.7");
  EXPECT_EQ(addr("0.0.0.0").to_string(), "0.0.0.0");
  EXPECT_EQ(addr("255.255.255.255").to_string(), "255.255.255.255");
}

TEST(NetAddress, RefusesLenientIpv4Spellings) {
  for (const char* text :
       {"2130706433", "0177.0.0.1", "0x7f.0.0.1", "127.1",     "127.0.1",   "01.2.3.4",
        "1.2.3.256",  "1.2.3.4.",   ".1.2.3.4",   "1.2.3",     "1.2.3.4.5", "1..3.4",
        "+1.2.3.4",   "1.2.3.4 ",   " 1.2.3.4",   "1.2.3.4\n", "",          "a.b.c.d",
        "1.2.3.-4",   "1.2.3.4/32", "1.2.3.0x4"}) {
    EXPECT_FALSE(IpAddress::parse(text).has_value()) << text;
  }
  EXPECT_FALSE(IpAddress::parse(std::string_view("1.2.3.4\0", 8)).has_value());
}

TEST(NetAddress, ParsesIpv6AndPrintsRfc5952) {
  EXPECT_EQ(addr("2001:DB8:0:0:0:0:0:1").to_string(), "2001:db8::1");
  EXPECT_EQ(addr("2001:db8::0:1").to_string(), "2001:db8::1");
  EXPECT_EQ(addr("::").to_string(), "::");
  EXPECT_EQ(addr("::1").to_string(), "::1");
  EXPECT_EQ(addr("1::").to_string(), "1::");
  // One zero group is not compressed; the first of two equal runs is.
  EXPECT_EQ(addr("2001:db8:0:1:1:1:1:1").to_string(), "2001:db8:0:1:1:1:1:1");
  EXPECT_EQ(addr("2001:0:0:1:0:0:0:1").to_string(), "2001:0:0:1::1");
  EXPECT_EQ(addr("2001:db8:0:0:1:0:0:1").to_string(), "2001:db8::1:0:0:1");
  EXPECT_EQ(addr("::ffff:7f00:1").to_string(), "::ffff:127.0.0.1");
  EXPECT_EQ(addr("::127.0.0.1").to_string(), "::7f00:1");
  EXPECT_EQ(addr("64:ff9b::7f00:1").to_string(), "64:ff9b::7f00:1");
  EXPECT_FALSE(addr("::1").is_v4());
}

TEST(NetAddress, RefusesMalformedIpv6) {
  for (const char* text :
       {"[::1]", "::1%eth0", "fe80::1%1", ":::", "1::2::3", "12345::", "1:2:3:4:5:6:7:8:9",
        "::ffff:127.0.0.01", "::ffff:1.2.3", "g::", "::1 ", "1:2:3:4:5:6:7", ":"}) {
    EXPECT_FALSE(IpAddress::parse(text).has_value()) << text;
  }
  EXPECT_FALSE(IpAddress::parse(std::string_view("::1\0:2", 6)).has_value());
}

TEST(NetAddress, UnmappedGivesTheRealIpv4Address) {
  EXPECT_EQ(unmapped(addr("::ffff:10.1.2.3")), IpAddress::v4(10, 1, 2, 3));
  EXPECT_EQ(unmapped(addr("::10.1.2.3")), addr("::10.1.2.3"));  // compatible: not mapped
  EXPECT_EQ(unmapped(addr("10.1.2.3")), addr("10.1.2.3"));
}

TEST(NetCidr, ParsesRangesAndBareAddresses) {
  auto c = Cidr::parse("10.0.0.0/8");
  ASSERT_TRUE(c.ok()) << c.error().message();
  EXPECT_EQ(c->prefix, 8);
  EXPECT_EQ(c->to_string(), "10.0.0.0/8");
  EXPECT_TRUE(c->contains(addr("10.255.1.2")));
  EXPECT_FALSE(c->contains(addr("11.0.0.0")));
  EXPECT_FALSE(c->contains(addr("::ffff:10.0.0.1")));  // false across families

  auto one = Cidr::parse("203.0.113.7");
  ASSERT_TRUE(one.ok());
  EXPECT_EQ(one->prefix, 32);
  EXPECT_TRUE(one->contains(addr("203.0.113.7")));
  EXPECT_FALSE(one->contains(addr("203.0.113.8")));

  auto v6 = Cidr::parse("2001:DB8::/32");
  ASSERT_TRUE(v6.ok());
  EXPECT_EQ(v6->to_string(), "2001:db8::/32");
  EXPECT_TRUE(v6->contains(addr("2001:db8:ffff::1")));
  EXPECT_FALSE(v6->contains(addr("2001:db9::1")));
  EXPECT_FALSE(v6->contains(addr("10.0.0.1")));
  EXPECT_EQ(Cidr::parse("::1")->prefix, 128);

  auto odd = Cidr::parse("172.16.0.0/12");
  ASSERT_TRUE(odd.ok());
  EXPECT_TRUE(odd->contains(addr("172.31.255.255")));
  EXPECT_FALSE(odd->contains(addr("172.32.0.0")));
  EXPECT_TRUE(Cidr::parse("0.0.0.0/0")->contains(addr("8.8.8.8")));
}

TEST(NetCidr, RefusesHostBitsAndBadPrefixes) {
  auto host_bits = Cidr::parse("10.0.0.1/8");
  ASSERT_FALSE(host_bits.ok());
  EXPECT_EQ(host_bits.error().code(), Errc::kInvalidInput);
  EXPECT_NE(host_bits.error().message().find("host bits"), std::string::npos);
  EXPECT_NE(host_bits.error().message().find("10.0.0.0/8"), std::string::npos);
  EXPECT_FALSE(host_bits.error().hint().empty());
  for (const char* text :
       {"10.0.0.0/33", "2001:db8::/129", "10.0.0.0/", "10.0.0.0/08", "10.0.0.0/-1", "10.0.0.0/8/8",
        "10.0/8", "/8", "", "10.0.0.0/ 8", "[2001:db8::]/32", "2001:db8::1/64", "10.0.0.0/+8"}) {
    EXPECT_FALSE(Cidr::parse(text).ok()) << text;
  }
}

struct BlockedCase {
  const char* address;
  const char* reason;  // a part of the reason, or "public"
};

class NetBlockedRange : public testing::TestWithParam<BlockedCase> {};

TEST_P(NetBlockedRange, Classifies) {
  const BlockedCase& c = GetParam();
  std::string reason = blocked(c.address);
  EXPECT_NE(reason.find(c.reason), std::string::npos) << c.address << " -> " << reason;
  if (std::string(c.reason) != "public") {
    EXPECT_NE(reason, "public") << c.address;
  }
}

const BlockedCase kBlockedCases[] = {
    {"127.0.0.1", "loopback"},
    {"127.255.255.254", "loopback"},
    {"0.0.0.0", "unspecified"},
    {"0.1.2.3", "unspecified"},
    {"10.0.0.1", "private (RFC 1918)"},
    {"172.16.0.1", "private (RFC 1918)"},
    {"172.31.255.255", "private (RFC 1918)"},
    {"192.168.1.1", "private (RFC 1918)"},
    {"100.64.0.1", "CGNAT"},
    {"100.127.255.255", "CGNAT"},
    {"169.254.169.254", "link-local (cloud metadata)"},
    {"169.254.0.1", "link-local"},
    {"192.0.0.8", "192.0.0.0/24"},
    {"198.18.0.1", "benchmarking"},
    {"198.19.255.254", "benchmarking"},
    {"224.0.0.1", "multicast"},
    {"239.255.255.250", "multicast"},
    {"240.0.0.1", "reserved"},
    {"255.255.255.255", "broadcast"},
    {"::1", "loopback"},
    {"::", "unspecified"},
    {"fc00::1", "unique local"},
    {"fd00:ec2::254", "unique local"},
    {"fe80::1", "link-local"},
    {"febf::1", "link-local"},
    {"fec0::1", "site-local"},
    {"ff02::1", "multicast"},
    // IPv6 forms that embed a blocked IPv4 address.
    {"::ffff:127.0.0.1", "loopback (127.0.0.1 inside an IPv4-mapped address)"},
    {"::ffff:169.254.169.254", "cloud metadata"},
    {"::ffff:10.0.0.1", "RFC 1918"},
    {"::127.0.0.1", "loopback (127.0.0.1 inside an IPv4-compatible address)"},
    {"::a9fe:a9fe", "cloud metadata"},
    {"::ffff:0:127.0.0.1", "IPv4-translated"},
    {"64:ff9b::7f00:1", "loopback (127.0.0.1 inside a NAT64 address"},
    {"64:ff9b::a9fe:a9fe", "cloud metadata"},
    {"64:ff9b:1::a00:1", "RFC 1918"},         // local-use NAT64, /96 layout
    {"64:ff9b:1:7f00:0:100::", "loopback"},   // /48 layout: 127.0.0.1 around the u octet
    {"64:ff9b:1:80a:0:1::", "RFC 1918"},      // /56 layout: 10.0.0.1
    {"64:ff9b:1:808:a:0:100:0", "RFC 1918"},  // /64 layout: 10.0.0.1
    {"2002:7f00:1::", "loopback (127.0.0.1 inside a 6to4 address)"},
    {"2002:a9fe:a9fe::1", "cloud metadata"},
    {"2002:c0a8:101::", "RFC 1918"},
    {"2001:0:4136:e378:8000:63bf:80ff:fffe", "loopback (127.0.0.1 inside a Teredo address)"},
    {"2001:0:4136:e378:8000:63bf:f5ff:fffe", "RFC 1918"},  // client 10.0.0.1
    {"2001:0:7f00:1:8000:63bf:3fff:fdd2", "Teredo address (server)"},
    // Public addresses, including embedding forms around a public IPv4 address.
    {"8.8.8.8", "public"},
    {"1.1.1.1", "public"},
    {"203.0.113.7", "public"},
    {"172.32.0.1", "public"},
    {"100.128.0.1", "public"},
    {"169.253.255.255", "public"},
    {"198.20.0.1", "public"},
    {"223.255.255.255", "public"},
    {"2001:db8::1", "public"},
    {"2606:4700::1111", "public"},
    {"::ffff:8.8.8.8", "public"},
    {"::808:808", "public"},
    {"64:ff9b::808:808", "public"},
    {"64:ff9b:1::808:808", "public"},
    {"2002:808:808::1", "public"},
    {"2001:0:4136:e378:8000:63bf:f7f7:f7f7", "public"},  // client 8.8.8.8
};

INSTANTIATE_TEST_SUITE_P(Net, NetBlockedRange, testing::ValuesIn(kBlockedCases),
                         [](const testing::TestParamInfo<BlockedCase>& info) {
                           std::string name = info.param.address;
                           for (char& c : name) {
                             if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
                           }
                           return name + "_" + std::to_string(info.index);
                         });

}  // namespace
}  // namespace cordon::net
