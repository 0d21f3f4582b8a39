// Host canonicalisation: every spelling of an address becomes the address, every trick is refused.
#include <gtest/gtest.h>

#include "net/host.h"

namespace cordon::net {
namespace {

struct Canon {
  const char* raw;
  const char* name;
  bool literal;
};

class NetHostAccepts : public testing::TestWithParam<Canon> {};

TEST_P(NetHostAccepts, Canonicalises) {
  const Canon& c = GetParam();
  auto host = canonicalize_host(c.raw);
  ASSERT_TRUE(host.ok()) << c.raw << ": " << host.error().message();
  EXPECT_EQ(host->name, c.name) << c.raw;
  EXPECT_EQ(host->literal.has_value(), c.literal) << c.raw;
  if (host->literal) {
    EXPECT_EQ(host->literal->to_string(), host->name);
  }
}

const Canon kAccepted[] = {
    {"api.example.com", "api.example.com", false},
    {"API.Example.COM", "api.example.com", false},
    {"api.example.com.", "api.example.com", false},
    {"localhost", "localhost", false},
    {"localhost.", "localhost", false},
    {"LOCALHOST", "localhost", false},
    {"xn--bcher-kva.example", "xn--bcher-kva.example", false},
    {"XN--BCHER-KVA.example", "xn--bcher-kva.example", false},
    {"_acme-challenge.example.com", "_acme-challenge.example.com", false},
    {"a", "a", false},
    {"a-b.c-d.example", "a-b.c-d.example", false},
    {"0x7f.example", "0x7f.example", false},  // the last label decides: a name
    {"1.2.3.example", "1.2.3.example", false},
    {"123abc.example", "123abc.example", false},
    {"example.1e3", "example.1e3", false},
    // Cloud metadata names are names like any other: nothing special, default deny decides.
    {"metadata.google.internal", "metadata.google.internal", false},
    {"metadata", "metadata", false},
    // Every spelling of loopback the C library accepts is the loopback address.
    {"127.0.0.1", "127.0.0.1", true},
    {"2130706433", "127.0.0.1", true},
    {"0177.0.0.1", "127.0.0.1", true},
    {"0x7f.1", "127.0.0.1", true},
    {"0X7F.1", "127.0.0.1", true},
    {"127.1", "127.0.0.1", true},
    {"127.0.1", "127.0.0.1", true},
    {"0x7f000001", "127.0.0.1", true},
    {"017700000001", "127.0.0.1", true},
    {"0x7f.0.0.0x1", "127.0.0.1", true},
    {"127.0.0.1.", "127.0.0.1", true},
    {"0", "0.0.0.0", true},
    {"0.0.0.0", "0.0.0.0", true},
    // Cloud metadata, in its spellings.
    {"169.254.169.254", "169.254.169.254", true},
    {"2852039166", "169.254.169.254", true},
    {"0xa9fea9fe", "169.254.169.254", true},
    {"0xA9.0xFE.0xA9.0xFE", "169.254.169.254", true},
    {"0251.0376.0251.0376", "169.254.169.254", true},
    {"169.254.43518", "169.254.169.254", true},
    {"169.16689662", "169.254.169.254", true},
    // IPv6 literals in brackets; an IPv4-mapped one is the IPv4 address it stands for.
    {"[::1]", "::1", true},
    {"[0:0:0:0:0:0:0:1]", "::1", true},
    {"[::ffff:127.0.0.1]", "127.0.0.1", true},
    {"[::ffff:7f00:1]", "127.0.0.1", true},
    {"[::FFFF:A9FE:A9FE]", "169.254.169.254", true},
    {"[::127.0.0.1]", "::7f00:1", true},
    {"[64:ff9b::7f00:1]", "64:ff9b::7f00:1", true},
    {"[2002:7f00:1::]", "2002:7f00:1::", true},
    {"[2001:DB8::1]", "2001:db8::1", true},
};

INSTANTIATE_TEST_SUITE_P(Net, NetHostAccepts, testing::ValuesIn(kAccepted),
                         [](const testing::TestParamInfo<Canon>& info) {
                           return "case" + std::to_string(info.index);
                         });

struct Refused {
  std::string raw;
  const char* why;  // a part of the message
};

class NetHostRefuses : public testing::TestWithParam<Refused> {};

TEST_P(NetHostRefuses, WithAReason) {
  const Refused& c = GetParam();
  auto host = canonicalize_host(c.raw);
  ASSERT_FALSE(host.ok()) << c.raw << " -> " << host->name;
  EXPECT_EQ(host.error().code(), Errc::kInvalidInput);
  EXPECT_NE(host.error().message().find(c.why), std::string::npos) << host.error().message();
  // The message is safe to echo: no raw control or non-ASCII byte.
  for (unsigned char ch : host.error().message()) {
    EXPECT_TRUE(ch >= 0x20 && ch < 0x7f) << host.error().message();
  }
}

const Refused kRefused[] = {
    {"", "empty"},
    {".", "empty name"},
    {"..", "more than one trailing dot"},
    {"a..b", "empty label"},
    {".a.b", "empty label"},
    {"a.b..", "more than one trailing dot"},
    {"%00", "'%'"},
    {"a%2eb", "'%'"},
    {"%2e", "'%'"},
    {"example.com%2f", "'%'"},
    {std::string("a\0b", 3), "NUL"},
    {std::string("example.com\0.evil.example", 25), "NUL"},
    {"a\tb", "control byte"},
    {"a\nb", "control byte"},
    {"a\rb", "control byte"},
    {"a\x7f", "control byte"},
    {"a b", "space"},
    {"127.0.0.1 evil", "space"},
    {"user@host", "'@'"},
    {"user:pass@host", "'@'"},
    {"host\\@evil", "'\\'"},
    {"host\\evil", "'\\'"},
    {"a/b", "'/'"},
    {"b\xc3\xbc"
     "cher.example",
     "non-ASCII"},
    {"\xff", "non-ASCII"},
    {"exam\xd0\xb5ple.com", "non-ASCII"},  // a Cyrillic 'e'
    {"-a.example", "'-'"},
    {"a-.example", "'-'"},
    {"a.-b.example", "'-'"},
    {"*.example.com", "'*'"},
    {"a!b", "'!'"},
    {"a,b", "','"},
    {"a;b", "';'"},
    {"[::1", "without a closing"},
    {"[::1]:443", "without a closing"},
    {"[]", "not a valid IPv6"},
    {"[127.0.0.1]", "not a valid IPv6"},
    {"[::1]]", "not a valid IPv6"},
    {"[fe80::1%25eth0]", "'%'"},
    {"::1", "needs brackets"},
    {"example.com:443", "contains ':'"},
    // A numeric last label must be a real IPv4 address.
    {"1.2.3.999", "not an IPv4 address"},
    {"example.123", "not an IPv4 address"},
    {"1.2.3.4.5", "not an IPv4 address"},
    {"256.1", "not an IPv4 address"},
    {"1.2.3.256", "not an IPv4 address"},
    {"4294967296", "not an IPv4 address"},
    {"08.0.0.1", "not an IPv4 address"},
    {"0x", "not an IPv4 address"},
    {"example.0x", "not an IPv4 address"},
    {"0xg.1", "not an IPv4 address"},
    {"99999999999999999999", "not an IPv4 address"},
};

INSTANTIATE_TEST_SUITE_P(Net, NetHostRefuses, testing::ValuesIn(kRefused),
                         [](const testing::TestParamInfo<Refused>& info) {
                           return "case" + std::to_string(info.index);
                         });

TEST(NetHost, BareIpv6OnlyWhenAsked) {
  EXPECT_FALSE(canonicalize_host("2001:db8::1").ok());
  auto host = canonicalize_host("2001:DB8::1", /*allow_bare_ipv6=*/true);
  ASSERT_TRUE(host.ok());
  EXPECT_EQ(host->name, "2001:db8::1");
  auto mapped = canonicalize_host("::ffff:10.0.0.1", true);
  ASSERT_TRUE(mapped.ok());
  EXPECT_EQ(mapped->name, "10.0.0.1");
  EXPECT_TRUE(mapped->literal->is_v4());
  EXPECT_FALSE(canonicalize_host("fe80::1%eth0", true).ok());
  EXPECT_FALSE(canonicalize_host("example.com:80", true).ok());
}

TEST(NetHost, LabelAndNameLengthLimits) {
  std::string label63(63, 'a');
  std::string label64(64, 'a');
  EXPECT_TRUE(canonicalize_host(label63 + ".example").ok());
  auto long_label = canonicalize_host(label64 + ".example");
  ASSERT_FALSE(long_label.ok());
  EXPECT_NE(long_label.error().message().find("longer than 63"), std::string::npos);

  // 4 labels of 63 bytes + 3 dots = 255; trim to exactly 253.
  std::string name = label63 + "." + label63 + "." + label63 + "." + std::string(61, 'b');
  ASSERT_EQ(name.size(), 253u);
  EXPECT_TRUE(canonicalize_host(name).ok());
  EXPECT_TRUE(canonicalize_host(name + ".").ok());  // the trailing dot is not counted
  auto too_long = canonicalize_host(name + "b");
  ASSERT_FALSE(too_long.ok());
  EXPECT_NE(too_long.error().message().find("longer than 253"), std::string::npos);
  // The message does not echo a huge host in full.
  std::string huge(100000, 'a');
  auto refused = canonicalize_host(huge);
  ASSERT_FALSE(refused.ok());
  EXPECT_LT(refused.error().message().size(), 200u);
}

TEST(NetAuthority, SplitsHostAndPort) {
  auto a = split_authority("api.example.com:8443", 443);
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->host, "api.example.com");
  EXPECT_EQ(a->port, 8443);
  auto d = split_authority("api.example.com", 80);
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->port, 80);
  auto v6 = split_authority("[2001:db8::1]:443", 80);
  ASSERT_TRUE(v6.ok());
  EXPECT_EQ(v6->host, "2001:db8::1");
  EXPECT_EQ(v6->port, 443);
  auto v6d = split_authority("[::1]", 80);
  ASSERT_TRUE(v6d.ok());
  EXPECT_EQ(v6d->host, "::1");
  EXPECT_EQ(v6d->port, 80);
  EXPECT_EQ(split_authority("h:65535", 80)->port, 65535);
  EXPECT_EQ(split_authority("h:1", 80)->port, 1);
}

TEST(NetAuthority, RefusesMalformed) {
  for (const char* text : {"",           ":443",        "host:",         "host:0",
                           "host:65536", "host:+443",   "host:-1",       "host:0443",
                           "host:44a",   "host: 443",   "user@host:443", "user:pw@host",
                           "::1:443",    "2001:db8::1", "[::1]x",        "[::1]:",
                           "[::1",       "[]:80",       "host:443:1",    "host:99999999999"}) {
    auto r = split_authority(text, 80);
    EXPECT_FALSE(r.ok()) << text;
    if (!r.ok()) {
      EXPECT_EQ(r.error().code(), Errc::kInvalidInput);
    }
  }
}

TEST(NetAuthority, DefaultPortZeroRequiresAPort) {
  EXPECT_FALSE(split_authority("db.example.com", 0).ok());
  EXPECT_EQ(split_authority("db.example.com:5432", 0)->port, 5432);
}

}  // namespace
}  // namespace cordon::net
