// Internal to the risk scorer: what one family of program scorers sees and what it reports.
#pragma once

#include <initializer_list>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "gate/program_start.h"
#include "gate/risk.h"

namespace cordon::gate {

// One program start as a scorer sees it: `name` is the program as scored (it may come from
// argv[0] for multi-call binaries or from a script run by an interpreter) and `args` are the
// words after the program word.
struct ScoreInput {
  const ProgramStart& start;
  const RiskContext& context;
  std::string_view name;
  std::span<const std::string> args;
};

// One reason for risk. Scores use the level bands of level_for_score(): low < 25 <= medium < 50
// <= high < 80 <= critical. `reversible` is false when nothing at hand can undo the effect: data
// deleted or overwritten (rm -r, dd, DROP TABLE, git clean), history replaced elsewhere (push
// --force), anything published. It stays true when git's reflog or refs/original, a re-pull, a
// reboot or a second command (chmod back, mv back) restores the previous state.
struct Finding {
  int score = 0;
  RiskCategory category = RiskCategory::kIrreversible;
  std::optional<RiskCategory> also;  // a second category: a recursive delete is also bulk
  bool reversible = true;
  std::string reason;
};

using Findings = std::vector<Finding>;

inline void add_finding(Findings& out, int score, RiskCategory category, bool reversible,
                        std::string reason) {
  out.push_back(Finding{score, category, std::nullopt, reversible, std::move(reason)});
}

inline void add_finding(Findings& out, int score, RiskCategory category, RiskCategory also,
                        bool reversible, std::string reason) {
  out.push_back(Finding{score, category, also, reversible, std::move(reason)});
}

using Scorer = void (*)(const ScoreInput& in, Findings& out);

// Each family answers with its scorer for a program name, or nullptr if it does not know it.
Scorer files_scorer(std::string_view name);     // risk_files.cpp
Scorer git_scorer(std::string_view name);       // risk_git.cpp
Scorer disk_scorer(std::string_view name);      // risk_disk.cpp
Scorer infra_scorer(std::string_view name);     // risk_infra.cpp
Scorer database_scorer(std::string_view name);  // risk_database.cpp
Scorer system_scorer(std::string_view name);    // risk_system.cpp
Scorer shell_scorer(std::string_view name);     // risk_shell.cpp

// The words joined by spaces, for reasons ("git push --force").
std::string join_words(std::string_view first, std::span<const std::string> rest);

// True when some argument is exactly one of `words` ("-f", "--force").
bool has_any(std::span<const std::string> args, std::initializer_list<std::string_view> words);

// ASCII case-insensitive equality and search.
bool iequals(std::string_view a, std::string_view b);
bool icontains(std::string_view haystack, std::string_view needle);

}  // namespace cordon::gate
