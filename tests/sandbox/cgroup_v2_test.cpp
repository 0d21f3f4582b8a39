// Sandbox tests for CgroupSession on the real cgroup v2 hierarchy: a v2 mount without the needed
// controllers is refused with a hint, and the v2 kill path (cgroup.kill) kills the box.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <linux/magic.h>
#include <signal.h>
#include <sys/vfs.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <fstream>
#include <sstream>
#include <string>

#include "box/cgroup.h"

namespace cordon::box {
namespace {

std::string slurp(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

bool is_cgroup2(const std::string& dir) {
  struct statfs fs {};
  return ::statfs(dir.c_str(), &fs) == 0 && fs.f_type == CGROUP2_SUPER_MAGIC;
}

// The caller's v2 cgroup directory, found as CgroupSession finds it; empty if there is none.
std::string own_v2_cgroup() {
  std::string root = is_cgroup2("/sys/fs/cgroup")           ? "/sys/fs/cgroup"
                     : is_cgroup2("/sys/fs/cgroup/unified") ? "/sys/fs/cgroup/unified"
                                                            : "";
  if (root.empty()) return "";
  std::istringstream lines(slurp("/proc/self/cgroup"));
  for (std::string line; std::getline(lines, line);) {
    if (line.rfind("0::", 0) == 0) {
      std::string path = line.substr(3);
      return path == "/" ? root : root + path;
    }
  }
  return "";
}

std::string session_id(const char* name) {
  static std::atomic<int> n{0};
  return std::string("test-") + name + "-" + std::to_string(::getpid()) + "-" + std::to_string(n++);
}

TEST(CgroupSandboxV2, NoMemoryControllerIsRefusedWithHint) {
  std::string cg = own_v2_cgroup();
  if (cg.empty()) GTEST_SKIP() << "no cgroup v2 hierarchy";
  std::string controllers = slurp(cg + "/cgroup.controllers");
  if (controllers.find("memory") != std::string::npos) {
    GTEST_SKIP() << "the v2 cgroup here has a memory controller (" << cg << "); nothing to refuse";
  }
  policy::ResourcePolicy r;
  r.memory_bytes.value = 64ULL << 20;
  r.memory_fallback.value = policy::MemoryFallback::kFailClosed;
  CgroupRoots roots;
  roots.euid = 1000;  // as a user: v1 is root-only, so v2 is the only way
  auto s = CgroupSession::create(r, session_id("refuse"), roots);
  ASSERT_FALSE(s.ok()) << "created: " << (*s)->mechanism();
  EXPECT_EQ(s.error().code(), Errc::kUnsupported);
  EXPECT_NE(s.error().message().find("memory (memory_fallback = \"fail\")"), std::string::npos)
      << s.error().message();
  EXPECT_NE(s.error().message().find("controller"), std::string::npos) << s.error().message();
  EXPECT_NE(s.error().hint().find("systemd-run --user --scope -p Delegate=yes"), std::string::npos)
      << s.error().hint();
  EXPECT_NE(s.error().hint().find("memory_fallback = \"per-process\""), std::string::npos);
}

TEST(CgroupSandboxV2, CgroupKillKillsTheBox) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root to create a cgroup in the v2 hierarchy";
  std::string cg = own_v2_cgroup();
  if (cg.empty()) GTEST_SKIP() << "no cgroup v2 hierarchy";
  CgroupRoots roots;
  roots.euid = 1000;  // keep v1 out of the choice, so the v2 path is what runs
  auto s = CgroupSession::create(policy::ResourcePolicy{}, session_id("kill"), roots);
  ASSERT_TRUE(s.ok()) << s.error().describe();
  if ((*s)->version() != CgroupVersion::kV2) {
    GTEST_SKIP() << "no usable v2 cgroup here: " << (*s)->mechanism() << " " << (*s)->note();
  }
  ASSERT_EQ((*s)->dirs().size(), 1u);
  const std::string box = (*s)->dirs().front();
  if (::access((box + "/cgroup.kill").c_str(), F_OK) != 0) {
    GTEST_SKIP() << "no cgroup.kill (kernel older than 5.14)";
  }

  int fds[2];
  ASSERT_EQ(::pipe2(fds, O_CLOEXEC), 0);
  pid_t child = ::fork();
  if (child == 0) {
    ::close(fds[1]);
    char c;
    if (::read(fds[0], &c, 1) != 1) ::_exit(100);
    ::pause();
    ::_exit(0);
  }
  ASSERT_GT(child, 0);
  ::close(fds[0]);
  ASSERT_TRUE((*s)->add_process(child).ok());
  EXPECT_NE(slurp(box + "/cgroup.procs").find(std::to_string(child)), std::string::npos);
  ASSERT_EQ(::write(fds[1], "g", 1), 1);
  ::close(fds[1]);

  (*s)->kill_all();
  int status = 0;
  while (::waitpid(child, &status, 0) < 0 && errno == EINTR) {
  }
  ASSERT_TRUE(WIFSIGNALED(status)) << "status " << status;
  EXPECT_EQ(WTERMSIG(status), SIGKILL);

  s.value().reset();
  EXPECT_NE(::access(box.c_str(), F_OK), 0) << box << " left behind";
}

}  // namespace
}  // namespace cordon::box
