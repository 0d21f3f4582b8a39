// Which pid namespace a process is in: what tells the box's processes, which run as the same
// uid as cordon, apart from the user's own on the host.
#pragma once

#include <sys/types.h>

#include <string>

#include "base/result.h"

namespace cordon {

// The pid namespace of a process, as readlink(/proc/PID/ns/pid) spells it: "pid:[4026531836]".
Result<std::string> pid_namespace_of(pid_t pid);

}  // namespace cordon
