// read_tracee_start(): the program a stopped tracee is about to run, from /proc; and paths
// opened in the tracee's own view.
#include "box/tracee_start.h"

#include <fcntl.h>
#include <limits.h>
#include <unistd.h>

#include <string>

#include "base/syscalls.h"
#include "base/unique_fd.h"

namespace cordon::box {
namespace {

Result<std::string> read_link(const std::string& path) {
  char buf[PATH_MAX + 1];
  const ssize_t n = ::readlink(path.c_str(), buf, PATH_MAX);
  if (n < 0) return Error::system("readlink " + path);
  return std::string(buf, static_cast<size_t>(n));
}

// The whole of /proc/PID/cmdline (argv can be up to the kernel's ARG_MAX, far beyond a page).
Result<std::vector<std::string>> read_cmdline(const std::string& path) {
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd) return Error::system("open " + path);
  std::string bytes;
  char buf[16384];
  for (;;) {
    const ssize_t n = ::read(fd.get(), buf, sizeof buf);
    if (n < 0) return Error::system("read " + path);
    if (n == 0) break;
    bytes.append(buf, static_cast<size_t>(n));
  }
  std::vector<std::string> argv;
  size_t begin = 0;
  while (begin < bytes.size()) {
    size_t end = bytes.find('\0', begin);
    if (end == std::string::npos) end = bytes.size();
    argv.emplace_back(bytes, begin, end - begin);
    begin = end + 1;
  }
  return argv;
}

}  // namespace

Result<gate::ProgramStart> read_tracee_start(pid_t pid) {
  const std::string proc = "/proc/" + std::to_string(pid);
  gate::ProgramStart start;
  CORDON_ASSIGN_OR_RETURN(start.executable, read_link(proc + "/exe"));
  CORDON_ASSIGN_OR_RETURN(start.argv, read_cmdline(proc + "/cmdline"));
  CORDON_ASSIGN_OR_RETURN(start.cwd, read_link(proc + "/cwd"));
  return start;
}

Result<UniqueFd> open_tracee_root(pid_t pid) {
  const std::string root = "/proc/" + std::to_string(pid) + "/root";
  UniqueFd fd(::open(root.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
  if (!fd) return Error::system("open " + root);
  return fd;
}

UniqueFd open_in_root(int root, const std::string& path, uint64_t flags) {
  open_how how{};
  how.flags = flags | O_CLOEXEC;
  how.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS;
  return UniqueFd(sys::openat2(root, path.c_str(), &how));
}

Result<std::string> path_in_box(int fd) {
  return read_link("/proc/self/fd/" + std::to_string(fd));
}

}  // namespace cordon::box
