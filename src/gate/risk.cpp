// assess_risk(): picks the scorer family for a program start and folds its findings into a score.
#include "gate/risk.h"

#include <algorithm>
#include <array>

#include "gate/risk_scorers.h"

namespace cordon::gate {
namespace {

std::string_view basename_of(std::string_view path) {
  const auto slash = path.rfind('/');
  return slash == std::string_view::npos ? path : path.substr(slash + 1);
}

Scorer find_scorer(std::string_view name) {
  static constexpr std::array<Scorer (*)(std::string_view), 7> kFamilies = {
      files_scorer,    git_scorer,    disk_scorer, infra_scorer,
      database_scorer, system_scorer, shell_scorer};
  for (auto family : kFamilies) {
    if (Scorer scorer = family(name)) return scorer;
  }
  return nullptr;
}

// Multi-call binaries act on the name they were called by: a resolved `reboot` is systemctl,
// `busybox rm` is rm.
bool is_multi_call(std::string_view name) {
  return name == "busybox" || name == "toybox" || name == "systemctl";
}

// Interpreters that run a script which is itself a known program: after `#!/usr/bin/env node`
// the start is `node /usr/bin/npm publish`.
bool is_interpreter(std::string_view name) {
  return name == "node" || name == "nodejs" || name.starts_with("python") ||
         name.starts_with("ruby") || name.starts_with("perl");
}

void score_as(std::string_view name, std::span<const std::string> args, const ProgramStart& start,
              const RiskContext& context, Findings& out) {
  if (Scorer scorer = find_scorer(name)) scorer(ScoreInput{start, context, name, args}, out);
}

void collect(const ProgramStart& start, const RiskContext& context, Findings& out) {
  const std::string name = program_name(start);
  const std::span<const std::string> argv(start.argv);
  const std::span<const std::string> args = argv.empty() ? argv : argv.subspan(1);
  if (is_multi_call(name) && !argv.empty()) {
    const std::string_view called = basename_of(argv[0]);
    if (called != name && find_scorer(called) != nullptr) {
      score_as(called, args, start, context, out);
    } else if (name == "systemctl") {
      score_as(name, args, start, context, out);
    } else if (!args.empty()) {
      score_as(basename_of(args[0]), args.subspan(1), start, context, out);
    }
    return;
  }
  if (is_interpreter(name) && !args.empty() && !args[0].starts_with("-")) {
    const std::string_view script = basename_of(args[0]);
    if (find_scorer(script) != nullptr) {
      score_as(script, args.subspan(1), start, context, out);
      return;
    }
  }
  score_as(name, args, start, context, out);
}

}  // namespace

std::string join_words(std::string_view first, std::span<const std::string> rest) {
  std::string out(first);
  for (const auto& word : rest) {
    out.push_back(' ');
    out.append(word);
  }
  return out;
}

bool has_any(std::span<const std::string> args, std::initializer_list<std::string_view> words) {
  for (const auto& a : args) {
    for (std::string_view w : words) {
      if (a == w) return true;
    }
  }
  return false;
}

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    const char x = (a[i] >= 'A' && a[i] <= 'Z') ? static_cast<char>(a[i] + 32) : a[i];
    const char y = (b[i] >= 'A' && b[i] <= 'Z') ? static_cast<char>(b[i] + 32) : b[i];
    if (x != y) return false;
  }
  return true;
}

bool icontains(std::string_view haystack, std::string_view needle) {
  if (needle.size() > haystack.size()) return false;
  for (std::size_t i = 0; i + needle.size() <= haystack.size(); ++i) {
    if (iequals(haystack.substr(i, needle.size()), needle)) return true;
  }
  return false;
}

RiskAssessment assess_risk(const ProgramStart& start, const RiskContext& context) {
  Findings findings;
  collect(start, context, findings);
  RiskAssessment result;
  if (findings.empty()) return result;
  // The worst finding sets the score and each further one adds a quarter of its own: several
  // medium findings together reach high, and the reasons come worst first.
  std::stable_sort(findings.begin(), findings.end(),
                   [](const Finding& a, const Finding& b) { return a.score > b.score; });
  int score = findings.front().score;
  for (std::size_t i = 1; i < findings.size(); ++i) score += findings[i].score / 4;
  result.score = std::clamp(score, 0, 100);
  result.level = level_for_score(result.score);
  result.reasons.reserve(findings.size());
  for (auto& finding : findings) {
    if (std::find(result.reasons.begin(), result.reasons.end(), finding.reason) ==
        result.reasons.end()) {
      result.reasons.push_back(std::move(finding.reason));
    }
    for (auto category : {std::optional(finding.category), finding.also}) {
      if (category && std::find(result.categories.begin(), result.categories.end(), *category) ==
                          result.categories.end()) {
        result.categories.push_back(*category);
      }
    }
    result.reversible = result.reversible && finding.reversible;
  }
  return result;
}

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
  return "unknown";
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
  return "unknown";
}

}  // namespace cordon::gate
