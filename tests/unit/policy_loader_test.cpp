// load_policy: layering of the user, workspace and --config files over a profile, in temp dirs.
#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "policy/loader.h"

namespace cordon::policy {
namespace {

namespace fs = std::filesystem;

class PolicyLoader : public testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = testing::TempDir() + "cordon-policy-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl.data()), nullptr);
    root_ = tmpl;
    home_ = root_ + "/home";
    workspace_ = home_ + "/src/proj";
    user_config_ = home_ + "/.config/cordon/config.toml";
    fs::create_directories(workspace_);
    fs::create_directories(fs::path(user_config_).parent_path());
  }
  void TearDown() override { fs::remove_all(root_); }

  static void write(const std::string& path, const std::string& text) {
    std::ofstream(path) << text;
  }
  void write_user(const std::string& text) { write(user_config_, text); }
  void write_workspace(const std::string& text) { write(workspace_file(), text); }
  std::string workspace_file() const { return workspace_ + "/cordon.toml"; }
  std::string config_file(const std::string& text) {
    std::string path = root_ + "/extra.toml";
    write(path, text);
    return path;
  }

  LoadRequest request() const {
    LoadRequest r;
    r.workspace = workspace_;
    r.user_config_path = user_config_;
    r.home = home_;
    return r;
  }

  Policy load_ok(const LoadRequest& r) {
    auto result = load_policy(r);
    EXPECT_TRUE(result.ok()) << result.error().message() << " / " << result.error().hint();
    return result.ok() ? std::move(result).value() : Policy{};
  }
  Policy load_ok() { return load_ok(request()); }

  std::string root_, home_, workspace_, user_config_;
};

TEST_F(PolicyLoader, NoFilesGivesWorkspaceWrite) {
  Policy p = load_ok();
  EXPECT_EQ(p.profile.value, Profile::kWorkspaceWrite);
  EXPECT_EQ(p.profile.origin.describe(), "default");
  EXPECT_TRUE(p.sources.empty());
  EXPECT_EQ(p.network.mode.origin.describe(), "profile workspace-write");
}

TEST_F(PolicyLoader, EmptyPathsSkipTheirFiles) {
  LoadRequest r;  // no workspace, no user file, no home
  EXPECT_EQ(load_ok(r).profile.value, Profile::kWorkspaceWrite);
}

TEST_F(PolicyLoader, LaterLayersOverrideScalarsAndAppendLists) {
  write_user("[resources]\nmemory = \"2G\"\npids = 100\n[filesystem]\nread = [\"/nix\"]\n");
  write_workspace("[resources]\npids = 50\n[filesystem]\nhide = [\"~/.config/x\"]\n");
  LoadRequest r = request();
  r.config_flag =
      config_file("\n[resources]\nmemory = \"1G\"\n[filesystem]\nread = [\"/opt/x\"]\n");
  Policy p = load_ok(r);
  EXPECT_EQ(p.resources.memory_bytes.value, std::optional<uint64_t>(1ULL << 30));
  EXPECT_EQ(p.resources.memory_bytes.origin.describe(), *r.config_flag + ":3");
  EXPECT_EQ(p.resources.pids.value, std::optional<uint64_t>(50));
  EXPECT_EQ(p.resources.pids.origin.describe(), workspace_file() + ":2");
  EXPECT_EQ(p.filesystem.read_paths.value, (std::vector<std::string>{"/nix", "/opt/x"}));
  EXPECT_EQ(p.filesystem.hidden_paths.value.back(), "~/.config/x");
  EXPECT_EQ(p.sources, (std::vector<std::string>{user_config_, workspace_file(), *r.config_flag}));
}

