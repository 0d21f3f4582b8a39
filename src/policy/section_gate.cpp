// [gate]: the approval thresholds, the ask timeout and the `[[gate.rule]]` entries. Each rule is
// compiled with the gate's own compiler at load (gate/rules.h), so a bad glob or an example the
// rule gets wrong is an error with its file and line, as the gate would read it.
#include <algorithm>
#include <array>
#include <vector>

#include "gate/rules.h"
#include "policy/paths.h"
#include "policy/sections.h"
#include "policy/suggest.h"

namespace cordon::policy {
namespace {

constexpr uint64_t kMaxTimeoutSeconds = 86400;

Result<void> apply_ask_at(LayerState& st, const Field& f) {
  CORDON_ASSIGN_OR_RETURN(auto value, as_enum<RiskLevel>(st.ctx, f));
  assign(st, f, st.out.gate.ask_at, value);
  return Ok{};
}

Result<void> apply_reviewers(LayerState& st, const Field& f) {
  const auto* i = f.node.as_integer();
  if (i == nullptr) return wrong_type(st.ctx, f, "an integer", "2");
  if (i->get() != 1 && i->get() != 2) {
    return error_at(st.ctx, f.line(), f.name + " must be 1 or 2, not " + std::to_string(i->get()),
                    "1: any one reviewer may answer; 2: two distinct reviewers must agree");
  }
  assign(st, f, st.out.gate.reviewers, static_cast<int>(i->get()));
  return Ok{};
}

// How long an ask waits for its reviewers; then the start is denied.
Result<void> apply_timeout(LayerState& st, const Field& f) {
  CORDON_ASSIGN_OR_RETURN(auto seconds, as_duration(st.ctx, f, /*allow_none=*/false));
  if (!seconds || *seconds < 1 || *seconds > kMaxTimeoutSeconds) {
    return error_at(st.ctx, f.line(), f.name + " must be between 1s and 24h",
                    "an unanswered ask is denied when the timeout passes; for example: "
                    "timeout = \"5m\"");
  }
  assign(st, f, st.out.gate.timeout_seconds, *seconds);
  return Ok{};
}

// ---- [[gate.rule]] --------------------------------------------------------------------------

struct RuleKey {
  std::string_view name;
  Result<void> (*apply)(const LayerContext& ctx, const Field& f, gate::RuleSpec& rule);
};

Result<std::string> rule_string(const LayerContext& ctx, const Field& f, const char* example) {
  return as_string(ctx, f, example);
}

Result<std::vector<std::string>> rule_list(const LayerContext& ctx, const Field& f,
                                           const char* example) {
  CORDON_ASSIGN_OR_RETURN(std::vector<Item> items, as_string_list(ctx, f, example));
  std::vector<std::string> out;
  for (Item& item : items) out.push_back(std::move(item.value));
  return out;
}

// Program, cwd and paths name files: a control byte in one is a typo or an attempt to mislead.
Result<void> refuse_control_bytes_in(const LayerContext& ctx, const Field& f,
                                     const std::vector<std::string>& paths) {
  for (const std::string& path : paths) {
    auto bytes = refuse_control_bytes(path, "rule paths are names or globs such as \"deploy/**\"");
    if (!bytes.ok()) return error_at(ctx, f.line(), f.name, std::move(bytes).error());
  }
  return Ok{};
}

Result<void> rule_name(const LayerContext& ctx, const Field& f, gate::RuleSpec& r) {
  CORDON_ASSIGN_OR_RETURN(r.name, rule_string(ctx, f, "\"no-force-push\""));
  if (r.name.empty()) {
    return error_at(ctx, f.line(), "gate.rule.name cannot be empty",
                    "decisions and audit events cite the rule by its name");
  }
  return Ok{};
}

// A string or an array of strings.
Result<void> rule_program(const LayerContext& ctx, const Field& f, gate::RuleSpec& r) {
  if (const auto* s = f.node.as_string()) {
    r.program = {s->get()};
    return refuse_control_bytes_in(ctx, f, r.program);
  }
  if (f.node.as_array() == nullptr) {
    return wrong_type(ctx, f, "a string or an array of strings", "[\"git\", \"/usr/bin/hg\"]");
  }
  CORDON_ASSIGN_OR_RETURN(r.program, rule_list(ctx, f, "[\"git\", \"/usr/bin/hg\"]"));
  return refuse_control_bytes_in(ctx, f, r.program);
}

Result<void> rule_args(const LayerContext& ctx, const Field& f, gate::RuleSpec& r) {
  CORDON_ASSIGN_OR_RETURN(r.args, rule_list(ctx, f, "[\"push\", \"**\", \"--force\"]"));
  return Ok{};
}

Result<void> rule_any_arg(const LayerContext& ctx, const Field& f, gate::RuleSpec& r) {
  CORDON_ASSIGN_OR_RETURN(r.any_arg, rule_list(ctx, f, "[\"--force\", \"-f\"]"));
  return Ok{};
}

Result<void> rule_cwd(const LayerContext& ctx, const Field& f, gate::RuleSpec& r) {
  CORDON_ASSIGN_OR_RETURN(r.cwd, rule_string(ctx, f, "\"deploy/**\""));
  return refuse_control_bytes_in(ctx, f, {r.cwd});
}

Result<void> rule_paths(const LayerContext& ctx, const Field& f, gate::RuleSpec& r) {
  CORDON_ASSIGN_OR_RETURN(r.paths, rule_list(ctx, f, "[\"migrations/**\", \"~/.config/*\"]"));
  return refuse_control_bytes_in(ctx, f, r.paths);
}

Result<void> rule_action(const LayerContext& ctx, const Field& f, gate::RuleSpec& r) {
  CORDON_ASSIGN_OR_RETURN(std::string text, rule_string(ctx, f, "\"ask\""));
  for (gate::Action a : {gate::Action::kAllow, gate::Action::kAsk, gate::Action::kDeny}) {
    if (text == gate::to_string(a)) {
      r.action = a;
      return Ok{};
    }
  }
  return error_at(ctx, f.line(), f.name + " cannot be \"" + text + "\"",
                  "accepted values: allow, ask, deny");
}

Result<void> rule_reason(const LayerContext& ctx, const Field& f, gate::RuleSpec& r) {
  CORDON_ASSIGN_OR_RETURN(r.reason, rule_string(ctx, f, "\"force pushes rewrite shared history\""));
  return Ok{};
}

Result<void> rule_match(const LayerContext& ctx, const Field& f, gate::RuleSpec& r) {
  CORDON_ASSIGN_OR_RETURN(r.match, rule_list(ctx, f, "[\"git push -f origin main\"]"));
  return Ok{};
}

Result<void> rule_not_match(const LayerContext& ctx, const Field& f, gate::RuleSpec& r) {
  CORDON_ASSIGN_OR_RETURN(r.not_match, rule_list(ctx, f, "[\"git push origin main\"]"));
  return Ok{};
}

constexpr std::array<RuleKey, 10> kRuleKeys{{
    {"name", rule_name},
    {"program", rule_program},
    {"args", rule_args},
    {"any_arg", rule_any_arg},
    {"cwd", rule_cwd},
    {"paths", rule_paths},
    {"action", rule_action},
    {"reason", rule_reason},
    {"match", rule_match},
    {"not_match", rule_not_match},
}};

Error unknown_rule_key(const LayerContext& ctx, int line, std::string_view key) {
  std::vector<std::string_view> names;
  std::string list;
  for (const RuleKey& k : kRuleKeys) {
    names.push_back(k.name);
    list += (list.empty() ? "" : ", ") + std::string(k.name);
  }
  std::string hint;
  std::string guess = closest_match(key, names);
  if (!guess.empty()) hint = "did you mean \"" + guess + "\"? ";
  return error_at(ctx, line, "unknown key \"" + std::string(key) + "\" in [[gate.rule]]",
                  hint + "[[gate.rule]] keys: " + list);
}

// One [[gate.rule]] table into a RuleSpec; keys are read in file order so the first error on
// the page is the one reported.
Result<gate::RuleSpec> read_rule(const LayerContext& ctx, const toml::table& table, int line) {
  gate::RuleSpec rule;
  rule.origin = ctx.source + ":" + std::to_string(line);
  std::vector<std::pair<const toml::key*, const toml::node*>> entries;
  for (const auto& [key, node] : table) entries.emplace_back(&key, &node);
  std::stable_sort(entries.begin(), entries.end(), [](const auto& a, const auto& b) {
    return a.first->source().begin.line < b.first->source().begin.line;
  });
  for (const auto& [key, node] : entries) {
    Field f{"gate.rule." + std::string(key->str()), *key, *node};
    auto spec = std::find_if(kRuleKeys.begin(), kRuleKeys.end(),
                             [&](const RuleKey& k) { return k.name == key->str(); });
    if (spec == kRuleKeys.end()) return unknown_rule_key(ctx, f.line(), key->str());
    CORDON_TRY(spec->apply(ctx, f, rule));
  }
  if (rule.name.empty()) {
    return error_at(ctx, line, "a [[gate.rule]] has no name",
                    "give every rule a unique name = \"...\": decisions and audit events cite it");
  }
  return rule;
}

// The line of a [[gate.rule]] header: its own position, else the first key's line minus one.
int rule_line(const toml::table& table, int fallback) {
  int line = static_cast<int>(table.source().begin.line);
  if (line > 0) return line;
  int first = 0;
  for (const auto& [key, node] : table) {
    int l = static_cast<int>(key.source().begin.line);
    if (l > 0 && (first == 0 || l < first)) first = l;
  }
  return first > 1 ? first - 1 : fallback;
}

Result<void> check_rule(LayerState& st, const gate::RuleSpec& rule, int line) {
  for (const gate::RuleSpec& earlier : st.out.gate.rules.value) {
    if (earlier.name != rule.name) continue;
    return error_at(st.ctx, line,
                    "gate.rule \"" + rule.name + "\": the name is already taken by the rule at " +
                        earlier.origin,
                    "rule names are unique across every policy file");
  }
  // An untrusted file may make the gate ask or deny more, never allow more.
  if (!st.ctx.trusted && rule.action == gate::Action::kAllow) {
    return error_at(st.ctx, line,
                    "gate.rule \"" + rule.name +
                        "\": an untrusted workspace file may add ask and deny rules, not allow "
                        "rules",
                    "put allow rules in your user config file ($XDG_CONFIG_HOME/cordon/"
                    "config.toml) or a file you pass with --config; or " +
                        untrusted_hint().substr(untrusted_hint().find("if you trust")));
  }
  // Compiled alone, without its origin: error_at already says where it is.
  gate::RuleSpec bare = rule;
  bare.origin.clear();
  auto compiled = gate::RuleSet::compile({bare}, gate::RiskContext{st.ctx.workspace, st.ctx.home});
  if (!compiled.ok()) {
    return error_at(st.ctx, line, compiled.error().message(), compiled.error().hint());
  }
  return Ok{};
}

Result<void> apply_rules(LayerState& st, const Field& f) {
  const auto* array = f.node.as_array();
  if (array == nullptr || !array->is_array_of_tables()) {
    return error_at(st.ctx, f.line(), "gate.rule must be an array of tables",
                    "write each rule under its own [[gate.rule]] header");
  }
  for (const toml::node& element : *array) {
    const toml::table& table = *element.as_table();
    const int line = rule_line(table, f.line());
    CORDON_ASSIGN_OR_RETURN(gate::RuleSpec rule, read_rule(st.ctx, table, line));
    CORDON_TRY(check_rule(st, rule, line));
    st.out.gate.rules.value.push_back(std::move(rule));
    st.out.gate.rules.origin = Origin{st.ctx.source, line};
  }
  st.key_lines[f.name] = f.line();
  return Ok{};
}

Result<void> apply_unsafe_disabled(LayerState& st, const Field& f) {
  const auto* b = f.node.as_boolean();
  if (b == nullptr) return wrong_type(st.ctx, f, "true or false", "false");
  assign(st, f, st.out.gate.unsafe_disabled, b->get());
  return Ok{};
}

constexpr std::array<KeySpec, 5> kKeys{{
    {"ask_at", apply_ask_at},
    {"reviewers", apply_reviewers},
    {"timeout", apply_timeout},
    {"rule", apply_rules},
    {"unsafe_disabled", apply_unsafe_disabled},
}};

}  // namespace

std::span<const KeySpec> gate_keys() { return kKeys; }

Result<void> apply_gate(LayerState& st, const Field& f) {
  CORDON_ASSIGN_OR_RETURN(const toml::table* table, as_table(st.ctx, f));
  return apply_keys(st, *table, "gate", kKeys);
}

}  // namespace cordon::policy
