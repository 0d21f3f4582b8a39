// The gitlink reader against indexes the machine's own git writes, in every layout it has.
#include "box/git_index.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <sstream>

namespace cordon::box {
namespace {

namespace fs = std::filesystem;

class GitIndexTest : public ::testing::Test {
 protected:
  GitIndexTest() {
    char tmpl[] = "/tmp/cordon-git-index-test-XXXXXX";
    const char* dir = ::mkdtemp(tmpl);
    if (dir == nullptr) std::abort();
    dir_ = dir;
  }
  ~GitIndexTest() override { fs::remove_all(dir_); }

  // Runs a shell command in the scratch directory with a fixed identity.
  void sh(const std::string& command) {
    const std::string full = "cd '" + dir_ + "' && export GIT_AUTHOR_NAME=t GIT_AUTHOR_EMAIL=t@e " +
                             "GIT_COMMITTER_NAME=t GIT_COMMITTER_EMAIL=t@e && (" + command +
                             ") >/dev/null 2>&1";
    ASSERT_EQ(std::system(full.c_str()), 0) << command;
  }
  // The top repository `top` with files, a long path, and two embedded repositories added as
  // gitlinks (one in a subdirectory).
  void make_tree(const std::string& init_options = "") {
    sh("git init -q " + init_options + " top && cd top && echo a > a && mkdir -p deep/er && "
       "echo b > deep/er/" + std::string(200, 'n') + " && "
       "for r in vendor deep/lib; do git init -q " + init_options + " $r && "
       "(cd $r && echo x > x && git add x && git commit -qm x); done && "
       "git add a deep vendor");
  }
  std::string read(const std::string& relative) {
    std::ifstream in(dir_ + "/" + relative, std::ios::binary);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
  }

  std::string dir_;
};

const std::vector<std::string> kLinks = {"deep/lib", "vendor"};

TEST_F(GitIndexTest, ReadsTheGitlinksOfAVersion2Index) {
  make_tree();
  sh("cd top && git update-index --index-version 2");
  auto links = gitlinks_in_index(read("top/.git/index"));
  ASSERT_TRUE(links.ok()) << links.error().describe();
  EXPECT_EQ(*links, kLinks);
}

TEST_F(GitIndexTest, ReadsAVersion3IndexWithExtendedFlags) {
  make_tree();
  // An intent-to-add entry carries the extended flags, which make the index version 3.
  sh("cd top && echo n > later && git add -N later && git update-index --index-version 3");
  auto links = gitlinks_in_index(read("top/.git/index"));
  ASSERT_TRUE(links.ok()) << links.error().describe();
  EXPECT_EQ(*links, kLinks);
}

TEST_F(GitIndexTest, ReadsAVersion4IndexWithCompressedPaths) {
  make_tree();
  sh("cd top && git update-index --index-version 4");
  auto links = gitlinks_in_index(read("top/.git/index"));
  ASSERT_TRUE(links.ok()) << links.error().describe();
  EXPECT_EQ(*links, kLinks);
}

TEST_F(GitIndexTest, ReadsASha256Index) {
  make_tree("--object-format=sha256");
  auto links = gitlinks_in_index(read("top/.git/index"));
  ASSERT_TRUE(links.ok()) << links.error().describe();
  EXPECT_EQ(*links, kLinks);
}

TEST_F(GitIndexTest, NamesTheSharedIndexOfASplitIndex) {
  make_tree();
  sh("cd top && git update-index --split-index");
  std::string shared;
  auto links = gitlinks_in_index(read("top/.git/index"), &shared);
  ASSERT_TRUE(links.ok()) << links.error().describe();
  ASSERT_EQ(shared.size(), 40u);
  auto more = gitlinks_in_index(read("top/.git/sharedindex." + shared));
  ASSERT_TRUE(more.ok()) << more.error().describe();
  links->insert(links->end(), more->begin(), more->end());
  std::sort(links->begin(), links->end());
  links->erase(std::unique(links->begin(), links->end()), links->end());
  EXPECT_EQ(*links, kLinks);
}

TEST_F(GitIndexTest, RefusesWhatIsNotAWholeIndex) {
  make_tree();
  const std::string index = read("top/.git/index");
  EXPECT_FALSE(gitlinks_in_index("").ok());
  EXPECT_FALSE(gitlinks_in_index("DIRC").ok());
  EXPECT_FALSE(gitlinks_in_index(index.substr(0, index.size() - 1)).ok());
  EXPECT_FALSE(gitlinks_in_index(index + "x").ok());
  std::string version = index;
  version[7] = 9;
  EXPECT_FALSE(gitlinks_in_index(version).ok());
  std::string count = index;
  count[11] = static_cast<char>(count[11] + 1);  // one entry more than there is
  EXPECT_FALSE(gitlinks_in_index(count).ok());
}

}  // namespace
}  // namespace cordon::box
