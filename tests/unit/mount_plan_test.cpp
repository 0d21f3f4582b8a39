// Planning the filesystem view: ordering, protected paths (pins, placeholders), hidden masks.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>

#include "box/mount_plan.h"
#include "policy/loader.h"

namespace cordon::box {
namespace {

class MountPlanTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/cordon-plan-XXXXXX";
    root_ = ::mkdtemp(tmpl);
    ws_ = root_ + "/ws";
    home_ = root_ + "/home";
    std::filesystem::create_directories(ws_);
    std::filesystem::create_directories(home_);
    policy_ = policy::builtin_profile(policy::Profile::kWorkspaceWrite);
  }
  void TearDown() override { std::filesystem::remove_all(root_); }

  Result<MountPlan> plan() {
    MountPlanInput in;
    in.filesystem = &policy_.filesystem;
    in.workspace = ws_;
    in.home = home_;
    in.landlock_abi = 0;
    return plan_mounts(in);
  }
  static const MountOp* find(const MountPlan& p, const std::string& target) {
    for (const auto& op : p.ops) if (op.target == target) return &op;
    return nullptr;
  }

  std::string root_, ws_, home_;
  policy::Policy policy_;
};

TEST_F(MountPlanTest, ParentsComeBeforeChildren) {
  auto p = plan();
  ASSERT_TRUE(p.ok()) << p.error().describe();
  for (size_t i = 0; i < p->ops.size(); ++i) {
    for (size_t j = i + 1; j < p->ops.size(); ++j) {
      const auto& later = p->ops[j].target;
      EXPECT_FALSE(later != p->ops[i].target && p->ops[i].target.rfind(later + "/", 0) == 0)
          << p->ops[j].target << " is mounted after its child " << p->ops[i].target;
    }
  }
}

TEST_F(MountPlanTest, SystemDirsReadOnlyWorkspaceWritable) {
  auto p = plan();
  ASSERT_TRUE(p.ok());
  const MountOp* usr = find(*p, "/usr");
  ASSERT_NE(usr, nullptr);
  EXPECT_TRUE(usr->read_only);
  const MountOp* ws = find(*p, ws_);
  ASSERT_NE(ws, nullptr);
  EXPECT_FALSE(ws->read_only);
  EXPECT_EQ(find(*p, "/sys"), nullptr);
}

TEST_F(MountPlanTest, ExistingProtectedPathsAreBoundReadOnlyAndParentsPinned) {
  std::filesystem::create_directories(ws_ + "/.git/hooks");
  std::ofstream(ws_ + "/.git/config") << "[core]\n";
  auto p = plan();
  ASSERT_TRUE(p.ok()) << p.error().describe();
  const MountOp* git = find(*p, ws_ + "/.git");
  ASSERT_NE(git, nullptr) << "the parent of .git/hooks is pinned";
  EXPECT_FALSE(git->read_only);
  ASSERT_NE(find(*p, ws_ + "/.git/hooks"), nullptr);
  EXPECT_TRUE(find(*p, ws_ + "/.git/hooks")->read_only);
  EXPECT_TRUE(find(*p, ws_ + "/.git/config")->read_only);
}

TEST_F(MountPlanTest, MissingProtectedPathsGetPlaceholdersRemovedAfterwards) {
  {
    auto p = plan();
    ASSERT_TRUE(p.ok()) << p.error().describe();
    struct stat st {};
    ASSERT_EQ(::lstat((ws_ + "/.envrc").c_str(), &st), 0);
    EXPECT_TRUE(S_ISREG(st.st_mode));
    ASSERT_EQ(::lstat((ws_ + "/.vscode").c_str(), &st), 0);
    EXPECT_TRUE(S_ISREG(st.st_mode)) << "a missing protected directory gets a file placeholder";
    // .git does not exist: it becomes one read-only placeholder directory.
    ASSERT_NE(find(*p, ws_ + "/.git"), nullptr);
    EXPECT_TRUE(find(*p, ws_ + "/.git")->read_only);
  }
  EXPECT_TRUE(std::filesystem::is_empty(ws_)) << "placeholders left behind";
}

