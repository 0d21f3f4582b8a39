// [network] beyond single-entry errors: stored values, layering, trust and the egress config.
#include <gtest/gtest.h>

#include "policy/egress_config.h"
#include "policy/loader.h"

namespace cordon::policy {
namespace {

Policy base() {
  return builtin_profile(Profile::kWorkspaceWrite);
}

Policy trusted(const Policy& lower, const std::string& toml, const char* source = "user.toml") {
  auto r = apply_toml(lower, toml, source, true);
  EXPECT_TRUE(r.ok()) << r.error().message() << " / " << r.error().hint();
  return r.ok() ? std::move(r).value() : Policy{};
}

Result<Policy> untrusted(const Policy& lower, const std::string& toml) {
  return apply_toml(lower, toml, "/ws/cordon.toml", false);
}

constexpr const char* kFull = R"([network]
allow = ["API.example.com", "*.cdn.example.com", "db.example.com:5432"]
deny = ["uploads.cdn.example.com"]
allow_cidr = ["10.1.2.0/24:5432"]
resolve = { "DB.Example.com." = "10.1.2.5", "v6.example.com" = "2001:DB8:0::5" }
forward = ["5432=db.example.com:5432"]
)";

TEST(PolicyNetwork, StoresEntriesAsWrittenAndPinsCanonical) {
  Policy p = trusted(base(), kFull);
  const NetworkPolicy& n = p.network;
  EXPECT_EQ(n.allow.value, (std::vector<std::string>{"API.example.com", "*.cdn.example.com",
                                                     "db.example.com:5432"}));
  EXPECT_EQ(n.deny.value, std::vector<std::string>{"uploads.cdn.example.com"});
  EXPECT_EQ(n.allow_cidr.value, std::vector<std::string>{"10.1.2.0/24:5432"});
  EXPECT_EQ(n.resolve.value,
            (std::map<std::string, std::string>{{"db.example.com", "10.1.2.5"},
                                                {"v6.example.com", "2001:db8::5"}}));
  EXPECT_EQ(n.forward.value, std::vector<std::string>{"5432=db.example.com:5432"});
  EXPECT_EQ(n.deny.origin.describe(), "user.toml:3");
  EXPECT_EQ(n.resolve.origin.describe(), "user.toml:5");
}

TEST(PolicyNetwork, ProfilesStartEmptyWithOrigins) {
  for (Profile profile : {Profile::kReadOnly, Profile::kWorkspaceWrite, Profile::kFinancial}) {
    Policy p = builtin_profile(profile);
    EXPECT_TRUE(p.network.deny.value.empty());
    EXPECT_TRUE(p.network.allow_cidr.value.empty());
    EXPECT_TRUE(p.network.resolve.value.empty());
    EXPECT_TRUE(p.network.forward.value.empty());
    std::string origin = std::string("profile ") + to_string(profile);
    EXPECT_EQ(p.network.deny.origin.describe(), origin);
    EXPECT_EQ(p.network.allow_cidr.origin.describe(), origin);
    EXPECT_EQ(p.network.resolve.origin.describe(), origin);
    EXPECT_EQ(p.network.forward.origin.describe(), origin);
  }
}

TEST(PolicyNetwork, LayersAppendListsAndMergePins) {
  Policy lower = trusted(base(), kFull);
  Policy upper = trusted(lower, R"([network]
deny = ["uploads.cdn.example.com", "tracker.example.com"]
resolve = { "db.example.com" = "10.1.2.6", "new.example.com" = "203.0.113.9" }
)",
                         "config.toml");
  EXPECT_EQ(upper.network.deny.value,
            (std::vector<std::string>{"uploads.cdn.example.com", "tracker.example.com"}));
  EXPECT_EQ(upper.network.resolve.value.at("db.example.com"), "10.1.2.6");
  EXPECT_EQ(upper.network.resolve.value.at("v6.example.com"), "2001:db8::5");
  EXPECT_EQ(upper.network.resolve.value.at("new.example.com"), "203.0.113.9");
}

TEST(PolicyNetwork, ForwardPortTakenByALowerLayer) {
  Policy lower = trusted(base(), kFull);
  auto r = apply_toml(lower,
                      "[network]\nallow = [\"db2.example.com:5432\"]\n\nforward = "
                      "[\"5432=db2.example.com:5432\"]\n",
                      "config.toml", true);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), Errc::kPolicy);
  EXPECT_EQ(r.error().message().rfind("config.toml:4: network.forward:", 0), 0u)
      << r.error().message();
  EXPECT_NE(r.error().message().find("already forwarded by \"5432=db.example.com:5432\""),
            std::string::npos);
  // Repeating the same forward is not a second one.
  EXPECT_TRUE(apply_toml(lower, "[network]\nforward = [\"5432=db.example.com:5432\"]\n",
                         "config.toml", true)
                  .ok());
}

TEST(PolicyNetwork, ErrorsKeepTheWallsReasonAsAPolicyError) {
  auto r = apply_toml(base(), "[network]\nallow = [\"2130706433\"]\n", "bad.toml", true);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), Errc::kPolicy);
  EXPECT_EQ(r.error().message().rfind("bad.toml:2: network.allow: invalid host rule", 0), 0u)
      << r.error().message();
  EXPECT_NE(r.error().message().find("dotted quad (\"127.0.0.1\")"), std::string::npos);
  EXPECT_FALSE(r.error().hint().empty());
}

