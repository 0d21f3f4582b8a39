// [gate] -> gate::GateConfig.
#include "policy/gate_config.h"

namespace cordon::policy {
namespace {

gate::AskAt ask_at(RiskLevel level) {
  switch (level) {
    case RiskLevel::kLow:
      return gate::AskAt::kLow;
    case RiskLevel::kMedium:
      return gate::AskAt::kMedium;
    case RiskLevel::kHigh:
      return gate::AskAt::kHigh;
    case RiskLevel::kCritical:
      return gate::AskAt::kCritical;
    case RiskLevel::kEverything:
      return gate::AskAt::kEverything;
  }
  return gate::AskAt::kEverything;  // unreachable; the strictest if it were not
}

}  // namespace

gate::GateConfig gate_config(const GatePolicy& gate, gate::RiskContext context) {
  gate::GateConfig config;
  config.rules = gate.rules.value;
  config.ask_at = ask_at(gate.ask_at.value);
  config.reviewers = gate.reviewers.value;
  config.context = std::move(context);
  return config;
}

}  // namespace cordon::policy