// The workspace file comes with the repository: repeating what the user allowed must not make it
// look like the origin of the allow.
TEST_F(PolicyLoader, AListsOriginIsTheLastLayerThatAddedToIt) {
  write_user("[network]\nallow = [\"a.example.com\"]\n");
  write_workspace("[network]\n\nallow = [\"a.example.com\"]\n");
  LoadRequest r = request();
  Policy p = load_ok(r);
  EXPECT_EQ(p.network.allow.value, (std::vector<std::string>{"a.example.com"}));
  EXPECT_EQ(p.network.allow.origin.describe(), user_config_ + ":2");
  r.allow_flags = {"a.example.com"};
  EXPECT_EQ(load_ok(r).network.allow.origin.describe(), user_config_ + ":2");
  r.allow_flags = {"a.example.com", "b.example.com"};
  EXPECT_EQ(load_ok(r).network.allow.origin.describe(), "--allow");
}

TEST_F(PolicyLoader, ProfileKeyOfTheHighestLayerWins) {
  write_user("profile = \"customer-data\"\n");
  LoadRequest r = request();
  r.config_flag = config_file("\n\nprofile = \"production\"\n");
  Policy p = load_ok(r);
  EXPECT_EQ(p.profile.value, Profile::kProduction);
  EXPECT_EQ(p.profile.origin.describe(), *r.config_flag + ":3");
  EXPECT_EQ(p.gate.ask_at.value, RiskLevel::kEverything);
}

TEST_F(PolicyLoader, ProfileSwitchAppliesEveryLayerOverTheChosenProfile) {
  // The user file lowers memory; the --config file, read later, picks the profile.
  write_user("[resources]\nmemory = \"1G\"\n");
  LoadRequest r = request();
  r.config_flag = config_file("profile = \"financial\"\n");
  Policy p = load_ok(r);
  EXPECT_EQ(p.profile.value, Profile::kFinancial);
  EXPECT_EQ(p.gate.reviewers.value, 2);
  EXPECT_EQ(p.resources.timeout_seconds.value, std::optional<uint64_t>(4 * 3600));
  EXPECT_EQ(p.resources.memory_bytes.value, std::optional<uint64_t>(1ULL << 30));
  EXPECT_EQ(p.resources.memory_bytes.origin.describe(), user_config_ + ":2");
}

TEST_F(PolicyLoader, ProfileFlagWinsOverEveryFile) {
  write_user("profile = \"production\"\n");
  write_workspace("profile = \"financial\"\n");
  LoadRequest r = request();
  r.profile_flag = "read-only";
  Policy p = load_ok(r);
  EXPECT_EQ(p.profile.value, Profile::kReadOnly);
  EXPECT_EQ(p.profile.origin.describe(), "--profile");
  EXPECT_EQ(p.network.mode.value, NetworkMode::kNone);
}

TEST_F(PolicyLoader, UnknownProfileFlag) {
  LoadRequest r = request();
  r.profile_flag = "yolo";
  auto result = load_policy(r);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().code(), Errc::kInvalidInput);
  EXPECT_NE(result.error().message().find("yolo"), std::string::npos);
  EXPECT_NE(result.error().hint().find("workspace-write"), std::string::npos);
}

TEST_F(PolicyLoader, MissingConfigFileIsNotFound) {
  LoadRequest r = request();
  r.config_flag = root_ + "/nope.toml";
  auto result = load_policy(r);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().code(), Errc::kNotFound);
  EXPECT_NE(result.error().message().find(root_ + "/nope.toml"), std::string::npos);
}

TEST_F(PolicyLoader, SyntaxErrorNamesTheFile) {
  write_user("[gate]\nreviewers = = 2\n");
  auto result = load_policy(request());
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().code(), Errc::kPolicy);
  EXPECT_EQ(result.error().message().rfind(user_config_ + ":2:", 0), 0u)
      << result.error().message();
}

TEST_F(PolicyLoader, UntrustedWorkspaceMayNotWeaken) {
  write_workspace("[filesystem]\nread = [\"/nix\"]\n");
  auto result = load_policy(request());
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().code(), Errc::kPolicy);
  EXPECT_EQ(result.error().message().rfind(workspace_file() + ":2: an untrusted", 0), 0u)
      << result.error().message();
  EXPECT_NE(result.error().hint().find("trusted_workspaces"), std::string::npos);
}

