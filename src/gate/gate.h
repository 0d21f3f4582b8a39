// The approval gate's decision: the strictest of the policy's rules, the risk scorer and the
// profile's threshold. Compiled once from the policy; deciding is a pure, thread-safe function.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/result.h"
#include "gate/program_start.h"
#include "gate/risk.h"

namespace cordon::gate {

class RuleSet;

enum class Action { kAllow, kAsk, kDeny };  // ordered: a later one is stricter

// The profile's threshold: ask at this risk level and above. kEverything (production) asks for
// every start that no allow rule and no built-in read-only program covers.
enum class AskAt { kLow, kMedium, kHigh, kCritical, kEverything };

// One `[[gate.rule]]` as written in the policy. Patterns are globs (fnmatch, `*` `?` `[...]`).
struct RuleSpec {
  std::string name;                  // unique in the policy
  std::vector<std::string> program;  // globs; with a '/' against the executable's path, else
                                     // against program_name(); empty matches every program
  std::vector<std::string> args;     // globs against argv[1..] as a prefix; "**" matches any
                                     // run of arguments (none included)
  std::vector<std::string> any_arg;  // if set, some argument must match one of these globs
  std::string cwd;                   // if set, a glob the working directory must match
  std::vector<std::string> paths;    // if set, some operand (resolved against cwd) must match
  Action action = Action::kAsk;
  std::string reason;
  std::vector<std::string> match;      // example command lines this rule must match
  std::vector<std::string> not_match;  // and must not match
  std::string origin;                  // "cordon.toml:12", for errors and explain
};

struct GateConfig {
  std::vector<RuleSpec> rules;
  AskAt ask_at = AskAt::kHigh;
  int reviewers = 1;  // distinct reviewers an ask needs
  RiskContext context;
};

struct GateDecision {
  Action action = Action::kAllow;
  std::string rule;    // what decided: a rule's name, "risk", or "production"
  std::string reason;  // one line the agent and the reviewer read
  RiskAssessment risk;
  std::vector<std::string> matched_rules;  // every rule that matched, in policy order
  int reviewers = 1;                       // for kAsk
};

class Gate {
 public:
  // Compiles the rules; an example in `match` / `not_match` that the rule gets wrong, a bad glob
  // or a duplicate name is an error naming the rule and its origin.
  static Result<Gate> compile(GateConfig config);

  // Judges the start as the program will read it: git under a dashed argv[0] (`git-push -f`)
  // as `git push -f` (gate/git_dashed.h), for the rules, the scorer and the read-only list alike.
  GateDecision decide(const ProgramStart& start) const;

  const GateConfig& config() const { return config_; }

 private:
  Gate(GateConfig config, std::shared_ptr<const RuleSet> rules)
      : config_(std::move(config)), rules_(std::move(rules)) {}
  GateConfig config_;
  std::shared_ptr<const RuleSet> rules_;  // config_.rules compiled (gate/rules.h), same order
};

// Splits an example command line into words, as a POSIX shell would without expansions:
// whitespace separates, single and double quotes and backslash escape. Errors on an open quote.
Result<std::vector<std::string>> split_command_line(const std::string& line);

const char* to_string(Action action);

}  // namespace cordon::gate
