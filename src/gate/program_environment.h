// Which of a program's environment variables change what it does in ways its argv does not
// show: code loaded into it (LD_PRELOAD, BASH_ENV, NODE_OPTIONS...), the repository, database
// or cluster it acts on (GIT_DIR, PGHOST, KUBECONFIG...), arguments added behind its back
// (TF_CLI_ARGS_destroy). The gate reads them for a start it would hold, so that the reviewer
// sees them and a session grant covers only the same environment.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace cordon::gate {

// The "NAME=value" entries of `environ` (NUL-separated, as /proc/PID/environ holds it) that
// change what a program does, in the order they appear.
std::vector<std::string> environment_that_changes_the_program(std::string_view environ);

}  // namespace cordon::gate
