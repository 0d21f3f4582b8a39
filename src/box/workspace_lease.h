// WorkspaceLease: coordinates the placeholders of protected paths between cordon sessions.
//
// Missing protected paths get an empty placeholder on the host for the session (something to
// bind read-only over). Two sessions may share a workspace, and unlinking a file that is a
// mount point in another session's box would silently detach that box's protection, so a
// placeholder is removed only by the last session using the workspace. A session that died
// (SIGKILL) leaves its placeholders listed in the registry; the next session that finds itself
// alone removes those that are still empty.
//
// Every session holds a shared flock on <state>/workspaces/<key>.lock; only a session that can
// turn it into an exclusive lock (no one else is there) removes placeholders.
#pragma once

#include <string>
#include <vector>

#include "base/result.h"
#include "base/unique_fd.h"

namespace cordon::box {

class WorkspaceLease {
 public:
  // Takes the lease for `workspace` (canonical) under `state_dir`; removes stale placeholders
  // when no other session holds the workspace.
  static Result<WorkspaceLease> acquire(const std::string& state_dir, const std::string& workspace);

  WorkspaceLease(WorkspaceLease&&) = default;
  WorkspaceLease& operator=(WorkspaceLease&&) = default;
  ~WorkspaceLease();

  // Records a placeholder before it is created (so a crash in between cannot lose track of it).
  Result<void> record(const std::string& path, bool is_dir);
  // Ends the lease; the last session removes every listed placeholder that is still empty.
  void release();

 private:
  WorkspaceLease(UniqueFd lock, std::string registry)
      : lock_(std::move(lock)), registry_(std::move(registry)) {}
  void remove_listed_placeholders();

  UniqueFd lock_;
  std::string registry_;
  UniqueFd registry_fd_;  // opened at the first record, appended to by every record
};

// A stable short name for a workspace path (FNV-1a, hex), for per-workspace state.
std::string workspace_key(const std::string& workspace);

}  // namespace cordon::box
