// git_dashed_start(): `git-<cmd> ARGS` -> `git <cmd> ARGS`, as git itself reads it.
#include "gate/git_dashed.h"

#include <string_view>

namespace cordon::gate {

std::optional<ProgramStart> git_dashed_start(const ProgramStart& start) {
  if (start.argv.empty() || program_name(start) != "git") return std::nullopt;
  const std::string& argv0 = start.argv.front();
  const size_t slash = argv0.rfind('/');
  const size_t base = slash == std::string::npos ? 0 : slash + 1;
  const std::string_view name = std::string_view(argv0).substr(base);
  // "git", another name, or "git-" alone (git finds no builtin "" and stops): git as written.
  if (!name.starts_with("git-") || name.size() == 4) return std::nullopt;
  ProgramStart dispatched = start;
  std::vector<std::string>& argv = dispatched.argv;
  argv.insert(argv.begin() + 1, std::string(name.substr(4)));
  argv.front() = argv0.substr(0, base) + "git";
  return dispatched;
}

}  // namespace cordon::gate
