// apply_toml: one document over a base policy — values, origins, list appending.
#include <gtest/gtest.h>

#include "policy/loader.h"

namespace cordon::policy {
namespace {

constexpr uint64_t kMiB = 1024 * 1024;
constexpr uint64_t kGiB = 1024 * kMiB;

Policy apply_ok(const Policy& base, const std::string& toml, const std::string& source = "a.toml") {
  auto r = apply_toml(base, toml, source, /*trusted=*/true);
  EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().message() + " / " + r.error().hint());
  return r.ok() ? std::move(r).value() : base;
}

Policy apply_ok(const std::string& toml) {
  return apply_ok(builtin_profile(Profile::kWorkspaceWrite), toml);
}

TEST(PolicyApply, EmptyDocumentChangesNothingButSources) {
  Policy base = builtin_profile(Profile::kProduction);
  Policy p = apply_ok(base, "");
  EXPECT_EQ(p.gate.ask_at.value, RiskLevel::kEverything);
  EXPECT_EQ(p.gate.ask_at.origin.describe(), "profile production");
  EXPECT_EQ(p.sources, std::vector<std::string>{"a.toml"});
}

TEST(PolicyApply, SetsEveryScalar) {
  Policy p = apply_ok(R"(
[filesystem]
workspace = "read-only"
home = "persist"
tmp_size = "512M"
landlock = "best-effort"
[resources]
memory = "2G"
memory_fallback = "fail"
pids = 512
cpus = 1.5
open_files = 4096
timeout = "2h"
[network]
mode = "none"
[gate]
ask_at = "low"
reviewers = 2
)");
  EXPECT_EQ(p.filesystem.workspace.value, WorkspaceAccess::kReadOnly);
  EXPECT_EQ(p.filesystem.home.value, HomeMode::kPersist);
  EXPECT_EQ(p.filesystem.tmp_size_bytes.value, 512 * kMiB);
  EXPECT_EQ(p.filesystem.landlock.value, LandlockMode::kBestEffort);
  EXPECT_EQ(p.resources.memory_bytes.value, std::optional<uint64_t>(2 * kGiB));
  EXPECT_EQ(p.resources.memory_fallback.value, MemoryFallback::kFailClosed);
  EXPECT_EQ(p.resources.pids.value, std::optional<uint64_t>(512));
  EXPECT_EQ(p.resources.cpus.value, std::optional<double>(1.5));
  EXPECT_EQ(p.resources.open_files.value, std::optional<uint64_t>(4096));
  EXPECT_EQ(p.resources.timeout_seconds.value, std::optional<uint64_t>(7200));
  EXPECT_EQ(p.network.mode.value, NetworkMode::kNone);
  EXPECT_EQ(p.gate.ask_at.value, RiskLevel::kLow);
  EXPECT_EQ(p.gate.reviewers.value, 2);
}

TEST(PolicyApply, NoneClearsLimits) {
  Policy p = apply_ok(builtin_profile(Profile::kProduction), R"(
[resources]
memory = "none"
pids = "none"
cpus = "none"
open_files = "none"
timeout = "none"
)");
  EXPECT_FALSE(p.resources.memory_bytes.value.has_value());
  EXPECT_FALSE(p.resources.pids.value.has_value());
  EXPECT_FALSE(p.resources.cpus.value.has_value());
  EXPECT_FALSE(p.resources.open_files.value.has_value());
  EXPECT_FALSE(p.resources.timeout_seconds.value.has_value());
}

TEST(PolicyApply, AcceptsIntegersForSizesDurationsAndCpus) {
  Policy p = apply_ok(R"(
[filesystem]
tmp_size = 2097152
[resources]
memory = 67108864
timeout = 90
cpus = 2
)");
  EXPECT_EQ(p.filesystem.tmp_size_bytes.value, 2 * kMiB);
  EXPECT_EQ(p.resources.memory_bytes.value, std::optional<uint64_t>(64 * kMiB));
  EXPECT_EQ(p.resources.timeout_seconds.value, std::optional<uint64_t>(90));
  EXPECT_EQ(p.resources.cpus.value, std::optional<double>(2.0));
}

TEST(PolicyApply, OriginsCarryFileAndLine) {
  Policy p = apply_ok(builtin_profile(Profile::kWorkspaceWrite), R"(# line 1
[resources]
memory = "4G"

[gate]
# a comment
reviewers = 2
[filesystem]
read = [
  "/nix",
]
)",
                      "/home/u/proj/cordon.toml");
  EXPECT_EQ(p.resources.memory_bytes.origin.describe(), "/home/u/proj/cordon.toml:3");
  EXPECT_EQ(p.gate.reviewers.origin.describe(), "/home/u/proj/cordon.toml:7");
  EXPECT_EQ(p.filesystem.read_paths.origin.line, 9);  // the line that opens the list
  EXPECT_EQ(p.gate.ask_at.origin.describe(), "profile workspace-write");
}