TEST_F(PolicyLoader, UntrustedWorkspaceMayTighten) {
  write_workspace("[gate]\nask_at = \"medium\"\n[resources]\nmemory = \"1G\"\n");
  Policy p = load_ok();
  EXPECT_EQ(p.gate.ask_at.value, RiskLevel::kMedium);
  EXPECT_EQ(p.gate.ask_at.origin.describe(), workspace_file() + ":2");
}

TEST_F(PolicyLoader, WeakeningIsJudgedAgainstTheUserFile) {
  write_user("[resources]\nmemory = \"16G\"\n");
  write_workspace("[resources]\nmemory = \"12G\"\n");  // above the profile, below the user file
  EXPECT_EQ(load_ok().resources.memory_bytes.value, std::optional<uint64_t>(12ULL << 30));
}

TEST_F(PolicyLoader, TrustedWorkspaceMayWeaken) {
  write_user("trusted_workspaces = [\"~/src/proj\"]\n");
  write_workspace("[filesystem]\nread = [\"/nix\"]\nlandlock = \"best-effort\"\n");
  Policy p = load_ok();
  EXPECT_EQ(p.filesystem.read_paths.value, std::vector<std::string>{"/nix"});
  EXPECT_EQ(p.filesystem.landlock.value, LandlockMode::kBestEffort);
}

TEST_F(PolicyLoader, TrustIsComparedCanonically) {
  std::string link = root_ + "/link-to-proj";
  fs::create_directory_symlink(workspace_, link);
  write_user("trusted_workspaces = [\"" + link + "/\"]\n");
  write_workspace("[environment]\npass = [\"MY_TOKEN\"]\n");
  EXPECT_EQ(load_ok().environment.pass.value, std::vector<std::string>{"MY_TOKEN"});
}

TEST_F(PolicyLoader, TrustingAParentDoesNotTrustItsChildren) {
  write_user("trusted_workspaces = [\"~/src\"]\n");
  write_workspace("[network]\nallow = [\"example.com\"]\n");
  EXPECT_FALSE(load_policy(request()).ok());
}

TEST_F(PolicyLoader, TrustedWorkspacesOnlyInTheUserFile) {
  write_workspace("trusted_workspaces = [\"~/src/proj\"]\n");
  auto result = load_policy(request());
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().message(),
            workspace_file() + ":1: trusted_workspaces is only read from your user config file");

  fs::remove(workspace_file());
  LoadRequest r = request();
  r.config_flag = config_file("trusted_workspaces = [\"~/src/proj\"]\n");
  result = load_policy(r);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().message().rfind(*r.config_flag + ":1: trusted_workspaces", 0), 0u);
}

TEST_F(PolicyLoader, TrustedWorkspacesMustBeAbsolute) {
  write_user("trusted_workspaces = [\n  \"src/proj\",\n]\n");
  auto result = load_policy(request());
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().message().rfind(user_config_ + ":2: trusted_workspaces: path", 0), 0u)
      << result.error().message();
}

TEST_F(PolicyLoader, UntrustedProfileMayTighten) {
  for (const char* name :
       {"read-only", "workspace-write", "customer-data", "production", "financial"}) {
    write_workspace(std::string("profile = \"") + name + "\"\n");
    Policy p = load_ok();
    EXPECT_STREQ(to_string(p.profile.value), name);
    EXPECT_EQ(p.profile.origin.describe(), workspace_file() + ":1");
  }
}

TEST_F(PolicyLoader, UntrustedProfileMayNotWeakenTheUsersChoice) {
  write_user("profile = \"production\"\n");
  write_workspace("\nprofile = \"workspace-write\"\n");
  auto result = load_policy(request());
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(
      result.error().message().rfind(workspace_file() +
                                         ":2: profile = \"workspace-write\" would weaken profile "
                                         "\"production\" (from " +
                                         user_config_ + ":1)",
                                     0),
      0u)
      << result.error().message();
  EXPECT_NE(result.error().hint().find("trusted_workspaces"), std::string::npos);
}

