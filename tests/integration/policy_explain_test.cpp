// `cordon policy explain`: the real binary explains a decision (text and JSON) without running
// the command, and `cordon policy check` refuses a rule whose example it gets wrong.
#include <gtest/gtest.h>
#include <limits.h>
#include <stdlib.h>
#include <sys/stat.h>

#include <nlohmann/json.hpp>

#include "integration/harness.h"

namespace cordon::testing {
namespace {

constexpr const char* kPolicy = R"(# rules for the explain test
[[gate.rule]]
name = "no-force-push"
program = "git"
args = ["push", "**", "--force"]
action = "deny"
reason = "force pushes rewrite shared history"
match = ["git push --force", "git push origin main --force"]
not_match = ["git push origin main"]

[[gate.rule]]
name = "ask-push"
program = "git"
args = ["push"]
action = "ask"
reason = "pushes leave the machine"
match = ["git push"]
)";

class PolicyExplainTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ::mkdir((dir_ / "config").c_str(), 0700);
    ::mkdir((dir_ / "home").c_str(), 0700);
    ::mkdir(workspace().c_str(), 0700);
    write_text(workspace() + "/cordon.toml", kPolicy);
  }
  std::string workspace() const { return dir_ / "ws"; }
  RunOutput explain(std::vector<std::string> command, bool json = false) {
    std::vector<std::string> args = {"policy", "explain", "--workspace", workspace()};
    if (json) args.push_back("--json");
    args.push_back("--");
    args.insert(args.end(), command.begin(), command.end());
    return run_cordon(args, options());
  }
  RunOptions options() const {
    RunOptions o;
    o.set_env = {{"XDG_CONFIG_HOME", dir_ / "config"}, {"HOME", dir_ / "home"}};
    return o;
  }
  TempDir dir_;
};

bool has_git() { return exists("/usr/bin/git") || exists("/bin/git"); }

