// Placeholders of protected paths are removed only by the last session on a workspace, and a
// dead session's placeholders by the next session that is alone. File placeholders are links to
// templates kept in the state directory, which never carry what was written into one.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cerrno>
#include <filesystem>
#include <fstream>

#include "box/workspace_lease.h"

namespace cordon::box {
namespace {

class WorkspaceLeaseTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/cordon-lease-XXXXXX";
    root_ = ::mkdtemp(tmpl);
    ws_ = root_ + "/ws";
    std::filesystem::create_directories(ws_);
  }
  void TearDown() override { std::filesystem::remove_all(root_); }
  void place(WorkspaceLease& lease, const std::string& name) {
    ASSERT_TRUE(lease.record(ws_ + "/" + name, false).ok());
    std::ofstream(ws_ + "/" + name).flush();
  }
  bool exists(const std::string& name) { return std::filesystem::exists(ws_ + "/" + name); }
  // Records and creates `name` as cordon does (a link to its template where it can).
  void create(WorkspaceLease& lease, const std::string& name) {
    ASSERT_TRUE(lease.record(ws_ + "/" + name, false).ok());
    ASSERT_EQ(lease.create_file_placeholder(ws_ + "/" + name), 0);
  }
  struct stat stat_of(const std::string& path) {
    struct stat st {};
    EXPECT_EQ(::lstat(path.c_str(), &st), 0) << path;
    return st;
  }
  std::string template_of(const std::string& name) {
    return state() + "/workspaces/" + workspace_key(ws_) + ".empty/" + name;
  }
  std::string state() { return root_ + "/state"; }

  std::string root_, ws_;
};

TEST_F(WorkspaceLeaseTest, LastSessionOutRemovesPlaceholders) {
  auto a = WorkspaceLease::acquire(state(), ws_);
  ASSERT_TRUE(a.ok()) << a.error().describe();
  place(*a, ".envrc");
  auto b = WorkspaceLease::acquire(state(), ws_);
  ASSERT_TRUE(b.ok());
  a->release();
  EXPECT_TRUE(exists(".envrc")) << "removed while another session still had it mounted";
  b->release();
  EXPECT_FALSE(exists(".envrc"));
}

TEST_F(WorkspaceLeaseTest, ADeadSessionsPlaceholdersGoWithTheNextLoneSession) {
  // What a SIGKILLed session leaves: its placeholder and the registry line, but no lock holder.
  std::filesystem::create_directories(state() + "/workspaces");
  std::ofstream(state() + "/workspaces/" + workspace_key(ws_) + ".placeholders")
      << "f " << ws_ << "/.mcp.json\n";
  std::ofstream(ws_ + "/.mcp.json").flush();
  auto next = WorkspaceLease::acquire(state(), ws_);
  ASSERT_TRUE(next.ok()) << next.error().describe();
  EXPECT_FALSE(exists(".mcp.json"));
}

TEST_F(WorkspaceLeaseTest, APlaceholderSomeoneWroteIntoIsKept) {
  auto a = WorkspaceLease::acquire(state(), ws_);
  ASSERT_TRUE(a.ok());
  place(*a, ".envrc");
  std::ofstream(ws_ + "/.envrc") << "export A=1\n";
  a->release();
  EXPECT_TRUE(exists(".envrc"));
}

TEST_F(WorkspaceLeaseTest, APlaceholderIsALinkToATemplateKeptBetweenSessions) {
  auto a = WorkspaceLease::acquire(state(), ws_);
  ASSERT_TRUE(a.ok());
  create(*a, ".envrc");
  const struct stat placeholder = stat_of(ws_ + "/.envrc");
  EXPECT_TRUE(S_ISREG(placeholder.st_mode));
  EXPECT_EQ(placeholder.st_size, 0);
  EXPECT_EQ(placeholder.st_nlink, 2u);
  EXPECT_EQ(placeholder.st_ino, stat_of(template_of(".envrc")).st_ino);
  a->release();
  EXPECT_FALSE(exists(".envrc"));
  EXPECT_EQ(stat_of(template_of(".envrc")).st_nlink, 1u);

  auto b = WorkspaceLease::acquire(state(), ws_);
  ASSERT_TRUE(b.ok());
  create(*b, ".envrc");
  EXPECT_EQ(stat_of(ws_ + "/.envrc").st_ino, placeholder.st_ino) << "the template is reused";
  // Nested paths get templates of their own, named after the whole relative path.
  std::filesystem::create_directories(ws_ + "/.git");
  create(*b, ".git/config");
  EXPECT_EQ(stat_of(ws_ + "/.git/config").st_ino, stat_of(template_of(".git%2Fconfig")).st_ino);
  EXPECT_NE(stat_of(ws_ + "/.git/config").st_ino, placeholder.st_ino);
}

