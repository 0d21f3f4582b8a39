// The box's resource cgroup: picks v2 (delegated subtree), v1 (root) or none, writes the limits,
// samples usage, kills the box and removes the directories. Runs in the supervisor (host side,
// the user's own uid), before clone and after the box is gone. See docs/resources.md.
#include "box/cgroup.h"

#include <dirent.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <bit>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstring>
#include <utility>

#include "base/files.h"
#include "base/log.h"
#include "base/syscalls.h"
#include "base/unique_fd.h"

namespace cordon::box {
namespace {

// Controllers, as bits of CgroupSession::controllers_, in the order mechanism() lists them.
enum Controller : unsigned { kMemory = 1, kPids = 2, kCpu = 4 };
constexpr std::array<std::pair<Controller, const char*>, 3> kControllers{
    {{kMemory, "memory"}, {kPids, "pids"}, {kCpu, "cpu"}}};

constexpr uint64_t kCpuPeriodUs = 100000;
constexpr uint64_t kMinCpuQuotaUs = 1000;  // the kernel refuses a quota below 1 ms
constexpr int kKillRounds = 100;
constexpr time_t kStaleAfterSeconds = 60;

std::string names(unsigned set, const char* separator) {
  std::string out;
  for (const auto& [bit, name] : kControllers) {
    if ((set & bit) == 0) continue;
    if (!out.empty()) out += separator;
    out += name;
  }
  return out;
}

// What the policy asks of a cgroup.
struct Needs {
  unsigned wanted = 0;  // limits the policy sets (memory, pids, cpu)
  unsigned hard = 0;    // limits nothing but a cgroup can enforce: fail closed without one
  std::optional<uint64_t> memory_bytes;
  std::optional<uint64_t> pids;
  std::optional<uint64_t> cpu_quota_us;  // per kCpuPeriodUs
};

Result<Needs> needs_of(const policy::ResourcePolicy& r) {
  Needs n;
  if (r.memory_bytes.value) {
    n.memory_bytes = *r.memory_bytes.value;
    n.wanted |= kMemory;
    if (r.memory_fallback.value == policy::MemoryFallback::kFailClosed) n.hard |= kMemory;
  }
  if (r.pids.value) {
    n.pids = *r.pids.value;
    n.wanted |= kPids;  // RLIMIT_NPROC is the fallback: never hard
  }
  if (r.cpus.value) {
    double cpus = *r.cpus.value;
    std::string where = " (" + r.cpus.origin.describe() + ")";
    if (!std::isfinite(cpus) || cpus <= 0 || cpus > 1e6) {
      return Error(Errc::kPolicy, "[resources] cpus = " + std::to_string(cpus) +
                                      " is not a positive number of cores" + where);
    }
    double quota = std::round(cpus * static_cast<double>(kCpuPeriodUs));
    if (quota < static_cast<double>(kMinCpuQuotaUs)) {
      return Error(Errc::kPolicy, "[resources] cpus = " + std::to_string(cpus) +
                                      " is below the kernel's minimum of 0.01 cores" + where);
    }
    n.cpu_quota_us = static_cast<uint64_t>(quota);
    n.wanted |= kCpu;
    n.hard |= kCpu;  // no rlimit bounds CPU bandwidth
  }
  return n;
}

bool valid_session_id(const std::string& id) {
  if (id.empty() || id.size() > 128 || id[0] == '.') return false;
  return std::all_of(id.begin(), id.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '_' || c == '.';
  });
}

bool exists(const std::string& path) { return ::access(path.c_str(), F_OK) == 0; }

bool has_magic(const std::string& dir, int64_t magic) {
  struct statfs fs {};
  return ::statfs(dir.c_str(), &fs) == 0 && static_cast<int64_t>(fs.f_type) == magic;
}

std::string trim(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

std::optional<uint64_t> parse_u64(const std::string& text) {
  std::string s = trim(text);
  uint64_t v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size() || s.empty()) return std::nullopt;
  return v;
}

std::vector<pid_t> parse_pids(const std::string& text) {
  std::vector<pid_t> out;
  const char* p = text.data();
  const char* end = p + text.size();
  while (p < end) {
    while (p < end && (*p == '\n' || *p == ' ')) ++p;
    pid_t pid = 0;
    auto [next, ec] = std::from_chars(p, end, pid);
    if (ec != std::errc()) break;
    if (pid > 0) out.push_back(pid);
    p = next;
  }
  return out;
}

void sleep_for_us(long us) {
  timespec ts{us / 1000000, (us % 1000000) * 1000};
  while (::nanosleep(&ts, &ts) != 0 && errno == EINTR) {
  }
}

// /proc/self/cgroup: "0::/user.slice/..." for v2, "4:memory:/path" (or "2:cpu,cpuacct:/") for v1.
struct ProcCgroups {
  std::optional<std::string> v2_path;
  std::vector<std::pair<std::string, std::string>> v1_paths;  // controller -> path

