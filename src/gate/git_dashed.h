// git started under a dashed name (`git-push`) runs that subcommand: the gate judges it as one.
#pragma once

#include <optional>

#include "gate/program_start.h"

namespace cordon::gate {

// git picks a builtin from argv[0] (git.c, cmd_main): when argv[0]'s file name is `git-<cmd>`,
// it runs <cmd> with argv[1..] as that command's arguments, and takes no global options.
// `/usr/lib/git-core/git-push --force origin main` (a link to git) and `exec -a git-push git
// --force origin main` both force-push. Returns the start as `git <cmd> argv[1..]` (argv[0]'s
// file name becomes "git", everything else kept), or nothing when the program is not git or
// argv[0] is not dashed. Only git: argv[0] never changes another program's start.
std::optional<ProgramStart> git_dashed_start(const ProgramStart& start);

}  // namespace cordon::gate
