// The built-in read-only programs and the arguments that make each one write.
//
// "Read-only" means the program itself writes no file and changes no system state. Starting
// another program does not disqualify one: the gate sees every program that actually starts
// (an rg --pre filter, a git pager or external diff), so that program is decided on its own.
// When in doubt a program is left off: the cost is an ask, never a write let through.
//
// Choices, each with its reason:
// - ls cat head tail wc grep egrep fgrep rg stat diff du df ps id whoami uname echo pwd true
//   false which basename dirname realpath readlink printenv jq: no option writes a file.
// - find: read-only without -exec/-execdir/-ok/-okdir (they run programs for every file,
//   reviewed as one start here), -delete, and -fprint/-fprint0/-fprintf/-fls (write files).
// - Writing long options count in every spelling getopt_long accepts: any prefix of the name
//   (`sort --outp=f`, `--o f`), each read as that option (abbreviates_long in argv_flags.h).
// - sort: -o/--output writes a file. A short-option cluster containing 'o' counts as -o.
// - uniq: a second operand is an output file.
// - tree: -o writes its listing to a file.
// - file: -C/--compile writes a compiled magic file.
// - date: -s/--set and an operand not starting with '+' set the clock.
// - env: read-only alone (it prints the environment); with a command it is a wrapper.
// - git: the read subcommands status, log, diff, show, rev-parse, ls-files, blame, grep, and
//   branch when it only lists; never with -c/--config-env (a config value can point git at any
//   program or path) or --exec-path, and never with --output (diff and log write a file). -C,
//   --git-dir, --work-tree and --no-pager are fine. `git status` may refresh .git/index, a
//   cache git rebuilds at will; that is accepted.
// - Left off: less and more (`s` saves piped input to a file, -o logs to one), sed (the w
//   command and the s///w flag write files, e writes nothing but is a program of its own: a sed
//   script is a program and -i is only its best-known way to write), awk (print > "file",
//   system()), tee, xargs, and every interpreter.
#include "gate/read_only_programs.h"

#include <algorithm>
#include <string>
#include <string_view>
#include <vector>

#include "gate/argv_flags.h"

