// Placeholders of protected paths are removed only by the last session on a workspace, and a
// dead session's placeholders by the next session that is alone.
#include <gtest/gtest.h>
#include <sys/stat.h>

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

TEST(WorkspaceKey, IsStableAndDistinguishesPaths) {
  EXPECT_EQ(workspace_key("/a/b"), workspace_key("/a/b"));
  EXPECT_NE(workspace_key("/a/b"), workspace_key("/a/c"));
  EXPECT_EQ(workspace_key("/a/b").size(), 16u);
}

}  // namespace
}  // namespace cordon::box
