// An untrusted workspace file may tighten the policy but never weaken it.
#include <gtest/gtest.h>

#include "policy/loader.h"

namespace cordon::policy {
namespace {

Result<Policy> untrusted(const Policy& base, const std::string& toml) {
  return apply_toml(base, toml, "/ws/cordon.toml", /*trusted=*/false);
}

Result<Policy> untrusted(const std::string& toml) {
  return untrusted(builtin_profile(Profile::kWorkspaceWrite), toml);
}

struct WeakCase {
  const char* name;
  Profile base;
  const char* toml;
  int line;
  const char* what;  // part of the message naming the weakening
};

void PrintTo(const WeakCase& c, std::ostream* os) { *os << c.name; }

class PolicyTrustRefuses : public testing::TestWithParam<WeakCase> {};

TEST_P(PolicyTrustRefuses, UntrustedButAllowedWhenTrusted) {
  const WeakCase& c = GetParam();
  Policy base = builtin_profile(c.base);
  auto r = untrusted(base, c.toml);
  ASSERT_FALSE(r.ok()) << c.toml;
  EXPECT_EQ(r.error().code(), Errc::kPolicy);
  std::string prefix = "/ws/cordon.toml:" + std::to_string(c.line) +
                       ": an untrusted workspace file may tighten the policy but not weaken it";
  EXPECT_EQ(r.error().message().rfind(prefix, 0), 0u) << r.error().message();
  EXPECT_NE(r.error().message().find(c.what), std::string::npos) << r.error().message();
  EXPECT_NE(r.error().hint().find("trusted_workspaces"), std::string::npos);
  // The same file is fine from a trusted source.
  auto trusted = apply_toml(base, c.toml, "/ws/cordon.toml", /*trusted=*/true);
  EXPECT_TRUE(trusted.ok()) << trusted.error().message();
}

const WeakCase kWeakCases[] = {
    {"Read", Profile::kWorkspaceWrite, "[filesystem]\nread = [\"/nix\"]\n", 2,
     "adds \"/nix\" to filesystem.read"},
    {"Write", Profile::kWorkspaceWrite, "[filesystem]\n\nwrite = [\"~/.cache/pip\"]\n", 3,
     "adds \"~/.cache/pip\" to filesystem.write"},
    {"LandlockBestEffort", Profile::kWorkspaceWrite, "[filesystem]\nlandlock = \"best-effort\"\n",
     2, "sets filesystem.landlock = \"best-effort\" over \"required\""},
    {"HomePersist", Profile::kWorkspaceWrite, "[filesystem]\nhome = \"persist\"\n", 2,
     "filesystem.home = \"persist\""},
    {"WorkspaceWritableOverReadOnly", Profile::kReadOnly,
     "[filesystem]\nworkspace = \"read-write\"\n", 2, "filesystem.workspace = \"read-write\""},
    {"BiggerTmp", Profile::kWorkspaceWrite, "[filesystem]\ntmp_size = \"2G\"\n", 2,
     "raises filesystem.tmp_size from 1G to 2G"},
    {"Pass", Profile::kWorkspaceWrite, "[environment]\npass = [\"AWS_SECRET_ACCESS_KEY\"]\n", 2,
     "adds \"AWS_SECRET_ACCESS_KEY\" to environment.pass"},
    {"MoreMemory", Profile::kProduction, "[resources]\nmemory = \"8G\"\n", 2,
     "raises resources.memory from 4G to 8G"},
    {"NoMemoryLimit", Profile::kWorkspaceWrite, "[resources]\nmemory = \"none\"\n", 2,
     "removes the resources.memory limit (8G)"},
    {"MorePids", Profile::kWorkspaceWrite, "[resources]\npids = 100000\n", 2,
     "raises resources.pids from 4096 to 100000"},
    {"NoOpenFilesLimit", Profile::kWorkspaceWrite, "[resources]\nopen_files = \"none\"\n", 2,
     "removes the resources.open_files limit"},
    {"LongerTimeout", Profile::kProduction, "[resources]\ntimeout = \"1d\"\n", 2,
     "raises resources.timeout from 4h to 1d"},
    {"NoTimeout", Profile::kCustomerData, "[resources]\ntimeout = \"none\"\n", 2,
     "removes the resources.timeout limit (8h)"},
    {"Allow", Profile::kWorkspaceWrite, "[network]\nallow = [\"evil.example\"]\n", 2,
     "adds \"evil.example\" to network.allow"},
    {"AllowCidr", Profile::kWorkspaceWrite, "[network]\nallow_cidr = [\"10.0.0.0/8:5432\"]\n", 2,
     "adds \"10.0.0.0/8:5432\" to network.allow_cidr"},
    {"Pin", Profile::kWorkspaceWrite,
     "[network]\n\nresolve = { \"api.example.com\" = \"203.0.113.5\" }\n", 3,
     "adds the pin \"api.example.com\" = \"203.0.113.5\" to network.resolve"},
    {"LoopbackPorts", Profile::kWorkspaceWrite, "[network]\nloopback_ports = [\"22\"]\n", 2,
     "adds \"22\" to network.loopback_ports"},
    {"ProxyOverNone", Profile::kReadOnly, "[network]\nmode = \"proxy\"\n", 2,
     "sets network.mode = \"proxy\" over \"none\""},
    {"AskLess", Profile::kWorkspaceWrite, "[gate]\nask_at = \"critical\"\n", 2,
     "sets gate.ask_at = \"critical\", which asks less than \"high\""},
    {"AskLessThanEverything", Profile::kProduction, "[gate]\nask_at = \"low\"\n", 2,
     "which asks less than \"everything\""},
    {"FewerReviewers", Profile::kFinancial, "[gate]\nreviewers = 1\n", 2,
     "lowers gate.reviewers from 2 to 1"},
    {"MoveAuditStore", Profile::kWorkspaceWrite, "[audit]\nstore = \"/tmp/mine.db\"\n", 2,
     "moves the audit store"},
    {"MoveAuditKey", Profile::kWorkspaceWrite, "[audit]\nkey = \"/tmp/key.pem\"\n", 2,
     "moves the audit key"},
    {"SignLessOften", Profile::kWorkspaceWrite, "[audit]\ncheckpoint_every = 5000\n", 2,
     "raises audit.checkpoint_every from 1000 to 5000"},
};

INSTANTIATE_TEST_SUITE_P(Policy, PolicyTrustRefuses, testing::ValuesIn(kWeakCases),
                         [](const testing::TestParamInfo<WeakCase>& info) {
                           return std::string(info.param.name);
                         });

TEST(PolicyTrust, MemoryFallbackPerProcessRefusedOnlyOverFail) {
  Policy fail = apply_toml(builtin_profile(Profile::kWorkspaceWrite),
                           "[resources]\nmemory_fallback = \"fail\"\n", "user.toml", true)
                    .value();
  auto r = untrusted(fail, "[resources]\nmemory_fallback = \"per-process\"\n");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message().find("resources.memory_fallback = \"per-process\" over \"fail\""),
            std::string::npos)
      << r.error().message();
  // Over the built-in per-process it changes nothing.
  EXPECT_TRUE(untrusted("[resources]\nmemory_fallback = \"per-process\"\n").ok());
}

TEST(PolicyTrust, TighteningIsAllowed) {
  auto r = untrusted(R"(
profile = "production"
[filesystem]
workspace = "read-only"
hide = ["~/.config/secret"]
protect = ["deploy/", "Makefile"]
tmp_size = "256M"
landlock = "required"
[environment]
set = { RUST_LOG = "debug" }
[resources]
memory = "2G"
memory_fallback = "fail"
pids = 256
cpus = 2
open_files = 1024
timeout = "1h"
[network]
mode = "none"
allow = []
[gate]
ask_at = "low"
reviewers = 2
)");
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_EQ(r->filesystem.workspace.value, WorkspaceAccess::kReadOnly);
  EXPECT_EQ(r->resources.cpus.value, std::optional<double>(2.0));
  EXPECT_EQ(r->gate.reviewers.value, 2);
  EXPECT_EQ(r->environment.set.value.at("RUST_LOG"), "debug");
}

TEST(PolicyTrust, RepeatingTheLowerValueIsNotWeakening) {
  Policy base = apply_toml(builtin_profile(Profile::kWorkspaceWrite), R"(
[filesystem]
read = ["/nix"]
landlock = "best-effort"
[network]
allow = ["api.example.com"]
)",
                           "user.toml", true)
                    .value();
  auto r = untrusted(base, R"(
[filesystem]
read = ["/nix"]
landlock = "best-effort"
[network]
allow = ["api.example.com"]
[gate]
ask_at = "high"
)");
  EXPECT_TRUE(r.ok()) << r.error().message();
}

TEST(PolicyTrust, ReportsTheFirstWeakeningInFileOrder) {
  auto r = untrusted(R"(
[network]
allow = ["x.example"]
[filesystem]
read = ["/nix"]
)");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message().rfind("/ws/cordon.toml:3:", 0), 0u) << r.error().message();
}

TEST(PolicyTrust, ValidationErrorsComeBeforeTrustErrors) {
  auto r = untrusted("[filesystem]\nread = [\"relative\"]\n");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message().find("is relative"), std::string::npos) << r.error().message();
}

}  // namespace
}  // namespace cordon::policy