TEST(PolicyApply, ListsAppendAndSkipDuplicates) {
  Policy first = apply_ok(builtin_profile(Profile::kWorkspaceWrite), R"(
[filesystem]
read = ["/nix", "~/.local/bin/claude"]
hide = ["~/.config/secret"]
protect = ["deploy/"]
[environment]
pass = ["ANTHROPIC_API_KEY"]
[network]
allow = ["api.example.com"]
loopback_ports = ["3000"]
)",
                          "one.toml");
  Policy second = apply_ok(first, R"(
[filesystem]
read = ["/nix", "/opt/tools"]
hide = ["~/.ssh", "~/.config/other"]
protect = ["Makefile", "deploy/"]
[environment]
pass = ["MY_*"]
[network]
allow = ["git.example.com:22", "api.example.com"]
loopback_ports = ["8000-8100", 3000]
)",
                           "two.toml");
  EXPECT_EQ(second.filesystem.read_paths.value,
            (std::vector<std::string>{"/nix", "~/.local/bin/claude", "/opt/tools"}));
  const auto& hidden = second.filesystem.hidden_paths.value;
  EXPECT_EQ(hidden.size(), builtin_hidden_paths().size() + 2);
  EXPECT_EQ(hidden[hidden.size() - 2], "~/.config/secret");
  EXPECT_EQ(hidden.back(), "~/.config/other");
  const auto& protect = second.filesystem.protected_paths.value;
  EXPECT_EQ(protect.size(), builtin_protected_paths().size() + 2);
  EXPECT_EQ(protect.back(), "Makefile");
  EXPECT_EQ(second.environment.pass.value, (std::vector<std::string>{"ANTHROPIC_API_KEY", "MY_*"}));
  EXPECT_EQ(second.network.allow.value,
            (std::vector<std::string>{"api.example.com", "git.example.com:22"}));
  EXPECT_EQ(second.network.loopback_ports.value, (std::vector<std::string>{"3000", "8000-8100"}));
  EXPECT_EQ(second.sources, (std::vector<std::string>{"one.toml", "two.toml"}));
}

TEST(PolicyApply, PathsAreNormalised) {
  Policy p = apply_ok(R"(
[filesystem]
read = ["/nix//store/", "~/./bin"]
protect = ["./deploy//", "a/./b"]
)");
  EXPECT_EQ(p.filesystem.read_paths.value, (std::vector<std::string>{"/nix/store", "~/bin"}));
  const auto& protect = p.filesystem.protected_paths.value;
  EXPECT_EQ(protect[protect.size() - 2], "deploy/");  // the trailing "/" marks a directory
  EXPECT_EQ(protect.back(), "a/b");
}

TEST(PolicyApply, EnvironmentSetMergesPerKey) {
  Policy first = apply_ok(R"(
[environment]
set = { FOO = "bar", KEEP = "1" }
)");
  Policy second = apply_ok(first, R"(
[environment.set]
FOO = "baz"
NEW = "with \"quotes\""
)");
  EXPECT_EQ(second.environment.set.value,
            (std::map<std::string, std::string>{
                {"FOO", "baz"}, {"KEEP", "1"}, {"NEW", "with \"quotes\""}}));
  EXPECT_EQ(second.environment.set.origin.line, 2);
}

TEST(PolicyApply, ProfileKeyIsValidatedButDoesNotRebase) {
  Policy p = apply_ok(builtin_profile(Profile::kWorkspaceWrite), "profile = \"production\"\n");
  EXPECT_EQ(p.profile.value, Profile::kWorkspaceWrite);
  EXPECT_EQ(p.gate.ask_at.value, RiskLevel::kHigh);
}

TEST(PolicyApply, EmptyCredentialsTableIsAccepted) { apply_ok("[credentials]\n"); }

TEST(PolicyApply, AllowRulesAreKeptVerbatim) {
  Policy p = apply_ok("[network]\nallow = [\"*.Example.COM:443\"]\n");
  EXPECT_EQ(p.network.allow.value, std::vector<std::string>{"*.Example.COM:443"});
}

TEST(PolicyApply, HidingAParentOfNothingShownIsFine) {
  // A read path that is a parent of a hidden path is allowed: the hidden one stays hidden.
  Policy p = apply_ok("[filesystem]\nread = [\"~/.config\"]\n");
  EXPECT_EQ(p.filesystem.read_paths.value, std::vector<std::string>{"~/.config"});
}

TEST(PolicyApply, LoopbackPortsMayLeaveCordonsListenersToARangeOrToModeNone) {
  // A range that spans cordon's HTTP proxy port names the ports around it: accepted.
  Policy ranged = apply_ok("[network]\nloopback_ports = [\"3128-3200\"]\n");
  EXPECT_EQ(ranged.network.loopback_ports.value, std::vector<std::string>{"3128-3200"});
  // Without the proxy cordon listens on nothing in the box: the port is the programs'.
  Policy none = apply_ok("[network]\nmode = \"none\"\nloopback_ports = [3128, 1080]\n");
  EXPECT_EQ(none.network.loopback_ports.value, (std::vector<std::string>{"3128", "1080"}));
}

TEST(PolicyApply, TurningTheProxyOnOverALoopbackPortOfCordonsNamesTheModeLine) {
  Policy user = apply_ok(builtin_profile(Profile::kWorkspaceWrite),
                         "[network]\nmode = \"none\"\nloopback_ports = [3128]\n", "user.toml");
  auto r = apply_toml(user, "# the workspace's\n[network]\nmode = \"proxy\"\n", "ws.toml", true);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message().rfind("ws.toml:3: network.loopback_ports lists port 3128", 0), 0u)
      << r.error().message();
}

TEST(PolicyApply, TightenedNetworkWithNoAllowRulesIsFine) {
  Policy p = apply_ok("[network]\nmode = \"none\"\nallow = []\n");
  EXPECT_EQ(p.network.mode.value, NetworkMode::kNone);
}

}  // namespace
}  // namespace cordon::policy
