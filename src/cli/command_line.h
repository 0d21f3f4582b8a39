// cordon's command line (CLI11): the subcommands, their options, and what a parse filled in.
#pragma once

#include <CLI/CLI.hpp>
#include <optional>
#include <string>
#include <vector>

#include "base/result.h"

#include "cli/commands.h"

namespace cordon::cli {

// Every subcommand's options, and the CLI11 App of each subcommand that was built (null if not).
struct CommandLine {
  int verbosity = 0;

  RunOptions run;
  CLI::App* run_cmd = nullptr;

  VerifyCommandOptions verify;
  CLI::App* verify_cmd = nullptr;

  CommonOptions policy;  // show, check
  CLI::App* policy_show = nullptr;
  CLI::App* policy_check = nullptr;
  ExplainOptions explain;
  CLI::App* policy_explain = nullptr;

  ProxyCommandOptions proxy;
  CLI::App* proxy_cmd = nullptr;

  ApprovalsOptions approvals;
  CLI::App* approvals_cmd = nullptr;
  std::vector<CLI::App*> approvals_actions;  // list, show, approve, deny, watch, link

  CLI::App* audit_cmd = nullptr;  // `cordon audit ...` runs cordon-audit
};

// Adds cordon's options and subcommands to `app`. CLI11 builds every option of every subcommand
// it is given, about a quarter of a millisecond on each box start; so when argv names a
// subcommand, only that one is built. With none named (`cordon`, `cordon --help`) or a name
// that is not one (a typo), every subcommand is, for the help and the error to list them.
void add_command_line(CLI::App& app, CommandLine& cl, int argc, const char* const* argv);

// After a failed parse: "unknown command "bogus"" (or "... for `cordon policy`") with a hint,
// when argv names a subcommand that `app` or the subcommand before it does not have; nothing
// otherwise (the parser's own message is the right one).
std::optional<Error> unknown_subcommand(const CLI::App& app, int argc, const char* const* argv);

// Whether `cmd` was built and chosen by the parse.
inline bool chosen(const CLI::App* cmd) {
  return cmd != nullptr && cmd->parsed();
}

}  // namespace cordon::cli
