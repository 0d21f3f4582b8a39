// The built-in profiles and the names of the policy enums.
#include <gtest/gtest.h>

#include <algorithm>

#include "policy/loader.h"

namespace cordon::policy {
namespace {

constexpr uint64_t kMiB = 1024 * 1024;
constexpr uint64_t kGiB = 1024 * kMiB;

bool contains(const std::vector<std::string>& list, const std::string& item) {
  return std::find(list.begin(), list.end(), item) != list.end();
}

// The values every profile shares (the brief's "common to all").
void expect_common(const Policy& p) {
  EXPECT_EQ(p.filesystem.home.value, HomeMode::kTmpfs);
  EXPECT_EQ(p.filesystem.landlock.value, LandlockMode::kRequired);
  EXPECT_EQ(p.filesystem.tmp_size_bytes.value, 1 * kGiB);
  EXPECT_TRUE(p.filesystem.read_paths.value.empty());
  EXPECT_TRUE(p.filesystem.write_paths.value.empty());
  EXPECT_EQ(p.filesystem.hidden_paths.value, builtin_hidden_paths());
  EXPECT_EQ(p.filesystem.protected_paths.value, builtin_protected_paths());
  EXPECT_EQ(p.resources.memory_fallback.value, MemoryFallback::kPerProcess);
  EXPECT_EQ(p.resources.pids.value, std::optional<uint64_t>(4096));
  EXPECT_EQ(p.resources.open_files.value, std::optional<uint64_t>(8192));
  EXPECT_FALSE(p.resources.cpus.value.has_value());
  EXPECT_TRUE(p.network.allow.value.empty());
  EXPECT_TRUE(p.network.loopback_ports.value.empty());
  EXPECT_TRUE(p.environment.pass.value.empty());
  EXPECT_TRUE(p.environment.set.value.empty());
  EXPECT_TRUE(p.sources.empty());
}

TEST(PolicyProfiles, ReadOnly) {
  Policy p = builtin_profile(Profile::kReadOnly);
  expect_common(p);
  EXPECT_EQ(p.profile.value, Profile::kReadOnly);
  EXPECT_EQ(p.filesystem.workspace.value, WorkspaceAccess::kReadOnly);
  EXPECT_EQ(p.network.mode.value, NetworkMode::kNone);
  EXPECT_EQ(p.gate.ask_at.value, RiskLevel::kHigh);
  EXPECT_EQ(p.gate.reviewers.value, 1);
  EXPECT_EQ(p.resources.memory_bytes.value, std::optional<uint64_t>(8 * kGiB));
  EXPECT_FALSE(p.resources.timeout_seconds.value.has_value());
}

TEST(PolicyProfiles, WorkspaceWrite) {
  Policy p = builtin_profile(Profile::kWorkspaceWrite);
  expect_common(p);
  EXPECT_EQ(p.filesystem.workspace.value, WorkspaceAccess::kReadWrite);
  EXPECT_EQ(p.network.mode.value, NetworkMode::kProxy);
  EXPECT_EQ(p.gate.ask_at.value, RiskLevel::kHigh);
  EXPECT_EQ(p.gate.reviewers.value, 1);
  EXPECT_EQ(p.resources.memory_bytes.value, std::optional<uint64_t>(8 * kGiB));
  EXPECT_FALSE(p.resources.timeout_seconds.value.has_value());
}

TEST(PolicyProfiles, CustomerData) {
  Policy p = builtin_profile(Profile::kCustomerData);
  expect_common(p);
  EXPECT_EQ(p.filesystem.workspace.value, WorkspaceAccess::kReadWrite);
  EXPECT_EQ(p.network.mode.value, NetworkMode::kProxy);
  EXPECT_EQ(p.gate.ask_at.value, RiskLevel::kMedium);
  EXPECT_EQ(p.gate.reviewers.value, 1);
  EXPECT_EQ(p.resources.memory_bytes.value, std::optional<uint64_t>(4 * kGiB));
  EXPECT_EQ(p.resources.timeout_seconds.value, std::optional<uint64_t>(8 * 3600));
}

TEST(PolicyProfiles, Production) {
  Policy p = builtin_profile(Profile::kProduction);
  expect_common(p);
  EXPECT_EQ(p.filesystem.workspace.value, WorkspaceAccess::kReadWrite);
  EXPECT_EQ(p.network.mode.value, NetworkMode::kProxy);
  EXPECT_EQ(p.gate.ask_at.value, RiskLevel::kEverything);
  EXPECT_EQ(p.gate.reviewers.value, 1);
  EXPECT_EQ(p.resources.memory_bytes.value, std::optional<uint64_t>(4 * kGiB));
  EXPECT_EQ(p.resources.timeout_seconds.value, std::optional<uint64_t>(4 * 3600));
}

TEST(PolicyProfiles, FinancialIsProductionWithTwoReviewers) {
  Policy p = builtin_profile(Profile::kFinancial);
  expect_common(p);
  EXPECT_EQ(p.gate.ask_at.value, RiskLevel::kEverything);
  EXPECT_EQ(p.gate.reviewers.value, 2);
  EXPECT_EQ(p.resources.memory_bytes.value, std::optional<uint64_t>(4 * kGiB));
  EXPECT_EQ(p.resources.timeout_seconds.value, std::optional<uint64_t>(4 * 3600));
}

TEST(PolicyProfiles, OriginsNameTheProfile) {
  Policy p = builtin_profile(Profile::kCustomerData);
  EXPECT_EQ(p.profile.origin.describe(), "profile customer-data");
  EXPECT_EQ(p.filesystem.hidden_paths.origin.describe(), "profile customer-data");
  EXPECT_EQ(p.resources.timeout_seconds.origin.describe(), "profile customer-data");
  EXPECT_EQ(p.gate.reviewers.origin.describe(), "profile customer-data");
  EXPECT_EQ(p.network.loopback_ports.origin.line, 0);
}

TEST(PolicyProfiles, BuiltinHiddenPathsCoverSecretsAndSockets) {
  const auto& hidden = builtin_hidden_paths();
  EXPECT_EQ(hidden.size(), 31u);
  for (const char* path :
       {"~/.ssh", "~/.aws", "~/.gnupg", "~/.kube", "~/.docker", "~/.netrc", "~/.config/gh",
        "~/.git-credentials", "~/.vault-token", "/var/run/docker.sock", "/run/docker.sock",
        "/run/containerd", "/run/user", "/etc/shadow", "/etc/ssh/ssh_host_ed25519_key", "/etc/ssl/private",
        "/etc/security/opasswd"}) {
    EXPECT_TRUE(contains(hidden, path)) << path;
  }
}

TEST(PolicyProfiles, BuiltinProtectedPathsAreWorkspaceRelative) {
  const auto& protect = builtin_protected_paths();
  EXPECT_EQ(protect.size(), 35u);
  for (const char* path :
       {".git/hooks/", ".git/config", ".git/config.worktree", ".git/worktrees/", "cordon.toml",
        ".envrc", ".vscode/", ".claude/", ".cursor/", ".gemini/", ".zed/", ".mcp.json",
        ".devcontainer.json", ".husky/", ".pre-commit-config.yaml", ".bashrc", ".zlogin"}) {
    EXPECT_TRUE(contains(protect, path)) << path;
  }
  for (const auto& path : protect) {
    EXPECT_NE(path.front(), '/') << path;
    EXPECT_NE(path.front(), '~') << path;
  }
}

TEST(PolicyProfiles, NamesRoundTrip) {
  for (Profile p : {Profile::kReadOnly, Profile::kWorkspaceWrite, Profile::kCustomerData,
                    Profile::kProduction, Profile::kFinancial}) {
    EXPECT_EQ(profile_from_string(to_string(p)), p);
  }
  EXPECT_STREQ(to_string(Profile::kWorkspaceWrite), "workspace-write");
  EXPECT_EQ(profile_from_string("Production"), std::nullopt);
  EXPECT_EQ(profile_from_string(""), std::nullopt);
  EXPECT_STREQ(to_string(MemoryFallback::kFailClosed), "fail");
  EXPECT_STREQ(to_string(LandlockMode::kBestEffort), "best-effort");
  EXPECT_STREQ(to_string(RiskLevel::kEverything), "everything");
  EXPECT_STREQ(to_string(NetworkMode::kProxy), "proxy");
  EXPECT_STREQ(to_string(HomeMode::kPersist), "persist");
  EXPECT_STREQ(to_string(WorkspaceAccess::kReadOnly), "read-only");
}

}  // namespace
}  // namespace cordon::policy
