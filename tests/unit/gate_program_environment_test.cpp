// Which environment variables the gate shows a reviewer for a held start.
#include <gtest/gtest.h>

#include <string>

#include "gate/program_environment.h"

namespace cordon::gate {
namespace {

using namespace std::string_literals;

TEST(ProgramEnvironment, LoaderInterpreterAndTargetVariablesAreFoundInOrder) {
  const std::string environ =
      "HOME=/root\0LD_PRELOAD=/work/x.so\0PATH=/usr/bin\0"
      "GIT_DIR=/work/other/.git\0TF_CLI_ARGS_apply=-destroy\0"
      "PGDATABASE=prod\0BASH_ENV=/work/rc\0NODE_OPTIONS=--require x\0"s;
  EXPECT_EQ(environment_that_changes_the_program(environ),
            (std::vector<std::string>{"LD_PRELOAD=/work/x.so", "GIT_DIR=/work/other/.git",
                                      "TF_CLI_ARGS_apply=-destroy", "PGDATABASE=prod",
                                      "BASH_ENV=/work/rc", "NODE_OPTIONS=--require x"}));
}

TEST(ProgramEnvironment, OrdinaryAndMalformedEntriesAreLeftOut) {
  EXPECT_TRUE(environment_that_changes_the_program("").empty());
  EXPECT_TRUE(environment_that_changes_the_program(
                  "TERM=xterm\0LANG=C\0LD_PRELOADX=1\0=LD_PRELOAD\0LD_PRELOAD\0NOTGIT_DIR=x"s)
                  .empty());
  // An empty value still counts (LD_PRELOAD= is harmless, but it is what the program gets), and
  // the last entry needs no terminating NUL.
  EXPECT_EQ(environment_that_changes_the_program("LD_AUDIT=\0GIT_SSH_COMMAND=sh -c evil"s),
            (std::vector<std::string>{"LD_AUDIT=", "GIT_SSH_COMMAND=sh -c evil"}));
}

}  // namespace
}  // namespace cordon::gate
