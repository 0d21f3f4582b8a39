// Internal: reading typed values out of toml++ nodes, with FILE:LINE errors that say what was
// expected, and dispatching the keys of a table to their handlers (unknown keys are errors).
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "policy/enum_names.h"
#include "policy/layer.h"
#include "policy/toml.h"

namespace cordon::policy {

// One key = value of the document, named by its dotted path ("resources.memory").
struct Field {
  std::string name;
  const toml::key& key;
  const toml::node& node;

  int line() const;  // the line of the key (for a multi-line list, the line that opens it)
};

// "a string", "an integer"... for "expected X, found Y" messages.
std::string_view type_name(const toml::node& node);

// "FILE:LINE: KEY must be EXPECTED, not a boolean" with an example as the hint.
Error wrong_type(const LayerContext& ctx, const Field& f, std::string_view expected,
                 std::string example);

Result<std::string> as_string(const LayerContext& ctx, const Field& f, std::string example);

struct Item {
  std::string value;
  int line = 0;
};
// An array of strings; each entry keeps its own line.
Result<std::vector<Item>> as_string_list(const LayerContext& ctx, const Field& f,
                                         std::string example);

template <class E>
Result<E> as_enum(const LayerContext& ctx, const Field& f) {
  CORDON_ASSIGN_OR_RETURN(std::string text, as_string(ctx, f, "\"" + enum_choices<E>() + "\""));
  if (auto value = enum_from_string<E>(text)) return *value;
  return error_at(ctx, f.line(), f.name + " cannot be \"" + text + "\"",
                  "accepted values: " + enum_choices<E>());
}

// A size: "512M", "4G" or an integer number of bytes; "none" (when `allow_none`) is nullopt.
Result<std::optional<uint64_t>> as_size(const LayerContext& ctx, const Field& f, bool allow_none);
// A duration: "90s", "2h" or an integer number of seconds; "none" (when `allow_none`) is nullopt.
Result<std::optional<uint64_t>> as_duration(const LayerContext& ctx, const Field& f,
                                            bool allow_none);

Result<const toml::table*> as_table(const LayerContext& ctx, const Field& f);

// Writes a scalar and records where it came from.
template <class T>
void assign(LayerState& st, const Field& f, Setting<T>& setting, T value) {
  setting.value = std::move(value);
  setting.origin = Origin{st.ctx.source, f.line()};
  st.key_lines[f.name] = f.line();
}

// Appends the entries not already present (lists behave as ordered sets); when one was added,
// records the origin.
void append(LayerState& st, const Field& f, Setting<std::vector<std::string>>& setting,
            const std::vector<std::string>& entries);

using KeyHandler = Result<void> (*)(LayerState& st, const Field& f);
struct KeySpec {
  std::string_view name;
  KeyHandler apply;
};

// Calls the handler of every key of `table`; an unknown key is an error that suggests the
// closest known one. `section` is "" for the top level, else "resources" etc.
Result<void> apply_keys(LayerState& st, const toml::table& table, std::string_view section,
                        std::span<const KeySpec> keys);

}  // namespace cordon::policy
