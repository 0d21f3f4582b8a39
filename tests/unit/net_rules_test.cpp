// Egress rules: rule syntax, the decision order (deny, allow, allow_cidr, default deny), address
// vetting, pins, forwards, Landlock ports and the synthetic DNS names.
#include <gtest/gtest.h>

#include <set>

#include "net/rules.h"

namespace cordon::net {
namespace {

EgressRules compile(const EgressConfig& config) {
  auto rules = EgressRules::compile(config);
  EXPECT_TRUE(rules.ok()) << rules.error().message();
  return rules.ok() ? std::move(rules).value() : EgressRules{};
}

CanonicalHost host(const char* raw) {
  auto h = canonicalize_host(raw);
  EXPECT_TRUE(h.ok()) << raw;
  return h.ok() ? *h : CanonicalHost{};
}

IpAddress addr(const char* text) {
  return IpAddress::parse(text).value();
}

// ---- HostRule syntax ------------------------------------------------------------------------

TEST(NetHostRule, ParsesNamesWildcardsAddressesAndPorts) {
  auto plain = HostRule::parse("API.Example.com");
  ASSERT_TRUE(plain.ok());
  EXPECT_EQ(plain->text, "API.Example.com");
  EXPECT_EQ(plain->pattern, "api.example.com");
  EXPECT_FALSE(plain->wildcard);
  EXPECT_FALSE(plain->literal);
  ASSERT_EQ(plain->ports.size(), 2u);
  EXPECT_EQ(plain->ports[0].lo, 80);
  EXPECT_EQ(plain->ports[1].lo, 443);
  EXPECT_FALSE(plain->port_written);

  auto wild = HostRule::parse("*.example.com");
  ASSERT_TRUE(wild.ok());
  EXPECT_TRUE(wild->wildcard);
  EXPECT_EQ(wild->pattern, "example.com");

  auto port = HostRule::parse("git.example.com:22");
  ASSERT_TRUE(port.ok());
  ASSERT_EQ(port->ports.size(), 1u);
  EXPECT_EQ(port->ports[0].lo, 22);
  EXPECT_EQ(port->ports[0].hi, 22);
  EXPECT_TRUE(port->port_written);

  auto range = HostRule::parse("mirror.example.com:8000-8100");
  ASSERT_TRUE(range.ok());
  EXPECT_EQ(range->ports[0].lo, 8000);
  EXPECT_EQ(range->ports[0].hi, 8100);

  auto v4 = HostRule::parse("203.0.113.7:443");
  ASSERT_TRUE(v4.ok());
  ASSERT_TRUE(v4->literal);
  EXPECT_EQ(*v4->literal, IpAddress::v4(203, 0, 113, 7));

  auto v6 = HostRule::parse("[2001:DB8::7]:443");
  ASSERT_TRUE(v6.ok());
  EXPECT_EQ(v6->pattern, "2001:db8::7");
  ASSERT_TRUE(v6->literal);
  EXPECT_FALSE(v6->literal->is_v4());

  EXPECT_TRUE(HostRule::parse("[2001:db8::7]").ok());
  EXPECT_TRUE(HostRule::parse("api.example.com.").ok());
  EXPECT_TRUE(HostRule::parse("h.example:1-65535").ok());
  EXPECT_TRUE(HostRule::parse("xn--bcher-kva.example").ok());
}

TEST(NetHostRule, RefusesMalformedRules) {
  for (const char* text : {"",
                           "*",
                           "*.",
                           "*.com",
                           "a.*.example.com",
                           "*example.com",
                           "**.example.com",
                           "*.*.example.com",
                           "*.203.0.113.7",
                           "*.[2001:db8::1]",
                           "api.example.com:",
                           ":443",
                           "api.example.com:0",
                           "api.example.com:65536",
                           "api.example.com:80-",
                           "api.example.com:-80",
                           "api.example.com:9000-8000",
                           "api.example.com:http",
                           "api.example.com:443:1",
                           "api.example.com:+443",
                           "api.example.com:0443",
                           "api.example.com:80,443",
                           "2001:db8::7",
                           "[2001:db8::7",
                           "[2001:db8::7]443",
                           "[203.0.113.7]",
                           "0x7f.1",
                           "2130706433",
                           "127.1",
                           "0177.0.0.1",
                           "user@api.example.com",
                           "api.example.com/path",
                           "http://api.example.com",
                           "a..b",
                           "api.example.com%2f",
                           "-api.example.com",
                           "exam\xc3\xa9ple.com",
                           " api.example.com"}) {
    auto r = HostRule::parse(text);
    EXPECT_FALSE(r.ok()) << text;
    if (!r.ok()) {
      EXPECT_EQ(r.error().code(), Errc::kInvalidInput);
      EXPECT_NE(r.error().message().find("invalid host rule"), std::string::npos);
      EXPECT_NE(r.error().hint().find("*.example.com"), std::string::npos);
    }
  }
}

// What a user pastes by mistake gets a message that says what to write instead.
TEST(NetHostRule, AURLOrAnAddressRangeSaysWhatToWriteInstead) {
  auto url = HostRule::parse("https://api.example.com/v1");
  ASSERT_FALSE(url.ok());
  EXPECT_NE(url.error().message().find("a URL, not a host: write the host alone (\"api.example.com\")"),
            std::string::npos)
      << url.error().message();
  auto range = HostRule::parse("203.0.113.0/24");
  ASSERT_FALSE(range.ok());
  EXPECT_NE(range.error().message().find("list it in network.allow_cidr"), std::string::npos)
      << range.error().message();
}

TEST(NetHostRule, WildcardsStopAtLabelBoundaries) {
  HostRule rule = HostRule::parse("*.example.com").value();
  EXPECT_TRUE(rule.matches(host("a.example.com"), 443));
  EXPECT_TRUE(rule.matches(host("a.b.example.com"), 443));
  EXPECT_TRUE(rule.matches(host("A.EXAMPLE.COM."), 80));
  EXPECT_FALSE(rule.matches(host("example.com"), 443));  // never the apex
  EXPECT_FALSE(rule.matches(host("badexample.com"), 443));
  EXPECT_FALSE(rule.matches(host("a.badexample.com"), 443));
  EXPECT_FALSE(rule.matches(host("example.com.evil.example"), 443));
  EXPECT_FALSE(rule.matches(host("a.example.com"), 8443));  // default ports only
  EXPECT_FALSE(rule.matches(host("a.example.co"), 443));

  HostRule exact = HostRule::parse("api.example.com").value();
  EXPECT_TRUE(exact.matches(host("api.example.com"), 443));
  EXPECT_FALSE(exact.matches(host("a.api.example.com"), 443));
  EXPECT_FALSE(exact.matches(host("api.example.com.evil.example"), 443));
  EXPECT_FALSE(exact.matches(host("evilapi.example.com"), 443));
}

TEST(NetHostRule, AddressRulesMatchTheAddressNotItsSpelling) {
  HostRule rule = HostRule::parse("203.0.113.7").value();
  EXPECT_TRUE(rule.matches(host("203.0.113.7"), 443));
  EXPECT_TRUE(rule.matches(host("3405803783"), 443));
  EXPECT_TRUE(rule.matches(host("[::ffff:203.0.113.7]"), 443));
  EXPECT_FALSE(rule.matches(host("203.0.113.8"), 443));
  HostRule v6 = HostRule::parse("[2001:db8::7]").value();
  EXPECT_TRUE(v6.matches(host("[2001:db8:0:0:0:0:0:7]"), 80));
  EXPECT_FALSE(v6.matches(host("[2001:db8::8]"), 80));
}

// ---- CidrRule and Forward syntax ------------------------------------------------------------

TEST(NetCidrRule, ParsesRangesAndPorts) {
  auto plain = CidrRule::parse("10.0.0.0/8");
  ASSERT_TRUE(plain.ok());
  EXPECT_EQ(plain->range.prefix, 8);
  ASSERT_EQ(plain->ports.size(), 2u);
  auto one = CidrRule::parse("10.1.2.3/32:5432");
  ASSERT_TRUE(one.ok());
  EXPECT_EQ(one->ports[0].lo, 5432);
  auto bare = CidrRule::parse("10.1.2.3:5432");
  ASSERT_TRUE(bare.ok());
  EXPECT_EQ(bare->range.prefix, 32);
  EXPECT_EQ(bare->ports[0].lo, 5432);
  auto range = CidrRule::parse("10.0.0.0/8:8000-8100");
  ASSERT_TRUE(range.ok());
  EXPECT_EQ(range->ports[0].hi, 8100);
  auto v6 = CidrRule::parse("fd00::/8:443");
  ASSERT_TRUE(v6.ok());
  EXPECT_EQ(v6->range.prefix, 8);
  EXPECT_EQ(v6->ports[0].lo, 443);
  auto v6bare = CidrRule::parse("fd00::1");
  ASSERT_TRUE(v6bare.ok());
  EXPECT_EQ(v6bare->range.prefix, 128);
}

TEST(NetCidrRule, RefusesMalformed) {
  for (const char* text :
       {"", "10.0.0.1/8", "10.0.0.0/33", "10.0.0.0/8:", "10.0.0.0/8:0", "10.0.0.0/8:9-1",
        "10.0.0.0/8:http", "0.0.0.0/0", "::/0", "0.0.0.0/0:443", "10.0/8", "db.example.com",
        "10.0.0.0/8 ", "10.0.0.0/8:443:1", "[fd00::1]:443", "010.0.0.0/8"}) {
    auto r = CidrRule::parse(text);
    EXPECT_FALSE(r.ok()) << text;
    if (!r.ok()) {
      EXPECT_NE(r.error().message().find("invalid allow_cidr"), std::string::npos);
    }
  }
  EXPECT_NE(CidrRule::parse("0.0.0.0/0").error().message().find("every address"),
            std::string::npos);
}

TEST(NetForward, ParsesListenPortAndTarget) {
  auto f = Forward::parse("5432=DB.example.com:5432");
  ASSERT_TRUE(f.ok()) << f.error().message();
  EXPECT_EQ(f->listen_port, 5432);
  EXPECT_EQ(f->target, "db.example.com:5432");
  auto v6 = Forward::parse("6379=[2001:DB8::5]:6379");
  ASSERT_TRUE(v6.ok());
  EXPECT_EQ(v6->target, "[2001:db8::5]:6379");
  for (const char* text :
       {"", "5432", "=db.example.com:5432", "0=db.example.com:5432", "65536=db.example.com:1",
        "5432=db.example.com", "5432=db.example.com:", "5432=db.example.com:0", "5432=:5432",
        "5432=user@db.example.com:5432", "5432=2001:db8::5:5432", "x=db.example.com:5432",
        "5432=db..example.com:5432", "5432=0x7f.1:5432", "5432 = db.example.com:5432"}) {
    auto r = Forward::parse(text);
    EXPECT_FALSE(r.ok()) << text;
    if (!r.ok()) {
      EXPECT_NE(r.error().hint().find("LISTEN_PORT=HOST:PORT"), std::string::npos);
    }
  }
}

// ---- Decisions ------------------------------------------------------------------------------

TEST(NetDecide, DefaultDenyTellsTheAgentWhatToAdd) {
  EgressRules rules = compile({});
  Decision d = rules.decide("api.evil.example", 443);
  EXPECT_FALSE(d.allowed);
  EXPECT_EQ(d.rule, "");
  EXPECT_EQ(d.reason,
            "no allow rule matches api.evil.example:443; add \"api.evil.example\" to [network] "
            "allow");
  Decision port = rules.decide("API.evil.example.", 8443);
  EXPECT_EQ(port.reason,
            "no allow rule matches api.evil.example:8443; add \"api.evil.example:8443\" to "
            "[network] allow");
  Decision v6 = rules.decide("[2001:db8::1]", 22);
  EXPECT_NE(v6.reason.find("add \"[2001:db8::1]:22\""), std::string::npos) << v6.reason;
  // Metadata names are just names: denied by default like any other.
  Decision meta = rules.decide("metadata.google.internal", 80);
  EXPECT_FALSE(meta.allowed);
  EXPECT_NE(meta.reason.find("no allow rule matches metadata.google.internal:80"),
            std::string::npos);
}

TEST(NetDecide, AllowRulesFirstMatchWins) {
  EgressRules rules = compile({.allow = {"*.example.com", "api.example.com:8443"}});
  Decision d = rules.decide("api.example.com", 443);
  EXPECT_TRUE(d.allowed);
  EXPECT_EQ(d.rule, "*.example.com");
  EXPECT_EQ(d.reason, "allowed by rule");
  Decision p = rules.decide("api.example.com", 8443);
  EXPECT_TRUE(p.allowed);
  EXPECT_EQ(p.rule, "api.example.com:8443");
  EXPECT_FALSE(rules.decide("example.com", 443).allowed);
  EXPECT_FALSE(rules.decide("badexample.com", 443).allowed);
  EXPECT_FALSE(rules.decide("www.example.com", 8443).allowed);
  EXPECT_FALSE(rules.decide("www.example.com", 22).allowed);
}

TEST(NetDecide, DenyComesBeforeAllow) {
  EgressRules rules = compile(
      {.allow = {"*.example.com:1-65535"}, .deny = {"secret.example.com", "ssh.example.com:22"}});
  Decision d = rules.decide("secret.example.com", 443);
  EXPECT_FALSE(d.allowed);
  EXPECT_EQ(d.rule, "secret.example.com");
  EXPECT_EQ(d.reason, "denied by rule");
  // A deny rule without a port denies every port, not only 80 and 443.
  EXPECT_FALSE(rules.decide("SECRET.example.com.", 22).allowed);
  EXPECT_FALSE(rules.decide("secret.example.com", 8080).allowed);
  // A deny rule with a port denies that port only.
  EXPECT_FALSE(rules.decide("ssh.example.com", 22).allowed);
  EXPECT_TRUE(rules.decide("ssh.example.com", 443).allowed);
  EXPECT_TRUE(rules.decide("www.example.com", 22).allowed);
}

TEST(NetDecide, WildcardDenyCoversSubdomainsOnly) {
  EgressRules rules =
      compile({.allow = {"*.example.com", "example.com"}, .deny = {"*.internal.example.com"}});
  EXPECT_FALSE(rules.decide("db.internal.example.com", 443).allowed);
  EXPECT_FALSE(rules.decide("a.b.internal.example.com", 443).allowed);
  EXPECT_TRUE(rules.decide("internal.example.com", 443).allowed);
  EXPECT_TRUE(rules.decide("example.com", 443).allowed);
}

TEST(NetDecide, MalformedHostsAreRefusedWithTheParsersReason) {
  EgressRules rules = compile({.allow = {"*.example.com"}});
  for (const char* raw :
       {"a..example.com", "a.example.com..", "a%2eexample.com", "user@a.example.com",
        "a.example.com\\@evil", "a\xc3\xa9.example.com", "", "a.example.com:443"}) {
    Decision d = rules.decide(raw, 443);
    EXPECT_FALSE(d.allowed) << raw;
    EXPECT_EQ(d.rule, "");
    EXPECT_NE(d.reason.find("invalid host"), std::string::npos) << d.reason;
  }
  EXPECT_TRUE(rules.decide("xn--bcher-kva.example.com", 443).allowed);  // punycode is fine
}

TEST(NetDecide, PortZeroIsRefused) {
  EgressRules rules = compile({.allow = {"api.example.com:1-65535"}});
  EXPECT_FALSE(rules.decide("api.example.com", 0).allowed);
}

TEST(NetDecide, EveryLoopbackSpellingIsRefused) {
  // Even a broad wildcard rule and the loopback literal in allow do not open loopback.
  EgressRules rules = compile({.allow = {"*.example.com", "127.0.0.1", "[::1]"}});
  for (const char* raw : {"127.0.0.1", "2130706433", "0177.0.0.1", "0x7f.1", "127.1", "0x7f000001",
                          "127.0.0.1.", "[::ffff:127.0.0.1]", "[::ffff:7f00:1]", "[::127.0.0.1]",
                          "[64:ff9b::7f00:1]", "[2002:7f00:1::]", "[::1]", "localhost",
                          "localhost.", "LOCALHOST", "0", "0.0.0.0", "[::]"}) {
    Decision d = rules.decide(raw, 80);
    EXPECT_FALSE(d.allowed) << raw << ": " << d.reason;
  }
  Decision d = rules.decide("0x7f.1", 80);
  EXPECT_EQ(d.rule, "127.0.0.1");  // the allow rule that was not enough
  EXPECT_NE(d.reason.find("loopback"), std::string::npos) << d.reason;
  EXPECT_NE(d.reason.find("allow_cidr"), std::string::npos) << d.reason;
}

TEST(NetDecide, MetadataAddressIsRefusedInEverySpelling) {
  EgressRules none = compile({});
  EgressRules allowed = compile({.allow = {"169.254.169.254"}});
  for (const char* raw : {"169.254.169.254", "2852039166", "0xa9fea9fe", "0251.0376.0251.0376",
                          "169.254.43518", "0xA9.0xFE.0xA9.0xFE", "[::ffff:169.254.169.254]",
                          "[::ffff:a9fe:a9fe]", "[64:ff9b::a9fe:a9fe]", "[2002:a9fe:a9fe::]"}) {
    Decision d = none.decide(raw, 80);
    EXPECT_FALSE(d.allowed) << raw;
    Decision e = allowed.decide(raw, 80);
    EXPECT_FALSE(e.allowed) << raw;
    EXPECT_NE(e.reason.find("metadata"), std::string::npos) << raw << ": " << e.reason;
  }
  Decision d = none.decide("169.254.169.254", 80);
  EXPECT_NE(d.reason.find("link-local (cloud metadata)"), std::string::npos) << d.reason;
}

TEST(NetDecide, AllowCidrAllowsLiteralsOnItsPortsAndExemptsBlockedRanges) {
  EgressRules rules =
      compile({.allow = {"10.1.2.3:8080"},
               .allow_cidr = {"10.1.2.0/24:5432", "203.0.113.0/24", "fd00::/8:443"}});
  Decision db = rules.decide("10.1.2.9", 5432);
  EXPECT_TRUE(db.allowed) << db.reason;
  EXPECT_EQ(db.rule, "10.1.2.0/24:5432");
  EXPECT_EQ(db.reason, "allowed by allow_cidr");
  EXPECT_FALSE(rules.decide("10.1.2.9", 80).allowed);      // not on the range's port
  EXPECT_FALSE(rules.decide("10.1.3.9", 5432).allowed);    // outside the range
  EXPECT_TRUE(rules.decide("203.0.113.50", 443).allowed);  // no port: 80 and 443
  EXPECT_FALSE(rules.decide("203.0.113.50", 22).allowed);
  EXPECT_TRUE(rules.decide("[fd00::5]", 443).allowed);
  EXPECT_TRUE(rules.decide("[::ffff:10.1.2.9]", 5432).allowed);
  // An allow rule for a private literal is not enough when no allow_cidr covers its port.
  Decision rule_only = rules.decide("10.1.2.3", 8080);
  EXPECT_FALSE(rule_only.allowed);
  EXPECT_EQ(rule_only.rule, "10.1.2.3:8080");
  EXPECT_NE(rule_only.reason.find("private (RFC 1918)"), std::string::npos) << rule_only.reason;
}

TEST(NetDecide, DenyBeatsAllowCidr) {
  EgressRules rules = compile({.deny = {"203.0.113.9"}, .allow_cidr = {"203.0.113.0/24"}});
  EXPECT_TRUE(rules.decide("203.0.113.8", 443).allowed);
  EXPECT_FALSE(rules.decide("203.0.113.9", 443).allowed);
  EXPECT_FALSE(rules.decide("203.0.113.9", 80).allowed);
  EXPECT_FALSE(rules.decide("[::ffff:203.0.113.9]", 443).allowed);
  EXPECT_FALSE(rules.decide("3405803785", 443).allowed);
}

TEST(NetDecide, PublicLiteralAllowedByRule) {
  EgressRules rules = compile({.allow = {"203.0.113.7:443", "[2001:db8::7]:443"}});
  EXPECT_TRUE(rules.decide("203.0.113.7", 443).allowed);
  EXPECT_FALSE(rules.decide("203.0.113.7", 80).allowed);
  EXPECT_TRUE(rules.decide("[2001:db8::7]", 443).allowed);
  EXPECT_TRUE(rules.decide(host("[2001:db8::7]"), 443).allowed);
}

// ---- Vetting resolved addresses --------------------------------------------------------------

TEST(NetVet, PicksTheFirstAcceptableAnswer) {
  EgressRules rules = compile({.allow = {"api.example.com"}});
  const IpAddress answers[] = {addr("127.0.0.1"), addr("10.0.0.1"), addr("203.0.113.7"),
                               addr("203.0.113.8")};
  auto v = rules.vet_addresses(host("api.example.com"), 443, answers);
  ASSERT_TRUE(v.address);
  EXPECT_EQ(*v.address, addr("203.0.113.7"));
  EXPECT_TRUE(v.decision.allowed);
}

TEST(NetVet, RefusesNamingTheFirstAnswersRange) {
  EgressRules rules = compile({.allow = {"api.example.com"}});
  const IpAddress answers[] = {addr("127.0.0.1"), addr("169.254.169.254"), addr("::1")};
  auto v = rules.vet_addresses(host("api.example.com"), 443, answers);
  EXPECT_FALSE(v.address);
  EXPECT_FALSE(v.decision.allowed);
  EXPECT_NE(v.decision.reason.find("resolves to 127.0.0.1: loopback"), std::string::npos)
      << v.decision.reason;
  EXPECT_NE(v.decision.reason.find("allow_cidr"), std::string::npos);

  auto empty = rules.vet_addresses(host("api.example.com"), 443, {});
  EXPECT_FALSE(empty.address);
  EXPECT_FALSE(empty.decision.allowed);

  const IpAddress mapped[] = {addr("::ffff:169.254.169.254")};
  auto m = rules.vet_addresses(host("api.example.com"), 443, mapped);
  EXPECT_FALSE(m.address);
  EXPECT_NE(m.decision.reason.find("cloud metadata"), std::string::npos) << m.decision.reason;

  const IpAddress synthetic[] = {addr("198.18.0.1")};
  EXPECT_FALSE(rules.vet_addresses(host("api.example.com"), 443, synthetic).address);
}

TEST(NetVet, AllowCidrExemptsOnItsPortsOnly) {
  EgressRules rules = compile(
      {.allow = {"db.example.com:5432", "db.example.com"}, .allow_cidr = {"10.1.2.0/24:5432"}});
  const IpAddress answers[] = {addr("10.1.2.3")};
  auto ok = rules.vet_addresses(host("db.example.com"), 5432, answers);
  ASSERT_TRUE(ok.address);
  EXPECT_EQ(*ok.address, addr("10.1.2.3"));
  EXPECT_EQ(ok.decision.rule, "10.1.2.0/24:5432");
  auto wrong_port = rules.vet_addresses(host("db.example.com"), 443, answers);
  EXPECT_FALSE(wrong_port.address);
  // A mapped answer is dialled as the IPv4 address it stands for.
  const IpAddress mapped[] = {addr("::ffff:10.1.2.3")};
  auto m = rules.vet_addresses(host("db.example.com"), 5432, mapped);
  ASSERT_TRUE(m.address);
  EXPECT_TRUE(m.address->is_v4());
}

TEST(NetVet, PublicEmbeddedAddressesAreDialled) {
  EgressRules rules = compile({.allow = {"api.example.com"}});
  for (const char* text : {"64:ff9b::808:808", "2002:808:808::1", "::ffff:8.8.8.8"}) {
    const IpAddress answers[] = {addr(text)};
    EXPECT_TRUE(rules.vet_addresses(host("api.example.com"), 443, answers).address) << text;
  }
}

TEST(NetVet, TheHostsOwnAddressesAreRefusedLikeLoopbackUnlessAnAllowCidrCoversThem) {
  // 192.0.2.2 stands for the supervisor host's eth0 address: in no blocked range, yet it
  // reaches the host's services on 0.0.0.0.
  auto host_local = [](const IpAddress& a) -> Result<bool> { return a == addr("192.0.2.2"); };
  EgressRules rules = compile({.allow = {"*.example.com:18090"}});
  const IpAddress own[] = {addr("192.0.2.2")};
  auto v = rules.vet_addresses(host("evil.example.com"), 18090, own, host_local);
  EXPECT_FALSE(v.address);
  EXPECT_FALSE(v.decision.allowed);
  EXPECT_NE(v.decision.reason.find("resolves to 192.0.2.2: an address of this host"),
            std::string::npos)
      << v.decision.reason;
  EXPECT_NE(v.decision.reason.find("allow_cidr"), std::string::npos) << v.decision.reason;
  // Another answer that is not the host's own is dialled instead.
  const IpAddress two[] = {addr("192.0.2.2"), addr("203.0.113.7")};
  auto other = rules.vet_addresses(host("evil.example.com"), 18090, two, host_local);
  ASSERT_TRUE(other.address);
  EXPECT_EQ(*other.address, addr("203.0.113.7"));
  // A mapped answer is judged as the IPv4 address it stands for.
  const IpAddress mapped[] = {addr("::ffff:192.0.2.2")};
  EXPECT_FALSE(rules.vet_addresses(host("evil.example.com"), 18090, mapped, host_local).address);
  // An explicit allow_cidr makes it reachable, on its ports only.
  EgressRules cidr =
      compile({.allow = {"*.example.com:18090"}, .allow_cidr = {"192.0.2.2/32:18090"}});
  auto ok = cidr.vet_addresses(host("evil.example.com"), 18090, own, host_local);
  ASSERT_TRUE(ok.address);
  EXPECT_EQ(ok.decision.rule, "192.0.2.2/32:18090");
}

TEST(NetVet, AnAnswerWhoseLocalityCannotBeCheckedIsRefused) {
  auto unknown = [](const IpAddress&) -> Result<bool> {
    return Error(Errc::kSystem, "route lookup failed", EMFILE);
  };
  EgressRules rules = compile({.allow = {"api.example.com"}});
  const IpAddress answers[] = {addr("203.0.113.7")};
  auto v = rules.vet_addresses(host("api.example.com"), 443, answers, unknown);
  EXPECT_FALSE(v.address);
  EXPECT_NE(v.decision.reason.find("could not check"), std::string::npos) << v.decision.reason;
}

TEST(NetVet, AnAddressDenyRuleHoldsWhateverNameResolvesToIt) {
  // The review's repro: the address is denied, an allowed name pinned to it must not reach it,
  // not even with an allow_cidr that exempts it from the blocked ranges.
  EgressRules rules = compile({.allow = {"*.example.com:18100"},
                               .deny = {"127.0.0.1"},
                               .allow_cidr = {"127.0.0.0/8:18100"},
                               .resolve = {{"db.example.com", "127.0.0.1"}}});
  EXPECT_FALSE(rules.decide("127.0.0.1", 18100).allowed);
  ASSERT_TRUE(rules.decide("db.example.com", 18100).allowed);  // the name itself is allowed
  const IpAddress denied[] = {addr("127.0.0.1")};
  auto v = rules.vet_addresses(host("db.example.com"), 18100, denied);
  EXPECT_FALSE(v.address);
  EXPECT_FALSE(v.decision.allowed);
  EXPECT_EQ(v.decision.rule, "127.0.0.1");
  EXPECT_NE(v.decision.reason.find("resolves to 127.0.0.1, denied by rule"), std::string::npos)
      << v.decision.reason;
  // A mapped answer is the IPv4 address it stands for; another address in the CIDR is fine.
  const IpAddress mapped[] = {addr("::ffff:127.0.0.1")};
  EXPECT_FALSE(rules.vet_addresses(host("db.example.com"), 18100, mapped).address);
  const IpAddress two[] = {addr("127.0.0.1"), addr("127.0.0.2")};
  auto other = rules.vet_addresses(host("db.example.com"), 18100, two);
  ASSERT_TRUE(other.address);
  EXPECT_EQ(*other.address, addr("127.0.0.2"));
  // A deny rule with a port holds on that port only.
  EgressRules ported = compile({.allow = {"api.example.com:80-90"}, .deny = {"203.0.113.7:81"}});
  const IpAddress public_answer[] = {addr("203.0.113.7")};
  EXPECT_FALSE(ported.vet_addresses(host("api.example.com"), 81, public_answer).address);
  EXPECT_TRUE(ported.vet_addresses(host("api.example.com"), 80, public_answer).address);
}

// ---- Pins, forwards, ports -------------------------------------------------------------------

TEST(NetPins, ResolveEntriesAreFoundByCanonicalName) {
  EgressRules rules =
      compile({.allow = {"db.example.com"},
               .resolve = {{"DB.example.com.", "203.0.113.5"}, {"v6.example.com", "2001:DB8::5"}}});
  auto pin = rules.pinned("db.example.com");
  ASSERT_TRUE(pin);
  ASSERT_EQ(pin->size(), 1u);
  EXPECT_EQ((*pin)[0], addr("203.0.113.5"));
  EXPECT_EQ((*rules.pinned("v6.example.com"))[0].to_string(), "2001:db8::5");
  EXPECT_FALSE(rules.pinned("other.example.com"));
  // A pin to a blocked address is still vetted.
  EgressRules private_pin =
      compile({.allow = {"db.example.com"}, .resolve = {{"db.example.com", "10.0.0.5"}}});
  auto answers = *private_pin.pinned("db.example.com");
  EXPECT_FALSE(private_pin.vet_addresses(host("db.example.com"), 443, answers).address);
}

TEST(NetPins, MalformedPinsAreErrors) {
  for (const auto& [name, address] :
       std::vector<std::pair<std::string, std::string>>{{"db.example.com", "0x7f.1"},
                                                        {"db.example.com", "db2.example.com"},
                                                        {"db.example.com", "[2001:db8::1]"},
                                                        {"db.example.com", ""},
                                                        {"203.0.113.5", "203.0.113.6"},
                                                        {"a..example.com", "203.0.113.5"},
                                                        {"", "203.0.113.5"}}) {
    auto r = EgressRules::compile({.resolve = {{name, address}}});
    EXPECT_FALSE(r.ok()) << name << " = " << address;
    if (!r.ok()) {
      EXPECT_NE(r.error().message().find("resolve"), std::string::npos);
    }
  }
  auto dup = EgressRules::compile(
      {.resolve = {{"db.example.com", "203.0.113.5"}, {"DB.example.com", "203.0.113.6"}}});
  ASSERT_FALSE(dup.ok());
  EXPECT_NE(dup.error().message().find("two pins"), std::string::npos);
}

TEST(NetForwards, CompiledWhenTheirTargetIsAllowed) {
  EgressRules rules =
      compile({.allow = {"db.example.com:5432"}, .forward = {"5432=db.example.com:5432"}});
  ASSERT_EQ(rules.forwards().size(), 1u);
  EXPECT_EQ(rules.forwards()[0].listen_port, 5432);
  EXPECT_EQ(rules.forwards()[0].target, "db.example.com:5432");

  auto refused =
      EgressRules::compile({.allow = {"db.example.com"}, .forward = {"5432=db.example.com:5432"}});
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.error().message().find("forward to db.example.com:5432 is refused"),
            std::string::npos)
      << refused.error().message();
  auto denied = EgressRules::compile({.allow = {"db.example.com:5432"},
                                      .deny = {"db.example.com"},
                                      .forward = {"5432=db.example.com:5432"}});
  EXPECT_FALSE(denied.ok());
  auto dup =
      EgressRules::compile({.allow = {"*.example.com:5432"},
                            .forward = {"5432=db.example.com:5432", "5432=db2.example.com:5432"}});
  ASSERT_FALSE(dup.ok());
  EXPECT_NE(dup.error().message().find("already forwarded"), std::string::npos);
  auto literal =
      EgressRules::compile({.allow_cidr = {"10.0.0.0/8:5432"}, .forward = {"15432=10.1.2.3:5432"}});
  EXPECT_TRUE(literal.ok());
  auto loopback =
      EgressRules::compile({.allow = {"127.0.0.1:5432"}, .forward = {"5432=127.0.0.1:5432"}});
  EXPECT_FALSE(loopback.ok());
}

TEST(NetCompile, FirstMalformedEntryIsNamed) {
  auto bad_allow = EgressRules::compile({.allow = {"api.example.com", "a..b"}});
  ASSERT_FALSE(bad_allow.ok());
  EXPECT_NE(bad_allow.error().message().find("\"a..b\""), std::string::npos);
  auto bad_deny = EgressRules::compile({.deny = {"*.com"}});
  ASSERT_FALSE(bad_deny.ok());
  EXPECT_NE(bad_deny.error().message().find("\"*.com\""), std::string::npos);
  auto bad_cidr = EgressRules::compile({.allow_cidr = {"10.0.0.1/8"}});
  ASSERT_FALSE(bad_cidr.ok());
  EXPECT_NE(bad_cidr.error().message().find("10.0.0.1/8"), std::string::npos);
  auto bad_forward = EgressRules::compile({.forward = {"5432:db.example.com:5432"}});
  ASSERT_FALSE(bad_forward.ok());
  EXPECT_NE(bad_forward.error().message().find("5432:db.example.com:5432"), std::string::npos);
}

TEST(NetAllowedPorts, UnionOfAllowAndAllowCidrMerged) {
  EXPECT_TRUE(compile({}).allowed_ports().empty());
  EgressRules rules = compile({.allow = {"a.example.com", "b.example.com:8000-8100",
                                         "c.example.com:8101", "d.example.com:22"},
                               .deny = {"e.example.com:9999"},
                               .allow_cidr = {"10.0.0.0/8:5432", "10.0.0.0/8:8050-8200"},
                               .forward = {}});
  auto ports = rules.allowed_ports();
  ASSERT_EQ(ports.size(), 5u);
  EXPECT_EQ(ports[0].lo, 22);
  EXPECT_EQ(ports[0].hi, 22);
  EXPECT_EQ(ports[1].lo, 80);
  EXPECT_EQ(ports[2].lo, 443);
  EXPECT_EQ(ports[3].lo, 5432);
  EXPECT_EQ(ports[4].lo, 8000);
  EXPECT_EQ(ports[4].hi, 8200);
  EgressRules all = compile({.allow = {"a.example.com:1-65535", "b.example.com"}});
  ASSERT_EQ(all.allowed_ports().size(), 1u);
  EXPECT_EQ(all.allowed_ports()[0].hi, 65535);
}

// ---- Synthetic names -------------------------------------------------------------------------

TEST(NetSynthetic, SequentialNeverReusedAndMappedBack) {
  SyntheticNames names;
  auto a = names.address_for("a.example.com");
  auto b = names.address_for("b.example.com");
  ASSERT_TRUE(a && b);
  EXPECT_EQ(a->to_string(), "198.18.0.1");
  EXPECT_EQ(b->to_string(), "198.18.0.2");
  EXPECT_EQ(*names.address_for("a.example.com"), *a);
  EXPECT_EQ(names.name_for(*a), "a.example.com");
  EXPECT_EQ(names.name_for(*b), "b.example.com");
  EXPECT_FALSE(names.name_for(addr("198.18.0.3")));
  EXPECT_FALSE(names.name_for(addr("198.18.0.0")));
  EXPECT_FALSE(names.name_for(addr("203.0.113.1")));
  EXPECT_FALSE(names.name_for(addr("2001:db8::1")));
  EXPECT_EQ(names.name_for(addr("::ffff:198.18.0.1")), "a.example.com");
  // The synthetic range is blocked: nothing dials a synthetic address directly.
  EXPECT_TRUE(blocked_range(*a));
}

TEST(NetSynthetic, ExhaustsAfterTheWholeRangeWithoutItsEnds) {
  SyntheticNames names;
  std::set<std::string> seen;
  std::optional<IpAddress> last;
  for (int i = 0; i < 131070; ++i) {
    auto a = names.address_for("n" + std::to_string(i) + ".example.com");
    ASSERT_TRUE(a) << i;
    std::string text = a->to_string();
    ASSERT_NE(text, "198.18.0.0");
    ASSERT_NE(text, "198.19.255.255");
    ASSERT_TRUE(seen.insert(text).second) << text;
    last = a;
  }
  EXPECT_EQ(last->to_string(), "198.19.255.254");
  EXPECT_EQ(names.name_for(*last), "n131069.example.com");
  EXPECT_FALSE(names.address_for("one.more.example.com"));
  EXPECT_TRUE(names.address_for("n5.example.com"));  // known names keep their address
}

}  // namespace
}  // namespace cordon::net