  std::string v1_path(const std::string& controller) const {
    for (const auto& [name, path] : v1_paths) {
      if (name == controller) return path;
    }
    return "/";
  }
};

ProcCgroups parse_proc_cgroups(const std::string& text) {
  ProcCgroups out;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t eol = text.find('\n', pos);
    if (eol == std::string::npos) eol = text.size();
    std::string line = text.substr(pos, eol - pos);
    pos = eol + 1;
    size_t c1 = line.find(':');
    size_t c2 = c1 == std::string::npos ? c1 : line.find(':', c1 + 1);
    if (c2 == std::string::npos) continue;
    std::string controllers = line.substr(c1 + 1, c2 - c1 - 1);
    std::string path = line.substr(c2 + 1);
    if (line.compare(0, c1, "0") == 0 && controllers.empty()) {
      out.v2_path = path;
      continue;
    }
    size_t start = 0;
    while (start <= controllers.size()) {
      size_t comma = controllers.find(',', start);
      if (comma == std::string::npos) comma = controllers.size();
      out.v1_paths.emplace_back(controllers.substr(start, comma - start), path);
      start = comma + 1;
    }
  }
  return out;
}

// "/a/b" under root "/sys/fs/cgroup" -> "/sys/fs/cgroup/a/b"; "/" -> the root itself.
std::string join(const std::string& root, const std::string& path) {
  if (path.empty() || path == "/") return root;
  return root + (path[0] == '/' ? "" : "/") + path;
}

// What we learned about the caller's v2 cgroup without changing anything.
struct V2Probe {
  bool usable = false;
  std::string dir;       // the caller's cgroup directory
  bool at_root = false;  // the caller is in the hierarchy's root (no internal-process rule)
  unsigned available = 0;
  std::string controllers_text;  // cgroup.controllers as read, for messages
  std::string why;               // when not usable
};

V2Probe probe_v2(const CgroupRoots& roots, const ProcCgroups& proc, uid_t euid) {
  V2Probe p;
  if (!proc.v2_path) {
    p.why = "no \"0::\" line in " + roots.proc_self_cgroup;
    return p;
  }
  auto is_cgroup2 = [&](const std::string& dir) {
    return roots.fake_tree ? exists(dir + "/cgroup.controllers")
                           : has_magic(dir, CGROUP2_SUPER_MAGIC);
  };
  std::string root;
  if (is_cgroup2(roots.v2)) {
    root = roots.v2;
  } else if (is_cgroup2(roots.v2 + "/unified")) {
    root = roots.v2 + "/unified";
  } else {
    p.why = "no cgroup2 filesystem at " + roots.v2 + " or " + roots.v2 + "/unified";
    return p;
  }
  p.at_root = *proc.v2_path == "/";
  p.dir = join(root, *proc.v2_path);
  auto text = read_file(p.dir + "/cgroup.controllers");
  if (!text) {
    p.why = text.error().describe();
    return p;
  }
  p.controllers_text = trim(*text);
  for (const auto& [bit, name] : kControllers) {
    // Whole words only: "cpuset" is not "cpu".
    std::string padded = " " + p.controllers_text + " ";
    if (padded.find(std::string(" ") + name + " ") != std::string::npos) p.available |= bit;
  }
  if (::faccessat(AT_FDCWD, p.dir.c_str(), W_OK, AT_EACCESS) != 0) {
    p.why =
        p.dir + " is not writable by uid " + std::to_string(euid) + " (not a delegated subtree)";
    return p;
  }
  p.usable = true;
  return p;
}