namespace cordon::gate {
namespace {

using Args = std::vector<std::string>;  // argv[1..]

// The options before "--" (operands and everything after "--" are skipped).
template <class F>
bool no_option(const Args& args, F is_writing_option) {
  for (const std::string& a : args) {
    if (a == "--") return true;
    if (a.size() > 1 && a[0] == '-' && is_writing_option(std::string_view(a))) return false;
  }
  return true;
}

size_t operand_count(const Args& args) {
  size_t n = 0;
  bool over = false;
  for (const std::string& a : args) {
    if (!over && a == "--") {
      over = true;
    } else if (over || a.empty() || a[0] != '-' || a == "-") {
      ++n;
    }
  }
  return n;
}

bool starts_with(std::string_view s, std::string_view prefix) {
  return s.substr(0, prefix.size()) == prefix;
}

// A long option, alone or with "=value".
bool long_option(std::string_view a, std::string_view name) {
  return a == name || (starts_with(a, name) && a.size() > name.size() && a[name.size()] == '=');
}

bool always(const Args&) { return true; }

bool find_ok(const Args& args) {
  for (const std::string& a : args) {
    static constexpr std::string_view kWriting[] = {"-exec", "-execdir", "-ok", "-okdir",
                                                    "-delete", "-fls"};
    if (std::find(std::begin(kWriting), std::end(kWriting), a) != std::end(kWriting)) return false;
    if (starts_with(a, "-fprint")) return false;
  }
  return true;
}

bool sort_ok(const Args& args) {
  return no_option(args, [](std::string_view a) {
    return abbreviates_long(a, "output") || short_cluster_has(a, 'o');
  });
}

bool uniq_ok(const Args& args) { return operand_count(args) <= 1; }

bool tree_ok(const Args& args) {
  return no_option(args, [](std::string_view a) { return short_cluster_has(a, 'o'); });
}

bool file_ok(const Args& args) {
  return no_option(args, [](std::string_view a) {
    return abbreviates_long(a, "compile") || short_cluster_has(a, 'C');
  });
}

bool date_ok(const Args& args) {
  bool over = false;
  for (const std::string& a : args) {
    if (!over && a == "--") {
      over = true;
      continue;
    }
    if (!over && a.size() > 1 && a[0] == '-') {
      if (abbreviates_long(a, "set") || short_cluster_has(a, 's')) return false;
      continue;
    }
    if (a.empty() || a[0] != '+') return false;  // MMDDhhmm[[CC]YY][.ss] sets the clock
  }
  return true;
}

bool env_ok(const Args& args) { return args.empty(); }

bool git_branch_lists_only(const Args& args, size_t from) {
  static constexpr std::string_view kListing[] = {
      "-a", "-r", "-v", "-vv", "--all", "--remotes", "--verbose", "--show-current",
      "--no-color", "--color", "--no-abbrev"};
  for (size_t i = from; i < args.size(); ++i) {
    if (std::find(std::begin(kListing), std::end(kListing), args[i]) == std::end(kListing)) {
      return false;
    }
  }
  return true;
}

bool git_ok(const Args& args) {
  size_t i = 0;
  // Global options before the subcommand.
  for (; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a.empty() || a[0] != '-') break;
    if (a == "-C" || a == "--git-dir" || a == "--work-tree") {
      ++i;  // takes a value
      continue;
    }
    if (long_option(a, "--git-dir") || long_option(a, "--work-tree") || a == "--no-pager" ||
        a == "-P" || a == "--no-replace-objects" || a == "--bare" || a == "--literal-pathspecs") {
      continue;
    }
    return false;  // -c, --config-env, --exec-path, and anything not known to be harmless
  }
  if (i >= args.size()) return false;  // `git` alone prints help: harmless, but rare; ask
  const std::string& sub = args[i];
  static constexpr std::string_view kRead[] = {"status", "log",      "diff",  "show",
                                               "rev-parse", "ls-files", "blame", "grep"};
  bool read = std::find(std::begin(kRead), std::end(kRead), sub) != std::end(kRead);
  if (sub == "branch") return git_branch_lists_only(args, i + 1);
  if (!read) return false;
  for (size_t k = i + 1; k < args.size(); ++k) {
    if (args[k] == "--") break;
    if (abbreviates_long(args[k], "output")) return false;
  }
  return true;
}

struct ReadOnlyProgram {
  std::string_view name;
  bool (*arguments_ok)(const Args& args);
};

constexpr ReadOnlyProgram kPrograms[] = {
    {"ls", always},       {"cat", always},      {"head", always},     {"tail", always},
    {"wc", always},       {"grep", always},     {"egrep", always},    {"fgrep", always},
    {"rg", always},       {"stat", always},     {"diff", always},     {"du", always},
    {"df", always},       {"ps", always},       {"id", always},       {"whoami", always},
    {"uname", always},    {"echo", always},     {"pwd", always},      {"true", always},
    {"false", always},    {"which", always},    {"basename", always}, {"dirname", always},
    {"realpath", always}, {"readlink", always}, {"printenv", always}, {"jq", always},
    {"find", find_ok},    {"sort", sort_ok},    {"uniq", uniq_ok},    {"tree", tree_ok},
    {"file", file_ok},    {"date", date_ok},    {"env", env_ok},      {"git", git_ok},
};

bool in_system_directory(const std::string& executable) {
  const auto slash = executable.rfind('/');
  if (slash == std::string::npos) return false;
  const std::string_view dir(executable.data(), slash);
  return dir == "/usr/bin" || dir == "/bin" || dir == "/usr/sbin" || dir == "/sbin";
}

}  // namespace

bool is_read_only_start(const ProgramStart& start) {
  if (!in_system_directory(start.executable)) return false;
  const std::string name = program_name(start);
  for (const ReadOnlyProgram& p : kPrograms) {
    if (p.name != name) continue;
    const Args args(start.argv.size() > 1 ? start.argv.begin() + 1 : start.argv.end(),
                    start.argv.end());
    return p.arguments_ok(args);
  }
  return false;
}

}  // namespace cordon::gate
