// cordon: command-line entry point. Parses flags (cli/command_line.h) and dispatches to the
// subcommands.
#include <signal.h>
#include <unistd.h>

#include <CLI/CLI.hpp>

#include "base/log.h"
#include "box/terminal.h"
#include "cli/audit_setup.h"
#include "cli/command_line.h"
#include "cli/commands.h"
#include "cli/errors.h"

namespace {

// A crash must not leave the user's terminal in raw mode.
void restore_terminal_and_die(int sig) {
  cordon::box::restore_terminal_modes();
  ::signal(sig, SIG_DFL);
  ::raise(sig);
}

int dispatch(cordon::cli::CommandLine& cl) {
  using namespace cordon::cli;
  if (chosen(cl.run_cmd)) return run_command(cl.run);
  if (chosen(cl.verify_cmd)) return verify_command(cl.verify);
  if (chosen(cl.policy_show)) return policy_show_command(cl.policy);
  if (chosen(cl.policy_check)) return policy_check_command(cl.policy);
  if (chosen(cl.policy_explain)) return policy_explain_command(cl.explain);
  if (chosen(cl.proxy_cmd)) return proxy_command(cl.proxy);
  if (chosen(cl.approvals_cmd)) {
    for (const CLI::App* action : cl.approvals_actions) {
      if (action->parsed()) cl.approvals.action = action->get_name();
    }
    return approvals_command(cl.approvals);
  }
  if (chosen(cl.audit_cmd)) return exec_audit_program(cl.audit_cmd->remaining());
  return 125;
}

}  // namespace

int main(int argc, char** argv) {
  // Writes to a closed terminal or pipe are errors to handle, not a reason to die.
  ::signal(SIGPIPE, SIG_IGN);
  for (int sig : {SIGSEGV, SIGABRT, SIGBUS, SIGFPE, SIGILL})
    ::signal(sig, restore_terminal_and_die);
  CLI::App app{
      "cordon: run an AI coding agent in a box whose walls hold even if the agent is hijacked.\n"
      "The box has a read-only system, one writable workspace, no secrets, no privileges, no\n"
      "network, bounded resources, and a working terminal. `cordon verify` proves it.",
      "cordon"};
  cordon::cli::CommandLine cl;
  cordon::cli::add_command_line(app, cl, argc, argv);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() != 0) {
      if (auto unknown = cordon::cli::unknown_subcommand(app, argc, argv)) {
        return cordon::cli::report_error(*unknown);
      }
    }
    int rc = app.exit(e);
    if (rc != 0 && cordon::cli::chosen(cl.policy_explain)) return 2;  // explain documents 2
    return rc == 0 ? 0 : 125;
  }
  cordon::log::set_verbosity(cl.verbosity);
  return dispatch(cl);
}
