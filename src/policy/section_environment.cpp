// [environment]: host variables passed into the box, and variables set in it.
#include <array>
#include <map>

#include "policy/sections.h"
#include "policy/values.h"

namespace cordon::policy {
namespace {

Result<void> apply_pass(LayerState& st, const Field& f) {
  CORDON_ASSIGN_OR_RETURN(std::vector<Item> items,
                          as_string_list(st.ctx, f, "[\"ANTHROPIC_API_KEY\", \"MY_*\"]"));
  std::vector<std::string> names;
  for (const Item& item : items) {
    auto checked = check_env_pattern(item.value);
    if (!checked.ok()) return error_at(st.ctx, item.line, f.name, std::move(checked).error());
    names.push_back(item.value);
  }
  append(st, f, st.out.environment.pass, names);
  return Ok{};
}

// Merged per name: a later layer replaces the values it names and keeps the others.
Result<void> apply_set(LayerState& st, const Field& f) {
  const auto* table = f.node.as_table();
  if (table == nullptr) return wrong_type(st.ctx, f, "a table of strings", "{ FOO = \"bar\" }");
  std::map<std::string, std::string> merged = st.out.environment.set.value;
  for (const auto& [key, node] : *table) {
    std::string name(key.str());
    int line = static_cast<int>(key.source().begin.line);
    if (!is_env_name(name)) {
      return error_at(st.ctx, line, f.name + ": invalid environment variable name \"" + name + "\"",
                      "a name is letters, digits and \"_\", not starting with a digit");
    }
    const auto* value = node.as_string();
    if (value == nullptr) {
      return error_at(
          st.ctx, line,
          f.name + "." + name + " must be a string, not " + std::string(type_name(node)),
          "quote the value: " + name + " = \"...\"");
    }
    merged[name] = value->get();
  }
  assign(st, f, st.out.environment.set, std::move(merged));
  return Ok{};
}

constexpr std::array<KeySpec, 2> kKeys{{
    {"pass", apply_pass},
    {"set", apply_set},
}};

}  // namespace

std::span<const KeySpec> environment_keys() { return kKeys; }

Result<void> apply_environment(LayerState& st, const Field& f) {
  CORDON_ASSIGN_OR_RETURN(const toml::table* table, as_table(st.ctx, f));
  return apply_keys(st, *table, "environment", kKeys);
}

}  // namespace cordon::policy