std::string missing_v2(const V2Probe& p, unsigned needed) {
  unsigned missing = needed & ~p.available;
  return p.dir + ": controller" + (std::popcount(missing) > 1 ? "s " : " ") + names(missing, ", ") +
         " not available (cgroup.controllers " +
         (p.controllers_text.empty() ? "is empty" : "is \"" + p.controllers_text + "\"") + ")";
}

// v1 hierarchies that exist, as controller bits.
unsigned probe_v1(const CgroupRoots& roots, unsigned wanted, std::string* why) {
  unsigned available = 0;
  for (const auto& [bit, name] : kControllers) {
    if ((wanted & bit) == 0) continue;
    std::string dir = roots.v1 + "/" + name;
    bool ok = roots.fake_tree ? exists(dir + "/cgroup.procs") : has_magic(dir, CGROUP_SUPER_MAGIC);
    if (ok) {
      available |= bit;
    } else if (why->empty()) {
      *why = std::string("no ") + name + " hierarchy at " + dir;
    }
  }
  return available;
}

}  // namespace

// Selection and creation. Each attempt fills a fresh session; on failure the session is dropped
// and its destructor undoes whatever the attempt had done (dirs, supervisor move, controllers).
class CgroupSetup {
 public:
  static Result<std::unique_ptr<CgroupSession>> create(const policy::ResourcePolicy& resources,
                                                       const std::string& session_id,
                                                       const CgroupRoots& roots);

 private:
  static std::unique_ptr<CgroupSession> fresh(const CgroupRoots& roots, CgroupVersion version) {
    std::unique_ptr<CgroupSession> s(new CgroupSession());
    s->roots_ = roots;
    s->version_ = version;
    return s;
  }
  static Result<void> make_dir(const CgroupSession& s, const std::string& dir) {
    if (::mkdir(dir.c_str(), 0755) != 0) return Error::system("mkdir " + dir);
    if (s.roots_.after_mkdir) s.roots_.after_mkdir(dir);
    return Ok{};
  }
  static void set_enforced(CgroupSession& s, const Needs& n) {
    s.enforces_memory_ = (n.wanted & s.controllers_ & kMemory) != 0;
    s.enforces_pids_ = (n.wanted & s.controllers_ & kPids) != 0;
    s.enforces_cpu_ = (n.wanted & s.controllers_ & kCpu) != 0;
  }
  static Result<void> try_v2(CgroupSession& s, const V2Probe& probe, unsigned controllers,
                             const Needs& n, const std::string& session_id);
  static Result<void> try_v1(CgroupSession& s, const ProcCgroups& proc, unsigned controllers,
                             const Needs& n, const std::string& session_id);
};

