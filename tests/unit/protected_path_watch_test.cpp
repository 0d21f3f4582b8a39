// The protected files the host replaces during a session are named at its end.
#include "cli/protected_path_watch.h"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

namespace cordon::cli {
namespace {

struct Workspace {
  Workspace() {
    char tmpl[] = "/tmp/cordon-protected-watch-XXXXXX";
    path = ::mkdtemp(tmpl);
    std::filesystem::create_directories(path + "/.git/hooks");
    write(".git/config", "[core]\n");
    write(".envrc", "use nix\n");
  }
  ~Workspace() { std::filesystem::remove_all(path); }
  void write(const std::string& rel, const std::string& text) const {
    std::ofstream(path + "/" + rel) << text;
  }
  std::string path;
};

TEST(ProtectedPathWatch, AFileTheHostRenamedANewOneOverIsNamed) {
  const Workspace ws;
  const ProtectedPathWatch watch(ws.path, {".git/config", ".git/hooks/", ".envrc", ".mcp.json"});
  EXPECT_TRUE(watch.replaced_notices().empty());
  // Written in place: the bind covers it still. Replaced as git config does: named.
  ws.write(".envrc", "use flake\n");
  ws.write(".git/config.lock", "[core]\n\tbare = false\n");
  ASSERT_EQ(
      std::rename((ws.path + "/.git/config.lock").c_str(), (ws.path + "/.git/config").c_str()), 0);
  const auto notices = watch.replaced_notices();
  ASSERT_EQ(notices.size(), 1u);
  EXPECT_NE(notices[0].find(ws.path + "/.git/config was replaced"), std::string::npos)
      << notices[0];
}

TEST(ProtectedPathWatch, AFileThatWentIsNamedAndDirectoriesAndMissingPathsAreNot) {
  const Workspace ws;
  const ProtectedPathWatch watch(ws.path, {".git/config", ".git/hooks/", ".git/hooks", ".envrc"});
  std::filesystem::remove_all(ws.path + "/.git/hooks");
  std::filesystem::create_directories(ws.path + "/.git/hooks");
  ASSERT_EQ(::unlink((ws.path + "/.envrc").c_str()), 0);
  const auto notices = watch.replaced_notices();
  ASSERT_EQ(notices.size(), 1u);
  EXPECT_NE(notices[0].find("/.envrc was replaced"), std::string::npos) << notices[0];
}

TEST(ProtectedPathWatch, WriteBitsForOthersTheSessionAddedToTheirDirectoriesAreTakenBack) {
  // chmod 777 .git let any local user replace .git/hooks for the owner's next commit.
  const Workspace ws;
  ::chmod(ws.path.c_str(), 0755);
  ::chmod((ws.path + "/.git").c_str(), 0750);
  std::filesystem::create_directories(ws.path + "/sub");
  const ProtectedPathWatch watch(ws.path, {".git/config", ".git/hooks/", ".envrc"});
  ::chmod((ws.path + "/.git").c_str(), 0777);
  ::chmod(ws.path.c_str(), 0775);
  ::chmod((ws.path + "/sub").c_str(), 0777);  // not on the way to a protected path
  const auto notices = watch.restore_directory_modes();
  ASSERT_EQ(notices.size(), 2u);
  EXPECT_NE(notices[0].find(ws.path + " writable by other users; its mode is back to 0755"),
            std::string::npos)
      << notices[0];
  EXPECT_NE(notices[1].find("/.git writable by other users; its mode is back to 0755"),
            std::string::npos)
      << notices[1];
  struct stat st {};
  ASSERT_EQ(::stat((ws.path + "/.git").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0755u);  // the group's read and execute, added too, stay
  EXPECT_TRUE(watch.restore_directory_modes().empty());
}

}  // namespace
}  // namespace cordon::cli