TEST_F(PolicyExplainTest, DenyRuleInText) {
  if (!has_git()) GTEST_SKIP() << "no git on this machine for explain to resolve";
  auto r = explain({"git", "push", "origin", "--force"});
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.out.find("decision:   deny"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("decided by: no-force-push (" + workspace() + "/cordon.toml:2)"),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("reason:     force pushes rewrite shared history"), std::string::npos);
  EXPECT_NE(r.out.find("  ask-push  ask  " + workspace() + "/cordon.toml:11"), std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("program:    /usr/bin/git"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("risk:       score "), std::string::npos) << r.out;
}

TEST_F(PolicyExplainTest, AskRuleInJson) {
  if (!has_git()) GTEST_SKIP() << "no git on this machine for explain to resolve";
  auto r = explain({"git", "push", "origin"}, true);
  ASSERT_EQ(r.status, 0) << r.err;
  auto j = nlohmann::json::parse(r.out, nullptr, false);
  ASSERT_FALSE(j.is_discarded()) << r.out;
  EXPECT_EQ(j["decision"], "ask");
  EXPECT_EQ(j["rule"], "ask-push");
  EXPECT_EQ(j["rule_origin"], workspace() + "/cordon.toml:11");
  EXPECT_EQ(j["reviewers"], 1);
  EXPECT_EQ(j["reason"], "pushes leave the machine");
  EXPECT_EQ(j["executable"], "/usr/bin/git");
  EXPECT_EQ(j["argv"], (std::vector<std::string>{"git", "push", "origin"}));
  EXPECT_EQ(j["cwd"], workspace());
  ASSERT_EQ(j["matched_rules"].size(), 1u);
  EXPECT_EQ(j["matched_rules"][0]["name"], "ask-push");
  EXPECT_EQ(j["matched_rules"][0]["action"], "ask");
  EXPECT_TRUE(j["risk"]["score"].is_number());
  EXPECT_TRUE(j["risk"]["level"].is_string());
  EXPECT_TRUE(j["risk"]["reasons"].is_array());
  EXPECT_TRUE(j["risk"]["categories"].is_array());
  EXPECT_TRUE(j["risk"]["reversible"].is_boolean());
}

TEST_F(PolicyExplainTest, ProductionAsksForUncoveredAndAllowsReadOnly) {
  auto args = [&](std::vector<std::string> cmd) {
    std::vector<std::string> a = {"policy", "explain",   "--json", "--workspace",
                                  workspace(), "--profile", "financial", "--"};
    a.insert(a.end(), cmd.begin(), cmd.end());
    return a;
  };
  auto touch = run_cordon(args({"touch", "x"}), options());
  ASSERT_EQ(touch.status, 0) << touch.err;
  auto j = nlohmann::json::parse(touch.out);
  EXPECT_EQ(j["decision"], "ask");
  EXPECT_EQ(j["rule"], "production");
  EXPECT_EQ(j["reviewers"], 2);
  EXPECT_FALSE(exists(workspace() + "/x")) << "explain ran the command";
  auto ls = run_cordon(args({"ls", "-l"}), options());
  ASSERT_EQ(ls.status, 0) << ls.err;
  auto k = nlohmann::json::parse(ls.out);
  // ls is read-only; with the placeholder scorer and a real one alike `ls -l` is low risk.
  EXPECT_EQ(k["decision"], "allow") << ls.out;
  EXPECT_EQ(k["reviewers"], 0);
}

// An argv may hold any bytes; `--json` shows what is not UTF-8 as U+FFFD (it used to abort).
TEST_F(PolicyExplainTest, AScriptIsJudgedAsTheStartItsInterpreterLineMakes) {
  // The box's gate sees the interpreter start (`/bin/rm -rf ./wipe WS`); explain judged the
  // script by its own name and allowed it (internal bug hunt: psql is a link to a perl script
  // on Debian, and explain allowed a DROP TABLE the box held).
  write_text(workspace() + "/wipe", "#!/bin/rm -rf\n");
  ::chmod((workspace() + "/wipe").c_str(), 0755);
  auto r = explain({"./wipe", workspace()}, true);
  ASSERT_EQ(r.status, 0) << r.err;
  auto j = nlohmann::json::parse(r.out, nullptr, false);
  ASSERT_FALSE(j.is_discarded()) << r.out;
  char real[PATH_MAX];
  ASSERT_NE(::realpath("/bin/rm", real), nullptr);
  EXPECT_EQ(j["executable"], std::string(real));
  EXPECT_EQ(j["argv"], (std::vector<std::string>{"/bin/rm", "-rf", "./wipe", workspace()}));
  EXPECT_EQ(j["risk"]["level"], "critical") << r.out;
  EXPECT_EQ(j["decision"], "ask");
}

TEST_F(PolicyExplainTest, JsonOfAnArgvThatIsNotUtf8) {
  auto r = explain({"/bin/echo", "caf\xe9"}, true);
  ASSERT_EQ(r.status, 0) << r.err;
  auto j = nlohmann::json::parse(r.out, nullptr, false);
  ASSERT_FALSE(j.is_discarded()) << r.out;
  EXPECT_NE(r.out.find("caf\xef\xbf\xbd"), std::string::npos) << r.out;
}

TEST_F(PolicyExplainTest, BadInputExitsTwo) {
  auto missing = explain({"no-such-program-here"});
  EXPECT_EQ(missing.status, 2) << missing.out << missing.err;
  EXPECT_NE(missing.err.find("not found on the box's PATH"), std::string::npos) << missing.err;
  auto none = run_cordon({"policy", "explain", "--workspace", workspace()}, options());
  EXPECT_EQ(none.status, 2) << none.out << none.err;
  auto help = run_cordon({"policy", "explain", "--help"}, options());
  EXPECT_EQ(help.status, 0);
  EXPECT_NE(help.out.find("without running it"), std::string::npos) << help.out;
}

TEST_F(PolicyExplainTest, CheckRefusesARuleWhoseExampleFails) {
  auto ok = run_cordon({"policy", "check", "--workspace", workspace()}, options());
  EXPECT_EQ(ok.status, 0) << ok.err;
  write_text(workspace() + "/cordon.toml", std::string(kPolicy) +
                                               "\n[[gate.rule]]\n"
                                               "name = \"no-rm\"\n"
                                               "program = \"rm\"\n"
                                               "args = [\"-rf\"]\n"
                                               "action = \"deny\"\n"
                                               "match = [\"rm -fr build\"]\n");
  auto bad = run_cordon({"policy", "check", "--workspace", workspace()}, options());
  EXPECT_NE(bad.status, 0);
  EXPECT_NE(bad.err.find(workspace() + "/cordon.toml:19: rule \"no-rm\": example `rm -fr build` "
                                       "should match but does not"),
            std::string::npos)
      << bad.err;
  auto explain_bad = explain({"ls"});
  EXPECT_EQ(explain_bad.status, 2) << explain_bad.err;
}

TEST_F(PolicyExplainTest, UntrustedWorkspaceMayNotAllow) {
  write_text(workspace() + "/cordon.toml",
             "[[gate.rule]]\nname = \"yes\"\nprogram = \"rm\"\naction = \"allow\"\n");
  auto r = run_cordon({"policy", "check", "--workspace", workspace()}, options());
  EXPECT_NE(r.status, 0);
  EXPECT_NE(r.err.find("cordon.toml:1: gate.rule \"yes\": an untrusted workspace file may add ask "
                       "and deny rules, not allow rules"),
            std::string::npos)
      << r.err;
}

}  // namespace
}  // namespace cordon::testing
