// Gate::decide: the strictest of the rules, the risk threshold and the production default; and
// split_command_line. These tests do not depend on the scorer's scores: they use rules, and
// thresholds whose outcome every score gives (ask_at = low asks whatever the score).
#include <gtest/gtest.h>

#include "gate/gate.h"
#include "gate/read_only_programs.h"

namespace cordon::gate {
namespace {

RuleSpec rule(std::string name, Action action, std::vector<std::string> program,
              std::vector<std::string> args = {}) {
  RuleSpec r;
  r.name = std::move(name);
  r.action = action;
  r.program = std::move(program);
  r.args = std::move(args);
  r.reason = "because " + r.name;
  return r;
}

Gate gate(std::vector<RuleSpec> rules, AskAt ask_at, int reviewers = 1) {
  GateConfig config;
  config.rules = std::move(rules);
  config.ask_at = ask_at;
  config.reviewers = reviewers;
  config.context = RiskContext{"/work/proj", "/home/u"};
  auto g = Gate::compile(std::move(config));
  EXPECT_TRUE(g.ok()) << g.error().message();
  return std::move(g).value();
}

ProgramStart start(std::string executable, std::vector<std::string> argv) {
  return ProgramStart{std::move(executable), std::move(argv), "/work/proj"};
}

const ProgramStart kPush = start("/usr/bin/git", {"git", "push", "--force"});

TEST(GateDecide, StrictestRuleWinsAndFirstOfItNamesIt) {
  Gate g = gate({rule("allow-git", Action::kAllow, {"git"}),
                 rule("ask-push", Action::kAsk, {"git"}, {"push"}),
                 rule("deny-force", Action::kDeny, {"git"}, {"push", "**", "--force"}),
                 rule("deny-any-push", Action::kDeny, {"git"}, {"push"})},
                AskAt::kCritical);
  GateDecision d = g.decide(kPush);
  EXPECT_EQ(d.action, Action::kDeny);
  EXPECT_EQ(d.rule, "deny-force");
  EXPECT_EQ(d.reason, "because deny-force");
  EXPECT_EQ(d.matched_rules,
            (std::vector<std::string>{"allow-git", "ask-push", "deny-force", "deny-any-push"}));

  GateDecision ask = g.decide(start("/usr/bin/git", {"git", "push"}));
  EXPECT_EQ(ask.action, Action::kDeny);  // deny-any-push
  EXPECT_EQ(ask.rule, "deny-any-push");

  GateDecision allow = g.decide(start("/usr/bin/git", {"git", "status"}));
  EXPECT_EQ(allow.action, Action::kAllow);
  EXPECT_EQ(allow.rule, "allow-git");
  EXPECT_EQ(allow.matched_rules, (std::vector<std::string>{"allow-git"}));
}

TEST(GateDecide, AskRuleCarriesReviewers) {
  Gate g = gate({rule("ask-push", Action::kAsk, {"git"}, {"push"})}, AskAt::kCritical, 2);
  GateDecision d = g.decide(kPush);
  EXPECT_EQ(d.action, Action::kAsk);
  EXPECT_EQ(d.rule, "ask-push");
  EXPECT_EQ(d.reviewers, 2);
}

TEST(GateDecide, AllowRuleDoesNotOverrideTheRiskThreshold) {
  // ask_at = low: every level is at or above it, so the scorer asks whatever it scores.
  Gate g = gate({rule("allow-git", Action::kAllow, {"git"})}, AskAt::kLow, 2);
  GateDecision d = g.decide(kPush);
  EXPECT_EQ(d.action, Action::kAsk);
  EXPECT_EQ(d.rule, "risk");
  EXPECT_EQ(d.reason.rfind("risk ", 0), 0u) << d.reason;
  EXPECT_EQ(d.reviewers, 2);
  EXPECT_EQ(d.matched_rules, (std::vector<std::string>{"allow-git"}));
}

TEST(GateDecide, RuleNamesAnAskTiedWithRisk) {
  Gate g = gate({rule("ask-push", Action::kAsk, {"git"}, {"push"})}, AskAt::kLow);
  EXPECT_EQ(g.decide(kPush).rule, "ask-push");
}

TEST(GateDecide, DenyRuleBeatsRisk) {
  Gate g = gate({rule("deny-push", Action::kDeny, {"git"}, {"push"})}, AskAt::kLow);
  GateDecision d = g.decide(kPush);
  EXPECT_EQ(d.action, Action::kDeny);
  EXPECT_EQ(d.rule, "deny-push");
}

TEST(GateDecide, NoRuleAndBelowThresholdAllowsByRisk) {
  // The critical level is the scorer's top: with ask_at = critical only a critical risk asks,
  // and `ls` in the workspace is not critical for any sane scorer.
  Gate g = gate({}, AskAt::kCritical);
  GateDecision d = g.decide(start("/usr/bin/ls", {"ls"}));
  EXPECT_EQ(d.action, Action::kAllow);
  EXPECT_EQ(d.rule, "risk");
  EXPECT_NE(d.reason.find("below the ask threshold (critical)"), std::string::npos) << d.reason;
  EXPECT_TRUE(d.matched_rules.empty());
}

TEST(GateDecide, ProductionAsksUnlessAllowedOrReadOnly) {
  Gate g = gate({rule("allow-make", Action::kAllow, {"make"}, {"test"})}, AskAt::kEverything, 2);
  GateDecision other = g.decide(start("/usr/bin/python3.11", {"python3", "x.py"}));
  EXPECT_EQ(other.action, Action::kAsk);
  EXPECT_EQ(other.rule, "production");
  EXPECT_EQ(other.reason, "production asks for every program that no allow rule covers");
  EXPECT_EQ(other.reviewers, 2);

  GateDecision ls = g.decide(start("/usr/bin/ls", {"ls", "-la"}));
  EXPECT_EQ(ls.action, Action::kAllow);
  EXPECT_EQ(ls.rule, "production");

  // A workspace script named like a read-only program is not one.
  EXPECT_EQ(g.decide(start("/work/proj/ls", {"./ls"})).action, Action::kAsk);
}

TEST(GateDecide, ProductionReadOnlyStillLosesToAskAndDenyRules) {
  Gate g = gate({rule("no-cat", Action::kDeny, {"cat"})}, AskAt::kEverything);
  EXPECT_EQ(g.decide(start("/usr/bin/cat", {"cat", "x"})).action, Action::kDeny);
}

TEST(GateDecide, CompileErrors) {
  GateConfig config;
  config.rules = {rule("x", Action::kAsk, {"gi[t"})};
  EXPECT_FALSE(Gate::compile(config).ok());
  config.rules = {};
  config.reviewers = 0;
  EXPECT_FALSE(Gate::compile(config).ok());
}

TEST(GateDecide, ToString) {
  EXPECT_STREQ(to_string(Action::kAllow), "allow");
  EXPECT_STREQ(to_string(Action::kAsk), "ask");
  EXPECT_STREQ(to_string(Action::kDeny), "deny");
}

TEST(GateReadOnly, ProgramsAndTheArgumentsThatMakeThemWrite) {
  auto ro = [](std::string name, std::vector<std::string> argv) {
    return is_read_only_start(ProgramStart{"/usr/bin/" + name, std::move(argv), "/w"});
  };
  EXPECT_TRUE(ro("ls", {"ls", "-la"}));
  EXPECT_TRUE(ro("find", {"find", ".", "-name", "*.h"}));
  EXPECT_FALSE(ro("find", {"find", ".", "-delete"}));
  EXPECT_FALSE(ro("find", {"find", ".", "-exec", "rm", "{}", ";"}));
  EXPECT_FALSE(ro("find", {"find", ".", "-fprintf", "out", "%p"}));
  EXPECT_TRUE(ro("sort", {"sort", "-r", "f"}));
  EXPECT_FALSE(ro("sort", {"sort", "-ro", "out", "f"}));
  EXPECT_FALSE(ro("sort", {"sort", "--output=out", "f"}));
  EXPECT_TRUE(ro("uniq", {"uniq", "f"}));
  EXPECT_FALSE(ro("uniq", {"uniq", "f", "out"}));
  EXPECT_TRUE(ro("date", {"date", "+%s"}));
  EXPECT_FALSE(ro("date", {"date", "-s", "now"}));
  EXPECT_FALSE(ro("date", {"date", "01010000"}));
  EXPECT_TRUE(ro("env", {"env"}));
  EXPECT_FALSE(ro("env", {"env", "rm", "-rf", "/"}));
  EXPECT_FALSE(ro("sed", {"sed", "s/a/b/", "f"}));
  EXPECT_FALSE(ro("awk", {"awk", "{print}"}));
  EXPECT_FALSE(ro("less", {"less", "f"}));
  EXPECT_TRUE(ro("git", {"git", "status"}));
  EXPECT_TRUE(ro("git", {"git", "-C", "sub", "log", "--oneline"}));
  EXPECT_TRUE(ro("git", {"git", "branch", "-a"}));
  EXPECT_FALSE(ro("git", {"git", "branch", "new-branch"}));
  EXPECT_FALSE(ro("git", {"git", "branch", "-D", "main"}));
  EXPECT_FALSE(ro("git", {"git", "-c", "core.pager=sh", "log"}));
  EXPECT_FALSE(ro("git", {"git", "--config-env=core.pager=X", "log"}));
  EXPECT_FALSE(ro("git", {"git", "--exec-path=/tmp", "status"}));
  EXPECT_FALSE(ro("git", {"git", "diff", "--output=/tmp/x"}));
  EXPECT_FALSE(ro("git", {"git", "push"}));
  EXPECT_FALSE(ro("git", {"git", "commit", "-m", "x"}));
  EXPECT_FALSE(ro("tree", {"tree", "-o", "x"}));
  EXPECT_FALSE(ro("file", {"file", "-C", "-m", "magic"}));
  EXPECT_FALSE(is_read_only_start(ProgramStart{"/tmp/ls", {"ls"}, "/w"}));
  EXPECT_FALSE(is_read_only_start(ProgramStart{"", {"ls"}, "/w"}));
  EXPECT_TRUE(is_read_only_start(ProgramStart{"/bin/cat", {"cat"}, "/w"}));
}

TEST(SplitCommandLine, QuotesAndEscapesAsAShell) {
  using V = std::vector<std::string>;
  EXPECT_EQ(split_command_line("git  push\t-f").value(), (V{"git", "push", "-f"}));
  EXPECT_EQ(split_command_line("echo 'a b' \"c \\\"d\\\" \\x\" e\\ f").value(),
            (V{"echo", "a b", "c \"d\" \\x", "e f"}));
  EXPECT_EQ(split_command_line("a''b \"\"").value(), (V{"ab", ""}));
  EXPECT_EQ(split_command_line("   ").value(), V{});
  EXPECT_FALSE(split_command_line("echo 'open").ok());
  EXPECT_FALSE(split_command_line("echo \"open").ok());
  EXPECT_FALSE(split_command_line("echo \\").ok());
}

}  // namespace
}  // namespace cordon::gate