// v2: <cg>/cordon-supervisor-<id> holds the supervisor (a cgroup with controllers enabled for its
// children may not hold processes itself), <cg>/cordon-<id> holds the box.
Result<void> CgroupSetup::try_v2(CgroupSession& s, const V2Probe& probe, unsigned controllers,
                                 const Needs& n, const std::string& session_id) {
  const std::string& cg = probe.dir;
  s.v2_parent_ = cg;
  if (!probe.at_root && controllers != 0) {
    // A read is far cheaper than a migration (which waits for an RCU grace period), so look
    // before moving: other processes here would make enabling controllers fail with EBUSY.
    auto procs = read_file(cg + "/cgroup.procs");
    if (!procs) return std::move(procs).error();
    for (pid_t pid : parse_pids(*procs)) {
      if (pid != ::getpid()) {
        return Error(Errc::kUnsupported, cg + " also holds other processes (pid " +
                                             std::to_string(pid) +
                                             "); controllers can only be enabled for children "
                                             "of a cgroup that holds no processes");
      }
    }
    std::string leaf = cg + "/cordon-supervisor-" + session_id;
    CORDON_TRY(make_dir(s, leaf));
    s.v2_leaf_ = leaf;
    CORDON_TRY(write_file(leaf + "/cgroup.procs", std::to_string(::getpid())));
    s.v2_moved_ = true;
  }
  if (controllers != 0) {
    std::string enable = "+" + names(controllers, " +");
    auto r = write_file(cg + "/cgroup.subtree_control", enable);
    if (!r) {
      Error e = std::move(r).error();
      if (e.sys_errno() == EBUSY) e.context("other processes share " + cg);
      return e;
    }
    s.v2_enabled_ = controllers;
  }
  std::string box = cg + "/cordon-" + session_id;
  CORDON_TRY(make_dir(s, box));
  s.dirs_.push_back(box);
  s.controllers_ = controllers;

  if ((controllers & kMemory) != 0) {
    s.memory_dir_ = box;
    if (n.memory_bytes) {
      CORDON_TRY(write_file(box + "/memory.max", std::to_string(*n.memory_bytes)));
      // Without swap accounting (no memory.swap.max) the kernel has no swap to charge either way;
      // with it, 0 keeps the box from spilling its total into swap.
      auto swap = write_file(box + "/memory.swap.max", "0");
      if (!swap && swap.error().sys_errno() != ENOENT) return std::move(swap).error();
    }
  }
  if ((controllers & kPids) != 0) {
    s.pids_dir_ = box;
    if (n.pids) CORDON_TRY(write_file(box + "/pids.max", std::to_string(*n.pids)));
  }
  if ((controllers & kCpu) != 0 && n.cpu_quota_us) {
    CORDON_TRY(write_file(box + "/cpu.max",
                          std::to_string(*n.cpu_quota_us) + " " + std::to_string(kCpuPeriodUs)));
  }
  set_enforced(s, n);
  return Ok{};
}

// v1: <v1>/<controller>/<our own cgroup there>/cordon/<id> for each controller. Nesting under our
// own cgroup keeps the box inside whatever limits the caller already runs under.
Result<void> CgroupSetup::try_v1(CgroupSession& s, const ProcCgroups& proc, unsigned controllers,
                                 const Needs& n, const std::string& session_id) {
  for (const auto& [bit, name] : kControllers) {
    if ((controllers & bit) == 0) continue;
    std::string base = join(s.roots_.v1 + "/" + name, proc.v1_path(name)) + "/cordon";
    std::string dir = base + "/" + session_id;
    // Another session may remove the shared base dir between our two mkdirs: retry.
    for (int attempt = 0;; ++attempt) {
      auto made = make_dir(s, base);
      if (!made && made.error().sys_errno() != EEXIST) return std::move(made).error();
      if (std::find(s.v1_parents_.begin(), s.v1_parents_.end(), base) == s.v1_parents_.end()) {
        s.v1_parents_.push_back(base);
      }
      auto leaf = make_dir(s, dir);
      if (leaf) break;
      if (leaf.error().sys_errno() != ENOENT || attempt == 2) return std::move(leaf).error();
    }
    s.dirs_.push_back(dir);
    s.controllers_ |= bit;

    if (bit == kMemory) {
      s.memory_dir_ = dir;
      if (n.memory_bytes) {
        std::string bytes = std::to_string(*n.memory_bytes);
        CORDON_TRY(write_file(dir + "/memory.limit_in_bytes", bytes));
        // memsw is memory + swap; equal to the memory limit means no swap. Absent when the
        // kernel does not account swap (then there is nothing to limit).
        auto memsw = write_file(dir + "/memory.memsw.limit_in_bytes", bytes);
        if (!memsw && memsw.error().sys_errno() != ENOENT) return std::move(memsw).error();
      }
    } else if (bit == kPids) {
      s.pids_dir_ = dir;
      if (n.pids) CORDON_TRY(write_file(dir + "/pids.max", std::to_string(*n.pids)));
    } else if (bit == kCpu && n.cpu_quota_us) {
      CORDON_TRY(write_file(dir + "/cpu.cfs_period_us", std::to_string(kCpuPeriodUs)));
      CORDON_TRY(write_file(dir + "/cpu.cfs_quota_us", std::to_string(*n.cpu_quota_us)));
    }
  }
  set_enforced(s, n);
  return Ok{};
}

