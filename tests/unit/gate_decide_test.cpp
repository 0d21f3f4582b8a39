// Gate::decide: the strictest of the rules, the risk threshold and the production default; and
// split_command_line. These tests do not depend on the scorer's scores: they use rules, and
// thresholds whose outcome every score gives (ask_at = low asks whatever the score).
#include <gtest/gtest.h>

#include "gate/gate.h"
#include "gate/git_dashed.h"
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

// git runs builtin <cmd> when argv[0]'s file name is git-<cmd>: /usr/lib/git-core/git-push is a
// link to git, and `exec -a git-push git` names it the same way.
TEST(GateDecide, GitUnderADashedNameIsJudgedAsItsSubcommand) {
  Gate g =
      gate({rule("no-force-push", Action::kDeny, {"git"}, {"push", "*--force*"})}, AskAt::kHigh);
  for (std::string argv0 : {"/usr/lib/git-core/git-push", "git-push"}) {
    SCOPED_TRACE(argv0);
    GateDecision d = g.decide(start("/usr/bin/git", {argv0, "--force", "origin", "main"}));
    EXPECT_EQ(d.action, Action::kDeny);
    EXPECT_EQ(d.rule, "no-force-push");
    EXPECT_EQ(d.matched_rules, std::vector<std::string>{"no-force-push"});
    EXPECT_EQ(d.risk.level, RiskLevel::kCritical);
  }
  // The scorer alone asks, as for `git push --force origin main`.
  Gate scorer = gate({}, AskAt::kHigh);
  GateDecision push = scorer.decide(
      start("/usr/lib/git-core/git", {"/usr/lib/git-core/git-push", "--force", "origin", "main"}));
  EXPECT_EQ(push.action, Action::kAsk);
  EXPECT_EQ(push.rule, "risk");
  EXPECT_EQ(push.risk.level, RiskLevel::kCritical);
  EXPECT_EQ(scorer.decide(start("/usr/bin/git", {"git-reset", "--hard"})).risk.level,
            RiskLevel::kHigh);
  EXPECT_EQ(scorer.decide(start("/usr/bin/git", {"git-clean", "-fdx"})).action, Action::kAsk);
  // A copy of git judged as git reads argv[0] the same way.
  ProgramStart copy = start("/usr/bin/git", {"/tmp/git-push", "-f", "origin", "main"});
  copy.copy_path = "/tmp/git-push";
  EXPECT_EQ(scorer.decide(copy).action, Action::kAsk);

  // Production's read-only list: `git-push status` pushes to a remote named "status".
  Gate production = gate({}, AskAt::kEverything);
  EXPECT_EQ(production.decide(start("/usr/bin/git", {"git-push", "status"})).action, Action::kAsk);
  EXPECT_EQ(production.decide(start("/usr/bin/git", {"git-status"})).action, Action::kAllow);

  // argv[0] changes no other program's start.
  const GateDecision ls = g.decide(start("/usr/bin/ls", {"git-push", "--force", "origin", "main"}));
  EXPECT_EQ(ls.action, Action::kAllow);
  EXPECT_TRUE(ls.matched_rules.empty());
  EXPECT_EQ(ls.risk.level, RiskLevel::kLow);
  EXPECT_EQ(production.decide(start("/usr/bin/cat", {"git-push", "f"})).action, Action::kAllow);
  // Not dashed: a dash in a directory, or git as itself.
  EXPECT_EQ(production.decide(start("/usr/bin/git", {"/opt/git-2/bin/git", "status"})).action,
            Action::kAllow);
  EXPECT_EQ(production.decide(start("/usr/bin/git", {"git", "status"})).action, Action::kAllow);
}

TEST(GateGitDashed, ArgvZeroNamesTheBuiltin) {
  ProgramStart s = start("/usr/lib/git-core/git", {"/usr/lib/git-core/git-push", "-f", "origin"});
  s.copy_path = "/tmp/copy";
  const std::optional<ProgramStart> d = git_dashed_start(s);
  ASSERT_TRUE(d.has_value());
  EXPECT_EQ(d->executable, "/usr/lib/git-core/git");
  EXPECT_EQ(d->argv, (std::vector<std::string>{"/usr/lib/git-core/git", "push", "-f", "origin"}));
  EXPECT_EQ(d->cwd, "/work/proj");
  EXPECT_EQ(d->copy_path, "/tmp/copy");
  const std::optional<ProgramStart> bare = git_dashed_start(start("/usr/bin/git", {"git-gc"}));
  ASSERT_TRUE(bare.has_value());
  EXPECT_EQ(bare->argv, (std::vector<std::string>{"git", "gc"}));

  EXPECT_FALSE(git_dashed_start(start("/usr/bin/git", {"git", "push"})));
  EXPECT_FALSE(git_dashed_start(start("/usr/bin/git", {"git-", "push"})));
  EXPECT_FALSE(git_dashed_start(start("/usr/bin/git", {"/opt/git-2/git", "push"})));
  EXPECT_FALSE(git_dashed_start(start("/usr/bin/git", {})));
  EXPECT_FALSE(git_dashed_start(start("/usr/bin/ls", {"git-push", "-f"})));
  EXPECT_FALSE(git_dashed_start(start("/usr/lib/git-core/git-http-push", {"git-http-push", "u"})));
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

// getopt_long takes any unambiguous prefix of a long option (`sort --o=a` is --output=a) and
// refuses an ambiguous one: every prefix of a writing option counts as that option.
TEST(GateReadOnly, AbbreviatedWritingOptionsCount) {
  auto ro = [](std::string name, std::vector<std::string> argv) {
    return is_read_only_start(ProgramStart{"/usr/bin/" + name, std::move(argv), "/w"});
  };
  EXPECT_FALSE(ro("sort", {"sort", "--o=a", "/dev/null"}));
  EXPECT_FALSE(ro("sort", {"sort", "--outp", "a", "/dev/null"}));
  EXPECT_FALSE(ro("sort", {"sort", "/dev/null", "--ou=a"}));
  EXPECT_FALSE(ro("file", {"file", "--comp", "-m", "magic"}));
  EXPECT_FALSE(ro("file", {"file", "--c"}));
  EXPECT_FALSE(ro("date", {"date", "--se="}));
  EXPECT_FALSE(ro("date", {"date", "--s", "now"}));
  EXPECT_FALSE(ro("git", {"git", "diff", "--outp=/tmp/x"}));
  EXPECT_FALSE(ro("git", {"git", "log", "--o", "/tmp/x"}));
  // Controls: other long options, and words after "--".
  EXPECT_TRUE(ro("sort", {"sort", "--reverse", "--numeric-sort", "f"}));
  EXPECT_TRUE(ro("sort", {"sort", "--", "--o=a"}));
  EXPECT_TRUE(ro("file", {"file", "--brief", "f"}));
  EXPECT_TRUE(ro("date", {"date", "--utc", "+%s"}));
  EXPECT_TRUE(ro("git", {"git", "log", "--oneline", "--output-indicator-new=>"}));

  Gate production = gate({}, AskAt::kEverything);
  EXPECT_EQ(production.decide(start("/usr/bin/sort", {"sort", "--outp=a", "/dev/null"})).action,
            Action::kAsk);
  EXPECT_EQ(production.decide(start("/usr/bin/sort", {"sort", "-r", "/dev/null"})).action,
            Action::kAllow);
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
