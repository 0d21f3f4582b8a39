// The gate with the real risk scorer: thresholds per profile. Every test here needs the real
// scorer (src/gate/risk.cpp); with the placeholder that scores everything low they fail, and
// they start passing when the risk scorer branch is merged.
#include <gtest/gtest.h>

#include "gate/gate.h"

namespace cordon::gate {
namespace {

Gate gate(AskAt ask_at) {
  GateConfig config;
  config.ask_at = ask_at;
  config.context = RiskContext{"/work/proj", "/home/u"};
  return Gate::compile(config).value();
}

ProgramStart start(std::string executable, std::vector<std::string> argv) {
  return ProgramStart{std::move(executable), std::move(argv), "/work/proj"};
}

// needs the real scorer
TEST(GateScorerThresholds, RecursiveForcedDeleteOfRootAsksInWorkspaceWrite) {
  GateDecision d = gate(AskAt::kHigh).decide(start("/usr/bin/rm", {"rm", "-rf", "/"}));
  EXPECT_EQ(d.action, Action::kAsk);  // critical asks: it never denies on its own
  EXPECT_EQ(d.rule, "risk");
  EXPECT_EQ(d.risk.level, RiskLevel::kCritical);
  EXPECT_EQ(d.reason.rfind("risk critical: ", 0), 0u) << d.reason;
}

// needs the real scorer
TEST(GateScorerThresholds, DeletingHomeAsksEvenAtCritical) {
  GateDecision d = gate(AskAt::kCritical).decide(start("/usr/bin/rm", {"rm", "-fr", "/home/u"}));
  EXPECT_EQ(d.action, Action::kAsk);
}

// needs the real scorer
TEST(GateScorerThresholds, AllowRuleInProductionStillAsksForRiskyStarts) {
  GateConfig config;
  config.ask_at = AskAt::kEverything;
  config.context = RiskContext{"/work/proj", "/home/u"};
  RuleSpec allow_rm;
  allow_rm.name = "allow-rm";
  allow_rm.action = Action::kAllow;
  allow_rm.program = {"rm"};
  config.rules = {allow_rm};
  Gate g = Gate::compile(config).value();
  EXPECT_EQ(g.decide(start("/usr/bin/rm", {"rm", "-rf", "/work/proj"})).action, Action::kAsk);
}

// needs the real scorer
TEST(GateScorerThresholds, HarmlessStartIsAllowedInWorkspaceWrite) {
  GateDecision ls = gate(AskAt::kHigh).decide(start("/usr/bin/ls", {"ls"}));
  EXPECT_EQ(ls.action, Action::kAllow);
  EXPECT_EQ(ls.risk.level, RiskLevel::kLow);
}

}  // namespace
}  // namespace cordon::gate
