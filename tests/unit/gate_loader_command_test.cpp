// The dynamic loader's command line: which program it will run, with which argv.
#include <gtest/gtest.h>

#include "gate/loader_command.h"

namespace cordon::gate {
namespace {

TEST(LoaderCommand, TheLoadersAreKnownByTheirNames) {
  for (const char* loader :
       {"/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2", "/lib/ld-linux-aarch64.so.1",
        "/lib/ld-linux.so.2", "/lib64/ld64.so.2", "/lib/ld.so.1", "/lib/ld-musl-x86_64.so.1",
        "/usr/lib/musl/lib/libc.so", "/tmp/ld-linux-x86-64.so.2"}) {
    EXPECT_TRUE(is_dynamic_loader(loader)) << loader;
  }
  for (const char* other : {"/usr/bin/ld", "/usr/bin/ld.bfd", "/usr/bin/ldd", "/usr/bin/ldconfig",
                            "/usr/lib/x86_64-linux-gnu/libc.so.6", "/usr/bin/lddtree"}) {
    EXPECT_FALSE(is_dynamic_loader(other)) << other;
  }
}

TEST(LoaderCommand, TheProgramIsTheFirstOperandAfterTheLoadersOwnOptions) {
  auto c = parse_loader_command({"ld.so", "/bin/rm", "-rf", "/w"});
  ASSERT_TRUE(c);
  EXPECT_EQ(c->program, "/bin/rm");
  EXPECT_EQ(c->argv, (std::vector<std::string>{"/bin/rm", "-rf", "/w"}));

  c = parse_loader_command({"ld.so", "--library-path", "/x", "--preload", "/y.so",
                            "--inhibit-cache", "--argv0", "git-push", "/usr/bin/git", "--force"});
  ASSERT_TRUE(c);
  EXPECT_EQ(c->program, "/usr/bin/git");
  EXPECT_EQ(c->argv, (std::vector<std::string>{"git-push", "--force"}));
}

TEST(LoaderCommand, AnUnknownOptionIsTheProgramAsTheLoaderTakesIt) {
  auto c = parse_loader_command({"ld.so", "--bogus", "x"});
  ASSERT_TRUE(c);
  EXPECT_EQ(c->program, "--bogus");
  // An option missing its value is the program too (the loader's loop needs both).
  c = parse_loader_command({"ld.so", "--argv0"});
  ASSERT_TRUE(c);
  EXPECT_EQ(c->program, "--argv0");
}

TEST(LoaderCommand, NothingRunsForHelpVersionOrNoOperand) {
  EXPECT_FALSE(parse_loader_command({"ld.so"}));
  EXPECT_FALSE(parse_loader_command({"ld.so", "--help"}));
  EXPECT_FALSE(parse_loader_command({"ld.so", "--version", "/bin/rm"}));
  EXPECT_FALSE(parse_loader_command({"ld.so", "--library-path", "/x"}));
}

}  // namespace
}  // namespace cordon::gate
