// cordon's command line: one builder per subcommand; only the one argv names is built.
#include "cli/command_line.h"

#include <algorithm>
#include <iterator>
#include <string_view>

#include "cli/programs.h"
#include "policy/suggest.h"

namespace cordon::cli {
namespace {

void add_common(CLI::App* cmd, CommonOptions& common) {
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

void add_run(CLI::App& app, CommandLine& cl) {
  CLI::App* cmd =
      app.add_subcommand("run",
                         "Run a program (default: your shell) in the box.\n"
                         "Example: cordon run -- claude --dangerously-skip-permissions");
  add_common(cmd, cl.run.common);
  cmd->add_flag("-q,--quiet", cl.run.quiet,
                "No session summary at exit and no reminder of where held commands are answered\n"
                "(a review page's address is still printed)");
  cmd->add_option("--review", cl.run.review,
                  "Where reviewers answer held commands, besides `cordon approvals` (always "
                  "on): web (a page on 127.0.0.1; cordon prints its private link), tty (this "
                  "terminal; the program's output still shows but it gets no keystrokes)")
      ->allow_extra_args(false);
  cmd->add_option("command", cl.run.command, "The program and its arguments, after --");
  cmd->footer(
      "Exit status: the program's; 128+N if it died of signal N; 124 on timeout; 125 if the box "
      "could not be built; 127 if the program does not exist in the box.\n"
      "The approval gate decides every program the box starts: a refused one exits 126 with the "
      "rule on its stderr; a held one waits for `cordon approvals approve ID` (or the page, or "
      "the terminal) until gate.timeout, then is refused.");
  cl.run_cmd = cmd;
}

void add_verify(CLI::App& app, CommandLine& cl) {
  CLI::App* cmd = app.add_subcommand(
      "verify",
      "Build a box from the policy, attack every wall from inside, print the results.\n"
      "Exit status 1 if any attack got through.");
  add_common(cmd, cl.verify.common);
  cmd->add_flag("--json", cl.verify.json, "Print the results as JSON");
  cl.verify.probe_path = companion_program("cordon-probe");
  cmd->add_option("--probe", cl.verify.probe_path,
                  "The probe program (default: found next "
                  "to cordon)");
  cl.verify_cmd = cmd;
}

void add_policy(CLI::App& app, CommandLine& cl) {
  CLI::App* policy_cmd = app.add_subcommand("policy", "Inspect the effective policy");
  policy_cmd->require_subcommand(1);
  cl.policy_show = policy_cmd->add_subcommand(
      "show", "Print the effective policy and where each value came from");
  add_common(cl.policy_show, cl.policy);
  cl.policy_check =
      policy_cmd->add_subcommand("check",
      "Validate the policy files and check that `run` could build the box they describe\n"
      "for the workspace (its location, the paths shown and hidden), creating nothing.\n"
      "Exit status 0 if so, 125 with the reason otherwise");
  add_common(cl.policy_check, cl.policy);
  CLI::App* explain = policy_cmd->add_subcommand(
      "explain",
      "Show what the approval gate would decide for one command, without running it:\n"
      "allow, ask (and how many reviewers) or deny, the rule or risk that decided, every rule\n"
      "that matched with its file and line, and the risk score, level, reasons and categories.\n"
      "CMD is found on the box's PATH (symlinks followed); the working directory is the\n"
      "workspace.\n"
      "Example: cordon policy explain -- git push --force origin main");
  add_common(explain, cl.explain.common);
  explain->add_flag("--json", cl.explain.json, "Print the explanation as one JSON object");
  explain->add_option("command", cl.explain.command, "The command and its arguments, after --")
      ->required();
  explain->footer(
      "Exit status: 0 whatever the decision; 2 on bad input (no command, a "
      "program not found, an invalid policy).");
  cl.policy_explain = explain;
}

void add_proxy(CLI::App& app, CommandLine& cl) {
  CLI::App* cmd = app.add_subcommand(
      "proxy",
      "Run the egress proxy alone on a host address (a sidecar or a shared egress gateway).\n"
      "The policy file's [network] rules decide every request, as in a box; each client\n"
      "authenticates with its own token (HTTP: Proxy-Authorization Basic NAME:TOKEN; SOCKS5:\n"
      "username NAME, password TOKEN); every decision goes to the audit trail. SIGINT or\n"
      "SIGTERM stop it; so does losing its audit writer (exit status 125), as no decision may\n"
      "take effect unrecorded: run it under a service manager that restarts it.\n"
      "Example: cordon proxy --listen 127.0.0.1:3128 --config egress.toml --tokens clients");
  cmd->add_option("--listen", cl.proxy.listen, "ADDRESS:PORT for the HTTP proxy")->required();
  cmd->add_option("--socks", cl.proxy.socks, "ADDRESS:PORT for a SOCKS5 listener too");
  cmd->add_option("-c,--config", cl.proxy.config, "The policy file with the [network] rules")
      ->required();
  cmd->add_option("--tokens", cl.proxy.tokens,
                  "File of \"NAME TOKEN\" lines, one per client (mode 0600)")
      ->required();
  cl.proxy_cmd = cmd;
}

void add_approvals(CLI::App& app, CommandLine& cl) {
  CLI::App* cmd = app.add_subcommand(
      "approvals",
      "List and answer the program starts the approval gate holds for a reviewer, across\n"
      "every running session of yours (through each session's control socket).\n"
      "Examples: cordon approvals                       (list what is pending)\n"
      "          cordon approvals approve 3f9c0a17d2 --reason \"checked the diff\"\n"
      "          cordon approvals deny 3f9c0a17d2 --reason \"use --force-with-lease\"\n"
      "          cordon approvals link --reviewer bob   (a web page link for a second reviewer)");
  cmd->require_subcommand(0, 1);
  cmd->footer(
      "Exit status: 0 done; 1 no such pending item, or no running session; 2 your approval was "
      "recorded and the item needs another reviewer; 125 any other failure.");
  CLI::App* list = cmd->add_subcommand("list", "Pending items (the default)");
  list->add_flag("--json", cl.approvals.json, "Print a JSON array");
  cmd->add_flag("--json", cl.approvals.json, "Print a JSON array");
  CLI::App* show = cmd->add_subcommand(
      "show", "One item: command, cwd, risk score, level, reasons, reversibility, rule");
  show->add_option("id", cl.approvals.id, "The item's id")->required();
  show->add_flag("--json", cl.approvals.json, "Print JSON");
  CLI::App* approve = cmd->add_subcommand(
      "approve", "Let the held program run (items of high tiers need two distinct reviewers)");
  approve->add_option("id", cl.approvals.id, "The item's id")->required();
  approve->add_flag(
      "--session", cl.approvals.session,
      "Also allow later starts of exactly this executable with exactly these arguments, "
      "until the session ends");
  approve->add_option("--reason", cl.approvals.reason, "Why (kept in the audit trail)");
  CLI::App* deny =
      cmd->add_subcommand("deny", "Refuse the held program: it fails with exit status 126");
  deny->add_option("id", cl.approvals.id, "The item's id")->required();
  deny->add_option("--reason", cl.approvals.reason,
                   "Why (shown to the agent on the program's stderr)");
  CLI::App* watch = cmd->add_subcommand(
      "watch", "Print items as they arrive (and when they end) until interrupted");
  watch->add_flag("--json", cl.approvals.json, "JSON lines");
  CLI::App* link = cmd->add_subcommand(
      "link", "Print each session's review web page URL, with a token for one reviewer");
  link->add_option("--reviewer", cl.approvals.reviewer,
                   "The reviewer's name (default: yours); each name gets its own "
                   "token and counts as a distinct reviewer");
  cl.approvals_cmd = cmd;
  cl.approvals_actions = {list, show, approve, deny, watch, link};
}

void add_audit(CLI::App& app, CommandLine& cl) {
  // `cordon audit ...` is a program of its own (cordon-audit): SQLite and OpenSSL stay out of
  // the binary every box start loads.
  CLI::App* cmd = app.add_subcommand(
      "audit",
      "Read the audit trail: sessions, timelines, queries, export, tail, verify\n"
      "(`cordon audit --help` for the subcommands)");
  cmd->prefix_command();
  cmd->set_help_flag();
  cl.audit_cmd = cmd;
}

struct Subcommand {
  const char* name;
  void (*add)(CLI::App&, CommandLine&);
};
constexpr Subcommand kSubcommands[] = {
    {"run", add_run},     {"verify", add_verify},       {"policy", add_policy},
    {"proxy", add_proxy}, {"approvals", add_approvals}, {"audit", add_audit},
};

// The subcommand argv names: its first operand (cordon's own options take no value), or empty.
std::string_view named_subcommand(int argc, const char* const* argv) {
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if (arg == "--") return {};
    if (!arg.starts_with("-")) return arg;
  }
  return {};
}

}  // namespace

std::optional<Error> unknown_subcommand(const CLI::App& app, int argc, const char* const* argv) {
  const CLI::App* current = &app;
  std::string path = "cordon";
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--") break;
    if (arg.starts_with("-")) continue;
    const auto subcommands = current->get_subcommands([](const CLI::App*) { return true; });
    if (subcommands.empty()) break;  // operands of a command that has no subcommands
    const CLI::App* next = nullptr;
    std::vector<std::string> names;
    for (const CLI::App* sub : subcommands) {
      names.push_back(sub->get_name());
      if (sub->check_name(arg)) next = sub;
    }
    if (next == nullptr) {
      std::vector<std::string_view> candidates(names.begin(), names.end());
      const std::string guess = policy::closest_match(arg, candidates);
      std::string list;
      for (const auto& name : names) list += (list.empty() ? "" : ", ") + name;
      return Error(Errc::kInvalidInput, "unknown command \"" + arg + "\"" +
                                            (path == "cordon" ? "" : " for `" + path + "`"))
          .with_hint((guess.empty() ? "" : "did you mean `" + path + " " + guess + "`? ") +
                     "the commands are " + list + "; `" + path + " --help` says what each does");
    }
    current = next;
    path += " " + arg;
  }
  return std::nullopt;
}

void add_command_line(CLI::App& app, CommandLine& cl, int argc, const char* const* argv) {
  app.require_subcommand(1);
  app.set_version_flag("--version", std::string("cordon ") + CORDON_VERSION);
  app.add_flag("-v,--verbose", cl.verbosity, "Diagnostics on stderr (-vv for more)");
  const std::string_view named = named_subcommand(argc, argv);
  const bool known = std::any_of(std::begin(kSubcommands), std::end(kSubcommands),
                                 [&](const Subcommand& s) { return named == s.name; });
  for (const Subcommand& s : kSubcommands) {
    if (!known || named == s.name) s.add(app, cl);
  }
}

}  // namespace cordon::cli
