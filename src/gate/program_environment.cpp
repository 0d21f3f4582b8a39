// environment_that_changes_the_program(): the variables a reviewer must see.
#include "gate/program_environment.h"

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

}  // namespace

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
