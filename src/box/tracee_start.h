// Reading a traced program start from /proc: the executable, argv and cwd a gate decides on.
#pragma once

#include <sys/types.h>

#include "base/result.h"
#include "gate/program_start.h"

namespace cordon::box {

// Reads /proc/PID/{exe,cmdline,cwd}. Call only while PID is stopped at its exec event: the new
// image has not run, so its argv is exactly what execve copied, and no other thread shares its
// memory (execve ended them). The paths are as the box sees them.
Result<gate::ProgramStart> read_tracee_start(pid_t pid);

}  // namespace cordon::box
