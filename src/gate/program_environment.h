// Which of a program's environment variables change what it does in ways its argv does not
// show: code loaded into it (LD_PRELOAD, BASH_ENV, NODE_OPTIONS...), the repository, database
// or cluster it acts on (GIT_DIR, PGHOST, KUBECONFIG...), arguments added behind its back
// (TF_CLI_ARGS_destroy). The gate reads them for a start it would hold, so that the reviewer
// sees them and a session grant covers only the same environment.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "gate/program_start.h"

namespace cordon::gate {

// The "NAME=value" entries of `environ` (NUL-separated, as /proc/PID/environ holds it) that
// change what a program does, in the order they appear.
std::vector<std::string> environment_that_changes_the_program(std::string_view environ);

// Whether the program takes arguments from its environment, so that the gate must read it for
// every start, not only held ones: terraform and OpenTofu insert TF_CLI_ARGS and
// TF_CLI_ARGS_<subcommand> after the subcommand (`TF_CLI_ARGS_apply="-destroy -auto-approve"
// terraform apply` destroys everything without asking).
bool takes_arguments_from_environment(const ProgramStart& start);

// The argv the program acts on once it has added the arguments `environment` (from
// environment_that_changes_the_program) gives it; nullopt when it adds none.
std::optional<std::vector<std::string>> argv_with_environment_arguments(
    const ProgramStart& start, const std::vector<std::string>& environment);

}  // namespace cordon::gate
