// Ending a traced program the gate refused, with the exit status the issue asks for (126).
#pragma once

#include <sys/types.h>

namespace cordon::box {

// Makes a tracee stopped at a syscall-exit-stop call exit_group(status) as soon as it resumes:
// the syscall instruction is written at its program counter (its private copy of the text) and
// the registers are set for exit_group. Returns false if the registers cannot be set (a 32-bit
// image on a 64-bit kernel, or the tracee is gone); the caller then kills it.
// Call only from the tracer thread, at the syscall-exit-stop after the tracee's exec event: the
// new image has run no instruction yet, so nothing it set up is lost.
bool arrange_exit(pid_t pid, int status);

}  // namespace cordon::box
