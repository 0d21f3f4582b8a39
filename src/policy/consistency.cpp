// Impossible combinations in the policy a layer produces: a path both shown and hidden, allow
// rules with no network. Each is reported on the line of this layer that made it impossible.
#include <algorithm>

#include "policy/layer.h"
#include "policy/loader.h"
#include "policy/paths.h"

namespace cordon::policy {
namespace {

bool is_builtin_hidden(const std::string& path) {
  const auto& builtins = builtin_hidden_paths();
  return std::find(builtins.begin(), builtins.end(), path) != builtins.end();
}

// A read/write entry added by this layer that lies in a hidden path (built-in or added).
Result<void> check_shown_not_hidden(const LayerState& st, const std::vector<PathEntry>& added,
                                    const char* key) {
  for (const PathEntry& entry : added) {
    for (const std::string& hidden : st.out.filesystem.hidden_paths.value) {
      if (!is_same_or_beneath(entry.path, hidden, st.ctx.home)) continue;
      return error_at(st.ctx, entry.line,
                      std::string(key) + ": \"" + entry.path + "\" is hidden (by \"" + hidden +
                          "\"): a path cannot be both shown and hidden",
                      is_builtin_hidden(hidden)
                          ? "\"" + hidden +
                                "\" is a built-in secret path and is never shown in a "
                                "box; give the agent a scoped copy elsewhere if it needs one"
                          : "remove it from " + std::string(key) + " or remove \"" + hidden +
                                "\" from filesystem.hide");
    }
  }
  return Ok{};
}

// A hide entry added by this layer that covers a path a lower layer shows.
Result<void> check_hidden_not_shown(const LayerState& st) {
  const auto& fs = st.base.filesystem;
  for (const PathEntry& entry : st.new_hide) {
    for (const auto* shown : {&fs.read_paths, &fs.write_paths}) {
      for (const std::string& path : shown->value) {
        if (!is_same_or_beneath(path, entry.path, st.ctx.home)) continue;
        return error_at(st.ctx, entry.line,
                        "filesystem.hide: \"" + entry.path + "\" hides \"" + path + "\", which " +
                            shown->origin.describe() +
                            " shows: a path cannot be both shown and hidden",
                        "remove one of the two entries");
      }
    }
  }
  return Ok{};
}

int line_of(const LayerState& st, const char* key) {
  auto it = st.key_lines.find(key);
  return it == st.key_lines.end() ? 0 : it->second;
}

Result<void> check_allow_needs_network(const LayerState& st) {
  const auto& net = st.out.network;
  if (net.mode.value != NetworkMode::kNone || net.allow.value.empty()) return Ok{};
  int line = line_of(st, "network.mode");
  if (line == 0) line = line_of(st, "network.allow");
  return error_at(st.ctx, line,
                  "network.allow has rules but network.mode = \"none\" allows no egress at all: "
                  "an impossible combination",
                  "set network.mode = \"proxy\" to use the allow rules, or remove them");
}

}  // namespace

Result<void> check_consistency(const LayerState& st) {
  CORDON_TRY(check_shown_not_hidden(st, st.new_read, "filesystem.read"));
  CORDON_TRY(check_shown_not_hidden(st, st.new_write, "filesystem.write"));
  CORDON_TRY(check_hidden_not_shown(st));
  CORDON_TRY(check_allow_needs_network(st));
  return Ok{};
}

}  // namespace cordon::policy
