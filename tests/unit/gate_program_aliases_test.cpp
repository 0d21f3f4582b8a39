// Plain program names in rules follow links to the file that runs (sh -> dash, cc -> gcc-12).
#include "gate/program_aliases.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>

namespace cordon::gate {
namespace {

namespace fs = std::filesystem;

class ProgramAliases : public ::testing::Test {
 protected:
  ProgramAliases() {
    char tmpl[] = "/tmp/cordon-aliases-XXXXXX";
    dir_ = ::mkdtemp(tmpl);
    fs::create_directories(dir_ + "/bin");
    fs::create_directories(dir_ + "/usr/bin");
    std::ofstream(dir_ + "/usr/bin/dash") << "#!\n";
    std::ofstream(dir_ + "/usr/bin/gcc-12") << "#!\n";
    std::ofstream(dir_ + "/usr/bin/touch") << "#!\n";
    fs::create_symlink(dir_ + "/usr/bin/dash", dir_ + "/bin/sh");
    fs::create_symlink("gcc-12", dir_ + "/usr/bin/gcc");
    fs::create_symlink("gcc", dir_ + "/usr/bin/cc");
  }
  ~ProgramAliases() override { fs::remove_all(dir_); }
  std::vector<std::string> dirs() const { return {dir_ + "/usr/bin", dir_ + "/bin"}; }
  std::string dir_;
};

GateConfig with_program(std::vector<std::string> program) {
  GateConfig config;
  RuleSpec rule;
  rule.name = "r";
  rule.program = std::move(program);
  config.rules.push_back(rule);
  return config;
}

TEST_F(ProgramAliases, ALinkedNameAlsoNamesTheFileItRuns) {
  GateConfig config = with_program({"sh", "cc"});
  add_resolved_program_names(config, dirs());
  EXPECT_EQ(config.rules[0].program, (std::vector<std::string>{"sh", "cc", "dash", "gcc-12"}));
}

TEST_F(ProgramAliases, PlainFilesGlobsPathsAndUnknownNamesAreLeftAlone) {
  GateConfig config = with_program({"touch", "s*", "/bin/sh", "no-such-program"});
  add_resolved_program_names(config, dirs());
  EXPECT_EQ(config.rules[0].program,
            (std::vector<std::string>{"touch", "s*", "/bin/sh", "no-such-program"}));
}

}  // namespace
}  // namespace cordon::gate
