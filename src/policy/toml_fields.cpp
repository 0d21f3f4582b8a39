// Typed access to toml++ nodes with FILE:LINE errors, and key dispatch.
#include "policy/toml_fields.h"

#include <algorithm>
#include <vector>

#include "policy/loader.h"
#include "policy/suggest.h"

namespace cordon::policy {

int Field::line() const {
  int line = static_cast<int>(key.source().begin.line);
  return line > 0 ? line : static_cast<int>(node.source().begin.line);
}

std::string_view type_name(const toml::node& node) {
  switch (node.type()) {
    case toml::node_type::string:
      return "a string";
    case toml::node_type::integer:
      return "an integer";
    case toml::node_type::floating_point:
      return "a float";
    case toml::node_type::boolean:
      return "a boolean";
    case toml::node_type::array:
      return "an array";
    case toml::node_type::table:
      return "a table";
    case toml::node_type::date:
      return "a date";
    case toml::node_type::time:
      return "a time";
    case toml::node_type::date_time:
      return "a date-time";
    case toml::node_type::none:
      break;
  }
  return "nothing";
}

Error error_at(const LayerContext& ctx, int line, const std::string& what, std::string hint) {
  return Error(Errc::kPolicy, ctx.source + ":" + std::to_string(line) + ": " + what)
      .with_hint(std::move(hint));
}

Error error_at(const LayerContext& ctx, int line, const std::string& key, Error inner) {
  inner.context(key).context(ctx.source + ":" + std::to_string(line));
  return inner;
}

Error wrong_type(const LayerContext& ctx, const Field& f, std::string_view expected,
                 std::string example) {
  return error_at(
      ctx, f.line(),
      f.name + " must be " + std::string(expected) + ", not " + std::string(type_name(f.node)),
      "for example: " + std::string(f.key.str()) + " = " + example);
}

Result<std::string> as_string(const LayerContext& ctx, const Field& f, std::string example) {
  if (const auto* s = f.node.as_string()) return s->get();
  return wrong_type(ctx, f, "a string", std::move(example));
}

Result<std::vector<Item>> as_string_list(const LayerContext& ctx, const Field& f,
                                         std::string example) {
  const auto* array = f.node.as_array();
  if (array == nullptr) return wrong_type(ctx, f, "an array of strings", std::move(example));
  std::vector<Item> items;
  for (const toml::node& element : *array) {
    int line = static_cast<int>(element.source().begin.line);
    const auto* s = element.as_string();
    if (s == nullptr) {
      return error_at(ctx, line,
                      f.name + " entries must be strings, not " + std::string(type_name(element)),
                      "for example: " + std::string(f.key.str()) + " = " + example);
    }
    items.push_back(Item{s->get(), line > 0 ? line : f.line()});
  }
  return items;
}

namespace {

using TextParser = Result<uint64_t> (*)(const std::string&);

// Sizes and durations share one shape: a unit string, a bare integer, or "none".
Result<std::optional<uint64_t>> as_quantity(const LayerContext& ctx, const Field& f,
                                            bool allow_none, TextParser parse,
                                            std::string_view kind, const std::string& example) {
  std::string expected =
      "a " + std::string(kind) + " like " + example + (allow_none ? " or \"none\"" : "");
  if (const auto* i = f.node.as_integer()) {
    if (i->get() < 0) {
      return error_at(ctx, f.line(), f.name + " cannot be negative",
                      "for example: " + std::string(f.key.str()) + " = " + example);
    }
    return std::optional<uint64_t>(static_cast<uint64_t>(i->get()));
  }
  const auto* s = f.node.as_string();
  if (s == nullptr) return wrong_type(ctx, f, expected, example);
  if (allow_none && s->get() == "none") return std::optional<uint64_t>();
  auto parsed = parse(s->get());
  if (!parsed.ok()) return error_at(ctx, f.line(), f.name, std::move(parsed).error());
  return std::optional<uint64_t>(*parsed);
}

}  // namespace

Result<std::optional<uint64_t>> as_size(const LayerContext& ctx, const Field& f, bool allow_none) {
  return as_quantity(ctx, f, allow_none, parse_size, "size", "\"4G\"");
}

Result<std::optional<uint64_t>> as_duration(const LayerContext& ctx, const Field& f,
                                            bool allow_none) {
  return as_quantity(ctx, f, allow_none, parse_duration, "duration", "\"2h\"");
}

Result<const toml::table*> as_table(const LayerContext& ctx, const Field& f) {
  if (const auto* table = f.node.as_table()) return table;
  return error_at(ctx, f.line(), f.name + " must be a table, not " + std::string(type_name(f.node)),
                  "write it as a section: [" + f.name + "]");
}

void append(LayerState& st, const Field& f, Setting<std::vector<std::string>>& setting,
            const std::vector<std::string>& entries) {
  bool added = false;
  for (const auto& entry : entries) {
    if (std::find(setting.value.begin(), setting.value.end(), entry) == setting.value.end()) {
      setting.value.push_back(entry);
      added = true;
    }
  }
  // The origin names the last layer that added an entry, never one that only repeated them.
  if (added) setting.origin = Origin{st.ctx.source, f.line()};
  st.key_lines[f.name] = f.line();
}

namespace {

Error unknown_key(const LayerContext& ctx, const Field& f, std::string_view section,
                  std::span<const KeySpec> keys) {
  std::vector<std::string_view> names;
  std::string list;
  for (const auto& spec : keys) {
    names.push_back(spec.name);
    list += (list.empty() ? "" : ", ") + std::string(spec.name);
  }
  std::string where = section.empty() ? "at the top level" : "in [" + std::string(section) + "]";
  std::string hint;
  std::string guess = closest_match(f.key.str(), names);
  if (!guess.empty()) hint = "did you mean \"" + guess + "\"? ";
  hint +=
      (section.empty() ? std::string("top-level keys") : "[" + std::string(section) + "] keys") +
      ": " + list;
  return error_at(ctx, f.line(), "unknown key \"" + std::string(f.key.str()) + "\" " + where, hint);
}

}  // namespace

Result<void> apply_keys(LayerState& st, const toml::table& table, std::string_view section,
                        std::span<const KeySpec> keys) {
  for (const auto& [key, node] : table) {
    std::string name = section.empty() ? std::string(key.str())
                                       : std::string(section) + "." + std::string(key.str());
    Field f{name, key, node};
    auto spec = std::find_if(keys.begin(), keys.end(),
                             [&](const KeySpec& s) { return s.name == key.str(); });
    if (spec == keys.end()) return unknown_key(st.ctx, f, section, keys);
    CORDON_TRY(spec->apply(st, f));
  }
  return Ok{};
}

}  // namespace cordon::policy
