// judge_loaded_program(): the program behind a dynamic loader start, opened in the box's root.
#include "box/loader_start.h"

#include <fcntl.h>
#include <sys/stat.h>

#include <string>

#include "base/unique_fd.h"
#include "box/tracee_start.h"
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
  CORDON_ASSIGN_OR_RETURN(UniqueFd root, open_tracee_root(pid));
  UniqueFd file = open_in_root(root.get(), path, O_RDONLY | O_NONBLOCK);
  if (!file) return Error::system("open " + program + ", which the dynamic loader is asked to run");
  struct stat st {};
  if (::fstat(file.get(), &st) != 0 || !S_ISREG(st.st_mode)) {
    return Error(Errc::kPolicy, program + ", which the dynamic loader is asked to run, is not a file");
  }
  CORDON_ASSIGN_OR_RETURN(std::string in_box, path_in_box(file.get()));
  start.loader = start.copy_path.empty() ? start.executable : start.copy_path;
  start.executable = std::move(in_box);
  start.copy_path.clear();
  if (auto twin = twins.twin_of_file(file.get(), start.executable)) {
    start.copy_path = std::move(start.executable);
    start.executable = std::move(*twin);
  }
  start.argv = std::move(command->argv);
  return Ok{};
}

}  // namespace cordon::box
