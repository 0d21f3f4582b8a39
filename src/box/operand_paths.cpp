// start_through_symlinks(): each path operand opened in the box's root and named by the kernel.
#include "box/operand_paths.h"

#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <string>

#include "base/unique_fd.h"
#include "gate/risk_paths.h"

namespace cordon::box {
namespace {

// A start with hundreds of path operands (a compiler's) is judged on its first ones only:
// each costs two syscalls while the program waits.
constexpr size_t kMaxOperands = 64;

// The path `path` (absolute, in the box) reaches: its directories followed inside the box's
// root, and its last component too when `follow_last`.
std::optional<std::string> reached_path(int root, const std::string& path, bool follow_last) {
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
  open_how how{};
  how.flags = O_PATH | O_CLOEXEC;
  how.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS;
  UniqueFd fd(static_cast<int>(::syscall(SYS_openat2, root, dir.c_str(), &how, sizeof how)));
  if (!fd) return std::nullopt;  // nothing there (yet): the text is all there is
  char name[PATH_MAX + 1];
  const std::string link = "/proc/self/fd/" + std::to_string(fd.get());
  const ssize_t n = ::readlink(link.c_str(), name, PATH_MAX);
  if (n <= 0) return std::nullopt;
  std::string reached(name, static_cast<size_t>(n));
  if (base.empty()) return reached;
  return (reached == "/" ? "" : reached) + "/" + base;
}

}  // namespace

std::optional<gate::ProgramStart> start_through_symlinks(pid_t pid,
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
      const std::string proc_root = "/proc/" + std::to_string(pid) + "/root";
      root = UniqueFd(::open(proc_root.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
      if (!root) return std::nullopt;
    }
    const bool follow_last = arg.back() == '/' || arg.ends_with("/.");
    const std::string absolute = arg.front() == '/' ? arg : start.cwd + "/" + arg;
    auto reached = reached_path(root.get(), absolute, follow_last);
    if (!reached || *reached == gate::resolve_operand(arg, start.cwd, "")) continue;
    if (!real) real = start;
    real->argv[i] = *reached;
  }
  return real;
}

}  // namespace cordon::box