Result<std::unique_ptr<CgroupSession>> CgroupSetup::create(const policy::ResourcePolicy& resources,
                                                           const std::string& session_id,
                                                           const CgroupRoots& roots) {
  if (!valid_session_id(session_id)) {
    return Error(Errc::kInternal, "cgroup: invalid session id \"" + session_id + "\"");
  }
  CORDON_ASSIGN_OR_RETURN(Needs n, needs_of(resources));
  const uid_t euid = roots.euid.value_or(::geteuid());

  ProcCgroups proc;
  if (auto text = read_file(roots.proc_self_cgroup)) proc = parse_proc_cgroups(*text);

  // pids is always worth having: it counts the box's processes for the summary and, on v1,
  // lists them for kill_all. A v2 cgroup also gets memory when available (usage and peak).
  const unsigned full = n.wanted | kPids;
  std::string v2_why;
  std::string v1_why;
  bool v2_tried = false;
  bool v1_tried = false;

  auto attempt_v2 = [&](const V2Probe& p, unsigned controllers) -> std::unique_ptr<CgroupSession> {
    v2_tried = true;
    auto s = fresh(roots, CgroupVersion::kV2);
    auto r = try_v2(*s, p, controllers, n, session_id);
    if (r) return s;
    v2_why = p.dir + ": " + r.error().describe();
    log::info("cgroup v2 not usable: " + v2_why);
    return nullptr;  // the destructor undoes the partial attempt
  };
  auto attempt_v1 = [&](unsigned controllers) -> std::unique_ptr<CgroupSession> {
    v1_tried = true;
    auto s = fresh(roots, CgroupVersion::kV1);
    auto r = try_v1(*s, proc, controllers, n, session_id);
    if (r) return s;
    v1_why = r.error().describe();
    log::info("cgroup v1 not usable: " + v1_why);
    return nullptr;
  };

  std::unique_ptr<CgroupSession> chosen;
  // 1. v2 with everything the policy wants.
  V2Probe v2 = probe_v2(roots, proc, euid);
  if (!v2.usable) {
    v2_why = v2.why;
  } else if ((full & ~v2.available) != 0) {
    v2_why = missing_v2(v2, full);
  } else {
    chosen = attempt_v2(v2, full | (v2.available & kMemory));
  }
  // 2. v1 (root only) with everything the policy wants.
  unsigned v1_available = 0;
  if (!chosen) {
    if (euid != 0) {
      v1_why = "needs root (euid " + std::to_string(euid) + ")";
    } else {
      v1_available = probe_v1(roots, full, &v1_why);
      if ((full & ~v1_available) == 0) chosen = attempt_v1(full);
    }
  }
  // 3. Whichever covers the limits that have no fallback, enforcing what it can of the rest.
  if (!chosen && v2.usable && !v2_tried && (n.hard & ~v2.available) == 0) {
    chosen = attempt_v2(v2, (full | kMemory) & v2.available);
  }
  if (!chosen && euid == 0 && !v1_tried && (n.hard & ~v1_available) == 0 &&
      (full & v1_available) != 0) {
    chosen = attempt_v1(full & v1_available);
  }

  std::string reasons = "cgroup v2: " + v2_why + "; cgroup v1: " + v1_why;
  if (!chosen) {
    if (n.hard != 0) {
      std::string limits;
      if ((n.hard & kMemory) != 0) limits = "memory (memory_fallback = \"fail\")";
      if ((n.hard & kCpu) != 0) limits += std::string(limits.empty() ? "" : " and ") + "cpus";
      std::string hint =
          euid == 0 ? "start cordon in a cgroup v2 subtree that has the " + names(n.hard, " and ") +
                          " controller(s) (systemd-run --scope -p Delegate=yes cordon run ...) "
                          "or mount the cgroup v1 " +
                          names(n.hard, " and ") + " hierarchies"
                    : "run cordon as root, or start it in a delegated cgroup v2 subtree: "
                      "systemd-run --user --scope -p Delegate=yes cordon run ...";
      if (n.hard == kMemory) {
        hint += ", or remove `[resources] memory` / set memory_fallback = \"per-process\"";
      } else if (n.hard == kCpu) {
        hint += ", or remove `[resources] cpus`";
      } else {
        hint +=
            ", or remove `[resources] cpus` and `[resources] memory` (or set "
            "memory_fallback = \"per-process\")";
      }
      return std::move(Error(Errc::kUnsupported, "cannot enforce [resources] " + limits +
                                                     " without a cgroup: " + reasons)
                           .with_hint(hint));
    }
    chosen = fresh(roots, CgroupVersion::kNone);
  }

  std::string missing;
  if ((n.wanted & kMemory) != 0 && !chosen->enforces_memory_) {
    missing = "memory: per process (RLIMIT_AS), not a total";
  }
  if ((n.wanted & kPids) != 0 && !chosen->enforces_pids_) {
    missing += std::string(missing.empty() ? "" : "; ") + "pids: RLIMIT_NPROC only";
  }
  if (!missing.empty()) chosen->note_ = missing + " (" + reasons + ")";
  log::debug("cgroup: " + chosen->mechanism() +
             (chosen->note_.empty() ? "" : "; " + chosen->note_));
  return chosen;
}

