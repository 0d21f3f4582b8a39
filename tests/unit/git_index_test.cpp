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
  // The gitlinks of top's index, its shared index read from top/.git as git reads it.
  Result<std::vector<std::string>> top_gitlinks() {
    return gitlinks_in_index(read("top/.git/index"), [this](const std::string& name) {
      return shared_or_error(read("top/.git/sharedindex." + name));
    });
  }
  // The gitlinks of top's one shared index read alone (it is a whole index of its own).
  std::vector<std::string> shared_gitlinks() {
    std::vector<std::string> shared;
    for (const auto& e : fs::directory_iterator(dir_ + "/top/.git")) {
      if (e.path().filename().string().rfind("sharedindex.", 0) == 0) {
        shared.push_back(e.path().filename().string());
      }
    }
    if (shared.size() != 1) return {"not one shared index"};
    auto alone = gitlinks_in_index(read("top/.git/" + shared[0]), nullptr);
    return alone.ok() ? *alone : std::vector<std::string>{alone.error().describe()};
  }
  static Result<std::string> shared_or_error(std::string bytes) {
    if (bytes.empty()) return Error(Errc::kNotFound, "no such shared index");
    return bytes;
  }

  std::string dir_;
};

const std::vector<std::string> kLinks = {"deep/lib", "vendor"};

TEST_F(GitIndexTest, ReadsTheGitlinksOfAVersion2Index) {
  make_tree();
  sh("cd top && git update-index --index-version 2");
  auto links = top_gitlinks();
  ASSERT_TRUE(links.ok()) << links.error().describe();
  EXPECT_EQ(*links, kLinks);
}

TEST_F(GitIndexTest, ReadsAVersion3IndexWithExtendedFlags) {
  make_tree();
  // An intent-to-add entry carries the extended flags, which make the index version 3.
  sh("cd top && echo n > later && git add -N later && git update-index --index-version 3");
  auto links = top_gitlinks();
  ASSERT_TRUE(links.ok()) << links.error().describe();
  EXPECT_EQ(*links, kLinks);
}

TEST_F(GitIndexTest, ReadsAVersion4IndexWithCompressedPaths) {
  make_tree();
  sh("cd top && git update-index --index-version 4");
  auto links = top_gitlinks();
  ASSERT_TRUE(links.ok()) << links.error().describe();
  EXPECT_EQ(*links, kLinks);
}

TEST_F(GitIndexTest, ReadsASha256Index) {
  make_tree("--object-format=sha256");
  auto links = top_gitlinks();
  ASSERT_TRUE(links.ok()) << links.error().describe();
  EXPECT_EQ(*links, kLinks);
}

// A split index: most entries in .git/sharedindex.<name>, changes in .git/index.
TEST_F(GitIndexTest, ReadsTheSharedPartOfASplitIndex) {
  make_tree();
  sh("cd top && git update-index --split-index");
  auto links = top_gitlinks();
  ASSERT_TRUE(links.ok()) << links.error().describe();
  EXPECT_EQ(*links, kLinks);
}

// The route of the internal review's finding 3: a file the shared index holds becomes a gitlink.
// git stores the new entry in .git/index with no name ("take the name of the entry the replace
// bitmap points to"), so a reader that takes names from .git/index alone sees a gitlink called "".
TEST_F(GitIndexTest, AReplacedEntryTakesItsNameFromTheSharedIndex) {
  make_tree();
  sh("cd top && echo f > later && git add later && git update-index --split-index && rm later && "
     "git init -q later && cd later && echo y > y && git add y && git commit -qm y && cd .. && "
     "git add later");
  // The shared index (a whole index of its own) still says `later` is a file, and .git/index
  // does not name it: the gitlink exists only as a replacement.
  ASSERT_EQ(read("top/.git/index").find("later"), std::string::npos);
  ASSERT_EQ(shared_gitlinks(), kLinks);
  auto links = top_gitlinks();
  ASSERT_TRUE(links.ok()) << links.error().describe();
  EXPECT_EQ(*links, (std::vector<std::string>{"deep/lib", "later", "vendor"}));
}

// A gitlink the shared index holds and the delete bitmap removes is not in the index git reads;
// one added after the split lives, named, in .git/index.
TEST_F(GitIndexTest, AppliesTheDeleteBitmapAndAddsTheSplitIndexsOwnEntries) {
  make_tree();
  // Past 20% of entries changed, git writes a new shared index instead
  // (splitIndex.maxPercentChange).
  sh("cd top && git config splitIndex.maxPercentChange 100 && git update-index --split-index && "
     "git update-index --force-remove vendor && git init -q more && cd more && echo y > y && "
     "git add y && git commit -qm y && cd .. && git add more");
  ASSERT_EQ(shared_gitlinks(), kLinks) << "the shared index was rewritten; nothing is tested";
  auto links = top_gitlinks();
  ASSERT_TRUE(links.ok()) << links.error().describe();
  EXPECT_EQ(*links, (std::vector<std::string>{"deep/lib", "more"}));
}

TEST_F(GitIndexTest, AVersion4SplitIndexResolvesToo) {
  make_tree();
  sh("cd top && git update-index --index-version 4 && echo f > later && git add later && "
     "git update-index --split-index && rm later && git init -q later && cd later && "
     "echo y > y && git add y && git commit -qm y && cd .. && git add later");
  auto links = top_gitlinks();
  ASSERT_TRUE(links.ok()) << links.error().describe();
  EXPECT_EQ(*links, (std::vector<std::string>{"deep/lib", "later", "vendor"}));
}

// Fail closed: when the shared part cannot be had or does not fit the split index, no gitlink
// of it can be named, and the whole index is refused rather than read without them.
TEST_F(GitIndexTest, RefusesASplitIndexWhoseSharedPartIsMissingOrDoesNotFit) {
  make_tree();
  sh("cd top && echo f > later && git add later && git update-index --split-index && rm later && "
     "git init -q later && cd later && echo y > y && git add y && git commit -qm y && cd .. && "
     "git add later");
  const std::string index = read("top/.git/index");
  auto missing = gitlinks_in_index(index, [](const std::string&) { return shared_or_error(""); });
  EXPECT_FALSE(missing.ok());
  // Another repository's index, one entry long: the replace bitmap points beyond it.
  sh("git init -q other && cd other && echo a > a && git add a");
  const std::string other = read("other/.git/index");
  auto mismatched =
      gitlinks_in_index(index, [&](const std::string&) { return shared_or_error(other); });
  ASSERT_FALSE(mismatched.ok());
  EXPECT_NE(mismatched.error().describe().find("beyond"), std::string::npos)
      << mismatched.error().describe();
}

TEST_F(GitIndexTest, RefusesWhatIsNotAWholeIndex) {
  make_tree();
  const std::string index = read("top/.git/index");
  const SharedIndexLoader none = [](const std::string&) { return shared_or_error(""); };
  EXPECT_FALSE(gitlinks_in_index("", none).ok());
  EXPECT_FALSE(gitlinks_in_index("DIRC", none).ok());
  EXPECT_FALSE(gitlinks_in_index(index.substr(0, index.size() - 1), none).ok());
  EXPECT_FALSE(gitlinks_in_index(index + "x", none).ok());
  std::string version = index;
  version[7] = 9;
  EXPECT_FALSE(gitlinks_in_index(version, none).ok());
  std::string count = index;
  count[11] = static_cast<char>(count[11] + 1);  // one entry more than there is
  EXPECT_FALSE(gitlinks_in_index(count, none).ok());
}

}  // namespace
}  // namespace cordon::box
