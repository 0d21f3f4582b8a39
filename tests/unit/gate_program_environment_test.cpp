// Which environment variables the gate shows a reviewer for a held start.
#include <gtest/gtest.h>

#include <string>

#include "gate/program_environment.h"
#include "gate/risk.h"

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

ProgramStart terraform(std::vector<std::string> argv) {
  ProgramStart start;
  start.executable = "/usr/local/bin/terraform";
  start.argv = std::move(argv);
  start.cwd = "/work";
  return start;
}

TEST(ProgramEnvironment, TerraformsArgumentsFromTheEnvironmentFollowTheSubcommand) {
  const ProgramStart apply = terraform({"terraform", "-chdir=infra", "apply", "-input=false"});
  EXPECT_TRUE(takes_arguments_from_environment(apply));
  const std::vector<std::string> environment = {"TF_CLI_ARGS=-no-color",
                                                "TF_CLI_ARGS_apply=\"-destroy  -auto-approve\"",
                                                "TF_CLI_ARGS_plan=-refresh=false"};
  EXPECT_EQ(argv_with_environment_arguments(apply, environment),
            (std::vector<std::string>{"terraform", "-chdir=infra", "apply", "-no-color", "-destroy",
                                      "-auto-approve", "-input=false"}));
  // An internal bug hunt: the apply was scored medium and allowed; what runs is a destroy.
  const ProgramStart judged{apply.executable, *argv_with_environment_arguments(apply, environment),
                            apply.cwd};
  EXPECT_EQ(assess_risk(apply, RiskContext{"/work", "/root"}).level, RiskLevel::kMedium);
  EXPECT_EQ(assess_risk(judged, RiskContext{"/work", "/root"}).level, RiskLevel::kCritical);
  // Nothing to add, or another program: unchanged.
  EXPECT_FALSE(argv_with_environment_arguments(apply, {"TF_CLI_ARGS_plan=-x"}));
  ProgramStart git;
  git.executable = "/usr/bin/git";
  git.argv = {"git", "apply"};
  EXPECT_FALSE(takes_arguments_from_environment(git));
  EXPECT_FALSE(argv_with_environment_arguments(git, environment));
  ProgramStart tofu = terraform({"tofu", "destroy"});
  tofu.executable = "/usr/bin/tofu";
  EXPECT_EQ(argv_with_environment_arguments(tofu, {"TF_CLI_ARGS=-auto-approve"}),
            (std::vector<std::string>{"tofu", "destroy", "-auto-approve"}));
}

}  // namespace
}  // namespace cordon::gate
