// Sandbox tests for CgroupSession on the real cgroup v1 hierarchies (root only): the pids and
// memory limits hold against forked children, kill_all and the destructor clean up.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <linux/magic.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/vfs.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <string>
#include <vector>

#include "box/cgroup.h"

namespace cordon::box {
namespace {

constexpr uint64_t kMiB = 1ULL << 20;

bool is_v1_hierarchy(const char* dir) {
  struct statfs fs {};
  return ::statfs(dir, &fs) == 0 && fs.f_type == CGROUP_SUPER_MAGIC;
}

#define SKIP_UNLESS_V1_ROOT()                                                                 \
  do {                                                                                        \
    if (::geteuid() != 0) GTEST_SKIP() << "needs root for cgroup v1";                         \
    if (!is_v1_hierarchy("/sys/fs/cgroup/memory") || !is_v1_hierarchy("/sys/fs/cgroup/pids")) \
      GTEST_SKIP() << "no cgroup v1 memory and pids hierarchies at /sys/fs/cgroup";           \
  } while (0)

std::string session_id(const char* name) {
  static std::atomic<int> n{0};
  return std::string("test-") + name + "-" + std::to_string(::getpid()) + "-" + std::to_string(n++);
}

// Real roots, but with no v2 so the session is v1 even where v2 has controllers.
CgroupRoots v1_only() {
  CgroupRoots r;
  r.v2 = "/nonexistent-cgroup2";
  return r;
}

policy::ResourcePolicy pids_and_memory() {
  policy::ResourcePolicy r;
  r.pids.value = 20;
  r.memory_bytes.value = 64 * kMiB;
  r.memory_fallback.value = policy::MemoryFallback::kFailClosed;
  return r;
}

// A forked child that waits for the go byte (sent once it is in the cgroup), then runs `body`
// and _exits with its result.
template <class Body>
pid_t fork_waiting(int* go_fd, Body body) {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) return -1;
  pid_t pid = ::fork();
  if (pid == 0) {
    ::close(fds[1]);
    char c;
    if (::read(fds[0], &c, 1) != 1) ::_exit(100);
    ::_exit(body());
  }
  ::close(fds[0]);
  *go_fd = fds[1];
  return pid;
}

void go(int fd) {
  ASSERT_EQ(::write(fd, "g", 1), 1);
  ::close(fd);
}

int wait_status(pid_t pid) {
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  return status;
}

TEST(CgroupSandboxV1, PidsLimitMakesForksFailWithEagain) {
  SKIP_UNLESS_V1_ROOT();
  auto s = CgroupSession::create(pids_and_memory(), session_id("pids"), v1_only());
  ASSERT_TRUE(s.ok()) << s.error().describe() << " / " << s.error().hint();
  ASSERT_EQ((*s)->version(), CgroupVersion::kV1);
  EXPECT_EQ((*s)->mechanism(), "cgroup v1 (memory, pids)");
  ASSERT_TRUE((*s)->enforces_pids());

  int fd = -1;
  // Exit code: 0 = some forks failed with EAGAIN and none otherwise, 1 = all 50 succeeded,
  // 2 = a fork failed with another errno.
  pid_t child = fork_waiting(&fd, [] {
    pid_t kids[50];
    int made = 0;
    int eagain = 0;
    int other = 0;
    for (int i = 0; i < 50; ++i) {
      pid_t k = ::fork();
      if (k == 0) {
        ::pause();
        ::_exit(0);
      }
      if (k > 0) {
        kids[made++] = k;
      } else if (errno == EAGAIN) {
        ++eagain;
      } else {
        ++other;
      }
    }
    for (int i = 0; i < made; ++i) ::kill(kids[i], SIGKILL);
    for (int i = 0; i < made; ++i) ::waitpid(kids[i], nullptr, 0);
    if (other > 0) return 2;
    return eagain > 0 && made < 20 ? 0 : 1;
  });
  ASSERT_GT(child, 0);
  ASSERT_TRUE((*s)->add_process(child).ok());
  go(fd);
  int status = wait_status(child);
  ASSERT_TRUE(WIFEXITED(status)) << "status " << status;
  EXPECT_EQ(WEXITSTATUS(status), 0) << "1: no fork failed, 2: a fork failed without EAGAIN";
  (*s)->sample();
  ASSERT_TRUE((*s)->peaks().pids.has_value());
  EXPECT_GE(*(*s)->peaks().pids, 2u);
  EXPECT_LE(*(*s)->peaks().pids, 20u);
}

TEST(CgroupSandboxV1, MemoryLimitKillsAnAllocator) {
  SKIP_UNLESS_V1_ROOT();
  auto s = CgroupSession::create(pids_and_memory(), session_id("mem"), v1_only());
  ASSERT_TRUE(s.ok()) << s.error().describe() << " / " << s.error().hint();
  ASSERT_TRUE((*s)->enforces_memory());

  int fd = -1;
  pid_t child = fork_waiting(&fd, [] {
    const size_t size = 200 * kMiB;
    void* p = ::mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) return 3;
    std::memset(p, 0x5a, size);  // touch every page: the cgroup charges it
    return 0;                    // the limit did not hold
  });
  ASSERT_GT(child, 0);
  ASSERT_TRUE((*s)->add_process(child).ok());
  go(fd);
  int status = wait_status(child);
  ASSERT_TRUE(WIFSIGNALED(status))
      << "exited with " << WEXITSTATUS(status) << " (0: 200 MiB fit in a 64 MiB cgroup)";
  EXPECT_EQ(WTERMSIG(status), SIGKILL);  // the memcg OOM killer

