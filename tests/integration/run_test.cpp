// `cordon run`: exit statuses, the workspace, the environment, errors with hints.
#include <sys/stat.h>

#include "integration/fixture.h"

namespace cordon::testing {
namespace {

using RunTest = BoxTest;

TEST_F(RunTest, ExitStatusIsTheProgramsStatus) {
  EXPECT_EQ(sh("exit 7").status, 7);
  EXPECT_EQ(sh("exit 0").status, 0);
}

// -q: the program's own output and nothing of cordon's, on a session that went well.
TEST_F(RunTest, QuietPrintsNothingOfItsOwn) {
  auto r = sh("echo out; echo err >&2");
  EXPECT_EQ(r.status, 0);
  EXPECT_EQ(r.out, "out\n");
  EXPECT_EQ(r.err, "err\n");
}

TEST_F(RunTest, DeathBySignalIs128PlusSignal) {
  EXPECT_EQ(sh("kill -TERM $$").status, 128 + 15);
}

TEST_F(RunTest, WorkspaceIsWritableAtItsRealPath) {
  auto r = sh("pwd; echo written > note.txt");
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out, workspace() + "\n");
  EXPECT_EQ(read_text(workspace() + "/note.txt"), "written\n");
}

TEST_F(RunTest, SystemDirectoriesAreReadOnly) {
  auto r = sh("touch /usr/cordon-test 2>/dev/null && echo wrote; touch /etc/cordon-test "
              "2>/dev/null && echo wrote; test -r /etc/passwd && echo readable");
  EXPECT_EQ(r.out, "readable\n") << r.err;
  EXPECT_FALSE(exists("/usr/cordon-test"));
}

TEST_F(RunTest, ReadOnlyProfileRefusesWorkspaceWrites) {
  write_text(workspace() + "/existing", "x");
  auto r = sh("cat existing; echo y > existing || echo refused", {"--profile", "read-only"});
  EXPECT_EQ(r.out, "xrefused\n") << r.err;
}

TEST_F(RunTest, EnvironmentIsScrubbed) {
  RunOptions opts;
  opts.set_env = {{"SSH_AUTH_SOCK", "/tmp/agent.sock"}, {"AWS_SECRET_ACCESS_KEY", "s3cr3t"},
                  {"MY_API_TOKEN", "tok"}, {"RANDOM_HOST_VAR", "v"}, {"TERM", "xterm-test"},
                  {"LC_ALL", "C"}};
  auto r = sh("env", {}, opts);
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out.find("SSH_AUTH_SOCK"), std::string::npos);
  EXPECT_EQ(r.out.find("s3cr3t"), std::string::npos);
  EXPECT_EQ(r.out.find("MY_API_TOKEN"), std::string::npos);
  EXPECT_EQ(r.out.find("RANDOM_HOST_VAR"), std::string::npos);
  EXPECT_NE(r.out.find("TERM=xterm-test"), std::string::npos);
  EXPECT_NE(r.out.find("LC_ALL=C"), std::string::npos);
  EXPECT_NE(r.out.find("CORDON=1"), std::string::npos);
}

TEST_F(RunTest, PolicyCanPassANamedCredentialButNotByWildcard) {
  RunOptions opts;
  opts.set_env = {{"MY_API_TOKEN", "tok"}, {"MY_OTHER_TOKEN", "other"}, {"MY_PLAIN", "plain"}};
  std::string policy = policy_file("[environment]\npass = [\"MY_API_TOKEN\", \"MY_*\"]\n");
  auto r = sh("env", {"--config", policy}, opts);
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.out.find("MY_API_TOKEN=tok"), std::string::npos);
  EXPECT_NE(r.out.find("MY_PLAIN=plain"), std::string::npos);
  EXPECT_EQ(r.out.find("MY_OTHER_TOKEN"), std::string::npos);
}

TEST_F(RunTest, HomeIsAnEmptyTmpfs) {
  auto r = sh("ls -A \"$HOME\" | wc -l; echo x > \"$HOME/f\" && echo ok");
  EXPECT_EQ(r.out, "0\nok\n") << r.err;
}

TEST_F(RunTest, ProgramNotFoundIs127WithAHint) {
  auto r = box({"no-such-program-cordon"});
  EXPECT_EQ(r.status, 127);
  EXPECT_NE(r.err.find("not found"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("hint:"), std::string::npos) << r.err;
}

TEST_F(RunTest, MissingWorkspaceIsAnErrorWithAHint) {
  auto r = cordon({"run", "--workspace", dir() / "missing", "--", "/bin/true"});
  EXPECT_EQ(r.status, 125);
  EXPECT_NE(r.err.find("hint:"), std::string::npos) << r.err;
}

TEST_F(RunTest, HomeAsWorkspaceIsRefused) {
  RunOptions opts;
  opts.set_env = {{"HOME", workspace()}};
  auto r = cordon({"run", "--workspace", workspace(), "--", "/bin/true"}, opts);
  EXPECT_EQ(r.status, 125);
  EXPECT_NE(r.err.find("home directory"), std::string::npos) << r.err;
}

TEST_F(RunTest, BadPolicyNamesFileAndLine) {
  std::string policy = policy_file("[filesystem]\n\nworkspce = \"read-write\"\n");
  auto r = cordon({"run", "--workspace", workspace(), "--config", policy, "--", "/bin/true"});
  EXPECT_EQ(r.status, 125);
  EXPECT_NE(r.err.find(policy + ":3"), std::string::npos) << r.err;
}

TEST_F(RunTest, TimeoutKillsTheBox) {
  std::string policy = policy_file("[resources]\ntimeout = \"1s\"\n");
  auto start = std::chrono::steady_clock::now();
  auto r = sh("sleep 30", {"--config", policy});
  auto took = std::chrono::steady_clock::now() - start;
  EXPECT_EQ(r.status, 124);
  EXPECT_LT(took, std::chrono::seconds(10));
}

TEST_F(RunTest, NestedUserNamespacesAreRefused) {
  auto r = sh("unshare -U true 2>&1 && echo escaped || echo refused");
  EXPECT_NE(r.out.find("refused"), std::string::npos) << r.out << r.err;
}

TEST_F(RunTest, SummaryListsTheWalls) {
  auto r = cordon({"run", "--workspace", workspace(), "--", "/bin/true"});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.err.find("isolation"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("filesystem"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("resources"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace cordon::testing
