// scan_repository() on what the box can leave in a repository's .git.
#include "box/embedded_repos.h"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

namespace cordon::box {
namespace {

TEST(EmbeddedRepos, AnIndexThatIsASymbolicLinkIsUnreadableNotFollowed) {
  // Followed, a link to /proc/self/pagemap (a "regular file" of size 0) would be read for
  // hundreds of GiB at the session's end, as root.
  char tmpl[] = "/tmp/cordon-embedded-XXXXXX";
  const std::string workspace = ::mkdtemp(tmpl);
  std::filesystem::create_directories(workspace + "/.git");
  ASSERT_EQ(::symlink("/proc/self/pagemap", (workspace + "/.git/index").c_str()), 0);
  const RepositoryScan scan = scan_repository(workspace, "");
  EXPECT_FALSE(scan.unreadable.empty());
  EXPECT_TRUE(scan.embedded.empty());
  std::filesystem::remove_all(workspace);
}

TEST(EmbeddedRepos, TheHooksPathIsReadFromTheConfigAndAFifoDoesNotHoldTheScan) {
  char tmpl[] = "/tmp/cordon-embedded-XXXXXX";
  const std::string workspace = ::mkdtemp(tmpl);
  std::filesystem::create_directories(workspace + "/.git");
  std::filesystem::create_directories(workspace + "/fifo/.git");
  { std::ofstream(workspace + "/.git/config") << "[core]\n\thooksPath = .githooks\n"; }
  // A FIFO would block an open for reading until a writer came: the scan goes on without it.
  ASSERT_EQ(::mkfifo((workspace + "/fifo/.git/config").c_str(), 0600), 0);
  EXPECT_EQ(scan_repository(workspace, "").hooks_path, ".githooks");
  EXPECT_EQ(scan_repository(workspace, "fifo").hooks_path, std::nullopt);
  std::filesystem::remove_all(workspace);
}

}  // namespace
}  // namespace cordon::box
