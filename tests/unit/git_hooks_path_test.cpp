// core.hooksPath read from a repository's config, and placed in the workspace.
#include "box/git_hooks_path.h"

#include <gtest/gtest.h>

namespace cordon::box {
namespace {

TEST(GitHooksPath, TheLastSettingInTheCoreSectionWins) {
  EXPECT_EQ(hooks_path_setting("[core]\n\trepositoryformatversion = 0\n\thooksPath = .githooks\n"),
            ".githooks");
  EXPECT_EQ(hooks_path_setting("[CORE]\nHOOKSPATH=a\n[core]\n  hookspath = \"b c\" # comment\n"),
            "b c");
  EXPECT_EQ(hooks_path_setting("[core] hooksPath = .husky/_\n"), ".husky/_");
  EXPECT_EQ(hooks_path_setting("[core]\nhooksPath = x ; old\n"), "x");
  EXPECT_FALSE(hooks_path_setting("[remote \"origin\"]\nhooksPath = x\n"));
  EXPECT_FALSE(hooks_path_setting("[core]\n# hooksPath = x\nbare = false\n"));
  EXPECT_FALSE(hooks_path_setting(""));
}

TEST(GitHooksPath, OnlyAPathInsideTheWorkspaceIsKept) {
  const std::string ws = "/work/proj";
  EXPECT_EQ(hooks_path_in_workspace(".githooks", "", ws), ".githooks");
  EXPECT_EQ(hooks_path_in_workspace("./tools//hooks/", "", ws), "tools/hooks");
  EXPECT_EQ(hooks_path_in_workspace("../shared-hooks", "vendor/lib", ws), "vendor/shared-hooks");
  EXPECT_EQ(hooks_path_in_workspace("/work/proj/ci/hooks", "", ws), "ci/hooks");
  EXPECT_FALSE(hooks_path_in_workspace("../hooks", "", ws));
  EXPECT_FALSE(hooks_path_in_workspace("/work/proj-other/hooks", "", ws));
  EXPECT_FALSE(hooks_path_in_workspace("~/hooks", "", ws));
  EXPECT_FALSE(hooks_path_in_workspace("/etc/git-hooks", "", ws));
  EXPECT_FALSE(hooks_path_in_workspace(".", "", ws));
  EXPECT_FALSE(hooks_path_in_workspace("", "", ws));
}

}  // namespace
}  // namespace cordon::box