Result<std::unique_ptr<CgroupSession>> CgroupSession::create(
    const policy::ResourcePolicy& resources, const std::string& session_id,
    const CgroupRoots& roots) {
  return CgroupSetup::create(resources, session_id, roots);
}

namespace {

// SIGKILLs every process listed in `procs_files` until none is left (bounded). A pid read from
// cgroup.procs may exit and be reused before kill(2), so each is signalled through a pidfd that
// was opened before a second listing still showed the pid: the pidfd then names that process.
void kill_listed(const std::vector<std::string>& procs_files) {
  auto list = [&] {
    std::vector<pid_t> pids;
    for (const std::string& file : procs_files) {
      auto text = read_file(file);
      if (!text) continue;
      auto more = parse_pids(*text);
      pids.insert(pids.end(), more.begin(), more.end());
    }
    return pids;
  };
  for (int round = 0; round < kKillRounds; ++round) {
    std::vector<pid_t> pids = list();
    if (pids.empty()) return;
    std::vector<std::pair<pid_t, UniqueFd>> fds;
    for (pid_t pid : pids) {
      UniqueFd fd(sys::pidfd_open(pid, 0));
      if (fd) fds.emplace_back(pid, std::move(fd));
    }
    std::vector<pid_t> again = list();
    for (auto& [pid, fd] : fds) {
      if (std::find(again.begin(), again.end(), pid) != again.end()) {
        sys::pidfd_send_signal(fd.get(), SIGKILL, nullptr, 0);
      }
    }
    if (again.empty()) return;
    sleep_for_us(round < 10 ? 200 : 2000);
  }
  log::warn("cgroup: processes survived " + std::to_string(kKillRounds) + " SIGKILL rounds");
}

// A supervisor killed with SIGKILL leaves its v1 directories behind (nothing trims them, as
// systemd trims a stopped scope on v2), and an empty leftover blocks the removal of the cgroup
// cordon was started in. On the way out, remove sibling sessions that are empty and have not
// changed for a minute: a live session's cgroup holds its box init except for milliseconds
// around creation and teardown.
void remove_stale_sessions(const std::string& parent, const CgroupRoots& roots) {
  std::unique_ptr<DIR, int (*)(DIR*)> d(::opendir(parent.c_str()), ::closedir);
  if (!d) return;
  const time_t now = ::time(nullptr);
  std::vector<std::string> stale;
  while (const dirent* entry = ::readdir(d.get())) {
    if (entry->d_type != DT_DIR || entry->d_name[0] == '.') continue;
    std::string dir = parent + "/" + entry->d_name;
    struct stat st {};
    if (::stat(dir.c_str(), &st) != 0 || now - st.st_mtime < kStaleAfterSeconds) continue;
    auto procs = read_file(dir + "/cgroup.procs");
    if (procs && parse_pids(*procs).empty()) stale.push_back(dir);
  }
  for (const std::string& dir : stale) {
    if (roots.before_rmdir) roots.before_rmdir(dir);
    if (::rmdir(dir.c_str()) == 0) log::info("cgroup: removed stale " + dir);
  }
}

}  // namespace