  (*s)->sample();
  ASSERT_TRUE((*s)->peaks().memory_bytes.has_value());
  EXPECT_GT(*(*s)->peaks().memory_bytes, 0u);
  EXPECT_LE(*(*s)->peaks().memory_bytes, 64 * kMiB);
}

TEST(CgroupSandboxV1, KillAllKillsASleepingChild) {
  SKIP_UNLESS_V1_ROOT();
  auto s = CgroupSession::create(pids_and_memory(), session_id("kill"), v1_only());
  ASSERT_TRUE(s.ok()) << s.error().describe();
  int fd = -1;
  pid_t child = fork_waiting(&fd, [] {
    ::pause();
    return 0;
  });
  ASSERT_GT(child, 0);
  ASSERT_TRUE((*s)->add_process(child).ok());
  go(fd);
  (*s)->kill_all();
  int status = wait_status(child);
  ASSERT_TRUE(WIFSIGNALED(status)) << "status " << status;
  EXPECT_EQ(WTERMSIG(status), SIGKILL);
}

TEST(CgroupSandboxV1, DestructorKillsAndRemovesTheDirs) {
  SKIP_UNLESS_V1_ROOT();
  auto s = CgroupSession::create(pids_and_memory(), session_id("dtor"), v1_only());
  ASSERT_TRUE(s.ok()) << s.error().describe();
  std::vector<std::string> dirs = (*s)->dirs();
  ASSERT_EQ(dirs.size(), 2u);
  for (const auto& dir : dirs) EXPECT_EQ(::access(dir.c_str(), F_OK), 0) << dir;

  int fd = -1;
  pid_t child = fork_waiting(&fd, [] {
    ::pause();
    return 0;
  });
  ASSERT_GT(child, 0);
  ASSERT_TRUE((*s)->add_process(child).ok());
  go(fd);
  s.value().reset();  // kills the child (a zombie does not hold the cgroup) and removes the dirs
  for (const auto& dir : dirs) EXPECT_NE(::access(dir.c_str(), F_OK), 0) << dir << " left";
  int status = wait_status(child);
  ASSERT_TRUE(WIFSIGNALED(status)) << "status " << status;
  EXPECT_EQ(WTERMSIG(status), SIGKILL);
}