TEST_F(PolicyLoader, OverriddenUntrustedProfileIsNotJudged) {
  write_user("profile = \"production\"\n");
  write_workspace("profile = \"workspace-write\"\n");
  LoadRequest r = request();
  r.config_flag = config_file("profile = \"financial\"\n");
  EXPECT_EQ(load_ok(r).profile.value, Profile::kFinancial);
  r.config_flag.reset();
  r.profile_flag = "production";
  EXPECT_EQ(load_ok(r).profile.value, Profile::kProduction);
}

TEST_F(PolicyLoader, ConfigFlagNamingTheWorkspaceFileAppliesItOnceTrusted) {
  write_workspace("[filesystem]\nread = [\"/nix\"]\n");
  LoadRequest r = request();
  r.config_flag = workspace_file();
  Policy p = load_ok(r);
  EXPECT_EQ(p.filesystem.read_paths.value, std::vector<std::string>{"/nix"});
  EXPECT_EQ(p.sources, std::vector<std::string>{workspace_file()});
}

TEST_F(PolicyLoader, HiddenPathsCompareWithHomeExpanded) {
  write_user("[filesystem]\nread = [\"" + home_ + "/.ssh/config\"]\n");
  auto result = load_policy(request());
  ASSERT_FALSE(result.ok());
  EXPECT_NE(result.error().message().find("is hidden (by \"~/.ssh\")"), std::string::npos)
      << result.error().message();
}

TEST_F(PolicyLoader, HomeSpelledOutOrAParentOfItIsRefused) {
  for (const std::string& path : {home_, home_ + "/", fs::path(home_).parent_path().string()}) {
    write_user("[filesystem]\nread = [\"" + path + "\"]\n");
    auto result = load_policy(request());
    ASSERT_FALSE(result.ok()) << path;
    EXPECT_NE(result.error().message().find("would show the whole home directory"),
              std::string::npos)
        << result.error().message();
  }
  write_user("[filesystem]\nread = [\"" + home_ + "/tools\"]\n");
  EXPECT_EQ(load_ok().filesystem.read_paths.value, std::vector<std::string>{home_ + "/tools"});
}

TEST_F(PolicyLoader, UnreadableUserFileIsAnError) {
  fs::create_directories(user_config_ + ".d");
  LoadRequest r = request();
  r.user_config_path = user_config_ + ".d";  // a directory: exists, cannot be read as a file
  EXPECT_FALSE(load_policy(r).ok());
}

// ---- What counts as a policy file (a repository can commit any kind of file or symlink) ----

// load_policy in a child process, so that a load that hangs fails the test instead of hanging
// it. Returns the error's message and hint, "ok" on success, or "timed out".
std::string load_error_in_child(const LoadRequest& r) {
  int fds[2];
  if (pipe(fds) != 0) return "pipe failed";
  pid_t pid = fork();
  if (pid == 0) {
    close(fds[0]);
    auto result = load_policy(r);
    std::string text = result.ok() ? "ok" : result.error().message() + "\n" + result.error().hint();
    (void)!write(fds[1], text.data(), text.size());
    _exit(0);
  }
  close(fds[1]);
  std::string text;
  pollfd p{fds[0], POLLIN, 0};
  char buf[4096];
  for (;;) {
    if (poll(&p, 1, 5000) <= 0) {
      kill(pid, SIGKILL);
      text = "timed out";
      break;
    }
    ssize_t n = read(fds[0], buf, sizeof buf);
    if (n <= 0) break;
    text.append(buf, static_cast<size_t>(n));
  }
  close(fds[0]);
  waitpid(pid, nullptr, 0);
  return text;
}

