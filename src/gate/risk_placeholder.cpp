// PLACEHOLDER: replaced by the risk scorer branch; delete on merge.
// Until the scorer lands, every start scores 0 (low) so the gate's rules can be built and tested.
#include "gate/risk.h"

namespace cordon::gate {

RiskAssessment assess_risk(const ProgramStart&, const RiskContext&) { return RiskAssessment{}; }

RiskLevel level_for_score(int score) {
  if (score >= 80) return RiskLevel::kCritical;
  if (score >= 50) return RiskLevel::kHigh;
  if (score >= 25) return RiskLevel::kMedium;
  return RiskLevel::kLow;
}

const char* to_string(RiskLevel level) {
  switch (level) {
    case RiskLevel::kLow:
      return "low";
    case RiskLevel::kMedium:
      return "medium";
    case RiskLevel::kHigh:
      return "high";
    case RiskLevel::kCritical:
      return "critical";
  }
  return "?";
}

const char* to_string(RiskCategory category) {
  switch (category) {
    case RiskCategory::kIrreversible:
      return "irreversible";
    case RiskCategory::kBulk:
      return "bulk";
    case RiskCategory::kPrivilege:
      return "privilege";
    case RiskCategory::kExfiltration:
      return "exfiltration";
    case RiskCategory::kAvailability:
      return "availability";
  }
  return "?";
}

}  // namespace cordon::gate
