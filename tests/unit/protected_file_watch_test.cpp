// The protected files the host replaces during a session are named at its end.
#include "cli/protected_file_watch.h"

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

TEST(ProtectedFileWatch, AFileTheHostRenamedANewOneOverIsNamed) {
  const Workspace ws;
  const ProtectedFileWatch watch(ws.path, {".git/config", ".git/hooks/", ".envrc", ".mcp.json"});
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

TEST(ProtectedFileWatch, AFileThatWentIsNamedAndDirectoriesAndMissingPathsAreNot) {
  const Workspace ws;
  const ProtectedFileWatch watch(ws.path, {".git/config", ".git/hooks/", ".git/hooks", ".envrc"});
  std::filesystem::remove_all(ws.path + "/.git/hooks");
  std::filesystem::create_directories(ws.path + "/.git/hooks");
  ASSERT_EQ(::unlink((ws.path + "/.envrc").c_str()), 0);
  const auto notices = watch.replaced_notices();
  ASSERT_EQ(notices.size(), 1u);
  EXPECT_NE(notices[0].find("/.envrc was replaced"), std::string::npos) << notices[0];
}

}  // namespace
}  // namespace cordon::cli
