// scan_repository() on what the box can leave in a repository's .git.
#include "box/embedded_repos.h"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include <filesystem>

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

}  // namespace
}  // namespace cordon::box
