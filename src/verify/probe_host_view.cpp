// filesystem: what of the host the box can see: host /tmp, host sockets (docker, dbus,
// ssh-agent, an abstract socket), /proc (the kernel settings and other processes' memory in it),
// /sys and /dev.
#include <dirent.h>
#include <fcntl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstddef>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "base/unique_fd.h"
#include "verify/probe_util.h"
#include "verify/probe_walls.h"

namespace cordon::verify::probe {
namespace {

constexpr const char* kWall = "filesystem";

std::vector<std::string> list_dir(const std::string& path, bool* ok = nullptr) {
  std::vector<std::string> out;
  DIR* d = ::opendir(path.c_str());
  if (ok) *ok = d != nullptr;
  if (!d) return out;
  while (dirent* e = ::readdir(d)) {
    std::string name = e->d_name;
    if (name != "." && name != "..") out.push_back(name);
  }
  ::closedir(d);
  return out;
}

// connect(2) to a unix socket path, or an abstract name when `abstract`; 0 or -errno.
int connect_unix(const std::string& name, bool abstract) {
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  size_t offset = abstract ? 1 : 0;
  if (name.size() + offset >= sizeof addr.sun_path) return -ENAMETOOLONG;
  std::memcpy(addr.sun_path + offset, name.data(), name.size());
  auto len = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + offset + name.size());
  UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!fd) return -errno;
  return ::connect(fd.get(), reinterpret_cast<sockaddr*>(&addr), len) == 0 ? 0 : -errno;
}

// A listener of the probe's own, for the positive controls.
UniqueFd listen_unix(const std::string& name, bool abstract) {
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  size_t offset = abstract ? 1 : 0;
  std::memcpy(addr.sun_path + offset, name.data(), name.size());
  auto len = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + offset + name.size());
  UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!fd || ::bind(fd.get(), reinterpret_cast<sockaddr*>(&addr), len) != 0 ||
      ::listen(fd.get(), 1) != 0) {
    return UniqueFd();
  }
  return fd;
}

std::string connect_outcome(int rc) {
  return rc == 0 ? "connected" : errno_name(-rc);
}

void host_tmp(const Context& ctx, Reporter& r) {
  struct stat st;
  int rc = ::lstat(ctx.spec.host_tmp_marker.c_str(), &st) == 0 ? 0 : -errno;
  r.add(kWall, "see a host file next to the workspace", "ENOENT",
        rc == 0 ? "visible" : errno_name(-rc), rc != 0);
  std::string parent = ctx.spec.workspace.substr(0, ctx.spec.workspace.rfind('/'));
  bool ok = false;
  std::vector<std::string> others;
  for (const auto& name : list_dir(parent, &ok)) {
    if (parent + "/" + name != ctx.spec.workspace) others.push_back(name);
  }
  r.add(kWall, "list the workspace's parent directory", "only the workspace",
        !ok              ? "unreadable"
        : others.empty() ? "only the workspace"
                         : join(others),
        others.empty());
}

void sockets(const Context& ctx, Reporter& r) {
  const char* agent = std::getenv("SSH_AUTH_SOCK");
  r.add(kWall, "SSH_AUTH_SOCK in the environment", "unset", agent ? agent : "unset", !agent);
  for (const auto& path : ctx.spec.host_sockets) {
    int rc = connect_unix(path, false);
    r.add(kWall, "connect to host socket " + path, "ENOENT", connect_outcome(rc), rc != 0);
  }
  int agent_rc = connect_unix(ctx.spec.ssh_agent_socket, false);
  r.add(kWall, "connect to the fake ssh-agent socket (its host path)", "ENOENT",
        connect_outcome(agent_rc), agent_rc != 0);
  int rc = connect_unix(ctx.spec.abstract_socket, true);
  r.add(kWall, "connect to a host abstract socket (@cordon-verify-...)",
        "ECONNREFUSED (other netns)", connect_outcome(rc), rc != 0);

  // Positive controls: the probe's own sockets, by path and abstract name, do connect.
  std::string path = "/tmp/.cordon-verify-sock-" + std::to_string(::getpid());
  UniqueFd own = listen_unix(path, false);
  rc = own ? connect_unix(path, false) : -EBADF;
  ::unlink(path.c_str());
  r.add(kWall, "connect to the probe's own socket in /tmp (positive control)", "connected",
        connect_outcome(rc), rc == 0);
  std::string name = "cordon-verify-probe-" + std::to_string(::getpid());
  own = listen_unix(name, true);
  rc = own ? connect_unix(name, true) : -EBADF;
  r.add(kWall, "connect to the probe's own abstract socket (positive control)", "connected",
        connect_outcome(rc), rc == 0);
}

