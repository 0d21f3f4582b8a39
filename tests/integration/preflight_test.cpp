// When user namespaces are unavailable, cordon refuses with the setting and the fix; it never
// runs the program unsandboxed.
#include <gtest/gtest.h>
#include <unistd.h>

#include "integration/fixture.h"

namespace cordon::testing {
namespace {

using PreflightTest = BoxTest;

TEST_F(PreflightTest, NoUserNamespacesMeansNoBoxAndAnExplanation) {
  // Inside a user namespace whose own limit of child namespaces is 0 (the same effect as the
  // host-wide sysctl `user.max_user_namespaces=0`).
  const std::string marker = dir() / "ran-unsandboxed";
  const std::string script = "echo 0 > /proc/sys/user/max_user_namespaces || exit 99; exec " +
                             std::string(CORDON_BINARY) + " run -q --workspace " + workspace() +
                             " -- /bin/sh -c 'touch " + marker + "'";
  auto r = run_program({"/usr/bin/unshare", "--user", "--map-root-user", "--mount", "/bin/sh",
                        "-c", script});
  if (r.status == 99) GTEST_SKIP() << "cannot lower user.max_user_namespaces here: " << r.err;
  EXPECT_EQ(r.status, 125) << r.out << r.err;
  EXPECT_NE(r.err.find("user namespaces"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("user.max_user_namespaces"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("sysctl"), std::string::npos) << r.err;
  EXPECT_FALSE(exists(marker)) << "the program ran without a box";
}

}  // namespace
}  // namespace cordon::testing