TEST_F(PolicyLoader, AWorkspaceFileThatIsAFifoIsRefusedAtOnce) {
  ASSERT_EQ(mkfifo(workspace_file().c_str(), 0600), 0);
  std::string error = load_error_in_child(request());
  EXPECT_NE(error.find(workspace_file() + " is a FIFO (named pipe), not a regular file"),
            std::string::npos)
      << error;
  EXPECT_NE(error.find("must be a regular TOML file of at most 1 MiB"), std::string::npos) << error;
}

TEST_F(PolicyLoader, AConfigFlagThatIsAFifoIsRefusedAtOnce) {
  std::string fifo = root_ + "/policy.fifo";
  ASSERT_EQ(mkfifo(fifo.c_str(), 0600), 0);
  LoadRequest r = request();
  r.config_flag = fifo;
  std::string error = load_error_in_child(r);
  EXPECT_NE(error.find("is a FIFO (named pipe), not a regular file"), std::string::npos) << error;
}

TEST_F(PolicyLoader, AWorkspaceFileLinkedToADeviceIsRefused) {
  // /dev/null would read as an empty policy; /dev/zero and /dev/urandom never end.
  for (const char* device : {"/dev/null", "/dev/zero", "/dev/urandom"}) {
    fs::remove(workspace_file());
    fs::create_symlink(device, workspace_file());
    std::string error = load_error_in_child(request());
    EXPECT_NE(error.find(workspace_file() + " is a "), std::string::npos)
        << device << ": " << error;
    EXPECT_NE(error.find(", not a regular file"), std::string::npos) << device << ": " << error;
  }
}

TEST_F(PolicyLoader, AWorkspaceFileThatIsADirectoryIsRefusedWithAHint) {
  fs::create_directory(workspace_file());
  auto result = load_policy(request());
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().message(), workspace_file() + " is a directory, not a regular file");
  EXPECT_NE(result.error().hint().find("replace or remove " + workspace_file()), std::string::npos)
      << result.error().hint();
}

TEST_F(PolicyLoader, APolicyFileOverOneMebibyteIsRefused) {
  write_workspace("# " + std::string(1 << 20, 'x') + "\n");
  auto result = load_policy(request());
  ASSERT_FALSE(result.ok());
  EXPECT_NE(result.error().message().find(workspace_file() + " is larger than 1 MiB"),
            std::string::npos)
      << result.error().message();
  write_workspace("# " + std::string((1 << 20) - 3, 'x') + "\n");  // exactly 1 MiB
  load_ok();
}

TEST_F(PolicyLoader, ADanglingWorkspaceFileSymlinkIsAnError) {
  fs::create_symlink(root_ + "/gone.toml", workspace_file());
  auto result = load_policy(request());
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().code(), Errc::kPolicy);
  EXPECT_EQ(result.error().message(), workspace_file() + " is a symbolic link to \"" + root_ +
                                          "/gone.toml\", which does not exist");
  EXPECT_NE(result.error().hint().find("remove the link"), std::string::npos);
}

TEST_F(PolicyLoader, TrustedWorkspacesWithAControlByteAreRefused) {
  write_user("\ntrusted_workspaces = [\"~/src/a\\u0000\"]\n");
  auto result = load_policy(request());
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().message().rfind(user_config_ + ":2: trusted_workspaces: ", 0), 0u)
      << result.error().message();
  EXPECT_NE(result.error().message().find("contains the control byte \\x00"), std::string::npos)
      << result.error().message();
}

TEST_F(PolicyLoader, WriteThroughAHomeSymlinkToASystemDirectoryIsRefused) {
  fs::create_directory_symlink("/etc", home_ + "/etc-link");
  write_user("[filesystem]\nwrite = [\"~/etc-link\"]\n");
  auto result = load_policy(request());
  ASSERT_FALSE(result.ok());
  EXPECT_NE(result.error().message().find("is in the system directory /etc"), std::string::npos)
      << result.error().message();
}

}  // namespace
}  // namespace cordon::policy