CgroupSession::~CgroupSession() {
  kill_all();
  // Returns 0 or the errno of the last rmdir.
  auto remove = [this](const std::string& dir, bool retry) -> int {
    // A killed process leaves its cgroup only when it has finished exiting: rmdir is EBUSY until
    // then. Bounded (about a second), since a process in D state may take a while.
    long wait_us = 100;
    for (int attempt = 0;; ++attempt) {
      if (roots_.before_rmdir) roots_.before_rmdir(dir);
      if (::rmdir(dir.c_str()) == 0) return 0;
      int err = errno;
      if (err == ENOENT) return 0;  // already gone (see remove_stale_sessions)
      if (err != EBUSY || !retry || attempt >= 40) return err;
      sleep_for_us(wait_us);
      wait_us = std::min(wait_us * 2, 50000L);
    }
  };
  auto remove_or_warn = [&](const std::string& dir) {
    if (int err = remove(dir, true); err != 0) {
      log::warn("cgroup: cannot remove " + dir + ": " + std::strerror(err));
    }
  };
  for (auto it = dirs_.rbegin(); it != dirs_.rend(); ++it) remove_or_warn(*it);
  // Shared with concurrent sessions: removed only when empty (ENOTEMPTY/EBUSY otherwise), so no
  // empty dir is left to block the removal of the cgroup we were started in. Leftovers are
  // looked for only when something is left: the usual last session's parent is empty.
  for (const std::string& parent : v1_parents_) {
    if (remove(parent, false) == 0) continue;
    remove_stale_sessions(parent, roots_);
    remove(parent, false);
  }

  if (!v2_leaf_.empty()) {
    // Undo in reverse: the caller's cgroup may hold the supervisor again only once no
    // controller is enabled for its children.
    if (v2_enabled_ != 0) {
      auto r = write_file(v2_parent_ + "/cgroup.subtree_control", "-" + names(v2_enabled_, " -"));
      if (!r) log::warn("cgroup: " + r.error().describe());
    }
    if (v2_moved_) {
      auto r = write_file(v2_parent_ + "/cgroup.procs", std::to_string(::getpid()));
      if (!r) log::warn("cgroup: " + r.error().describe());
    }
    remove_or_warn(v2_leaf_);
  }
}

std::string CgroupSession::mechanism() const {
  switch (version_) {
    case CgroupVersion::kNone:
      return "none (rlimits only)";
    case CgroupVersion::kV1:
    case CgroupVersion::kV2: {
      std::string list = names(controllers_, ", ");
      return std::string(version_ == CgroupVersion::kV1 ? "cgroup v1 (" : "cgroup v2 (") +
             (list.empty() ? "no controllers" : list) + ")";
    }
  }
  return "none (rlimits only)";
}