void proc(const Context& ctx, Reporter& r) {
  std::vector<long> pids;
  for (const auto& name : list_dir("/proc")) {
    if (name.find_first_not_of("0123456789") == std::string::npos) {
      pids.push_back(std::atol(name.c_str()));
    }
  }
  long highest = 0;
  for (long p : pids) highest = std::max(highest, p);
  r.add(kWall, "processes visible in /proc", "only the box's (a few, pids < 1000)",
        std::to_string(pids.size()) + " processes, highest pid " + std::to_string(highest),
        !pids.empty() && pids.size() <= 16 && highest < 1000);

  auto comm = read_small("/proc/1/comm");
  std::string init = comm ? comm->substr(0, comm->find('\n')) : "unreadable";
  r.add(kWall, "pid 1 is cordon's box init", ctx.spec.host_comm, init, init == ctx.spec.host_comm);

  // The host's cordon process, by its host pid: that number is either unused in the box or a
  // different process (a different start time).
  std::string stat_path = "/proc/" + std::to_string(ctx.spec.host_pid) + "/stat";
  auto stat = read_small(stat_path);
  bool same = false;
  if (stat) {
    size_t pos = stat->rfind(')');
    for (int field = 2; pos != std::string::npos && field < 22; ++field) {
      pos = stat->find(' ', pos + 1);
    }
    same = pos != std::string::npos &&
           std::strtoull(stat->c_str() + pos + 1, nullptr, 10) == ctx.spec.host_start_ticks;
  }
  r.add(kWall, "cordon's host process (pid " + std::to_string(ctx.spec.host_pid) + ") visible",
        "not visible",
        !stat  ? "no such pid"
        : same ? "visible"
               : "pid in use by a box process",
        !same);
}

// The kernel's own settings: a box running as root passes the file permissions of /proc/sys
// (core_pattern names a program the host's root runs), so they must be read-only mounts.
void kernel_settings(Reporter& r) {
  std::vector<std::string> files = {"/proc/sys/kernel/core_pattern", "/proc/sys/kernel/modprobe",
                                    "/proc/sys/vm/drop_caches", "/proc/sysrq-trigger"};
  for (const auto& irq : list_dir("/proc/irq")) {
    if (irq.find_first_not_of("0123456789") != std::string::npos) continue;
    files.push_back("/proc/irq/" + irq + "/smp_affinity");
    break;
  }
  for (const auto& file : files) {
    struct stat st;
    if (::lstat(file.c_str(), &st) != 0) continue;  // not in this kernel
    // Opened and closed without a write: nothing changes even if the wall fell.
    UniqueFd fd(::open(file.c_str(), O_WRONLY | O_CLOEXEC));
    r.add(kWall, "open " + file + " for writing", "EROFS or EACCES",
          fd ? "opened" : errno_name(errno), !fd.valid());
  }
}

// Another box process's memory: with /proc/PID/mem writable, any process could rewrite a
// program's argv after the approval gate decided it, or after a reviewer approved it (same uid,
// no ptrace needed). A child that waits for its pipe to close is the other process.
void other_process_memory(Reporter& r) {
  int hold[2];
  if (::pipe2(hold, O_CLOEXEC) != 0) {
    r.add(kWall, "open another box process's /proc/PID/mem for writing", "EROFS or EACCES",
          "no pipe: " + errno_name(errno), false);
    return;
  }
  const pid_t child = ::fork();
  if (child == 0) {
    ::close(hold[1]);
    char byte;
    (void)!::read(hold[0], &byte, 1);
    ::_exit(0);
  }
  ::close(hold[0]);
  std::string got = "no child: " + errno_name(errno);
  bool held = false;
  if (child > 0) {
    // Opened and closed without a write: nothing changes even if the wall fell.
    UniqueFd mem(::open(("/proc/" + std::to_string(child) + "/mem").c_str(), O_RDWR | O_CLOEXEC));
    got = mem ? "opened" : errno_name(errno);
    held = !mem.valid();
  }
  ::close(hold[1]);
  if (child > 0) (void)!::waitpid(child, nullptr, 0);
  r.add(kWall, "open another box process's /proc/PID/mem for writing", "EROFS or EACCES", got,
        held);
}

void sys_and_dev(Reporter& r) {
  bool ok = false;
  auto sys = list_dir("/sys", &ok);
  r.add(kWall, "/sys", "absent (or empty)",
        !ok           ? errno_name(errno)
        : sys.empty() ? "empty"
                      : std::to_string(sys.size()) + " entries",
        sys.empty());

  std::vector<std::string> block, sensitive;
  for (const auto& name : list_dir("/dev")) {
    struct stat st;
    if (::lstat(("/dev/" + name).c_str(), &st) == 0 && S_ISBLK(st.st_mode)) block.push_back(name);
  }
  for (const char* dev : {"/dev/mem", "/dev/kmem", "/dev/port", "/dev/kmsg", "/dev/sda", "/dev/vda",
                          "/dev/nvme0", "/dev/fuse", "/dev/kvm"}) {
    struct stat st;
    if (::lstat(dev, &st) == 0) sensitive.push_back(dev);
  }
  block.insert(block.end(), sensitive.begin(), sensitive.end());
  r.add(kWall, "/dev holds no block, memory or kernel devices", "none",
        block.empty() ? "none" : join(block), block.empty());

  UniqueFd null(::open("/dev/null", O_WRONLY | O_CLOEXEC));
  r.add(kWall, "open /dev/null for writing (positive control)", "opened",
        null ? "opened" : errno_name(errno), null.valid());
}

}  // namespace

void probe_host_view(const Context& ctx, Reporter& r) {
  host_tmp(ctx, r);
  sockets(ctx, r);
  proc(ctx, r);
  kernel_settings(r);
  other_process_memory(r);
  sys_and_dev(r);
}

}  // namespace cordon::verify::probe