// ---- Trust ----------------------------------------------------------------------------------

TEST(PolicyNetworkTrust, UntrustedMayAddDenyRules) {
  Policy lower = trusted(base(), kFull);
  auto r = untrusted(lower, "[network]\ndeny = [\"*.example.net\", \"api.example.com:8080\"]\n");
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_EQ(r->network.deny.value.size(), 3u);
}

TEST(PolicyNetworkTrust, UntrustedMayRepeatWhatIsThere) {
  Policy lower = trusted(base(), kFull);
  auto r = untrusted(lower, kFull);
  EXPECT_TRUE(r.ok()) << r.error().message();
  // The same pin spelled differently is the same pin.
  auto same = untrusted(lower, "[network]\nresolve = { \"db.example.com\" = \"10.1.2.5\" }\n");
  EXPECT_TRUE(same.ok()) << same.error().message();
}

void expect_refused(const Result<Policy>& r, int line, const std::string& what) {
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), Errc::kPolicy);
  std::string prefix = "/ws/cordon.toml:" + std::to_string(line) +
                       ": an untrusted workspace file may tighten the policy but not weaken it";
  EXPECT_EQ(r.error().message().rfind(prefix, 0), 0u) << r.error().message();
  EXPECT_NE(r.error().message().find(what), std::string::npos) << r.error().message();
  EXPECT_NE(r.error().hint().find("trusted_workspaces"), std::string::npos);
}

TEST(PolicyNetworkTrust, UntrustedMayNotAddForwards) {
  Policy lower = trusted(base(), "[network]\nallow = [\"*.example.com:5432\"]\n");
  expect_refused(untrusted(lower, "[network]\nforward = [\"15432=db.example.com:5432\"]\n"), 2,
                 "adds \"15432=db.example.com:5432\" to network.forward");
}

TEST(PolicyNetworkTrust, UntrustedMayNotChangeAPin) {
  Policy lower = trusted(base(), kFull);
  expect_refused(untrusted(lower, "[network]\nresolve = { \"db.example.com\" = \"10.1.2.9\" }\n"),
                 2,
                 "changes the pin of \"db.example.com\" in network.resolve from \"10.1.2.5\" to "
                 "\"10.1.2.9\"");
}

TEST(PolicyNetworkTrust, UntrustedMayNotAddAllowOrAllowCidr) {
  Policy lower = trusted(base(), kFull);
  expect_refused(untrusted(lower, "[network]\nallow = [\"evil.example\"]\n"), 2,
                 "adds \"evil.example\" to network.allow");
  expect_refused(untrusted(lower, "[network]\n\nallow_cidr = [\"169.254.169.254\"]\n"), 3,
                 "adds \"169.254.169.254\" to network.allow_cidr");
}

TEST(PolicyNetworkTrust, ADenyThatBreaksAForwardIsAnError) {
  Policy lower = trusted(base(), kFull);
  auto r = untrusted(lower, "[network]\ndeny = [\"db.example.com\"]\n");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message().find("/ws/cordon.toml:2: network: forward to db.example.com:5432 "
                                     "is refused: denied by rule"),
            std::string::npos)
      << r.error().message();
}

// ---- The egress config ----------------------------------------------------------------------

TEST(PolicyEgressConfig, CarriesEveryEntryAndCompiles) {
  Policy p = trusted(base(), kFull);
  net::EgressConfig config = egress_config(p.network);
  EXPECT_EQ(config.allow, p.network.allow.value);
  EXPECT_EQ(config.deny, p.network.deny.value);
  EXPECT_EQ(config.allow_cidr, p.network.allow_cidr.value);
  EXPECT_EQ(config.resolve, p.network.resolve.value);
  EXPECT_EQ(config.forward, p.network.forward.value);

  auto rules = net::EgressRules::compile(config);
  ASSERT_TRUE(rules.ok()) << rules.error().message();
  EXPECT_TRUE(rules->decide("api.example.com", 443).allowed);
  EXPECT_TRUE(rules->decide("img.cdn.example.com", 443).allowed);
  EXPECT_FALSE(rules->decide("uploads.cdn.example.com", 443).allowed);
  EXPECT_FALSE(rules->decide("cdn.example.com", 443).allowed);
  auto pin = rules->pinned("db.example.com");
  ASSERT_TRUE(pin);
  auto host = net::canonicalize_host("db.example.com").value();
  auto vetted = rules->vet_addresses(host, 5432, *pin);
  ASSERT_TRUE(vetted.address);
  EXPECT_EQ(vetted.address->to_string(), "10.1.2.5");
  ASSERT_EQ(rules->forwards().size(), 1u);
  EXPECT_EQ(rules->forwards()[0].listen_port, 5432);
}

TEST(PolicyEgressConfig, BuiltinProfilesCompileToDefaultDeny) {
  auto rules = net::EgressRules::compile(egress_config(base().network));
  ASSERT_TRUE(rules.ok());
  net::Decision d = rules->decide("api.example.com", 443);
  EXPECT_FALSE(d.allowed);
  EXPECT_NE(d.reason.find("add \"api.example.com\" to [network] allow"), std::string::npos);
}

}  // namespace
}  // namespace cordon::policy
