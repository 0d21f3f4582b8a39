// The built-in risk scorer: how much harm one program start can do, and why.
#pragma once

#include <string>
#include <vector>

#include "gate/program_start.h"

namespace cordon::gate {

enum class RiskLevel { kLow, kMedium, kHigh, kCritical };

// The categories of design.md section 5.
enum class RiskCategory { kIrreversible, kBulk, kPrivilege, kExfiltration, kAvailability };

struct RiskAssessment {
  int score = 0;  // 0..100
  RiskLevel level = RiskLevel::kLow;
  std::vector<std::string> reasons;  // one line each: "recursive forced delete of the workspace root"
  std::vector<RiskCategory> categories;
  bool reversible = true;  // false when nothing (git reflog, trash, a backup) can undo it
};

// Paths the scorer treats as precious: deleting them is critical.
struct RiskContext {
  std::string workspace;  // the workspace root as the box sees it
  std::string home;       // the box's home directory
};

// Scores one start. Pure and thread-safe; the program is identified by program_name(start) and
// its flags are normalised first (`rm -fr`, `-r -f`, `--recursive --force`, flags after operands).
RiskAssessment assess_risk(const ProgramStart& start, const RiskContext& context);

// The level a score falls in: low < 25 <= medium < 50 <= high < 80 <= critical.
RiskLevel level_for_score(int score);

const char* to_string(RiskLevel level);
const char* to_string(RiskCategory category);

}  // namespace cordon::gate
