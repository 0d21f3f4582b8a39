// ProgramTwins: which files count as system programs, and copies recognised by content.
#include "box/program_twins.h"
#include "gate/loader_command.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

#include "base/unique_fd.h"

namespace cordon::box {
namespace {

TEST(ProgramTwins, AWritablePathBeneathASystemDirectoryIsNotSystem) {
  ProgramTwins twins({"/usr/bin"}, {"/opt/project"});
  EXPECT_TRUE(twins.in_read_only_system("/usr/bin/rm"));
  EXPECT_TRUE(twins.in_read_only_system("/opt/tool/bin/x"));
  EXPECT_FALSE(twins.in_read_only_system("/opt/project/rm"));
  EXPECT_FALSE(twins.in_read_only_system("/opt/project"));
  EXPECT_FALSE(twins.in_read_only_system("/tmp/rm"));
}

TEST(ProgramTwins, ACopyOfTheDynamicLoaderIsKnownAsTheLoader) {
  const char* loader = "/lib64/ld-linux-x86-64.so.2";
  if (::access(loader, R_OK) != 0) GTEST_SKIP() << "no x86-64 dynamic loader here";
  char dir_template[] = "/tmp/cordon-twins-XXXXXX";
  const std::string dir = ::mkdtemp(dir_template);
  std::filesystem::copy_file(loader, dir + "/innocent");
  UniqueFd fd(::open((dir + "/innocent").c_str(), O_RDONLY | O_CLOEXEC));
  ProgramTwins twins;
  auto twin = twins.twin_of_file(fd.get(), dir + "/innocent");
  std::filesystem::remove_all(dir);
  ASSERT_TRUE(twin);
  EXPECT_TRUE(gate::is_dynamic_loader(*twin)) << *twin;
}

}  // namespace
}  // namespace cordon::box
