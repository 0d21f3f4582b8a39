// resources: a fork bomb, a memory balloon, a /tmp fill and an fd flood, each in a child and
// each stopped by the probe at a bound derived from the spec, so an unconfined run stays safe.
#include <fcntl.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "verify/probe_util.h"
#include "verify/probe_walls.h"

namespace cordon::verify::probe {
namespace {

constexpr const char* kWall = "resources";
constexpr uint64_t kMiB = 1 << 20;

// Parses "a b" written by a child.
bool two_numbers(const std::string& s, unsigned long long* a, unsigned long long* b) {
  return std::sscanf(s.c_str(), "%llu %llu", a, b) == 2;
}

void fork_bomb(const Context& ctx, Reporter& r) {
  const uint64_t limit = ctx.spec.pids_limit;
  const uint64_t stop = limit ? limit + 32 : 512;  // never more than this, even unconfined
  ChildResult res = run_child(
      [&](int out) {
        std::vector<pid_t> kids;
        int err = 0;
        const pid_t bomb = ::getpid();
        while (kids.size() < stop) {
          pid_t pid = ::fork();
          if (pid == 0) {
            ::prctl(PR_SET_PDEATHSIG, SIGKILL);
            if (::getppid() != bomb) ::_exit(0);  // the bomb died before the prctl
            for (;;) ::pause();
          }
          if (pid < 0) {
            err = errno;
            break;
          }
          kids.push_back(pid);
        }
        char buf[64];
        int n = std::snprintf(buf, sizeof buf, "%zu %d", kids.size(), err);
        (void)!::write(out, buf, static_cast<size_t>(n));
        for (pid_t pid : kids) ::kill(pid, SIGKILL);
        for (pid_t pid : kids) ::waitpid(pid, nullptr, 0);
        return 0;
      },
      8000);
  unsigned long long forks = 0, err = 0;
  if (!two_numbers(res.data, &forks, &err)) {
    r.add(kWall, "fork bomb", "EAGAIN before " + std::to_string(limit) + " processes",
          "bomb did not report (" + res.describe() + ")", false);
    return;
  }
  std::string got =
      err ? errno_name(static_cast<int>(err)) + " after " + std::to_string(forks) + " forks"
          : "no failure after " + std::to_string(forks) + " forks (stopped)";
  r.add(kWall, "fork bomb", "EAGAIN before " + std::to_string(limit) + " processes", got,
        limit > 0 && err == EAGAIN && forks >= 1 && forks < limit);
}

// Allocates and touches 1 MiB chunks up to `max_bytes`, reporting progress to `out` as it goes.
// Exit 0: reached the bound; 3: an allocation failed.
int balloon(int out, uint64_t max_bytes) {
  // Make the balloon the OOM killer's first choice, not the probe.
  int fd = ::open("/proc/self/oom_score_adj", O_WRONLY | O_CLOEXEC);
  if (fd >= 0) {
    (void)!::write(fd, "1000", 4);
    ::close(fd);
  }
  for (uint64_t total = 0; total < max_bytes; total += kMiB) {
    void* p = ::mmap(nullptr, kMiB, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) return 3;
    std::memset(p, 0xa5, kMiB);
    char buf[32];
    int n = std::snprintf(buf, sizeof buf, "%llu\n",
                          static_cast<unsigned long long>((total + kMiB) / kMiB));
    (void)!::write(out, buf, static_cast<size_t>(n));
  }
  return 0;
}

uint64_t last_number(const std::string& data) {
  size_t end = data.find_last_not_of('\n');
  if (end == std::string::npos) return 0;
  size_t start = data.rfind('\n', end);
  return std::strtoull(data.c_str() + (start == std::string::npos ? 0 : start + 1), nullptr, 10);
}

void memory(const Context& ctx, Reporter& r) {
  ChildResult control = run_child([](int out) { return balloon(out, 16 * kMiB); }, 5000);
  r.add(kWall, "allocate 16 MiB (positive control)", "exit 0", control.describe(),
        control.exited && control.code == 0);

  const uint64_t limit = ctx.spec.memory_limit_bytes;
  const std::string how = ctx.spec.memory_is_cgroup ? "killed (cgroup OOM)" : "allocation fails";
  const std::string expected = how + " before " + mib(limit + limit / 4);
  if (limit == 0) {
    r.add(kWall, "memory balloon", expected, "no memory limit in the spec", false);
    return;
  }
  ChildResult res = run_child([&](int out) { return balloon(out, 2 * limit); }, 10000);
  uint64_t reached = last_number(res.data) * kMiB;
  bool stopped = (res.signal == SIGKILL) || (res.exited && res.code == 3);
  r.add(kWall, "memory balloon (up to " + mib(2 * limit) + ")", expected,
        res.describe() + " after " + mib(reached), stopped && reached <= limit + limit / 4);
}

void tmp_fill(const Context& ctx, Reporter& r) {
  const std::string control = "/tmp/.cordon-verify-small-" + std::to_string(::getpid());
  int rc = try_create(control);
  ::unlink(control.c_str());
  r.add(kWall, "small write in /tmp (positive control)", "written",
        rc == 0 ? "written" : errno_name(-rc), rc == 0);

  const uint64_t limit = ctx.spec.tmp_limit_bytes;
  const uint64_t bound = limit + limit / 10;
  const std::string expected = "ENOSPC by " + mib(bound);
  if (limit == 0) {
    r.add(kWall, "fill /tmp", expected, "no /tmp limit in the spec", false);
    return;
  }
  const std::string path = "/tmp/.cordon-verify-fill-" + std::to_string(::getpid());
  ChildResult res = run_child(
      [&](int out) {
        int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
        if (fd < 0) return 2;
        std::vector<char> chunk(kMiB, 'x');
        uint64_t written = 0;
        int err = 0;
        while (written <= bound) {
          ssize_t n = ::write(fd, chunk.data(), chunk.size());
          if (n <= 0) {
            err = n < 0 ? errno : ENOSPC;
            break;
          }
          written += static_cast<uint64_t>(n);
        }
        char buf[64];
        int len = std::snprintf(buf, sizeof buf, "%llu %d",
                                static_cast<unsigned long long>(written), err);
        (void)!::write(out, buf, static_cast<size_t>(len));
        return 0;
      },
      10000);
  ::unlink(path.c_str());
  unsigned long long written = 0, err = 0;
  if (!two_numbers(res.data, &written, &err)) {
    // Killed before reporting: the memory limit (tmpfs pages are charged to it) stopped it.
    r.add(kWall, "fill /tmp", expected, res.describe(), res.signal == SIGKILL);
    return;
  }
  std::string got = (err ? errno_name(static_cast<int>(err)) : std::string("no error")) +
                    " after " + mib(written);
  r.add(kWall, "fill /tmp", expected, got,
        one_of(static_cast<int>(err), {ENOSPC, EFBIG, EDQUOT}) && written <= bound);
}

void open_files(Reporter& r) {
  rlimit lim{};
  ::getrlimit(RLIMIT_NOFILE, &lim);
  const uint64_t cap = 1 << 16;  // never open more than this, even unconfined
  ChildResult res = run_child(
      [&](int out) {
        uint64_t opened = 0;
        int err = 0;
        while (opened < cap) {
          if (::open("/dev/null", O_RDONLY) < 0) {
            err = errno;
            break;
          }
          ++opened;
        }
        char buf[64];
        int n =
            std::snprintf(buf, sizeof buf, "%llu %d", static_cast<unsigned long long>(opened), err);
        (void)!::write(out, buf, static_cast<size_t>(n));
        return 0;
      },
      5000);
  unsigned long long opened = 0, err = 0;
  std::string soft = lim.rlim_cur == RLIM_INFINITY ? "unlimited" : std::to_string(lim.rlim_cur);
  bool parsed = two_numbers(res.data, &opened, &err);
  r.add(kWall, "open files until refused", "EMFILE before RLIMIT_NOFILE (" + soft + ")",
        parsed ? (err ? errno_name(static_cast<int>(err)) : std::string("no error")) + " after " +
                     std::to_string(opened) + " opens"
               : "did not report (" + res.describe() + ")",
        parsed && err == EMFILE && opened < lim.rlim_cur);

  Attempt raise = attempt(
      [&] {
        rlimit more = lim;
        more.rlim_max = lim.rlim_max == RLIM_INFINITY ? RLIM_INFINITY : lim.rlim_max + 1;
        more.rlim_cur = more.rlim_max;
        return static_cast<long>(::setrlimit(RLIMIT_NOFILE, &more));
      },
      true);
  r.add(kWall, "raise the RLIMIT_NOFILE hard limit", "EPERM", raise.describe(),
        raise.died.empty() && raise.rc == -1 && raise.err == EPERM);
}

}  // namespace

void probe_resources(const Context& ctx, Reporter& r) {
  fork_bomb(ctx, r);
  memory(ctx, r);
  tmp_fill(ctx, r);
  open_files(r);
}

}  // namespace cordon::verify::probe
