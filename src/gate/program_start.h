// ProgramStart: what the approval gate decides on, one program about to run its first instruction.
#pragma once

#include <string>
#include <vector>

namespace cordon::gate {

// Read by the gate after execve succeeded and before the new image runs (box/gate_tracer.cpp):
// nothing in the box can change these any more. In tests and `cordon policy explain` they are
// built from a command line.
struct ProgramStart {
  std::string executable;         // the resolved file that runs ("/usr/bin/git"), symlinks followed
  std::vector<std::string> argv;  // the final argv; argv[0] as the caller spelled it
  std::string cwd;                // the working directory, as the box sees it
  // When the file that runs is a byte-for-byte copy of a system program (`cp /usr/bin/git
  // /tmp/g`), `executable` names the system program and this the copy that runs.
  std::string copy_path;
  // When the program was started through the dynamic loader (`ld-linux-x86-64.so.2 /bin/rm`),
  // the loader; `executable` and `argv` are then the program it maps and that program's argv.
  std::string loader;
  // For a start the gate would hold: its environment variables that change what it does
  // (LD_PRELOAD=..., GIT_DIR=..., gate/program_environment.h), "NAME=value", for the reviewer
  // to see. Empty otherwise: an allowed start's environment is not read.
  std::vector<std::string> environment;
};

// The name a rule or the risk scorer knows a program by: the executable's file name
// ("/usr/bin/git" -> "git"); versioned interpreters keep their version ("python3.11").
std::string program_name(const ProgramStart& start);

}  // namespace cordon::gate
