// Repositories embedded in the workspace's repository: a gitlink in the workspace's .git/index
// whose directory holds a `.git` of its own. The host's `git status` in the workspace recurses
// into each one and runs git there with that repository's config (core.fsmonitor runs a command),
// and a box can make one in three commands: `git init vendor`, a config line, `git add vendor`.
// The workspace's index must stay writable for commits, so the check is made when the session
// ends, against the ones there were when it began.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "base/result.h"

namespace cordon::box {

// What one repository in the workspace holds that sends the host's git elsewhere, looked up
// beneath the workspace without following a symbolic link (git does not follow one either).
struct RepositoryScan {
  // `repo`/.git/commondir exists. A commondir makes git read config and hooks from the directory
  // it names; git refuses an empty one, so no placeholder can hold its place while the box runs.
  bool has_commondir = false;
  // The paths (relative to the workspace) of the gitlinks in `repo`/.git/index, and in the shared
  // index a split index names, whose directory holds a `.git` (of any kind). Empty when the
  // repository has no .git directory or no index.
  std::vector<std::string> embedded;
  // Why the index is there but could not be read, or is not a regular file; "" otherwise.
  std::string unreadable;
  // core.hooksPath as `repo`/.git/config sets it (box/git_hooks_path.h); nullopt when unset or
  // the config is unreadable.
  std::optional<std::string> hooks_path;
};

// Where `repo` (relative to the workspace, "" for the workspace's own repository) is, for
// messages.
std::string repository_path(const std::string& workspace, const std::string& repo);

// `repo` is relative to the workspace, "" for the workspace's own repository.
RepositoryScan scan_repository(const std::string& workspace, const std::string& repo);

// Renames `repo`/.git/commondir to commondir.cordon-`session_id` (never replacing anything),
// beneath the workspace without following links; returns the new path.
Result<std::string> move_commondir_aside(const std::string& workspace, const std::string& repo,
                                         const std::string& session_id);

// Renames `workspace`/`path`/.git to .git.cordon-`session_id` (never replacing anything),
// beneath the workspace without following links; returns the new path.
Result<std::string> move_embedded_git_aside(const std::string& workspace, const std::string& path,
                                            const std::string& session_id);

}  // namespace cordon::box
