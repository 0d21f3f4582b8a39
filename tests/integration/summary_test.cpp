// The summary `cordon run` prints when a session ends, and what the supervisor keeps for it.
#include <gtest/gtest.h>

#include "integration/fixture.h"

namespace cordon::testing {
namespace {

class SummaryTest : public BoxTest {
 protected:
  // `cordon run` without -q, so the summary is printed.
  RunOutput run_loud(const std::string& script) {
    return cordon(
        {"run", "--workspace", workspace(), "--network", "none", "--", "/bin/sh", "-c", script});
  }
};

TEST_F(SummaryTest, NamesTheOutcomeAndEveryWall) {
  const RunOutput r = run_loud("exit 3");
  EXPECT_EQ(r.status, 3) << r.err;
  EXPECT_NE(r.err.find(") ended: exit 3 after "), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("(workspace-write) ended"), std::string::npos) << r.err;
  for (const char* wall :
       {"isolation", "filesystem", "landlock", "egress", "resources", "approval gate", "audit"}) {
    EXPECT_NE(r.err.find("]  " + std::string(wall) + ": "), std::string::npos) << wall << "\n"
                                                                               << r.err;
  }
}

// The limits as the box gets them: an open-file limit above the hard limit cordon runs under is
// lowered to it (the box cannot raise it), and the summary says so rather than the policy's value.
TEST_F(SummaryTest, ReportsTheLimitsTheBoxGets) {
  const std::string policy = policy_file("[resources]\nopen_files = 100000\ncpus = 2.5\n");
  const RunOutput r = run_program({"/usr/bin/prlimit", "--nofile=4096:4096", CORDON_BINARY, "run",
                                   "--workspace", workspace(), "--network", "none", "--config",
                                   policy, "--", "/bin/sh", "-c", "ulimit -n"});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out, "4096\n");
  EXPECT_NE(r.err.find("open files 4096 (the host's hard limit; the policy asks 100000)"),
            std::string::npos)
      << r.err;
  EXPECT_NE(r.err.find("cpus 2.5,"), std::string::npos) << r.err;
}

// A long session's program starts go to the audit trail, not into the supervisor's memory: 200
// starts with a 100 KB argument each (20 MB of argv) leave cordon and the processes it reaped
// (the box, the audit writer) far below that.
TEST_F(SummaryTest, ASessionsProgramStartsAreNotKeptInMemory) {
  const RunOutput r = run_loud(
      "big=$(head -c 100000 /dev/zero | tr '\\0' x); i=0; "
      "while [ $i -lt 200 ]; do /bin/true \"$big\" || exit 9; i=$((i + 1)); done");
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.err.find("ended: exit 0"), std::string::npos) << r.err;
  EXPECT_LT(r.peak_rss_kib, 12 * 1024) << "peak resident set " << r.peak_rss_kib << " KiB";
}

}  // namespace
}  // namespace cordon::testing