TEST_F(MountPlanTest, PlaceholdersAreFilesExceptGitInsideAnEnclosingRepository) {
  {
    auto p = plan();
    ASSERT_TRUE(p.ok()) << p.error().describe();
    struct stat st {};
    ASSERT_EQ(::lstat((ws_ + "/.git").c_str(), &st), 0);
    EXPECT_TRUE(S_ISREG(st.st_mode)) << "a standalone workspace gets a .git file placeholder";
  }
  std::filesystem::create_directories(root_ + "/.git");  // the workspace is now in a repo
  {
    auto p = plan();
    ASSERT_TRUE(p.ok()) << p.error().describe();
    struct stat st {};
    ASSERT_EQ(::lstat((ws_ + "/.git").c_str(), &st), 0);
    EXPECT_TRUE(S_ISDIR(st.st_mode)) << "inside a repository: an empty .git directory";
  }
}

TEST_F(MountPlanTest, AMissingGitDirectoryIsOneReadOnlyPlaceholderNeverPinnedWritable) {
  auto p = plan();
  ASSERT_TRUE(p.ok()) << p.error().describe();
  for (const auto& op : p->ops) {
    if (op.target == ws_ + "/.git" || op.target.rfind(ws_ + "/.git/", 0) == 0) {
      EXPECT_TRUE(op.read_only) << op.describe();
    }
  }
  EXPECT_FALSE(std::filesystem::exists(ws_ + "/.git/config")) << "no placeholder inside one";
}

TEST_F(MountPlanTest, ShellRcFilesAreProtectedOnlyWhenPresent) {
  std::ofstream(ws_ + "/.bashrc") << "# dotfiles repo\n";
  auto p = plan();
  ASSERT_TRUE(p.ok()) << p.error().describe();
  ASSERT_NE(find(*p, ws_ + "/.bashrc"), nullptr);
  EXPECT_TRUE(find(*p, ws_ + "/.bashrc")->read_only);
  EXPECT_EQ(find(*p, ws_ + "/.zshrc"), nullptr);
  EXPECT_FALSE(std::filesystem::exists(ws_ + "/.zshrc")) << "no placeholder for a missing rc file";
}

TEST_F(MountPlanTest, PlaceholderWithContentIsKept) {
  {
    auto p = plan();
    ASSERT_TRUE(p.ok());
    std::ofstream(ws_ + "/.envrc") << "written by the user on the host meanwhile\n";
  }
  EXPECT_TRUE(std::filesystem::exists(ws_ + "/.envrc"));
}

TEST_F(MountPlanTest, SymlinkedProtectedPathIsRefused) {
  std::filesystem::create_symlink("/etc", ws_ + "/.vscode");
  auto p = plan();
  ASSERT_FALSE(p.ok());
  EXPECT_NE(p.error().message().find(".vscode"), std::string::npos);
  EXPECT_FALSE(p.error().hint().empty());
}

TEST_F(MountPlanTest, HiddenPathsBeneathAnExtraBindAreMasked) {
  std::filesystem::create_directories(home_ + "/stuff/keys");
  std::ofstream(home_ + "/stuff/token") << "t";
  policy_.filesystem.read_paths.value = {"~/stuff"};
  policy_.filesystem.hidden_paths.value.push_back("~/stuff/keys");
  policy_.filesystem.hidden_paths.value.push_back("~/stuff/token");
  auto p = plan();
  ASSERT_TRUE(p.ok()) << p.error().describe();
  const MountOp* keys = find(*p, home_ + "/stuff/keys");
  ASSERT_NE(keys, nullptr);
  EXPECT_EQ(keys->kind, MountKind::kMaskDir);
  const MountOp* token = find(*p, home_ + "/stuff/token");
  ASSERT_NE(token, nullptr);
  EXPECT_EQ(token->kind, MountKind::kMaskFile);
}

TEST_F(MountPlanTest, HiddenPathsBeneathTheSystemDirsAreMasked) {
  // /usr is bound read-only whole; a secret the user hides beneath it must not show through.
  policy_.filesystem.hidden_paths.value.push_back("/usr/bin");
  policy_.filesystem.hidden_paths.value.push_back("/usr/bin/env");
  auto p = plan();
  ASSERT_TRUE(p.ok()) << p.error().describe();
  const MountOp* dir = find(*p, "/usr/bin");
  ASSERT_NE(dir, nullptr);
  EXPECT_EQ(dir->kind, MountKind::kMaskDir);
  const MountOp* file = find(*p, "/usr/bin/env");
  ASSERT_NE(file, nullptr);
  EXPECT_EQ(file->kind, MountKind::kMaskFile);
}

