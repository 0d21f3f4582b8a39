// cordon: command-line entry point. Parses flags (CLI11) and dispatches to the subcommands.
#include <signal.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <iostream>

#include "base/log.h"
#include "box/terminal.h"
#include "cli/audit_setup.h"
#include "cli/commands.h"
#include "cli/programs.h"

namespace {

// A crash must not leave the user's terminal in raw mode.
void restore_terminal_and_die(int sig) {
  cordon::box::restore_terminal_modes();
  ::signal(sig, SIG_DFL);
  ::raise(sig);
}

void add_common(CLI::App* cmd, cordon::cli::CommonOptions& common) {
  cmd->add_option("-p,--profile", common.profile,
                  "Built-in profile: read-only, workspace-write (default), customer-data, "
                  "production, financial");
  cmd->add_option("-c,--config", common.config, "Policy file layered over the others");
  cmd->add_option("-w,--workspace", common.workspace,
                  "The project directory (default: the current directory)");
  cmd->add_option("--network", common.network,
                  "none: loopback only; proxy: out through cordon's proxy, by the allow rules "
                  "(the default for every profile but read-only)");
  cmd->add_option("--allow", common.allow,
                  "Let the box reach HOST[:PORT] (repeatable; no port means 80 and 443; "
                  "*.example.com matches subdomains)")
      ->allow_extra_args(false);  // one HOST per --allow: `--allow a -- cmd` ends at "--"
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
  app.require_subcommand(1);
  app.set_version_flag("--version", std::string("cordon ") + CORDON_VERSION);
  int verbosity = 0;
  app.add_flag("-v,--verbose", verbosity, "Diagnostics on stderr (-vv for more)");

  cordon::cli::RunOptions run;
  auto* run_cmd =
      app.add_subcommand("run",
                         "Run a program (default: your shell) in the box.\n"
                         "Example: cordon run -- claude --dangerously-skip-permissions");
  add_common(run_cmd, run.common);
  run_cmd->add_flag("-q,--quiet", run.quiet, "No session summary at exit");
  run_cmd->add_option("--review", run.review,
                      "Where reviewers answer held commands, besides `cordon approvals` (always "
                      "on): web (a page on 127.0.0.1; cordon prints its private link), tty (this "
                      "terminal; the program's output still shows but it gets no keystrokes)")
      ->allow_extra_args(false);
  run_cmd->add_option("command", run.command, "The program and its arguments, after --");
  run_cmd->footer(
      "Exit status: the program's; 128+N if it died of signal N; 124 on timeout; 125 if the box "
      "could not be built; 127 if the program does not exist in the box.\n"
      "The approval gate decides every program the box starts: a refused one exits 126 with the "
      "rule on its stderr; a held one waits for `cordon approvals approve ID` (or the page, or "
      "the terminal) until gate.timeout, then is refused.");

  cordon::cli::VerifyCommandOptions verify;
  auto* verify_cmd = app.add_subcommand(
      "verify",
      "Build a box from the policy, attack every wall from inside, print the results.\n"
      "Exit status 1 if any attack got through.");
  add_common(verify_cmd, verify.common);
  verify_cmd->add_flag("--json", verify.json, "Print the results as JSON");
  verify.probe_path = cordon::cli::companion_program("cordon-probe");
  verify_cmd->add_option("--probe", verify.probe_path,
                         "The probe program (default: found next "
                         "to cordon)");

  cordon::cli::CommonOptions policy_opts;
  auto* policy_cmd = app.add_subcommand("policy", "Inspect the effective policy");
  policy_cmd->require_subcommand(1);
  auto* show = policy_cmd->add_subcommand(
      "show", "Print the effective policy and where each value came from");
  add_common(show, policy_opts);
  auto* check = policy_cmd->add_subcommand("check", "Validate the policy files; exit 0 if valid");
  add_common(check, policy_opts);
  cordon::cli::ExplainOptions explain;
  auto* explain_cmd = policy_cmd->add_subcommand(
      "explain",
      "Show what the approval gate would decide for one command, without running it:\n"
      "allow, ask (and how many reviewers) or deny, the rule or risk that decided, every rule\n"
      "that matched with its file and line, and the risk score, level, reasons and categories.\n"
      "CMD is found on the box's PATH (symlinks followed); the working directory is the\n"
      "workspace.\n"
      "Example: cordon policy explain -- git push --force origin main");
  add_common(explain_cmd, explain.common);
  explain_cmd->add_flag("--json", explain.json, "Print the explanation as one JSON object");
  explain_cmd->add_option("command", explain.command, "The command and its arguments, after --")
      ->required();
  explain_cmd->footer("Exit status: 0 whatever the decision; 2 on bad input (no command, a "
                      "program not found, an invalid policy).");

  cordon::cli::ProxyCommandOptions proxy;
  auto* proxy_cmd = app.add_subcommand(
      "proxy",
      "Run the egress proxy alone on a host address (a sidecar or a shared egress gateway).\n"
      "The policy file's [network] rules decide every request, as in a box; each client\n"
      "authenticates with its own token (HTTP: Proxy-Authorization Basic NAME:TOKEN; SOCKS5:\n"
      "username NAME, password TOKEN); every decision goes to the audit trail.\n"
      "Example: cordon proxy --listen 127.0.0.1:3128 --config egress.toml --tokens clients");
  proxy_cmd->add_option("--listen", proxy.listen, "ADDRESS:PORT for the HTTP proxy")->required();
  proxy_cmd->add_option("--socks", proxy.socks, "ADDRESS:PORT for a SOCKS5 listener too");
  proxy_cmd->add_option("-c,--config", proxy.config, "The policy file with the [network] rules")
      ->required();
  proxy_cmd
      ->add_option("--tokens", proxy.tokens,
                   "File of \"NAME TOKEN\" lines, one per client (mode 0600)")
      ->required();

  cordon::cli::ApprovalsOptions approvals;
  auto* approvals_cmd = app.add_subcommand(
      "approvals",
      "List and answer the program starts the approval gate holds for a reviewer, across\n"
      "every running session of yours (through each session's control socket).\n"
      "Examples: cordon approvals                       (list what is pending)\n"
      "          cordon approvals approve 3f9c0a17d2 --reason \"checked the diff\"\n"
      "          cordon approvals deny 3f9c0a17d2 --reason \"use --force-with-lease\"\n"
      "          cordon approvals link --reviewer bob   (a web page link for a second reviewer)");
  approvals_cmd->require_subcommand(0, 1);
  approvals_cmd->footer(
      "Exit status: 0 done; 1 no such pending item, or no running session; 2 your approval was "
      "recorded and the item needs another reviewer; 125 any other failure.");
  auto* approvals_list = approvals_cmd->add_subcommand("list", "Pending items (the default)");
  approvals_list->add_flag("--json", approvals.json, "Print a JSON array");
  approvals_cmd->add_flag("--json", approvals.json, "Print a JSON array");
  auto* approvals_show = approvals_cmd->add_subcommand(
      "show", "One item: command, cwd, risk score, level, reasons, reversibility, rule");
  approvals_show->add_option("id", approvals.id, "The item's id")->required();
  approvals_show->add_flag("--json", approvals.json, "Print JSON");
  auto* approvals_approve = approvals_cmd->add_subcommand(
      "approve", "Let the held program run (items of high tiers need two distinct reviewers)");
  approvals_approve->add_option("id", approvals.id, "The item's id")->required();
  approvals_approve->add_flag(
      "--session", approvals.session,
      "Also allow later starts of exactly this executable with exactly these arguments, "
      "until the session ends");
  approvals_approve->add_option("--reason", approvals.reason, "Why (kept in the audit trail)");
  auto* approvals_deny = approvals_cmd->add_subcommand(
      "deny", "Refuse the held program: it fails with exit status 126");
  approvals_deny->add_option("id", approvals.id, "The item's id")->required();
  approvals_deny->add_option("--reason", approvals.reason,
                             "Why (shown to the agent on the program's stderr)");
  auto* approvals_watch = approvals_cmd->add_subcommand(
      "watch", "Print items as they arrive (and when they end) until interrupted");
  approvals_watch->add_flag("--json", approvals.json, "JSON lines");
  auto* approvals_link = approvals_cmd->add_subcommand(
      "link", "Print each session's review web page URL, with a token for one reviewer");
  approvals_link->add_option("--reviewer", approvals.reviewer,
                             "The reviewer's name (default: yours); each name gets its own "
                             "token and counts as a distinct reviewer");

  // `cordon audit ...` is a program of its own (cordon-audit): SQLite and OpenSSL stay out of
  // the binary every box start loads.
  auto* audit_cmd = app.add_subcommand(
      "audit",
      "Read the audit trail: sessions, timelines, queries, export, tail, verify\n"
      "(`cordon audit --help` for the subcommands)");
  audit_cmd->prefix_command();
  audit_cmd->set_help_flag();

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int rc = app.exit(e);
    if (rc != 0 && *explain_cmd) return 2;  // explain documents 2 for bad input
    return rc == 0 ? 0 : 125;
  }
  cordon::log::set_verbosity(verbosity);

  if (*run_cmd) return cordon::cli::run_command(run);
  if (*verify_cmd) return cordon::cli::verify_command(verify);
  if (*show) return cordon::cli::policy_show_command(policy_opts);
  if (*check) return cordon::cli::policy_check_command(policy_opts);
  if (*explain_cmd) return cordon::cli::policy_explain_command(explain);
  if (*proxy_cmd) return cordon::cli::proxy_command(proxy);
  if (*approvals_cmd) {
    for (auto* sub : {approvals_list, approvals_show, approvals_approve, approvals_deny,
                      approvals_watch, approvals_link}) {
      if (*sub) approvals.action = sub->get_name();
    }
    return cordon::cli::approvals_command(approvals);
  }
  if (*audit_cmd) return cordon::cli::exec_audit_program(audit_cmd->remaining());
  return 125;
}
