// Resource limits: planned from the policy in the parent, applied by the agent before exec.
#include "box/rlimits.h"

#include <sys/resource.h>

#include <cerrno>
#include <cstdlib>

namespace cordon::box {
namespace {

void add(RlimitPlan& plan, int resource, uint64_t value) {
  if (plan.count >= plan.entries.size()) std::abort();  // programmer bug: plan too small
  rlim_t v = static_cast<rlim_t>(value);
  plan.entries[plan.count++] = RlimitEntry{resource, rlimit{v, v}};
}

}  // namespace

RlimitPlan plan_rlimits(const RlimitInputs& inputs) {
  if (inputs.resources == nullptr) std::abort();  // programmer bug
  const policy::ResourcePolicy& r = *inputs.resources;
  RlimitPlan plan;

  if (r.open_files.value) add(plan, RLIMIT_NOFILE, *r.open_files.value);

  // A backstop even with a pids cgroup: since Linux 5.14 RLIMIT_NPROC is counted per user
  // namespace (ucounts), so it bounds the box's processes and threads even with no cgroup.
  if (r.pids.value) add(plan, RLIMIT_NPROC, *r.pids.value);

  // RLIMIT_AS is per process and only a stand-in for a memory total: used when no cgroup holds
  // the total and the policy accepts the per-process fallback. With kFailClosed the caller has
  // already refused to start; setting it anyway would hide that.
  if (r.memory_bytes.value && !inputs.cgroup_memory &&
      r.memory_fallback.value == policy::MemoryFallback::kPerProcess) {
    add(plan, RLIMIT_AS, *r.memory_bytes.value);
  }

  // Always: a core dump lands the process's memory (tokens, keys) in its cwd, the workspace.
  add(plan, RLIMIT_CORE, 0);
  return plan;
}

int apply_rlimits(const RlimitPlan& plan, int* failed_index) {
  for (size_t i = 0; i < plan.count; ++i) {
    const RlimitEntry& entry = plan.entries[i];
    rlimit value = entry.value;
    // Never ask for more than the current hard limit: without CAP_SYS_RESOURCE in the initial
    // user namespace raising it is EPERM, and the lower value is the stricter one anyway.
    rlimit current{};
    if (::getrlimit(entry.resource, &current) == 0 && current.rlim_max != RLIM_INFINITY) {
      if (value.rlim_max > current.rlim_max) value.rlim_max = current.rlim_max;
      if (value.rlim_cur > value.rlim_max) value.rlim_cur = value.rlim_max;
    }
    if (::setrlimit(entry.resource, &value) != 0) {
      int err = errno;
      if (failed_index != nullptr) *failed_index = static_cast<int>(i);
      return -err;
    }
  }
  return 0;
}

}  // namespace cordon::box
