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

// The same three entries of one process, opened ahead: the kernel answers a read of each with
// what the process has at the time of the read (its executable, its argv, its cwd), so handles
// opened while its execve runs read the new image at its exec event. They name the process, not
// its number: a handle of a process that has gone reads nothing. Opening the entries of a new
// process is most of what reading them costs (the kernel makes their dentries); ahead of the
// exec event, that is off the path the program waits on.
struct TraceeProcHandles {
  UniqueFd exe;      // the link itself (O_PATH | O_NOFOLLOW), read with readlinkat(fd, "")
  UniqueFd cmdline;  // read with pread from 0
  UniqueFd cwd;      // the link itself
};
Result<TraceeProcHandles> open_tracee_proc(pid_t pid);
// read_tracee_start() through handles of the process stopped at its exec event.
Result<gate::ProgramStart> read_tracee_start(const TraceeProcHandles& handles);

// The variables of /proc/PID/environ that change what the program does
// (gate::environment_that_changes_the_program). Call only while PID is stopped at its exec event:
// the environment is then what execve copied, and nothing else writes the new image's memory.
Result<std::vector<std::string>> read_tracee_environment(pid_t pid);

// The tracee's root directory (/proc/PID/root), to open paths in its own view.
Result<UniqueFd> open_tracee_root(pid_t pid);
// `path` (absolute, as the tracee sees it) opened beneath `root` with `flags`: its symlinks,
// absolute ones too, resolve inside that root, never on the host. Invalid, with errno, if absent.
UniqueFd open_in_root(int root, const std::string& path, uint64_t flags);
// The path an open file has in the tracee's view: the kernel names a file outside the
// supervisor's own root by its path in the box.
Result<std::string> path_in_box(int fd);

}  // namespace cordon::box
