// Resource limits set with setrlimit(2): always available, applied by the agent before exec.
#pragma once

#include <sys/resource.h>

#include <array>
#include <cstddef>

#include "policy/policy.h"

namespace cordon::box {

struct RlimitEntry {
  int resource;  // RLIMIT_*
  rlimit value;
};

// The limits to apply, computed in the parent (pure, unit-tested), applied in the child.
struct RlimitPlan {
  std::array<RlimitEntry, 8> entries{};
  size_t count = 0;
};

struct RlimitInputs {
  const policy::ResourcePolicy* resources;
  bool cgroup_memory;  // a cgroup enforces the memory total (else RLIMIT_AS per process, if the
                       // policy's memory_fallback allows it)
  bool cgroup_pids;    // a cgroup enforces pids (RLIMIT_NPROC is set either way as a backstop)
};

RlimitPlan plan_rlimits(const RlimitInputs& inputs);

// Child side, async-signal-safe: applies the plan; 0 or -errno (detail = failing index).
int apply_rlimits(const RlimitPlan& plan, int* failed_index);

}  // namespace cordon::box
