// The search for repositories nested in the workspace: what it finds, and where its bounds stop it.
#include "box/nested_repos.h"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>

namespace cordon::box {
namespace {

namespace fs = std::filesystem;

class NestedReposTest : public ::testing::Test {
 protected:
  NestedReposTest() {
    char tmpl[] = "/tmp/cordon-nested-repos-test-XXXXXX";
    const char* dir = ::mkdtemp(tmpl);
    if (dir == nullptr) std::abort();
    dir_ = dir;
  }
  ~NestedReposTest() override { fs::remove_all(dir_); }

  void repo(const std::string& path) { fs::create_directories(dir_ + "/" + path + "/.git/hooks"); }
  void mkdir(const std::string& path) { fs::create_directories(dir_ + "/" + path); }

  std::string dir_;
};

TEST_F(NestedReposTest, FindsRepositoriesShallowestFirstDownToTheDepthBound) {
  repo("");  // the workspace's own is not a nested one
  repo("a/b/c/d");
  repo("a/b/c");
  repo("one");
  repo("x/two");
  auto found = find_nested_repositories(dir_, "");
  EXPECT_EQ(found.repositories, (std::vector<std::string>{"one", "x/two", "a/b/c"}));
  EXPECT_EQ(found.first_unsearched, "");
  NestedRepoBounds shallow;
  shallow.max_depth = 1;
  EXPECT_EQ(find_nested_repositories(dir_, "", shallow).repositories,
            (std::vector<std::string>{"one"}));
}

TEST_F(NestedReposTest, AGitFileCountsAndASymlinkDoesNot) {
  mkdir("sub");
  std::ofstream(dir_ + "/sub/.git") << "gitdir: ../.git/modules/sub\n";
  mkdir("linked");
  ASSERT_EQ(::symlink("../elsewhere", (dir_ + "/linked/.git").c_str()), 0);
  repo("elsewhere");
  auto found = find_nested_repositories(dir_, "");
  std::sort(found.repositories.begin(), found.repositories.end());  // one level: listing order
  EXPECT_EQ(found.repositories, (std::vector<std::string>{"elsewhere", "sub"}));
}

TEST_F(NestedReposTest, NeverSearchesGitInternalsNodeModulesOrThroughALink) {
  repo("node_modules/pkg");
  repo("top");
  repo("top/.git/modules/inner");  // a submodule's git directory, kept inside .git
  repo("real/kept");
  ASSERT_EQ(::symlink("real", (dir_ + "/link").c_str()), 0);
  auto found = find_nested_repositories(dir_, "");
  EXPECT_EQ(found.repositories, (std::vector<std::string>{"top", "real/kept"}));
}

TEST_F(NestedReposTest, StopsAtTheDirectoryBoundAndSaysWhere) {
  for (const char* d : {"d1", "d2", "d3", "d4"}) repo(d);
  NestedRepoBounds bounds;
  bounds.max_directories = 3;  // the start and two of the four, in listing order
  auto found = find_nested_repositories(dir_, "", bounds);
  EXPECT_EQ(found.directories_visited, 3u);
  EXPECT_EQ(found.repositories.size(), 2u);
  ASSERT_FALSE(found.first_unsearched.empty());
  EXPECT_EQ(
      std::count(found.repositories.begin(), found.repositories.end(), found.first_unsearched), 0);
  bounds.max_directories = 5;
  found = find_nested_repositories(dir_, "", bounds);
  EXPECT_EQ(found.first_unsearched, "");
  EXPECT_EQ(found.repositories.size(), 4u);
}

TEST_F(NestedReposTest, SearchesBeneathTheDirectoryItIsGiven) {
  repo("outside");
  repo("in/side");
  EXPECT_EQ(find_nested_repositories(dir_, "in").repositories,
            (std::vector<std::string>{"in/side"}));
}

TEST_F(NestedReposTest, EveryRepositoryBoundsGoToAnyDepthIntoNodeModulesAndCountALinkedGit) {
  // The guard's fail-closed path: git recurses into all of these, so all must be found.
  repo("a/b/c/d/deep");
  repo("node_modules/x");
  mkdir("linked");
  ASSERT_EQ(::symlink("/nonexistent", (dir_ + "/linked/.git").c_str()), 0);
  const NestedRepos start = find_nested_repositories(dir_, "");
  EXPECT_TRUE(start.repositories.empty()) << ::testing::PrintToString(start.repositories);
  const NestedRepos every = find_nested_repositories(dir_, "", every_repository_bounds({}));
  EXPECT_EQ(every.repositories,
            (std::vector<std::string>{"linked", "node_modules/x", "a/b/c/d/deep"}));
}

}  // namespace
}  // namespace cordon::box
