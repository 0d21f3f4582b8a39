// A script's start as the kernel makes it, for `cordon policy explain`.
#include <gtest/gtest.h>

#include "gate/script_start.h"

namespace cordon::gate {
namespace {

TEST(ScriptStart, TheInterpreterLineIsReadAsLinuxReadsIt) {
  auto perl = parse_shebang("#!/usr/bin/perl\nuse strict;\n");
  ASSERT_TRUE(perl);
  EXPECT_EQ(perl->interpreter, "/usr/bin/perl");
  EXPECT_EQ(perl->argument, "");
  // Blanks after #!, one argument holding the rest of the line (blanks inside kept), CR trimmed.
  auto env = parse_shebang("#! \t/usr/bin/env  -S node --flag \r\n");
  ASSERT_TRUE(env);
  EXPECT_EQ(env->interpreter, "/usr/bin/env");
  EXPECT_EQ(env->argument, "-S node --flag");
  EXPECT_FALSE(
      parse_shebang("\x7f"
                    "ELF"));
  EXPECT_FALSE(parse_shebang("#!   \n"));
  EXPECT_FALSE(parse_shebang(""));
  auto unterminated = parse_shebang("#!/bin/sh -e");
  ASSERT_TRUE(unterminated);
  EXPECT_EQ(unterminated->argument, "-e");
}

TEST(ScriptStart, TheScriptsPathFollowsTheInterpreterAndItsArgument) {
  EXPECT_EQ(script_argv({"/bin/rm", "-rf"}, "./wipe", {"wipe", "/work"}),
            (std::vector<std::string>{"/bin/rm", "-rf", "./wipe", "/work"}));
  EXPECT_EQ(script_argv({"/usr/bin/perl", ""}, "/usr/bin/psql", {"psql", "-c", "DROP TABLE t"}),
            (std::vector<std::string>{"/usr/bin/perl", "/usr/bin/psql", "-c", "DROP TABLE t"}));
}

}  // namespace
}  // namespace cordon::gate
