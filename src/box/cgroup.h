// The box's resource cgroup: v2 in a delegated subtree, v1 as root, or none (rlimits only).
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/result.h"
#include "base/unique_fd.h"
#include "events/session_events.h"
#include "policy/policy.h"

namespace cordon::box {

enum class CgroupVersion { kNone, kV1, kV2 };

// Where the cgroup filesystems are (the real ones in production, a fake tree in tests).
struct CgroupRoots {
  std::string v2 = "/sys/fs/cgroup";     // the unified hierarchy (may be an empty v2 mount)
  std::string v1 = "/sys/fs/cgroup";     // parent of per-controller v1 hierarchies
  std::string proc_self_cgroup = "/proc/self/cgroup";

  // Test seams for a fake tree of plain files under a temp dir; leave them unset in production.
  // fake_tree skips the filesystem magic checks: a v2 root is then a directory that holds
  // cgroup.controllers, a v1 hierarchy a directory that holds cgroup.procs.
  bool fake_tree = false;
  std::optional<uid_t> euid;  // who we are for the "v1 only as root" rule (default geteuid())
  // Stand in for the kernel, which fills a cgroup directory on mkdir and empties it on rmdir.
  std::function<void(const std::string& dir)> after_mkdir;
  std::function<void(const std::string& dir)> before_rmdir;
};

// How the box init enters its cgroup without the cost of a migration, which takes the kernel's
// global threadgroup lock and waits for an RCU grace period (cgroup.cpp has the figures).
struct CgroupEntry {
  // v2: the box's cgroup directory; the init is born there (clone3 CLONE_INTO_CGROUP, Linux 5.7).
  UniqueFd directory;
  // Files the init writes "0" (itself) into once it runs. v1: each hierarchy's tasks file (the
  // init is a single thread then, and a thread moving itself takes no global lock). v2:
  // cgroup.procs, used only where the kernel cannot clone into a cgroup.
  std::vector<UniqueFd> join_files;
};

class CgroupSession {
 public:
  // Creates the box's cgroup and writes the policy's limits. Picks v2 when the caller's cgroup is
  // a delegated v2 subtree with the needed controllers, else v1 when running as root, else none.
  // Fails closed (kUnsupported, with a hint) when the policy needs a limit only a cgroup can
  // enforce (memory with memory_fallback = "fail", cpus) and no usable cgroup exists.
  static Result<std::unique_ptr<CgroupSession>> create(const policy::ResourcePolicy& resources,
                                                       const std::string& session_id,
                                                       const CgroupRoots& roots = {});
  ~CgroupSession();  // kills what is left and removes the cgroup

  CgroupVersion version() const { return version_; }
  bool enforces_memory() const { return enforces_memory_; }
  bool enforces_pids() const { return enforces_pids_; }
  bool enforces_cpu() const { return enforces_cpu_; }
  std::string mechanism() const;  // "cgroup v1 (memory, pids, cpu)", "none (rlimits only)"
  // What the policy asked for that this cgroup does not enforce, and why; empty when nothing is
  // missing. E.g. "memory: per process (RLIMIT_AS); no usable cgroup: cgroup v2: ...". For the
  // resources wall's note in the summary and the audit.
  const std::string& note() const { return note_; }
  // The box's cgroup directories (v1: one per controller); empty for kNone.
  const std::vector<std::string>& dirs() const { return dirs_; }

  // Moves `pid` (the box init, before it starts anything) into the cgroup.
  Result<void> add_process(pid_t pid);
  // How the box init enters the cgroup, opened by the supervisor (the kernel checks the opener's
  // credentials): no round trip at start. See CgroupEntry.
  Result<CgroupEntry> open_entry() const;
  // Samples usage; call periodically and at the end (v1 has no pids peak of its own).
  void sample();
  events::ResourcePeaks peaks() const;
  // Kills every process in the cgroup (cgroup.kill on v2, else SIGKILL each pid).
  void kill_all();

  CgroupSession(const CgroupSession&) = delete;
  CgroupSession& operator=(const CgroupSession&) = delete;

 private:
  friend class CgroupSetup;  // cgroup.cpp: selection and creation
  CgroupSession() = default;
  CgroupVersion version_ = CgroupVersion::kNone;
  bool enforces_memory_ = false;
  bool enforces_pids_ = false;
  bool enforces_cpu_ = false;
  std::vector<std::string> dirs_;  // created cgroup directories (v1: one per controller)
  std::optional<uint64_t> peak_memory_;
  std::optional<uint64_t> peak_pids_;

  CgroupRoots roots_;
  unsigned controllers_ = 0;   // controllers the box's cgroup has (bits in cgroup.cpp)
  std::string memory_dir_;     // where sample() reads memory usage; empty: not accounted
  std::string pids_dir_;       // where sample() reads pids.current; empty: not accounted
  bool memory_peak_file_ = true;  // memory.peak (v2, 5.19+) is there until a read says ENOENT
  bool pids_peak_file_ = true;    // pids.peak (6.1+)
  std::vector<std::string> v1_parents_;  // v1: the shared ".../cordon" dirs, removed when empty
  std::string v2_parent_;      // v2: the caller's cgroup, where controllers were enabled
  std::string v2_leaf_;        // v2: the supervisor's leaf, created when the caller's cgroup is
                               // not the root (no internal processes)
  bool v2_moved_ = false;      // the supervisor sits in v2_leaf_
  unsigned v2_enabled_ = 0;    // controllers we enabled in v2_parent_'s cgroup.subtree_control
  std::string note_;
};

}  // namespace cordon::box
