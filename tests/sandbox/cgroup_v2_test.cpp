// Sandbox tests for CgroupSession on the real cgroup v2 hierarchy: a v2 mount without the needed
// controllers is refused with a hint, the box init is born in the box's cgroup (clone3
// CLONE_INTO_CGROUP) or, where that is refused, joins it, and the v2 kill path (cgroup.kill)
// kills the box.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <linux/magic.h>
#include <sched.h>
#include <signal.h>
#include <sys/vfs.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>

#include "box/cgroup.h"
#include "box/child_plan.h"
#include "box/clone_init.h"

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

// A session on the real v2 hierarchy, made as root with v1 kept out of the choice (so the v2
// path is what runs), or why there is none here (`session` empty, `skip` says why).
struct RootV2Session {
  std::unique_ptr<CgroupSession> session;
  std::string skip;
};
RootV2Session root_v2_session(const std::string& id) {
  if (::geteuid() != 0) return {nullptr, "needs root to create a cgroup in the v2 hierarchy"};
  if (own_v2_cgroup().empty()) return {nullptr, "no cgroup v2 hierarchy"};
  CgroupRoots roots;
  roots.euid = 1000;
  auto s = CgroupSession::create(policy::ResourcePolicy{}, id, roots);
  EXPECT_TRUE(s.ok()) << s.error().describe();
  if (!s.ok()) return {nullptr, "(failed above)"};
  if ((*s)->version() != CgroupVersion::kV2) {
    return {nullptr, "no usable v2 cgroup here: " + (*s)->mechanism() + " " + (*s)->note()};
  }
  return {std::move(s).value(), ""};
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

// What a box init cloned as the launch clones it (clone_box_init, the launch's namespace flags)
// sees as its cgroups after its first step, the join (a "0" into each file the plan names).
struct ClonedInit {
  std::string cgroups;  // the child's /proc/self/cgroup
  int joins_named = 0;  // join files the plan named: 0 when the init was born in its cgroup
};
ClonedInit clone_like_the_launch(const CgroupEntry& entry) {
  ClonedInit result;
  int out[2];
  EXPECT_EQ(::pipe2(out, O_CLOEXEC), 0);
  ChildPlan plan;
  int pidfd = -1;
  const unsigned long flags = CLONE_NEWUSER | CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWNET |
                              CLONE_NEWIPC | CLONE_NEWUTS | CLONE_PIDFD | SIGCHLD;
  long pid = clone_box_init(flags, entry, plan, &pidfd);
  if (pid == 0) {
    for (int fd : plan.cgroup_join) {
      if (fd >= 0 && ::write(fd, "0", 1) != 1) ::_exit(2);
    }
    char buf[4096];
    int fd = ::open("/proc/self/cgroup", O_RDONLY | O_CLOEXEC);
    ssize_t n = fd < 0 ? -1 : ::read(fd, buf, sizeof buf);
    if (n <= 0 || ::write(out[1], buf, static_cast<size_t>(n)) != n) ::_exit(1);
    ::_exit(0);
  }
  ::close(out[1]);
  EXPECT_GT(pid, 0) << std::strerror(errno);
  EXPECT_GE(pidfd, 0);
  for (int fd : plan.cgroup_join) result.joins_named += fd >= 0 ? 1 : 0;
  char buf[4096];
  for (ssize_t n; pid > 0 && (n = ::read(out[0], buf, sizeof buf)) > 0;) {
    result.cgroups.append(buf, static_cast<size_t>(n));
  }
  ::close(out[0]);
  if (pid > 0) {
    int status = 0;
    EXPECT_EQ(::waitpid(static_cast<pid_t>(pid), &status, 0), pid);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "status " << status;
  }
  if (pidfd >= 0) ::close(pidfd);
  return result;
}

// On v2 the init is born in the box's cgroup: no join file is named, and the child's first look
// at /proc/self/cgroup already finds it there (no migration, which waits for an RCU grace period).
TEST(CgroupSandboxV2, TheInitIsBornInTheBoxsCgroup) {
  const std::string id = session_id("born");
  RootV2Session v2 = root_v2_session(id);
  if (!v2.session) GTEST_SKIP() << v2.skip;
  auto entry = v2.session->open_entry();
  ASSERT_TRUE(entry.ok()) << entry.error().describe();
  ASSERT_TRUE(entry->directory);
  ASSERT_EQ(entry->join_files.size(), 1u);  // cgroup.procs, for kernels that cannot clone into

  ClonedInit init = clone_like_the_launch(*entry);
  EXPECT_EQ(init.joins_named, 0) << "the kernel refused CLONE_INTO_CGROUP (Linux 5.7+)";
  EXPECT_NE(init.cgroups.find("0::/"), std::string::npos) << init.cgroups;
  EXPECT_NE(init.cgroups.find("/cordon-" + id + "\n"), std::string::npos)
      << "the child's cgroups:\n"
      << init.cgroups;
}

// Where the kernel refuses to clone into the cgroup (here: a directory fd that is no cgroup, as
// a kernel before 5.7 or a container's seccomp profile would refuse clone3), the init is still
// cloned, and joins the same cgroup through cgroup.procs.
TEST(CgroupSandboxV2, WhereCloneIntoTheCgroupIsRefusedTheInitJoinsIt) {
  const std::string id = session_id("join");
  RootV2Session v2 = root_v2_session(id);
  if (!v2.session) GTEST_SKIP() << v2.skip;
  auto entry = v2.session->open_entry();
  ASSERT_TRUE(entry.ok()) << entry.error().describe();
  entry->directory = UniqueFd(::open("/", O_PATH | O_DIRECTORY | O_CLOEXEC));
  ASSERT_TRUE(entry->directory);

  ClonedInit init = clone_like_the_launch(*entry);
  EXPECT_EQ(init.joins_named, 1);
  EXPECT_NE(init.cgroups.find("/cordon-" + id + "\n"), std::string::npos)
      << "the child's cgroups:\n"
      << init.cgroups;
}

TEST(CgroupSandboxV2, CgroupKillKillsTheBox) {
  RootV2Session v2 = root_v2_session(session_id("kill"));
  if (!v2.session) GTEST_SKIP() << v2.skip;
  std::unique_ptr<CgroupSession>& s = v2.session;  // reset at the end removes the cgroup
  ASSERT_EQ(s->dirs().size(), 1u);
  const std::string box = s->dirs().front();
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
  ASSERT_TRUE(s->add_process(child).ok());
  EXPECT_NE(slurp(box + "/cgroup.procs").find(std::to_string(child)), std::string::npos);
  ASSERT_EQ(::write(fds[1], "g", 1), 1);
  ::close(fds[1]);

  s->kill_all();
  int status = 0;
  while (::waitpid(child, &status, 0) < 0 && errno == EINTR) {
  }
  ASSERT_TRUE(WIFSIGNALED(status)) << "status " << status;
  EXPECT_EQ(WTERMSIG(status), SIGKILL);

  s.reset();
  EXPECT_NE(::access(box.c_str(), F_OK), 0) << box << " left behind";
}

}  // namespace
}  // namespace cordon::box
