// One policy document over the policy beneath it: top-level keys, then whole-result checks, then
// (for an untrusted workspace file) the refusal of anything that would weaken the base.
#include <algorithm>
#include <array>

#include "policy/loader.h"
#include "policy/paths.h"
#include "policy/sections.h"

namespace cordon::policy {
namespace {

// Validated only: the built-in to start from is chosen by load_policy before any layer applies.
Result<void> apply_profile(LayerState& st, const Field& f) {
  auto profile = as_enum<Profile>(st.ctx, f);
  if (!profile.ok()) return std::move(profile).error();
  return Ok{};
}

Result<std::vector<std::string>> trusted_workspace_list(const LayerContext& ctx, const Field& f) {
  if (ctx.kind != LayerKind::kUser) {
    return error_at(ctx, f.line(), "trusted_workspaces is only read from your user config file",
                    "move it to your user config file ($XDG_CONFIG_HOME/cordon/config.toml): a "
                    "file anywhere else must not decide which workspaces are trusted");
  }
  CORDON_ASSIGN_OR_RETURN(std::vector<Item> items, as_string_list(ctx, f, "[\"~/src/myproj\"]"));
  std::vector<std::string> paths;
  for (const Item& item : items) {
    auto path = normalize_host_path(item.value);
    if (!path.ok()) return error_at(ctx, item.line, f.name, std::move(path).error());
    paths.push_back(*path);
  }
  return paths;
}

Result<void> apply_trusted_workspaces(LayerState& st, const Field& f) {
  // Validated here; load_policy reads the list (read_trusted_workspaces). Not part of a Policy.
  auto paths = trusted_workspace_list(st.ctx, f);
  if (!paths.ok()) return std::move(paths).error();
  return Ok{};
}

constexpr std::array<KeySpec, 9> kTopKeys{{
    {"profile", apply_profile},
    {"trusted_workspaces", apply_trusted_workspaces},
    {"filesystem", apply_filesystem},
    {"environment", apply_environment},
    {"resources", apply_resources},
    {"network", apply_network},
    {"gate", apply_gate},
    {"credentials", apply_credentials},
    {"audit", apply_audit},
}};

// `memory = "4G"` at the top level: a key of a table written above its table header.
Result<void> refuse_misplaced_keys(const LayerState& st, const toml::table& doc) {
  struct Table {
    const char* name;
    std::span<const KeySpec> keys;
  };
  const Table tables[] = {{"filesystem", filesystem_keys()},
                          {"environment", environment_keys()},
                          {"resources", resources_keys()},
                          {"network", network_keys()},
                          {"gate", gate_keys()},
                          {"audit", audit_keys()}};
  for (const auto& [key, node] : doc) {
    if (node.is_table()) continue;
    for (const Table& table : tables) {
      for (const KeySpec& spec : table.keys) {
        if (spec.name != key.str()) continue;
        return error_at(st.ctx, static_cast<int>(key.source().begin.line),
                        "unknown key \"" + std::string(key.str()) + "\" at the top level",
                        "did you mean \"" + std::string(key.str()) + "\" in [" + table.name +
                            "]? write it under a [" + table.name + "] header");
      }
    }
  }
  return Ok{};
}

// Reports the first weakening in file order (every one of them is on a line of this layer).
Result<void> refuse_weakening(const LayerState& st) {
  std::vector<Weakening> found = find_weakenings(st.base, st.out);
  if (found.empty()) return Ok{};
  auto first = std::min_element(found.begin(), found.end(), [](const auto& a, const auto& b) {
    return a.origin.line < b.origin.line;
  });
  return error_at(
      st.ctx, first->origin.line,
      "an untrusted workspace file may tighten the policy but not weaken it: it " + first->what,
      untrusted_hint());
}

}  // namespace

std::string untrusted_hint() {
  return "the workspace's cordon.toml comes with the repository, so cordon does not let it "
         "weaken a wall; if you trust this workspace, add it to trusted_workspaces in your user "
         "config file ($XDG_CONFIG_HOME/cordon/config.toml), or pass the settings with --config";
}

Result<toml::table> parse_document(const std::string& text, const std::string& source) {
  try {
    return toml::parse(text, std::string_view(source));
  } catch (const toml::parse_error& e) {
    const auto& at = e.source().begin;
    return Error(Errc::kPolicy, source + ":" + std::to_string(at.line) + ":" +
                                    std::to_string(at.column) + ": " + std::string(e.description()))
        .with_hint("the file is not valid TOML (https://toml.io)");
  }
}

Result<Policy> apply_table(const Policy& base, const toml::table& doc, const LayerContext& ctx) {
  LayerState st{ctx, base, base};
  CORDON_TRY(refuse_misplaced_keys(st, doc));
  CORDON_TRY(apply_keys(st, doc, "", kTopKeys));
  CORDON_TRY(check_consistency(st));
  if (!ctx.trusted) CORDON_TRY(refuse_weakening(st));
  st.out.sources.push_back(ctx.source);
  return std::move(st.out);
}

Result<std::optional<Setting<Profile>>> read_profile_key(const toml::table& doc,
                                                         const LayerContext& ctx) {
  auto it = doc.find("profile");
  if (it == doc.end()) return std::optional<Setting<Profile>>();
  Field f{"profile", it->first, it->second};
  CORDON_ASSIGN_OR_RETURN(Profile profile, as_enum<Profile>(ctx, f));
  return std::optional<Setting<Profile>>(Setting<Profile>{profile, Origin{ctx.source, f.line()}});
}

Result<std::vector<std::string>> read_trusted_workspaces(const toml::table& doc,
                                                         const LayerContext& ctx) {
  auto it = doc.find("trusted_workspaces");
  if (it == doc.end()) return std::vector<std::string>();
  return trusted_workspace_list(ctx, Field{"trusted_workspaces", it->first, it->second});
}

Result<Policy> apply_toml(const Policy& base, const std::string& toml_text,
                          const std::string& source_name, bool trusted) {
  LayerContext ctx{source_name, trusted ? LayerKind::kText : LayerKind::kWorkspace, trusted, "", ""};
  CORDON_ASSIGN_OR_RETURN(toml::table doc, parse_document(toml_text, source_name));
  return apply_table(base, doc, ctx);
}

}  // namespace cordon::policy
