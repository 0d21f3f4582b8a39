// environment_that_changes_the_program(): the variables a reviewer must see.
#include "gate/program_environment.h"

#include <algorithm>

namespace cordon::gate {
namespace {

// Whole names.
constexpr std::string_view kNames[] = {
    // Code loaded into the program: the dynamic loader's, glibc's iconv modules, shells' and
    // interpreters' start-up files and options.
    "LD_PRELOAD", "LD_AUDIT", "LD_LIBRARY_PATH", "GCONV_PATH", "BASH_ENV", "ENV", "PYTHONPATH",
    "PYTHONSTARTUP", "PYTHONHOME", "PERL5LIB", "PERL5OPT", "PERLLIB", "RUBYOPT", "RUBYLIB",
    "NODE_OPTIONS", "NODE_PATH",
    // What a database client, a cluster tool or a container engine acts on.
    "PGHOST", "PGHOSTADDR", "PGPORT", "PGDATABASE", "PGUSER", "PGSERVICE", "PGSERVICEFILE",
    "PGOPTIONS", "MYSQL_HOST", "MYSQL_PWD", "KUBECONFIG", "DOCKER_HOST", "TF_WORKSPACE",
    "TF_DATA_DIR"};

// Prefixes: git's own variables (GIT_DIR, GIT_WORK_TREE, GIT_CONFIG_*, GIT_SSH_COMMAND...) and
// terraform's added arguments (TF_CLI_ARGS, TF_CLI_ARGS_apply: `-destroy -auto-approve`).
constexpr std::string_view kPrefixes[] = {"GIT_", "TF_CLI_ARGS", "TF_VAR_"};

bool changes_the_program(std::string_view name) {
  for (const std::string_view known : kNames) {
    if (name == known) return true;
  }
  for (const std::string_view prefix : kPrefixes) {
    if (name.starts_with(prefix)) return true;
  }
  return false;
}

// The value of NAME in "NAME=value" entries, if present.
std::optional<std::string_view> value_of(const std::vector<std::string>& environment,
                                         std::string_view name) {
  for (const std::string& entry : environment) {
    if (entry.size() > name.size() && entry.starts_with(name) && entry[name.size()] == '=') {
      return std::string_view(entry).substr(name.size() + 1);
    }
  }
  return std::nullopt;
}

// Words split at blanks; terraform also honours quotes, which only join words, so a split at
// every blank never hides a flag it would read.
void append_words(std::string_view text, std::vector<std::string>& out) {
  size_t pos = 0;
  while (pos < text.size()) {
    const size_t start = text.find_first_not_of(" \t\n", pos);
    if (start == std::string_view::npos) break;
    size_t end = text.find_first_of(" \t\n", start);
    if (end == std::string_view::npos) end = text.size();
    std::string word(text.substr(start, end - start));
    std::erase(word, '"');
    std::erase(word, '\'');
    out.push_back(std::move(word));
    pos = end;
  }
}

}  // namespace

bool takes_arguments_from_environment(const ProgramStart& start) {
  const std::string name = program_name(start);
  return name == "terraform" || name == "tofu";
}

std::optional<std::vector<std::string>> argv_with_environment_arguments(
    const ProgramStart& start, const std::vector<std::string>& environment) {
  if (!takes_arguments_from_environment(start) || start.argv.empty()) return std::nullopt;
  // The subcommand: the first argument that is not a flag (`terraform -chdir=x apply`).
  size_t sub = 1;
  while (sub < start.argv.size() && start.argv[sub].starts_with("-")) ++sub;
  std::vector<std::string> added;
  if (auto all = value_of(environment, "TF_CLI_ARGS")) append_words(*all, added);
  if (sub < start.argv.size()) {
    if (auto own = value_of(environment, "TF_CLI_ARGS_" + start.argv[sub])) {
      append_words(*own, added);
    }
  }
  if (added.empty()) return std::nullopt;
  std::vector<std::string> argv(start.argv.begin(),
                                start.argv.begin() + std::min(sub + 1, start.argv.size()));
  argv.insert(argv.end(), added.begin(), added.end());
  if (sub + 1 < start.argv.size())
    argv.insert(argv.end(), start.argv.begin() + sub + 1, start.argv.end());
  return argv;
}

std::vector<std::string> environment_that_changes_the_program(std::string_view environ) {
  std::vector<std::string> found;
  while (!environ.empty()) {
    const size_t end = environ.find('\0');
    const std::string_view entry = environ.substr(0, end);
    environ.remove_prefix(end == std::string_view::npos ? environ.size() : end + 1);
    const size_t eq = entry.find('=');
    if (eq == std::string_view::npos || eq == 0) continue;
    if (changes_the_program(entry.substr(0, eq))) found.emplace_back(entry);
  }
  return found;
}

}  // namespace cordon::gate
