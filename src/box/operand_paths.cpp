// start_through_symlinks(): each path operand opened in the box's root and named by the kernel.
#include "box/operand_paths.h"

#include <fcntl.h>
#include <limits.h>

#include <string>

#include "box/tracee_start.h"
#include "gate/risk_paths.h"

namespace cordon::box {
namespace {

// A start with hundreds of path operands (a compiler's) is judged on its first ones only:
// each costs two syscalls while the program waits.
constexpr size_t kMaxOperands = 64;

// The path `path` (absolute, in the box) reaches: its directories followed inside the box's
// root, and its last component too when `follow_last`. Nothing when it is not there (yet):
// the text is then all there is.
Result<std::optional<std::string>> reached_path(int root, const std::string& path,
                                                bool follow_last) {
  std::string dir = path;
  std::string base;
  if (!follow_last) {
    const size_t slash = path.rfind('/');
    base = path.substr(slash + 1);
    if (base.empty() || base == "." || base == "..") {
      base.clear();
    } else {
      dir = slash == 0 ? "/" : path.substr(0, slash);
    }
  }
  UniqueFd fd = open_in_root(root, dir, O_PATH);
  if (!fd) return std::optional<std::string>();
  CORDON_ASSIGN_OR_RETURN(std::string reached, path_in_box(fd.get()));
  if (base.empty()) return std::optional<std::string>(std::move(reached));
  return std::optional<std::string>((reached == "/" ? "" : reached) + "/" + base);
}

}  // namespace

Result<std::optional<gate::ProgramStart>> start_through_symlinks(pid_t pid,
                                                                 const gate::ProgramStart& start) {
  UniqueFd root;  // opened at the first operand that may be a path
  std::optional<gate::ProgramStart> real;
  size_t looked = 0;
  for (size_t i = 1; i < start.argv.size() && looked < kMaxOperands; ++i) {
    const std::string& arg = start.argv[i];
    if (arg.empty() || arg.front() == '-' || arg.find('/') == std::string::npos ||
        arg.size() >= PATH_MAX) {
      continue;
    }
    looked += 1;
    if (!root) {
      CORDON_ASSIGN_OR_RETURN(root, open_tracee_root(pid));
    }
    const bool follow_last = arg.back() == '/' || arg.ends_with("/.");
    const std::string absolute = arg.front() == '/' ? arg : start.cwd + "/" + arg;
    CORDON_ASSIGN_OR_RETURN(std::optional<std::string> reached,
                            reached_path(root.get(), absolute, follow_last));
    if (!reached || *reached == gate::resolve_operand(arg, start.cwd, "")) continue;
    if (!real) real = start;
    real->argv[i] = std::move(*reached);
  }
  return real;
}

}  // namespace cordon::box
