// isolation: namespaces, uid map, capabilities, no_new_privs, seccomp mode, hostname, fds and a
// setuid binary.
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <optional>

#include "base/unique_fd.h"
#include "verify/probe_util.h"
#include "verify/probe_walls.h"

namespace cordon::verify::probe {
namespace {

constexpr const char* kWall = "isolation";

void namespaces(const Context& ctx, Reporter& r) {
  for (const auto& [name, host_ino] : ctx.spec.host_namespaces) {
    struct stat st;
    std::string path = "/proc/self/ns/" + name;
    if (::stat(path.c_str(), &st) != 0) {
      r.add(kWall, name + " namespace differs from the host's", "a new " + name + " namespace",
            "cannot stat " + path + ": " + errno_name(errno), false);
      continue;
    }
    bool differs = static_cast<uint64_t>(st.st_ino) != host_ino;
    r.add(kWall, name + " namespace differs from the host's", "a new " + name + " namespace",
          differs
              ? "inode " + std::to_string(st.st_ino) + " (host " + std::to_string(host_ino) + ")"
              : "same as the host (" + std::to_string(host_ino) + ")",
          differs);
  }
}

void identity(const Context& ctx, Reporter& r) {
  uid_t uid = ::getuid(), euid = ::geteuid();
  r.add(kWall, "uid in the box", "uid = euid = " + std::to_string(ctx.spec.box_uid),
        "uid " + std::to_string(uid) + ", euid " + std::to_string(euid),
        uid == ctx.spec.box_uid && euid == ctx.spec.box_uid);

  // The map must hold exactly one id: the user's own, mapped to itself.
  auto map = read_small("/proc/self/uid_map");
  std::string want = std::to_string(ctx.spec.box_uid);
  bool ok = false;
  std::string got = map ? *map : "unreadable";
  if (map) {
    unsigned long inside = 0, outside = 0, count = 0;
    int lines = static_cast<int>(std::count(map->begin(), map->end(), '\n'));
    ok = lines == 1 && std::sscanf(map->c_str(), "%lu %lu %lu", &inside, &outside, &count) == 3 &&
         count == 1 && inside == ctx.spec.box_uid;
    got.erase(std::remove(got.begin(), got.end(), '\n'), got.end());
    got = "uid_map \"" + got + "\"";
  }
  r.add(kWall, "user namespace maps one uid", want + " -> (host uid), count 1", got, ok);
}

void status_flags(Reporter& r) {
  for (const char* cap : {"CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb"}) {
    auto v = status_field("self", cap);
    bool empty = v && std::strtoull(v->c_str(), nullptr, 16) == 0;
    r.add(kWall, std::string(cap) + " (capability set)", "0000000000000000",
          v ? *v : "missing from /proc/self/status", empty);
  }
  auto nnp = status_field("self", "NoNewPrivs");
  r.add(kWall, "no_new_privs", "1", nnp ? *nnp : "missing", nnp && *nnp == "1");
  auto mode = status_field("self", "Seccomp");
  r.add(kWall, "seccomp mode", "2 (filter)", mode ? *mode : "missing", mode && *mode == "2");
  auto filters = status_field("self", "Seccomp_filters");
  bool some = filters && std::atoi(filters->c_str()) >= 1;
  r.add(kWall, "seccomp filters installed", ">= 1", filters ? *filters : "missing", some);
}

void hostname(Reporter& r) {
  utsname u{};
  ::uname(&u);
  r.add(kWall, "hostname (uts namespace)", "cordon", u.nodename,
        std::string(u.nodename) == "cordon");
}

void fds(const Context& ctx, Reporter& r) {
  std::vector<std::string> open;
  for (const auto& [fd, target] : ctx.fds_at_start) {
    open.push_back(std::to_string(fd) + " -> " + target);
  }
  r.add(kWall, "no fd >= 3 inherited at start", "none", open.empty() ? "none" : join(open),
        open.empty());

  for (const auto& leaked : ctx.spec.leaked_fds) {
    bool inherited = std::any_of(ctx.fds_at_start.begin(), ctx.fds_at_start.end(),
                                 [&](const auto& p) { return p.first == leaked.fd; });
    r.add(kWall, "leaked host fd " + std::to_string(leaked.fd) + " (" + leaked.what + ")",
          "EBADF (not inherited)", inherited ? "open in the box" : "EBADF", !inherited);
  }

  // Positive control: the fd listing sees an fd the probe itself opens.
  UniqueFd mine(::open("/dev/null", O_RDONLY | O_CLOEXEC));
  auto now = open_fds();
  bool seen = mine && std::any_of(now.begin(), now.end(),
                                  [&](const auto& p) { return p.first == mine.get(); });
  r.add(kWall, "fd listing sees the probe's own fd (positive control)", "listed",
        seen ? "listed" : "not listed", seen);
}

// A setuid-root program the system ships; nullopt when there is none. Host root shows up as the
// overflow uid (65534) when cordon runs unprivileged, so root or any owner but ourselves counts.
std::optional<std::string> find_setuid_root() {
  for (const char* name : {"su", "newgrp", "chsh", "chfn", "gpasswd", "passwd", "mount"}) {
    for (const char* dir : {"/usr/bin/", "/bin/"}) {
      std::string path = std::string(dir) + name;
      struct stat st;
      if (::stat(path.c_str(), &st) == 0 && (st.st_mode & S_ISUID) &&
          (st.st_uid == 0 || st.st_uid != ::getuid())) {
        return path;
      }
    }
  }
  return std::nullopt;
}

int64_t monotonic_ms() {
  timespec ts{};
  ::clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1000 + ts.tv_nsec / 1000000;
}

// Starts a setuid-root binary with stdin a pipe that never gets data and watches its
// credentials for up to a second. It is not reaped until the end, so even if it exits at once
// its zombie still shows the credentials exec gave it.
void setuid_binary(const Context& ctx, Reporter& r) {
  const char* attack = "setuid-root binary does not raise privilege";
  auto binary = find_setuid_root();
  if (!binary) {
    r.add(kWall, attack, "euid stays the box uid, CapEff 0",
          "no setuid-root binary found in /usr/bin or /bin to test", false);
    return;
  }
  int in[2];
  if (::pipe2(in, O_CLOEXEC) != 0) return;
  UniqueFd in_read(in[0]), in_write(in[1]);
  pid_t pid = ::fork();
  if (pid == 0) {
    ::setsid();  // no controlling tty: nothing can prompt on the user's terminal
    ::dup2(in_read.get(), 0);
    int null = ::open("/dev/null", O_WRONLY);
    ::dup2(null, 1);
    ::dup2(null, 2);
    const char* base = std::strrchr(binary->c_str(), '/') + 1;
    ::execl(binary->c_str(), base, static_cast<char*>(nullptr));
    ::_exit(127);
  }
  in_read.reset();
  if (pid < 0) {
    r.add(kWall, attack, "euid stays the box uid, CapEff 0", "fork: " + errno_name(errno), false);
    return;
  }

  const std::string comm = std::string(std::strrchr(binary->c_str(), '/') + 1).substr(0, 15);
  const std::string spid = std::to_string(pid);
  std::vector<unsigned long> euids;  // every distinct euid seen
  unsigned long long cap_eff = 0;
  int samples = 0;
  bool zombie = false;
  const int64_t deadline = monotonic_ms() + 1000;
  while (!zombie && monotonic_ms() < deadline) {
    auto name = status_field(spid, "Name");
    auto uids = status_field(spid, "Uid");
    auto caps = status_field(spid, "CapEff");
    auto state = status_field(spid, "State");
    if (name && *name == comm && uids && caps) {  // only after the exec
      unsigned long real = 0, eff = 0;
      std::sscanf(uids->c_str(), "%lu %lu", &real, &eff);
      if (std::find(euids.begin(), euids.end(), eff) == euids.end()) euids.push_back(eff);
      cap_eff |= std::strtoull(caps->c_str(), nullptr, 16);
      ++samples;
    }
    zombie = state && state->front() == 'Z';
    ::usleep(1000);
  }
  ::kill(pid, SIGKILL);
  ::waitpid(pid, nullptr, 0);

  char caps_hex[32];
  std::snprintf(caps_hex, sizeof caps_hex, "%016llx", cap_eff);
  std::vector<std::string> seen;
  for (unsigned long e : euids) seen.push_back(std::to_string(e));
  std::string got = samples == 0 ? *binary + ": never observed after exec"
                                 : *binary + ": euid " + join(seen) + ", CapEff " + caps_hex;
  bool kept_uid = euids.size() == 1 && euids.front() == ctx.spec.box_uid;
  r.add(kWall, attack, "euid " + std::to_string(ctx.spec.box_uid) + ", CapEff 0000000000000000",
        got, samples > 0 && kept_uid && cap_eff == 0);
}

}  // namespace

void probe_isolation(const Context& ctx, Reporter& r) {
  namespaces(ctx, r);
  identity(ctx, r);
  status_flags(r);
  hostname(r);
  fds(ctx, r);
  setuid_binary(ctx, r);
}

}  // namespace cordon::verify::probe