// The box init joins by writing "0" into the files the supervisor opened (open_entry):
// on v1 the tasks files, which move the writing thread, the whole of a single-threaded
// process. The process must then be in every hierarchy's cgroup, and its children with it.
TEST(CgroupSandboxV1, ASingleThreadedProcessJoinsThroughTheTasksFiles) {
  SKIP_UNLESS_V1_ROOT();
  auto s = CgroupSession::create(pids_and_memory(), session_id("join"), v1_only());
  ASSERT_TRUE(s.ok()) << s.error().describe();
  auto entry = (*s)->open_entry();
  ASSERT_TRUE(entry.ok()) << entry.error().describe();
  EXPECT_FALSE(entry->directory) << "v1 has no clone into a cgroup";
  const std::vector<UniqueFd>* files = &entry->join_files;
  ASSERT_EQ(files->size(), (*s)->dirs().size());
  for (size_t i = 0; i < files->size(); ++i) {
    char target[4096] = {};
    const std::string link = "/proc/self/fd/" + std::to_string((*files)[i].get());
    ASSERT_GT(::readlink(link.c_str(), target, sizeof target - 1), 0);
    EXPECT_EQ(std::string(target), (*s)->dirs()[i] + "/tasks");
  }
  int result[2];
  ASSERT_EQ(::pipe(result), 0);
  const pid_t child = ::fork();
  if (child == 0) {
    for (const UniqueFd& f : *files) {
      if (::write(f.get(), "0", 1) != 1) ::_exit(1);
    }
    const pid_t grandchild = ::fork();  // inherits the cgroups; reports its pid, then waits
    if (grandchild == 0) {
      ::pause();
      ::_exit(0);
    }
    (void)!::write(result[1], &grandchild, sizeof grandchild);
    ::pause();
    ::_exit(0);
  }
  ::close(result[1]);
  pid_t grandchild = 0;
  ASSERT_EQ(::read(result[0], &grandchild, sizeof grandchild),
            static_cast<ssize_t>(sizeof grandchild));
  ::close(result[0]);
  for (const std::string& dir : (*s)->dirs()) {
    FILE* f = std::fopen((dir + "/cgroup.procs").c_str(), "r");
    ASSERT_NE(f, nullptr) << dir;
    std::vector<pid_t> members;
    for (int pid = 0; std::fscanf(f, "%d", &pid) == 1;) members.push_back(pid);
    std::fclose(f);
    EXPECT_NE(std::find(members.begin(), members.end(), child), members.end()) << dir;
    EXPECT_NE(std::find(members.begin(), members.end(), grandchild), members.end()) << dir;
  }
  (*s)->kill_all();
  EXPECT_EQ(WTERMSIG(wait_status(child)), SIGKILL);
}

TEST(CgroupSandboxV1, CpuQuotaIsWritten) {
  SKIP_UNLESS_V1_ROOT();
  if (!is_v1_hierarchy("/sys/fs/cgroup/cpu")) GTEST_SKIP() << "no cgroup v1 cpu hierarchy";
  policy::ResourcePolicy r;
  r.cpus.value = 1.5;
  auto s = CgroupSession::create(r, session_id("cpu"), v1_only());
  ASSERT_TRUE(s.ok()) << s.error().describe();
  EXPECT_EQ((*s)->mechanism(), "cgroup v1 (pids, cpu)");
  ASSERT_TRUE((*s)->enforces_cpu());
  std::string cpu_dir;
  for (const auto& dir : (*s)->dirs()) {
    if (dir.rfind("/sys/fs/cgroup/cpu/", 0) == 0) cpu_dir = dir;
  }
  ASSERT_FALSE(cpu_dir.empty());
  FILE* f = std::fopen((cpu_dir + "/cpu.cfs_quota_us").c_str(), "r");
  ASSERT_NE(f, nullptr);
  long quota = 0;
  EXPECT_EQ(std::fscanf(f, "%ld", &quota), 1);
  std::fclose(f);
  EXPECT_EQ(quota, 150000);
}

}  // namespace
}  // namespace cordon::box
