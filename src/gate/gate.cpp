// Gate::compile and Gate::decide: the strictest of the rules, the risk threshold and the
// production default; split_command_line for rule examples and `cordon policy explain`.
#include "gate/gate.h"

#include "gate/git_dashed.h"
#include "gate/read_only_programs.h"
#include "gate/rules.h"

namespace cordon::gate {
namespace {

// The risk level at which the scorer asks. Under kEverything the rules and the built-in
// read-only list let starts through, but only what the scorer rates low: an allow rule for
// `rm` must not let `rm -rf ~` through unasked (the threshold of customer-data, the next
// profile down).
RiskLevel risk_threshold(AskAt ask_at) {
  switch (ask_at) {
    case AskAt::kLow:
      return RiskLevel::kLow;
    case AskAt::kMedium:
    case AskAt::kEverything:
      return RiskLevel::kMedium;
    case AskAt::kHigh:
      return RiskLevel::kHigh;
    case AskAt::kCritical:
      return RiskLevel::kCritical;
  }
  return RiskLevel::kLow;
}

// One candidate decision; the strictest wins, and among equals the first proposed (rules, then
// risk, then production) names it.
struct Candidate {
  Action action;
  std::string rule;
  std::string reason;
};

}  // namespace

Result<Gate> Gate::compile(GateConfig config) {
  if (config.reviewers < 1) {
    return Error(Errc::kInvalidInput,
                 "gate: reviewers must be at least 1, not " + std::to_string(config.reviewers));
  }
  CORDON_ASSIGN_OR_RETURN(RuleSet rules, RuleSet::compile(config.rules, config.context));
  auto shared = std::make_shared<const RuleSet>(std::move(rules));
  return Gate(std::move(config), std::move(shared));
}

GateDecision Gate::decide(const ProgramStart& spelled) const {
  // Rules, the scorer and the read-only list judge what the program will do: `git-push ARGS`
  // is `git push ARGS`; judged as spelled, the dashed name slipped past every git rule.
  const std::optional<ProgramStart> dispatched = git_dashed_start(spelled);
  const ProgramStart& start = dispatched ? *dispatched : spelled;
  GateDecision d;
  d.risk = assess_risk(start, config_.context);
  const std::vector<size_t> matched = rules_->match(start);

  std::vector<Candidate> candidates;
  // (a) the rules: the first rule of the strictest action matched.
  const RuleSpec* by_action[3] = {nullptr, nullptr, nullptr};
  for (size_t i : matched) {
    const RuleSpec& spec = config_.rules[i];
    d.matched_rules.push_back(spec.name);
    const RuleSpec*& first = by_action[static_cast<int>(spec.action)];
    if (first == nullptr) first = &spec;
  }
  for (int a = 2; a >= 0; --a) {
    if (by_action[a] == nullptr) continue;
    const RuleSpec& spec = *by_action[a];
    candidates.push_back({spec.action, spec.name,
                          spec.reason.empty() ? "rule \"" + spec.name + "\"" : spec.reason});
    break;
  }
  // (b) the risk scorer against the threshold. A critical risk asks: a person decides.
  const RiskLevel threshold = risk_threshold(config_.ask_at);
  const std::string level = to_string(d.risk.level);
  if (d.risk.level >= threshold) {
    std::string reason = "risk " + level;
    reason += d.risk.reasons.empty() ? " (score " + std::to_string(d.risk.score) + ")"
                                     : ": " + d.risk.reasons.front();
    candidates.push_back({Action::kAsk, "risk", std::move(reason)});
  }
  // (c) production: ask unless an allow rule or the built-in read-only list covers the start.
  const bool allowed_by_rule = by_action[static_cast<int>(Action::kAllow)] != nullptr;
  if (config_.ask_at == AskAt::kEverything && !allowed_by_rule) {
    if (is_read_only_start(start)) {
      candidates.push_back({Action::kAllow, "production",
                            program_name(start) + " is a built-in read-only program"});
    } else {
      candidates.push_back(
          {Action::kAsk, "production", "production asks for every program that no allow rule covers"});
    }
  }
  // Nothing but the scorer had a say: it allows, below the threshold.
  candidates.push_back({Action::kAllow, "risk",
                        "risk " + level + " (score " + std::to_string(d.risk.score) +
                            ") is below the ask threshold (" + to_string(threshold) + ")"});

  const Candidate* best = &candidates.front();
  for (const Candidate& c : candidates) {
    if (c.action > best->action) best = &c;
  }
  d.action = best->action;
  d.rule = best->rule;
  d.reason = best->reason;
  if (d.action == Action::kAsk) d.reviewers = config_.reviewers;
  return d;
}

Result<std::vector<std::string>> split_command_line(const std::string& line) {
  std::vector<std::string> words;
  std::string word;
  bool in_word = false;
  for (size_t i = 0; i < line.size(); ++i) {
    const char c = line[i];
    if (c == ' ' || c == '\t' || c == '\n') {
      if (in_word) words.push_back(std::move(word));
      word.clear();
      in_word = false;
    } else if (c == '\'') {
      const size_t close = line.find('\'', i + 1);
      if (close == std::string::npos) {
        return Error(Errc::kInvalidInput, "unterminated single quote")
            .with_hint("close the quote: 'like this'");
      }
      word.append(line, i + 1, close - i - 1);
      in_word = true;
      i = close;
    } else if (c == '"') {
      size_t j = i + 1;
      for (; j < line.size() && line[j] != '"'; ++j) {
        // Inside double quotes a backslash escapes only these (POSIX).
        if (line[j] == '\\' && j + 1 < line.size() &&
            (line[j + 1] == '"' || line[j + 1] == '\\' || line[j + 1] == '$' ||
             line[j + 1] == '`')) {
          ++j;
        }
        word += line[j];
      }
      if (j >= line.size()) {
        return Error(Errc::kInvalidInput, "unterminated double quote")
            .with_hint("close the quote: \"like this\"");
      }
      in_word = true;
      i = j;
    } else if (c == '\\') {
      if (i + 1 == line.size()) {
        return Error(Errc::kInvalidInput, "a backslash ends the line")
            .with_hint("write \\\\ for a literal backslash");
      }
      word += line[++i];
      in_word = true;
    } else {
      word += c;
      in_word = true;
    }
  }
  if (in_word) words.push_back(std::move(word));
  return words;
}

const char* to_string(Action action) {
  switch (action) {
    case Action::kAllow:
      return "allow";
    case Action::kAsk:
      return "ask";
    case Action::kDeny:
      return "deny";
  }
  return "?";
}

}  // namespace cordon::gate
