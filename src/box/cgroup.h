// The box's resource cgroup: v2 in a delegated subtree, v1 as root, or none (rlimits only).
#pragma once

#include <sys/types.h>

#include <memory>
#include <optional>
#include <string>

#include "base/result.h"
#include "events/session_events.h"
#include "policy/policy.h"

namespace cordon::box {

enum class CgroupVersion { kNone, kV1, kV2 };

// Where the cgroup filesystems are (the real ones in production, a fake tree in tests).
struct CgroupRoots {
  std::string v2 = "/sys/fs/cgroup";     // the unified hierarchy (may be an empty v2 mount)
  std::string v1 = "/sys/fs/cgroup";     // parent of per-controller v1 hierarchies
  std::string proc_self_cgroup = "/proc/self/cgroup";
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

  // Moves `pid` (the box init, before it starts anything) into the cgroup.
  Result<void> add_process(pid_t pid);
  // Samples usage; call periodically and at the end (v1 has no pids peak of its own).
  void sample();
  events::ResourcePeaks peaks() const;
  // Kills every process in the cgroup (cgroup.kill on v2, else SIGKILL each pid).
  void kill_all();

 private:
  CgroupSession() = default;
  CgroupVersion version_ = CgroupVersion::kNone;
  bool enforces_memory_ = false;
  bool enforces_pids_ = false;
  bool enforces_cpu_ = false;
  std::vector<std::string> dirs_;  // created cgroup directories (v1: one per controller)
  std::optional<uint64_t> peak_memory_;
  std::optional<uint64_t> peak_pids_;
};

}  // namespace cordon::box