TEST_F(WorkspaceLeaseTest, WhatTheUserWroteIntoAPlaceholderNeverReachesTheNextOne) {
  auto a = WorkspaceLease::acquire(state(), ws_);
  ASSERT_TRUE(a.ok());
  create(*a, ".envrc");
  create(*a, ".mcp.json");
  std::ofstream(ws_ + "/.envrc") << "export A=1\n";  // the user's editor, during the session
  ASSERT_EQ(::rename((ws_ + "/.mcp.json").c_str(), (ws_ + "/moved.json").c_str()), 0);
  a->release();
  ASSERT_TRUE(exists(".envrc"));  // the user's now
  std::filesystem::remove(ws_ + "/.envrc");

  auto b = WorkspaceLease::acquire(state(), ws_);
  ASSERT_TRUE(b.ok());
  create(*b, ".envrc");
  create(*b, ".mcp.json");
  EXPECT_EQ(stat_of(ws_ + "/.envrc").st_size, 0) << "a template that was written into is replaced";
  EXPECT_EQ(stat_of(ws_ + "/.envrc").st_nlink, 2u);
  EXPECT_NE(stat_of(ws_ + "/.mcp.json").st_ino, stat_of(ws_ + "/moved.json").st_ino)
      << "a template linked from elsewhere is replaced";
  EXPECT_EQ(stat_of(ws_ + "/moved.json").st_nlink, 1u);
}

TEST_F(WorkspaceLeaseTest, AnExistingPathIsLeftAlone) {
  auto a = WorkspaceLease::acquire(state(), ws_);
  ASSERT_TRUE(a.ok());
  std::ofstream(ws_ + "/.envrc") << "mine\n";
  EXPECT_EQ(a->create_file_placeholder(ws_ + "/.envrc"), EEXIST);
  EXPECT_EQ(stat_of(ws_ + "/.envrc").st_size, 5);
}

TEST_F(WorkspaceLeaseTest, AStateDirectoryOnAnotherFilesystemGetsNewFiles) {
  // /dev/shm is a tmpfs on the machines this runs on; the workspace is under /tmp.
  char tmpl[] = "/dev/shm/cordon-lease-XXXXXX";
  if (::mkdtemp(tmpl) == nullptr) GTEST_SKIP() << "no writable /dev/shm for a second filesystem";
  const std::string elsewhere = tmpl;
  if (stat_of(elsewhere).st_dev == stat_of(ws_).st_dev) {
    std::filesystem::remove_all(elsewhere);
    GTEST_SKIP() << "/dev/shm and /tmp are one filesystem here";
  }
  {
    auto a = WorkspaceLease::acquire(elsewhere, ws_);
    ASSERT_TRUE(a.ok());
    ASSERT_TRUE(a->record(ws_ + "/.envrc", false).ok());
    EXPECT_EQ(a->create_file_placeholder(ws_ + "/.envrc"), 0);
    EXPECT_EQ(stat_of(ws_ + "/.envrc").st_nlink, 1u);
    EXPECT_EQ(stat_of(ws_ + "/.envrc").st_size, 0);
    a->release();
    EXPECT_FALSE(exists(".envrc"));
  }
  std::filesystem::remove_all(elsewhere);
}

TEST(WorkspaceKey, IsStableAndDistinguishesPaths) {
  EXPECT_EQ(workspace_key("/a/b"), workspace_key("/a/b"));
  EXPECT_NE(workspace_key("/a/b"), workspace_key("/a/c"));
  EXPECT_EQ(workspace_key("/a/b").size(), 16u);
}

}  // namespace
}  // namespace cordon::box
