// judge_loaded_program(): the program behind a dynamic loader start, opened in the box's root.
#include "box/loader_start.h"

#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <string>

#include "base/unique_fd.h"
#include "gate/loader_command.h"

namespace cordon::box {

Result<void> judge_loaded_program(pid_t pid, gate::ProgramStart& start, ProgramTwins& twins) {
  if (!gate::is_dynamic_loader(start.executable)) return Ok{};
  auto command = gate::parse_loader_command(start.argv);
  if (!command) return Ok{};  // --help, --version, ...: the loader runs nothing
  const std::string& program = command->program;
  if (program.find('/') == std::string::npos) {
    return Error(Errc::kPolicy,
                 "the dynamic loader was asked to run `" + program + "` by a bare name")
        .with_hint("name the program by its path (./" + program +
                   "): the loader searches library directories for a bare name, and the gate "
                   "judges only a program it can find");
  }
  const std::string path = program.front() == '/' ? program : start.cwd + "/" + program;
  const std::string proc = "/proc/" + std::to_string(pid);
  UniqueFd root(::open((proc + "/root").c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
  if (!root) return Error::system("open the box's root through " + proc + "/root");
  // Inside the box's root: its absolute symlinks resolve there, never on the host.
  open_how how{};
  how.flags = O_RDONLY | O_NONBLOCK | O_CLOEXEC;
  how.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS;
  UniqueFd file(
      static_cast<int>(::syscall(SYS_openat2, root.get(), path.c_str(), &how, sizeof how)));
  if (!file) return Error::system("open " + program + ", which the dynamic loader is asked to run");
  struct stat st {};
  if (::fstat(file.get(), &st) != 0 || !S_ISREG(st.st_mode)) {
    return Error(Errc::kPolicy,
                 program + ", which the dynamic loader is asked to run, is not a file");
  }
  // The opened file's name as the box sees it (the kernel names a file outside the
  // supervisor's own root by its path in the box's).
  char name[PATH_MAX + 1];
  const std::string link = "/proc/self/fd/" + std::to_string(file.get());
  const ssize_t n = ::readlink(link.c_str(), name, PATH_MAX);
  if (n < 0) return Error::system("readlink " + link);
  start.loader = start.copy_path.empty() ? start.executable : start.copy_path;
  start.executable.assign(name, static_cast<size_t>(n));
  start.copy_path.clear();
  if (auto twin = twins.twin_of_file(file.get(), start.executable)) {
    start.copy_path = std::move(start.executable);
    start.executable = std::move(*twin);
  }
  start.argv = std::move(command->argv);
  return Ok{};
}

}  // namespace cordon::box
