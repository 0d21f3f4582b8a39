// Executing a MountPlan inside the box init: builds the new root and pivots into it.
// Child side: no allocation, no locks; every failure is reported as a StepFailure.
#pragma once

#include <cstddef>
#include <cstdint>

#include "box/mount_plan.h"
#include "box/step.h"

namespace cordon::box {

struct ChildMounts {
  const MountOp* ops = nullptr;
  size_t count = 0;
  int* source_fds = nullptr;  // `count` slots, prepared by the parent, filled by the child
  int landlock_fd = -1;       // ruleset to extend with the box's own mounts; -1 without Landlock
  uint64_t root_landlock_access = 0;  // access for "/" itself (directory listing only)
};

// Runs every step from kMountPrivate to kPivotRoot. Returns 0, or -1 with *failure filled in.
int build_box_root(const ChildMounts& mounts, StepFailure* failure);

}  // namespace cordon::box