TEST_F(MountPlanTest, HidingAWholeSystemDirIsRefusedWithAHint) {
  policy_.filesystem.hidden_paths.value.push_back("/usr");
  auto p = plan();
  ASSERT_FALSE(p.ok());
  EXPECT_NE(p.error().hint().find("system directory"), std::string::npos) << p.error().describe();
}

TEST_F(MountPlanTest, AWritablePathHoldingOrInsideCordonsOwnDirectoriesIsRefused) {
  MountPlanInput in;
  in.filesystem = &policy_.filesystem;
  in.workspace = ws_;
  in.home = home_;
  // A workspace holding cordon's config (a dotfiles repo at ~/.config), even before it exists.
  in.cordon_dirs = {ws_ + "/cordon"};
  auto p = plan_mounts(in);
  ASSERT_FALSE(p.ok());
  EXPECT_NE(p.error().message().find("cordon's own"), std::string::npos) << p.error().describe();
  // A write path within cordon's state.
  std::filesystem::create_directories(root_ + "/state/homes");
  policy_.filesystem.write_paths.value = {root_ + "/state/homes"};
  in.cordon_dirs = {root_ + "/state"};
  EXPECT_FALSE(plan_mounts(in).ok());
  // Elsewhere: fine.
  policy_.filesystem.write_paths.value.clear();
  in.cordon_dirs = {root_ + "/state", home_ + "/.config/cordon"};
  EXPECT_TRUE(plan_mounts(in).ok());
}

TEST_F(MountPlanTest, AWritePathIsCheckedAsItResolvesWhenTheBoxIsBuilt) {
  // The policy refused this at load; a link swapped since then meets the same rule here.
  std::filesystem::create_directory_symlink("/etc", root_ + "/swapped");
  policy_.filesystem.write_paths.value = {root_ + "/swapped"};
  auto p = plan();
  ASSERT_FALSE(p.ok());
  EXPECT_NE(p.error().message().find("resolving to /etc"), std::string::npos)
      << p.error().describe();
  // Read-only, the same link is only a view of /etc.
  policy_.filesystem.write_paths.value.clear();
  policy_.filesystem.read_paths.value = {root_ + "/swapped"};
  EXPECT_TRUE(plan().ok());
}

TEST_F(MountPlanTest, ShowingAHiddenPathItselfIsRefused) {
  std::filesystem::create_directories(home_ + "/.ssh");
  policy_.filesystem.read_paths.value = {"~/.ssh"};
  auto p = plan();
  EXPECT_FALSE(p.ok());
}

TEST_F(MountPlanTest, BindSourcesRecordTheirIdentity) {
  auto p = plan();
  ASSERT_TRUE(p.ok());
  struct stat st {};
  ASSERT_EQ(::stat(ws_.c_str(), &st), 0);
  const MountOp* ws = find(*p, ws_);
  EXPECT_EQ(ws->source_dev, st.st_dev);
  EXPECT_EQ(ws->source_ino, st.st_ino);
}

TEST_F(MountPlanTest, AMissingKeptHomeIsAnErrorNotAnEmptyHome) {
  policy_.filesystem.home.value = policy::HomeMode::kPersist;
  MountPlanInput in;
  in.filesystem = &policy_.filesystem;
  in.workspace = ws_;
  in.home = home_;
  in.persist_home_dir = root_ + "/state/homes/missing";
  auto p = plan_mounts(in);
  ASSERT_FALSE(p.ok());
  EXPECT_NE(p.error().message().find("kept home"), std::string::npos);
}

TEST(CheckWorkspace, RefusesHomeRootAndSystemDirs) {
  EXPECT_FALSE(check_workspace("/", "/home/u").ok());
  EXPECT_FALSE(check_workspace("/tmp", "/tmp/home").ok());  // a parent of the home
  EXPECT_FALSE(check_workspace("/usr", "/home/u").ok());
  EXPECT_FALSE(check_workspace("/proc/self", "/home/u").ok());
  EXPECT_FALSE(check_workspace("/nonexistent-cordon", "/home/u").ok());
  EXPECT_TRUE(check_workspace("/tmp", "/home/u").ok());
}

}  // namespace
}  // namespace cordon::box
