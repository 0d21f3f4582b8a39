// The subcommands. Each returns cordon's exit status.
#pragma once

#include <string>
#include <vector>

#include "cli/session_setup.h"

namespace cordon::cli {

struct RunOptions {
  CommonOptions common;
  std::vector<std::string> command;
  bool quiet = false;  // no session summary
};
int run_command(const RunOptions& options);

struct VerifyCommandOptions {
  CommonOptions common;
  bool json = false;
  std::string probe_path;  // the cordon-probe executable
};
int verify_command(const VerifyCommandOptions& options);

int policy_show_command(const CommonOptions& options);
int policy_check_command(const CommonOptions& options);

}  // namespace cordon::cli
