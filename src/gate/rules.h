// The gate's rules compiled: which `[[gate.rule]]` entries a program start matches.
//
// Compiling checks every glob, the rule's shape (a name, at least one condition, a known
// action, unique names) and runs the rule's own `match` / `not_match` examples through the
// matcher, so a rule that does not do what its author showed is an error at load, not a surprise
// in a session. Matching is a pure function of the start.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "base/result.h"
#include "gate/gate.h"
#include "gate/glob.h"

namespace cordon::gate {

// One argument pattern of `args`: a glob, or "**" (any run of arguments, none included).
struct ArgPattern {
  bool any_run = false;
  std::optional<Glob> glob;
};

// One program glob. With a '/', it matches the executable's path; else program_name(). For an
// example line whose first word has no '/', a path glob matches by its last component.
struct ProgramPattern {
  Glob glob;
  bool path = false;
  std::optional<Glob> last_component;  // for path globs, checked against examples' names
};

struct CompiledRule {
  std::vector<ProgramPattern> program;
  std::vector<ArgPattern> args;
  bool has_args = false;
  std::vector<Glob> any_arg;
  std::optional<Glob> cwd;
  std::vector<Glob> paths;
};

struct Subject;

class RuleSet {
 public:
  // `context` places the examples: they run with cwd = context.workspace ("/" when empty), and
  // a path glob that starts with "~/" or is relative is made absolute against context.home or
  // context.workspace. Errors name the rule and its origin.
  static Result<RuleSet> compile(const std::vector<RuleSpec>& specs, const RiskContext& context);

  // The indices (into the specs given to compile) of every rule that matches, in policy order.
  std::vector<size_t> match(const ProgramStart& start) const;

  size_t size() const { return rules_.size(); }

 private:
  std::vector<CompiledRule> rules_;
};

// What the rules look at, derived once per start: the program's name, the arguments after
// argv[0], and the operands (arguments not starting with '-', and every argument after "--")
// made absolute against the start's cwd and normalised lexically ("." and ".." folded, repeated
// and trailing slashes dropped). `example` marks a start built from a rule's example line.
struct Subject {
  const ProgramStart* start = nullptr;
  std::string name;
  std::vector<std::string> operand_paths;
  bool example = false;
};
Subject make_subject(const ProgramStart& start, bool example);

// "/a/./b/../c//" against "/x" -> "/a/c"; "d/e" against "/x" -> "/x/d/e".
std::string resolve_lexically(const std::string& cwd, const std::string& path);

}  // namespace cordon::gate
