// Compiling `[[gate.rule]]` specs (globs, shape, examples) and matching program starts.
#include "gate/rules.h"

#include <set>

namespace cordon::gate {
namespace {

std::string describe(const RuleSpec& spec) {
  std::string out = "rule \"" + spec.name + "\"";
  if (!spec.origin.empty()) out += " (" + spec.origin + ")";
  return out;
}

Error rule_error(const RuleSpec& spec, const std::string& what, std::string hint) {
  return Error(Errc::kPolicy, describe(spec) + ": " + what).with_hint(std::move(hint));
}

Result<Glob> rule_glob(const RuleSpec& spec, const char* key, const std::string& pattern,
                       GlobKind kind) {
  auto glob = Glob::compile(pattern, kind);
  if (glob.ok()) return glob;
  return rule_error(spec, std::string(key) + ": " + glob.error().message(), glob.error().hint());
}

// "~/x" -> HOME/x and "x" -> WORKSPACE/x, the prefixes escaped so they match only themselves.
std::string absolute_path_pattern(const std::string& pattern, const RiskContext& context) {
  if (pattern.rfind("~/", 0) == 0 && !context.home.empty()) {
    return escape_glob(context.home) + pattern.substr(1);
  }
  if (!pattern.empty() && pattern[0] != '/') {
    std::string base = context.workspace.empty() ? "" : context.workspace;
    while (!base.empty() && base.back() == '/') base.pop_back();
    return escape_glob(base) + "/" + pattern;
  }
  return pattern;
}

bool has_condition(const RuleSpec& s) {
  return !s.program.empty() || !s.args.empty() || !s.any_arg.empty() || !s.cwd.empty() ||
         !s.paths.empty();
}

Result<CompiledRule> compile_rule(const RuleSpec& spec, const RiskContext& context) {
  CompiledRule rule;
  for (const std::string& p : spec.program) {
    const bool path = p.find('/') != std::string::npos;
    CORDON_ASSIGN_OR_RETURN(Glob glob,
                            rule_glob(spec, "program", p, path ? GlobKind::kPath : GlobKind::kWord));
    ProgramPattern pattern{std::move(glob), path, std::nullopt};
    if (path) {
      std::string last = p.substr(p.rfind('/') + 1);
      if (!last.empty()) {
        CORDON_ASSIGN_OR_RETURN(Glob name, rule_glob(spec, "program", last, GlobKind::kWord));
        pattern.last_component = std::move(name);
      }
    }
    rule.program.push_back(std::move(pattern));
  }
  rule.has_args = !spec.args.empty();
  for (const std::string& a : spec.args) {
    if (a == "**") {
      // Consecutive "**" are one: it keeps the matcher's backtracking linear in practice.
      if (rule.args.empty() || !rule.args.back().any_run) rule.args.push_back({true, std::nullopt});
      continue;
    }
    CORDON_ASSIGN_OR_RETURN(Glob glob, rule_glob(spec, "args", a, GlobKind::kWord));
    rule.args.push_back({false, std::move(glob)});
  }
  for (const std::string& a : spec.any_arg) {
    CORDON_ASSIGN_OR_RETURN(Glob glob, rule_glob(spec, "any_arg", a, GlobKind::kWord));
    rule.any_arg.push_back(std::move(glob));
  }
  if (!spec.cwd.empty()) {
    CORDON_ASSIGN_OR_RETURN(
        Glob glob, rule_glob(spec, "cwd", absolute_path_pattern(spec.cwd, context), GlobKind::kPath));
    rule.cwd = std::move(glob);
  }
  for (const std::string& p : spec.paths) {
    CORDON_ASSIGN_OR_RETURN(
        Glob glob, rule_glob(spec, "paths", absolute_path_pattern(p, context), GlobKind::kPath));
    rule.paths.push_back(std::move(glob));
  }
  return rule;
}

bool program_matches(const CompiledRule& rule, const Subject& s) {
  if (rule.program.empty()) return true;
  const std::string& executable = s.start->executable;
  const bool example_by_name = s.example && executable.find('/') == std::string::npos;
  for (const ProgramPattern& p : rule.program) {
    if (!p.path) {
      if (p.glob.matches(s.name)) return true;
    } else if (example_by_name) {
      if (p.last_component && p.last_component->matches(s.name)) return true;
    } else if (p.glob.matches(executable)) {
      return true;
    }
  }
  return false;
}

// Whether args[pi..] is a prefix-match of argv[ai..] ("**" matches any run, none included).
bool args_match(const std::vector<ArgPattern>& pats, size_t pi, const std::vector<std::string>& argv,
                size_t ai) {
  for (; pi < pats.size(); ++pi, ++ai) {
    if (pats[pi].any_run) {
      if (pi + 1 == pats.size()) return true;
      for (size_t k = ai; k <= argv.size(); ++k) {
        if (args_match(pats, pi + 1, argv, k)) return true;
      }
      return false;
    }
    if (ai >= argv.size() || !pats[pi].glob->matches(argv[ai])) return false;
  }
  return true;
}

bool any_matches(const std::vector<Glob>& globs, const std::string& text) {
  for (const Glob& g : globs) {
    if (g.matches(text)) return true;
  }
  return false;
}

bool rule_matches(const CompiledRule& rule, const Subject& s) {
  if (!program_matches(rule, s)) return false;
  const std::vector<std::string>& argv = s.start->argv;
  if (rule.has_args && !args_match(rule.args, 0, argv, 1)) return false;
  if (!rule.any_arg.empty()) {
    bool found = false;
    for (size_t i = 1; i < argv.size() && !found; ++i) found = any_matches(rule.any_arg, argv[i]);
    if (!found) return false;
  }
  if (rule.cwd && !rule.cwd->matches(s.start->cwd)) return false;
  if (!rule.paths.empty()) {
    bool found = false;
    for (const std::string& path : s.operand_paths) {
      if ((found = any_matches(rule.paths, path))) break;
    }
    if (!found) return false;
  }
  return true;
}

// The rule's `match` / `not_match` examples, each run through the matcher alone.
Result<void> check_examples(const RuleSpec& spec, const CompiledRule& rule,
                            const RiskContext& context) {
  const std::string cwd = context.workspace.empty() ? "/" : context.workspace;
  for (bool want : {true, false}) {
    for (const std::string& line : want ? spec.match : spec.not_match) {
      auto words = split_command_line(line);
      if (!words.ok()) {
        return rule_error(spec, "example `" + line + "`: " + words.error().message(),
                          words.error().hint());
      }
      if (words->empty()) {
        return rule_error(spec, std::string(want ? "match" : "not_match") + ": empty example",
                          "write a command line, e.g. \"git push --force\"");
      }
      ProgramStart start{words->front(), std::move(words).value(), cwd};
      const bool got = rule_matches(rule, make_subject(start, true));
      if (got == want) continue;
      return rule_error(spec,
                        "example `" + line + "` should " + (want ? "match" : "not match") +
                            " but " + (want ? "does not" : "does"),
                        "examples run with cwd = " + cwd +
                            "; a program glob with a '/' is compared with the example's first "
                            "word when it has a '/', else by its last component");
    }
  }
  return Ok{};
}

void push_normalised(std::vector<std::string>& parts, std::string_view path) {
  size_t i = 0;
  while (i <= path.size()) {
    size_t slash = path.find('/', i);
    if (slash == std::string_view::npos) slash = path.size();
    std::string_view part = path.substr(i, slash - i);
    if (part == "..") {
      if (!parts.empty()) parts.pop_back();
    } else if (!part.empty() && part != ".") {
      parts.emplace_back(part);
    }
    i = slash + 1;
  }
}

}  // namespace

std::string resolve_lexically(const std::string& cwd, const std::string& path) {
  std::vector<std::string> parts;
  if (path.empty() || path[0] != '/') push_normalised(parts, cwd);
  push_normalised(parts, path);
  std::string out;
  for (const std::string& part : parts) out += "/" + part;
  return out.empty() ? "/" : out;
}

Subject make_subject(const ProgramStart& start, bool example) {
  Subject s;
  s.start = &start;
  s.name = program_name(start);
  s.example = example;
  bool options_over = false;
  for (size_t i = 1; i < start.argv.size(); ++i) {
    const std::string& arg = start.argv[i];
    if (!options_over && arg == "--") {
      options_over = true;
      continue;
    }
    if (arg.empty() || (!options_over && arg[0] == '-')) continue;
    s.operand_paths.push_back(resolve_lexically(start.cwd.empty() ? "/" : start.cwd, arg));
  }
  return s;
}

Result<RuleSet> RuleSet::compile(const std::vector<RuleSpec>& specs, const RiskContext& context) {
  RuleSet set;
  std::set<std::string> names;
  for (const RuleSpec& spec : specs) {
    if (spec.name.empty()) {
      return Error(Errc::kPolicy, "a rule" + (spec.origin.empty() ? "" : " (" + spec.origin + ")") +
                                      " has no name")
          .with_hint("give every rule a unique name = \"...\": decisions and audit events cite it");
    }
    if (!names.insert(spec.name).second) {
      return rule_error(spec, "the name is already taken by an earlier rule",
                        "rule names are unique across every policy layer");
    }
    const int action = static_cast<int>(spec.action);
    if (action < static_cast<int>(Action::kAllow) || action > static_cast<int>(Action::kDeny)) {
      return rule_error(spec, "bad action " + std::to_string(action), "allow, ask or deny");
    }
    if (!has_condition(spec)) {
      return rule_error(spec, "has no condition, so it would match every program start",
                        "add program, args, any_arg, cwd or paths (program = [\"*\"] if you "
                        "really mean every program)");
    }
    CORDON_ASSIGN_OR_RETURN(CompiledRule rule, compile_rule(spec, context));
    CORDON_TRY(check_examples(spec, rule, context));
    set.rules_.push_back(std::move(rule));
  }
  return set;
}

std::vector<size_t> RuleSet::match(const ProgramStart& start) const {
  std::vector<size_t> matched;
  if (rules_.empty()) return matched;
  const Subject subject = make_subject(start, false);
  for (size_t i = 0; i < rules_.size(); ++i) {
    if (rule_matches(rules_[i], subject)) matched.push_back(i);
  }
  return matched;
}

}  // namespace cordon::gate
