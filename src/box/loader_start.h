// A program started through the dynamic loader, seen from the tracer: the kernel execs the
// loader (its exec event is all the gate gets), and the loader then maps the program itself.
// The start is judged as the program the loader is told to run, found in the box's own view.
#pragma once

#include <sys/types.h>

#include "base/result.h"
#include "box/program_twins.h"
#include "gate/program_start.h"

namespace cordon::box {

// When `start.executable` is a dynamic loader asked to run a program, rewrites `start` into
// that program's start (its file in the box, symlinks followed inside the box's root; its argv;
// `loader` naming the loader), checking it for a renamed copy like any other. An error means
// the program cannot be told (a bare name the loader would search for, a file that cannot be
// opened): the caller refuses the start. Call only while `pid` is stopped at its exec event.
Result<void> judge_loaded_program(pid_t pid, gate::ProgramStart& start, ProgramTwins& twins);

}  // namespace cordon::box
