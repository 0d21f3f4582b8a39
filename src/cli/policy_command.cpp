// `cordon policy show`, `cordon policy check` and `cordon policy explain`.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <climits>
#include <cstdlib>
#include <iostream>
#include <nlohmann/json.hpp>

#include "base/unique_fd.h"
#include "box/environment.h"
#include "box/launch.h"
#include "cli/audit_setup.h"
#include "cli/commands.h"
#include "cli/errors.h"
#include "cli/git_redirect_guard.h"
#include "cli/json_output.h"
#include "gate/gate.h"
#include "gate/loader_command.h"
#include "gate/program_aliases.h"
#include "gate/script_start.h"
#include "policy/gate_config.h"
#include "policy/loader.h"

namespace cordon::cli {
namespace {

// The PATH a box gets when the host passes none (box/environment.cpp); explain resolves the
// program as the box would.

Result<policy::Policy> load(const CommonOptions& options) {
  const UserFacts user = current_user();
  CORDON_ASSIGN_OR_RETURN(std::string workspace, resolve_workspace(options.workspace));
  return load_effective_policy(options, workspace, user);
}

bool is_executable_file(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode) && ::access(path.c_str(), X_OK) == 0;
}

// The path execvp would hand execve for CMD: CMD itself when it holds a '/', else the first
// PATH directory's entry. A script's interpreter gets this path as its operand.
std::string invoked_path(const std::string& command) {
  if (command.find('/') != std::string::npos) return command;
  for (const std::string& dir : box::default_path_dirs()) {
    if (is_executable_file(dir + "/" + command)) return dir + "/" + command;
  }
  return command;
}

// CMD as execvp would find it from the workspace (a '/' means a path, relative to the
// workspace), then with every symlink followed: the gate decides on the file that runs.
Result<std::string> resolve_program(const std::string& command, const std::string& workspace) {
  std::string found;
  if (command.find('/') != std::string::npos) {
    found = command[0] == '/' ? command : workspace + "/" + command;
    if (!is_executable_file(found)) {
      return Error(Errc::kInvalidInput, found + ": not an executable file")
          .with_hint("name a program on the box's PATH or an executable path");
    }
  } else {
    for (const std::string& dir : box::default_path_dirs()) {
      if (is_executable_file(dir + "/" + command)) {
        found = dir + "/" + command;
        break;
      }
    }
    if (found.empty()) {
      return Error(Errc::kInvalidInput, command + ": not found on the box's PATH")
          .with_hint(std::string("the box's PATH is ") + box::kDefaultPath);
    }
  }
  char real[PATH_MAX];
  if (::realpath(found.c_str(), real) == nullptr) return Error::system("realpath " + found);
  return std::string(real);
}

// The start the kernel makes when `start.executable` is a `#!` script run as `invoked`: its
// interpreter, and through `#!/usr/bin/env NAME` the program env then starts (the box's gate
// decides both; the scorer reads the second). nullopt for a file that is not a script.
Result<std::optional<gate::ProgramStart>> interpreter_start(const gate::ProgramStart& start,
                                                            const std::string& invoked,
                                                            const std::string& workspace) {
  char head[256];
  const UniqueFd fd(::open(start.executable.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd) return Error::system("open " + start.executable);
  const ssize_t n = ::read(fd.get(), head, sizeof head);
  if (n < 0) return Error::system("read " + start.executable);
  const auto shebang = gate::parse_shebang(std::string_view(head, static_cast<size_t>(n)));
  if (!shebang) return std::optional<gate::ProgramStart>();
  gate::ProgramStart script = start;
  const std::string name = shebang->interpreter.substr(shebang->interpreter.rfind('/') + 1);
  if (name == "env" && !shebang->argument.empty() && shebang->argument[0] != '-' &&
      shebang->argument.find_first_of(" \t/") == std::string::npos) {
    CORDON_ASSIGN_OR_RETURN(script.executable, resolve_program(shebang->argument, workspace));
    script.argv = gate::script_argv({shebang->argument, ""}, invoked, start.argv);
    return std::optional<gate::ProgramStart>(std::move(script));
  }
  CORDON_ASSIGN_OR_RETURN(script.executable, resolve_program(shebang->interpreter, workspace));
  script.argv = gate::script_argv(*shebang, invoked, start.argv);
  return std::optional<gate::ProgramStart>(std::move(script));
}

std::string origin_of(const gate::GateConfig& config, const std::string& rule) {
  for (const auto& spec : config.rules) {
    if (spec.name == rule) return spec.origin;
  }
  return "";
}

const gate::RuleSpec* spec_of(const gate::GateConfig& config, const std::string& rule) {
  for (const auto& spec : config.rules) {
    if (spec.name == rule) return &spec;
  }
  return nullptr;
}

nlohmann::json to_json(const gate::GateConfig& config, const gate::ProgramStart& start,
                       const gate::GateDecision& d) {
  nlohmann::json matched = nlohmann::json::array();
  for (const auto& name : d.matched_rules) {
    const gate::RuleSpec* spec = spec_of(config, name);
    matched.push_back({{"name", name},
                       {"action", gate::to_string(spec->action)},
                       {"origin", spec->origin},
                       {"reason", spec->reason}});
  }
  nlohmann::json categories = nlohmann::json::array();
  for (auto c : d.risk.categories) categories.push_back(gate::to_string(c));
  return {{"decision", gate::to_string(d.action)},
          {"reviewers", d.action == gate::Action::kAsk ? d.reviewers : 0},
          {"rule", d.rule},
          {"rule_origin", origin_of(config, d.rule)},
          {"reason", d.reason},
          {"executable", start.executable},
          {"argv", start.argv},
          {"cwd", start.cwd},
          {"matched_rules", matched},
          {"risk",
           {{"score", d.risk.score},
            {"level", gate::to_string(d.risk.level)},
            {"reasons", d.risk.reasons},
            {"categories", categories},
            {"reversible", d.risk.reversible}}}};
}

void print_text(const gate::GateConfig& config, const gate::ProgramStart& start,
                const gate::GateDecision& d) {
  std::cout << "decision:   " << gate::to_string(d.action) << "\n";
  if (d.action == gate::Action::kAsk) {
    std::cout << "reviewers:  " << d.reviewers << (d.reviewers == 1 ? " reviewer" : " distinct reviewers")
              << " must approve\n";
  }
  std::string origin = origin_of(config, d.rule);
  std::cout << "decided by: " << d.rule << (origin.empty() ? "" : " (" + origin + ")") << "\n";
  std::cout << "reason:     " << d.reason << "\n";
  std::cout << "program:    " << start.executable << "\n";
  std::cout << "cwd:        " << start.cwd << "\n";
  std::cout << "matched rules:";
  if (d.matched_rules.empty()) std::cout << " none";
  std::cout << "\n";
  for (const auto& name : d.matched_rules) {
    const gate::RuleSpec* spec = spec_of(config, name);
    std::cout << "  " << name << "  " << gate::to_string(spec->action) << "  " << spec->origin;
    if (!spec->reason.empty()) std::cout << "  " << spec->reason;
    std::cout << "\n";
  }
  std::cout << "risk:       score " << d.risk.score << ", level " << gate::to_string(d.risk.level)
            << ", " << (d.risk.reversible ? "reversible" : "irreversible") << "\n";
  std::cout << "categories:";
  if (d.risk.categories.empty()) std::cout << " none";
  for (auto c : d.risk.categories) std::cout << " " << gate::to_string(c);
  std::cout << "\n";
  std::cout << "risk reasons:";
  if (d.risk.reasons.empty()) std::cout << " none";
  std::cout << "\n";
  for (const auto& r : d.risk.reasons) std::cout << "  " << r << "\n";
}

constexpr int kExitBadInput = 2;

int explain_error(const Error& error) {
  report_error(error);
  return kExitBadInput;
}

}  // namespace

int policy_show_command(const CommonOptions& options) {
  auto policy = load(options);
  if (!policy.ok()) return report_error(policy.error());
  std::cout << policy::render_policy(*policy);
  return 0;
}

// `check` says ok only where `run` could build the box: the same workspace and view checks,
// with nothing created.
int policy_check_command(const CommonOptions& options) {
  const UserFacts user = current_user();
  auto workspace = resolve_workspace(options.workspace);
  if (!workspace.ok()) return report_error(workspace.error());
  auto policy = load_effective_policy(options, *workspace, user);
  if (!policy.ok()) return report_error(policy.error());
  auto request = make_launch_request(*policy, *workspace, user, {});
  if (!request.ok()) return report_error(request.error());
  request->private_paths = audit_private_paths(audit_paths(policy->audit, user));
  request->extra_protected_paths = GitRedirectGuard(*workspace).repository_protected_paths();
  if (auto buildable = box::check_buildable(*request); !buildable.ok()) {
    return report_error(buildable.error());
  }
  std::cout << "policy ok: profile " << policy::to_string(policy->profile.value);
  if (!policy->sources.empty()) {
    std::cout << " with";
    for (const auto& s : policy->sources) std::cout << " " << s;
  }
  std::cout << "\n";
  return 0;
}

int policy_explain_command(const ExplainOptions& options) {
  if (options.command.empty()) {
    return explain_error(Error(Errc::kInvalidInput, "policy explain: no command given")
                             .with_hint("cordon policy explain -- git push --force"));
  }
  const UserFacts user = current_user();
  auto workspace = resolve_workspace(options.common.workspace);
  if (!workspace.ok()) return explain_error(workspace.error());
  auto policy = load_effective_policy(options.common, *workspace, user);
  if (!policy.ok()) return explain_error(policy.error());
  auto executable = resolve_program(options.command.front(), *workspace);
  if (!executable.ok()) return explain_error(executable.error());

  gate::GateConfig config =
      policy::gate_config(policy->gate, gate::RiskContext{*workspace, user.home});
  gate::add_resolved_program_names(config, box::default_path_dirs());
  auto gate = gate::Gate::compile(config);
  if (!gate.ok()) return explain_error(gate.error());
  gate::ProgramStart start{*executable, options.command, *workspace};
  // Through the dynamic loader: the program it would run, as the tracer judges it.
  if (gate::is_dynamic_loader(start.executable)) {
    if (auto loaded = gate::parse_loader_command(start.argv)) {
      if (loaded->program.find('/') == std::string::npos) {
        return explain_error(
            Error(Errc::kPolicy, "the dynamic loader would be asked to run `" + loaded->program +
                                     "` by a bare name; a box refuses that start")
                .with_hint("name the program by its path"));
      }
      const std::string path = loaded->program.front() == '/'
                                   ? loaded->program
                                   : *workspace + "/" + loaded->program;
      char real[PATH_MAX];
      start.loader = start.executable;
      start.executable = ::realpath(path.c_str(), real) != nullptr ? std::string(real) : path;
      start.argv = std::move(loaded->argv);
    }
  }
  // A script: the box's gate sees its interpreter start, with the script's path as operand.
  if (start.loader.empty()) {
    auto started = interpreter_start(start, invoked_path(options.command.front()), *workspace);
    if (!started.ok()) return explain_error(started.error());
    if (*started) start = std::move(**started);
  }
  const gate::GateDecision decision = gate->decide(start);
  if (options.json) {
    std::cout << json_output(to_json(config, start, decision)) << "\n";
  } else {
    print_text(config, start, decision);
  }
  return 0;
}

}  // namespace cordon::cli