Result<void> CgroupSession::add_process(pid_t pid) {
  if (version_ == CgroupVersion::kNone) return Ok{};
  if (pid <= 0) return Error(Errc::kInternal, "cgroup: add_process(" + std::to_string(pid) + ")");
  for (const std::string& dir : dirs_) {
    auto r = write_file(dir + "/cgroup.procs", std::to_string(pid));
    if (!r) return std::move(r).error().context("move pid " + std::to_string(pid) + " into " + dir);
  }
  return Ok{};
}

Result<CgroupEntry> CgroupSession::open_entry() const {
  // v1: the thread file. The init is one thread when it joins, so moving that thread moves the
  // whole process. The kernel moves the writing thread itself ("0") without taking the global
  // threadgroup lock, whose first writer waits for an RCU grace period: writing "0" into
  // cgroup.procs took 9-15 ms on the project's VM, into tasks 0.03 ms. v2 moves whole
  // processes only (cgroup.threads is for threaded subtrees), through cgroup.procs, and pays
  // that wait; a process cloned into the cgroup does not (a fork whose child wrote its
  // cgroup.procs: 7.0-25.8 ms on the same VM; clone3 with CLONE_INTO_CGROUP: 0.40-0.62 ms).
  CgroupEntry entry;
  if (version_ == CgroupVersion::kV2 && !dirs_.empty()) {
    entry.directory = UniqueFd(::open(dirs_.front().c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
    if (!entry.directory) return Error::system("open " + dirs_.front());
  }
  const char* file = version_ == CgroupVersion::kV1 ? "/tasks" : "/cgroup.procs";
  for (const std::string& dir : dirs_) {
    const std::string path = dir + file;
    UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CLOEXEC));
    if (!fd) return Error::system("open " + path);
    entry.join_files.push_back(std::move(fd));
  }
  return entry;
}

void CgroupSession::sample() {
  if (version_ == CgroupVersion::kNone) return;
  // Reads a peak file if the kernel has it (then the value is the true peak), else the current
  // value. A missing peak file is remembered so later samples skip the failed open.
  auto read_value = [](const std::string& dir, const char* peak, const char* current,
                       bool* has_peak) -> std::optional<uint64_t> {
    if (*has_peak) {
      auto text = read_file(dir + "/" + peak);
      if (text) return parse_u64(*text);
      if (text.error().sys_errno() != ENOENT) return std::nullopt;
      *has_peak = false;
    }
    auto text = read_file(dir + "/" + current);
    return text ? parse_u64(*text) : std::nullopt;
  };
  auto keep_max = [](std::optional<uint64_t>& peak, std::optional<uint64_t> value) {
    if (value && (!peak || *value > *peak)) peak = value;
  };
  if (!memory_dir_.empty()) {
    // v1's memory.max_usage_in_bytes is its peak; usage_in_bytes is the current value.
    bool v1 = version_ == CgroupVersion::kV1;
    keep_max(peak_memory_,
             read_value(memory_dir_, v1 ? "memory.max_usage_in_bytes" : "memory.peak",
                        v1 ? "memory.usage_in_bytes" : "memory.current", &memory_peak_file_));
  }
  if (!pids_dir_.empty()) {
    keep_max(peak_pids_, read_value(pids_dir_, "pids.peak", "pids.current", &pids_peak_file_));
  }
}

events::ResourcePeaks CgroupSession::peaks() const { return {peak_memory_, peak_pids_}; }

void CgroupSession::kill_all() {
  if (dirs_.empty()) return;
  if (version_ == CgroupVersion::kV2) {
    // cgroup.kill (5.14+) kills every process, including ones forked meanwhile, in one write.
    auto r = write_file(dirs_.front() + "/cgroup.kill", "1");
    if (r) return;
    if (r.error().sys_errno() != ENOENT) log::warn("cgroup: " + r.error().describe());
  }
  std::vector<std::string> files;
  for (const std::string& dir : dirs_) files.push_back(dir + "/cgroup.procs");
  kill_listed(files);
}

}  // namespace cordon::box
