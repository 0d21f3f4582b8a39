// Step 7's clone of the box init: fork-like, with the box's namespaces, and on cgroup v2 straight
// into the box's cgroup.
#pragma once

#include "box/cgroup.h"
#include "box/child_plan.h"

namespace cordon::box {

// Returns 0 in the child, the child's pid in the parent (its pidfd in *pidfd, for CLONE_PIDFD),
// -1 with errno on failure. `flags` are clone(2)'s. When `entry` has a v2 directory the child is
// born there (clone3 CLONE_INTO_CGROUP); where the kernel cannot do that (before 5.7: ENOSYS or
// E2BIG; a container's seccomp profile answering clone3 with ENOSYS) or refuses for a reason of
// its own, it is a plain clone and `plan.cgroup_join` names the entry's join files, which the
// init writes itself into (slower, the same cgroup). v1 entries always take the second way. More
// join files than `plan.cgroup_join` holds fail (E2BIG) rather than leave a hierarchy unjoined.
long clone_box_init(unsigned long flags, const CgroupEntry& entry, ChildPlan& plan, int* pidfd);

}  // namespace cordon::box
