// The walls of a session as built, with their mechanisms: for the session event and summary.
#pragma once

#include <cstddef>
#include <vector>

#include "box/cgroup.h"
#include "box/mount_plan.h"
#include "events/session_events.h"
#include "policy/policy.h"

namespace cordon::box {

std::vector<events::WallStatus> describe_walls(const policy::Policy& policy, int landlock_abi,
                                               const CgroupSession& cgroup,
                                               const MountPlan& mounts,
                                               size_t seccomp_instructions);

}  // namespace cordon::box
