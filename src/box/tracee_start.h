// Reading a traced program start from /proc (the executable, argv and cwd a gate decides on),
// and opening files as the tracee would find them.
#pragma once

#include <sys/types.h>

#include "base/result.h"
#include "base/unique_fd.h"
#include "gate/program_start.h"

namespace cordon::box {

// Reads /proc/PID/{exe,cmdline,cwd}. Call only while PID is stopped at its exec event: the new
// image has not run, so its argv is exactly what execve copied, and no other thread shares its
// memory (execve ended them). The paths are as the box sees them.
Result<gate::ProgramStart> read_tracee_start(pid_t pid);

// The tracee's root directory (/proc/PID/root), to open paths in its own view.
Result<UniqueFd> open_tracee_root(pid_t pid);
// `path` (absolute, as the tracee sees it) opened beneath `root` with `flags`: its symlinks,
// absolute ones too, resolve inside that root, never on the host. Invalid, with errno, if absent.
UniqueFd open_in_root(int root, const std::string& path, uint64_t flags);
// The path an open file has in the tracee's view: the kernel names a file outside the
// supervisor's own root by its path in the box.
Result<std::string> path_in_box(int fd);

}  // namespace cordon::box
