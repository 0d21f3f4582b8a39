// What `run` and `verify` share: finding the workspace, loading the policy, describing the user
// and building the LaunchRequest.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "base/result.h"
#include "box/launch.h"
#include "policy/policy.h"

namespace cordon::cli {

struct CommonOptions {
  std::optional<std::string> profile;
  std::optional<std::string> config;
  std::optional<std::string> workspace;
  std::optional<std::string> network;  // --network none|proxy
  std::vector<std::string> allow;      // --allow HOST[:PORT], repeatable
};

struct UserFacts {
  std::string name;
  std::string home;
  std::string shell;
  std::string config_dir;  // $XDG_CONFIG_HOME/cordon
  std::string state_dir;   // $XDG_STATE_HOME/cordon (or /var/lib/cordon for root)
};

UserFacts current_user();

// The canonical workspace: --workspace, else the current directory.
Result<std::string> resolve_workspace(const std::optional<std::string>& flag);

// Loads the policy for `workspace` with the common flags.
Result<policy::Policy> load_effective_policy(const CommonOptions& options,
                                             const std::string& workspace, const UserFacts& user);

// A random session id (16 hex digits).
Result<std::string> new_session_id();

// Builds the LaunchRequest for `command` (empty: the user's shell), changing nothing on the host.
// The request points into `policy`, which must outlive it.
Result<box::LaunchRequest> make_launch_request(const policy::Policy& policy,
                                               const std::string& workspace, const UserFacts& user,
                                               std::vector<std::string> command);

// Creates the request's kept home (home = "persist"), private to the user, if it is not there.
Result<void> create_kept_home(const box::LaunchRequest& request);

}  // namespace cordon::cli
