// Loading a Policy: built-in profile, then the user file, the workspace file, --config, flags.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "policy/policy.h"

namespace cordon::policy {

struct LoadRequest {
  std::optional<std::string> profile_flag;  // --profile NAME (wins over every file)
  std::optional<std::string> config_flag;   // --config FILE (must exist)
  std::string workspace;                    // canonical absolute path of the workspace
  std::string user_config_path;  // $XDG_CONFIG_HOME/cordon/config.toml (may be absent)
  std::string home;              // the user's home, for "~" in paths
  // The last layer: --network none|proxy and --allow HOST[:PORT] (repeatable).
  std::optional<std::string> network_flag;
  std::vector<std::string> allow_flags;
};

// Loads and validates the effective policy. Errors name the file, the line and a hint.
//
// The workspace file (<workspace>/cordon.toml) comes with the repository, so it is untrusted: it
// may tighten anything but may not weaken a wall (extra host paths, passed environment,
// best-effort Landlock, persistent home, network allow rules...) unless the user file lists the
// workspace under `trusted_workspaces`.
Result<Policy> load_policy(const LoadRequest& request);

// The built-in profile alone, with every origin set to "profile NAME".
Policy builtin_profile(Profile profile);

// The paths every profile hides / protects (config files can add to them, never remove).
const std::vector<std::string>& builtin_hidden_paths();
const std::vector<std::string>& builtin_protected_paths();
// Protected entries that need no placeholder when missing: a shell rc file matters only when the
// workspace holds the real one (a dotfiles repository that ~/.bashrc links into), and then it
// exists and is kept read-only; a new one in a workspace is read by nothing on the host.
bool protected_only_if_present(std::string_view entry);

// Parses one TOML document over `base` (the unit-testable core of load_policy). `source_name`
// appears in errors and origins and is appended to `sources`; `trusted` false applies the
// workspace-file restrictions. Scalars override, lists append (skipping entries already present).
// The `profile` key is validated but does not rebase: choosing the built-in to start from is
// load_policy's job. `trusted_workspaces` is refused (it belongs in the user file only).
Result<Policy> apply_toml(const Policy& base, const std::string& toml_text,
                          const std::string& source_name, bool trusted);

// The ports of network.loopback_ports, ranges expanded (entries were validated at load).
std::vector<uint16_t> loopback_ports(const NetworkPolicy& network);

// "512M", "4G", "1024" -> bytes. Errors carry a hint about the accepted forms.
Result<uint64_t> parse_size(const std::string& text);
// "90s", "30m", "2h", "1h30m", "3600" -> seconds.
Result<uint64_t> parse_duration(const std::string& text);
// The inverses, in the largest exact unit ("4G", "512M", "1000"; "8h", "90m", "45s"); the
// results parse back to the same value.
std::string format_size(uint64_t bytes);
std::string format_duration(uint64_t seconds);

// The effective policy as annotated TOML: every value with a "# from ORIGIN" comment.
std::string render_policy(const Policy& policy);

}  // namespace cordon::policy
