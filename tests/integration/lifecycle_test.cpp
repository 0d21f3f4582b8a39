// The box dies with its session: daemons, setsid escapes, and cordon itself killed by SIGKILL.
#include <signal.h>
#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <sstream>
#include <thread>

#include "integration/fixture.h"

namespace cordon::testing {
namespace {

using LifecycleTest = BoxTest;

// A marker unique to this test process, so leftovers of another run cannot confuse the count.
std::string marker(const char* base) { return std::string(base) + "." + std::to_string(::getpid()); }

bool gone_within(const std::string& marker, std::chrono::milliseconds limit) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < deadline) {
    if (pids_sleeping(marker).empty()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return false;
}

TEST_F(LifecycleTest, DaemonsDieWhenTheSessionEnds) {
  // A double-forked, setsid'd daemon ignoring SIGHUP/SIGTERM outlives its parent shell...
  const std::string m = marker("1234");
  auto r = sh("(trap '' HUP TERM; setsid sleep " + m + " </dev/null >/dev/null 2>&1 &) ; "
              "sleep 0.2; exit 0");
  ASSERT_EQ(r.status, 0) << r.err;
  // ...but not the session.
  EXPECT_TRUE(gone_within(m, std::chrono::seconds(2)));
}

TEST_F(LifecycleTest, SigkillOfCordonKillsEveryProcessInTheBox) {
  TempDir scratch;
  const std::string m = marker("2345");
  const std::string script = "sleep " + m + " & setsid sleep " + m + " & wait";
  pid_t pid = ::fork();
  if (pid == 0) {
    ::setenv("XDG_CONFIG_HOME", scratch.path().c_str(), 1);
    ::execl(CORDON_BINARY, CORDON_BINARY, "run", "-q", "--workspace", workspace().c_str(), "--",
            "/bin/sh", "-c", script.c_str(), nullptr);
    ::_exit(127);
  }
  struct KillOnExit {  // never leave a box behind when an assertion returns early
    pid_t pid;
    ~KillOnExit() { ::kill(pid, SIGKILL); ::waitpid(pid, nullptr, 0); }
  } guard{pid};
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (pids_sleeping(m).size() < 2 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ASSERT_EQ(pids_sleeping(m).size(), 2u) << "the box did not start";
  ::kill(pid, SIGKILL);
  EXPECT_TRUE(gone_within(m, std::chrono::seconds(2)));
  // The killed session could not remove its placeholders; the next session does.
  EXPECT_TRUE(exists(workspace() + "/.envrc"));
  ASSERT_EQ(run_cordon({"run", "-q", "--workspace", workspace(), "--", "/bin/true"},
                       RunOptions{{{"XDG_CONFIG_HOME", scratch.path()}}}).status, 0);
  EXPECT_FALSE(exists(workspace() + "/.envrc"));
}

// Starts `cordon run` in the background on the test's workspace with `script`; stdout to `out`.
pid_t start_session(BoxTest& test, const std::string& script, const std::string& out) {
  pid_t pid = ::fork();
  if (pid == 0) {
    ::setenv("XDG_CONFIG_HOME", (test.dir() / "config").c_str(), 1);
    int fd = ::open(out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    ::dup2(fd, 1);
    ::execl(CORDON_BINARY, CORDON_BINARY, "run", "-q", "--workspace", test.workspace().c_str(),
            "--", "/bin/sh", "-c", script.c_str(), nullptr);
    ::_exit(127);
  }
  return pid;
}

void wait_for_text(const std::string& path, const std::string& text) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (read_text(path).find(text) == std::string::npos &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

TEST_F(LifecycleTest, TheFirstSessionEndingKeepsTheSecondSessionsProtection) {
  // Session 1 creates the placeholders; session 2 binds the same ones. When session 1 ends it
  // must not remove them: unlinking a mount point on the host detaches it in session 2's box.
  const std::string out1 = dir() / "one.out", out2 = dir() / "two.out";
  pid_t one = start_session(*this, "echo ready; until [ -e .end-1 ]; do sleep 0.05; done", out1);
  wait_for_text(out1, "ready");
  pid_t two = start_session(*this,
                            "echo ready; until [ -e .end-2 ]; do sleep 0.05; done; "
                            "echo evil > .envrc 2>/dev/null && echo created || echo refused",
                            out2);
  wait_for_text(out2, "ready");
  write_text(workspace() + "/.end-1", "");
  ::waitpid(one, nullptr, 0);
  write_text(workspace() + "/.end-2", "");
  ::waitpid(two, nullptr, 0);
  EXPECT_NE(read_text(out2).find("refused"), std::string::npos) << read_text(out2);
  EXPECT_EQ(read_text(out2).find("created"), std::string::npos);
  EXPECT_FALSE(exists(workspace() + "/.envrc")) << "the last session removes the placeholders";
}

TEST_F(LifecycleTest, SigtermIsForwardedToTheProgram) {
  TempDir scratch;
  const std::string out = scratch / "out";
  pid_t pid = ::fork();
  if (pid == 0) {
    ::setenv("XDG_CONFIG_HOME", scratch.path().c_str(), 1);
    int fd = ::open(out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    ::dup2(fd, 1);
    ::execl(CORDON_BINARY, CORDON_BINARY, "run", "-q", "--workspace", workspace().c_str(), "--",
            "/bin/sh", "-c", "trap 'echo got-term; exit 3' TERM; echo ready; "
            "while :; do sleep 0.05; done", nullptr);
    ::_exit(127);
  }
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (read_text(out).find("ready") == std::string::npos &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ::kill(pid, SIGTERM);
  int status = 0;
  ::waitpid(pid, &status, 0);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 3);
  EXPECT_NE(read_text(out).find("got-term"), std::string::npos);
}

// The v1 cgroup directories a session `id` would have, for each hierarchy this process is in
// (cordon nests its cgroups under the one it was started in).
std::vector<std::string> v1_session_cgroups(const std::string& id) {
  std::vector<std::string> dirs;
  std::istringstream lines(read_text("/proc/self/cgroup"));
  for (std::string line; std::getline(lines, line);) {
    const auto first = line.find(':'), second = line.find(':', first + 1);
    const std::string controllers = line.substr(first + 1, second - first - 1);
    if (controllers != "pids" && controllers != "memory") continue;
    std::string path = line.substr(second + 1);
    if (path == "/") path.clear();
    dirs.push_back("/sys/fs/cgroup/" + controllers + path + "/cordon/" + id);
  }
  return dirs;
}

// The init opens its network before it mounts (launch-sequence.md): a mount that fails after
// the init has passed its listeners, whether the supervisor is still receiving them or already
// serves them and traces the init for the gate, ends the session with the step named, and the
// program never runs.
TEST_F(LifecycleTest, AMountThatFailsAfterTheInitsNetworkStepsEndsTheSession) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root to give a directory to an unmapped owner";
  // The supervisor (root on the host) can plan a path the init (root only in the box's user
  // namespace, where uid 4242 is not mapped) cannot open.
  const std::string locked = dir() / "locked";
  ASSERT_EQ(::mkdir(locked.c_str(), 0700), 0);
  ASSERT_EQ(::mkdir((locked + "/inner").c_str(), 0755), 0);
  ASSERT_EQ(::chown(locked.c_str(), 4242, 4242), 0);
  const std::string config = policy_file("[filesystem]\nread = [\"" + locked + "/inner\"]\n");
  const auto started = std::chrono::steady_clock::now();
  auto r = sh("touch ran", {"--config", config});
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(10));
  ASSERT_EQ(r.status, 125) << r.err;
  EXPECT_NE(r.err.find("open-mount-sources"), std::string::npos) << r.err;
  EXPECT_FALSE(exists(workspace() + "/ran"));
  // The same policy without the locked path runs (the failure was the mount's, not the proxy's).
  EXPECT_EQ(sh("touch ran").status, 0);
  EXPECT_TRUE(exists(workspace() + "/ran"));
}

// The cgroup is made on another CPU while the mounts are planned (launch.cpp): a session that
// fails in planning still removes it.
TEST_F(LifecycleTest, ASessionThatFailsBeforeItsBoxLeavesNoCgroupBehind) {
  if (::geteuid() != 0 || v1_session_cgroups("x").empty()) {
    GTEST_SKIP() << "cordon makes v1 cgroups only as root on a v1 machine";
  }
  // Without -q: the notice of where held commands are answered names the session.
  auto r = cordon({"run", "--workspace", workspace(), "--config",
                   policy_file("[filesystem]\nread = [\"/nonexistent/x\"]\n"), "--", "true"});
  ASSERT_EQ(r.status, 125) << r.err;
  EXPECT_NE(r.err.find("/nonexistent/x"), std::string::npos) << r.err;
  const auto at = r.err.find("(session ");
  ASSERT_NE(at, std::string::npos) << r.err;
  const std::string id = r.err.substr(at + 9, 16);
  for (const std::string& dir : v1_session_cgroups(id)) EXPECT_FALSE(exists(dir)) << dir;
  // The look-up is right: while a session runs, its cgroups are there.
  const std::string out = dir() / "live.out";
  const pid_t live = start_session(*this, "echo ready; sleep 1", out);
  wait_for_text(out, "ready");
  for (const std::string& dir : v1_session_cgroups("")) {
    size_t sessions = 0;
    for (const auto& entry : std::filesystem::directory_iterator(dir)) {
      sessions += entry.is_directory() ? 1 : 0;
    }
    EXPECT_GE(sessions, 1u) << dir;
  }
  ::waitpid(live, nullptr, 0);
}

}  // namespace
}  // namespace cordon::testing
