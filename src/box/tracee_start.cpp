// read_tracee_start(): the program a stopped tracee is about to run, from /proc; and paths
// opened in the tracee's own view.
#include "box/tracee_start.h"

#include <fcntl.h>
#include <limits.h>
#include <unistd.h>

#include <string>

#include "base/syscalls.h"
#include "base/unique_fd.h"
#include "gate/program_environment.h"

namespace cordon::box {
namespace {

// `link` is a link's own fd when `path` is empty.
Result<std::string> read_link_at(int link, const char* path, const char* name) {
  char buf[PATH_MAX + 1];
  const ssize_t n = ::readlinkat(link, path, buf, PATH_MAX);
  if (n < 0) return Error::system(std::string("readlink ") + name);
  return std::string(buf, static_cast<size_t>(n));
}

Result<std::string> read_link(const std::string& path) {
  return read_link_at(AT_FDCWD, path.c_str(), path.c_str());
}

// The whole of a cmdline file (argv can be up to the kernel's ARG_MAX, far beyond a page), read
// from its start.
Result<std::vector<std::string>> read_cmdline(int fd, const char* name) {
  std::string bytes;
  char buf[16384];
  for (;;) {
    const ssize_t n = ::pread(fd, buf, sizeof buf, static_cast<off_t>(bytes.size()));
    if (n < 0) return Error::system(std::string("read ") + name);
    if (n == 0) break;
    bytes.append(buf, static_cast<size_t>(n));
  }
  // A process that has gone, or has no memory any more, has no argv: never an empty command.
  if (bytes.empty()) return Error(Errc::kNotFound, std::string(name) + " is empty");
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

Result<std::vector<std::string>> read_cmdline(const std::string& path) {
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd) return Error::system("open " + path);
  return read_cmdline(fd.get(), path.c_str());
}

Result<UniqueFd> open_entry(const std::string& path, int flags) {
  UniqueFd fd(::open(path.c_str(), flags | O_CLOEXEC));
  if (!fd) return Error::system("open " + path);
  return fd;
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

Result<TraceeProcHandles> open_tracee_proc(pid_t pid) {
  const std::string proc = "/proc/" + std::to_string(pid);
  TraceeProcHandles handles;
  CORDON_ASSIGN_OR_RETURN(handles.exe, open_entry(proc + "/exe", O_PATH | O_NOFOLLOW));
  CORDON_ASSIGN_OR_RETURN(handles.cmdline, open_entry(proc + "/cmdline", O_RDONLY));
  CORDON_ASSIGN_OR_RETURN(handles.cwd, open_entry(proc + "/cwd", O_PATH | O_NOFOLLOW));
  return handles;
}

Result<gate::ProgramStart> read_tracee_start(const TraceeProcHandles& handles) {
  gate::ProgramStart start;
  CORDON_ASSIGN_OR_RETURN(start.executable, read_link_at(handles.exe.get(), "", "exe"));
  CORDON_ASSIGN_OR_RETURN(start.argv, read_cmdline(handles.cmdline.get(), "cmdline"));
  CORDON_ASSIGN_OR_RETURN(start.cwd, read_link_at(handles.cwd.get(), "", "cwd"));
  return start;
}

Result<std::vector<std::string>> read_tracee_environment(pid_t pid) {
  const std::string path = "/proc/" + std::to_string(pid) + "/environ";
  CORDON_ASSIGN_OR_RETURN(UniqueFd fd, open_entry(path, O_RDONLY));
  std::string bytes;
  char buf[16384];
  for (;;) {
    const ssize_t n = ::pread(fd.get(), buf, sizeof buf, static_cast<off_t>(bytes.size()));
    if (n < 0) return Error::system("read " + path);
    if (n == 0) break;
    bytes.append(buf, static_cast<size_t>(n));
  }
  return gate::environment_that_changes_the_program(bytes);
}

Result<UniqueFd> open_tracee_root(pid_t pid) {
  return open_entry("/proc/" + std::to_string(pid) + "/root", O_PATH | O_DIRECTORY);
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
