// Path operands as the program will meet them: through the box's symlinks. The risk scorer
// reads paths as text (gate/risk_paths.h); `rm -rf /tmp/L/`, with /tmp/L a link to the
// workspace, is a delete in /tmp to the text and the workspace's contents to rm.
#pragma once

#include <sys/types.h>

#include <optional>

#include "base/result.h"
#include "gate/program_start.h"

namespace cordon::box {

// The start with each operand that holds a '/' replaced by the path it reaches in the box
// (every directory on the way followed, the last component too when the operand ends in "/"),
// or nothing when no operand goes through a symlink. Options ("-x", "--x=/y") are left as
// they are. An error (the box's root or a reached path cannot be read) means the paths cannot
// be told: the caller refuses the start. Call only while `pid` is stopped at its exec event.
Result<std::optional<gate::ProgramStart>> start_through_symlinks(pid_t pid,
                                                                 const gate::ProgramStart& start);

}  // namespace cordon::box
