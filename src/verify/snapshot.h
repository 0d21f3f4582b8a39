// A snapshot of the protected part of a workspace, taken before and after the box ran.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "verify/protected_plan.h"

namespace cordon::verify {

// One protected path as found on disk (symlinks are not followed).
struct SnapshotEntry {
  char type = '?';    // 'f' file, 'd' directory, 'l' symlink, '?' other
  uint32_t mode = 0;  // permission bits
  uint64_t size = 0;
  uint64_t hash = 0;  // FNV-1a of the content (files) or the target (symlinks)
  bool operator==(const SnapshotEntry&) const = default;
};

// Workspace-relative path -> entry, for every path that is protected or is an ancestor of one.
using Snapshot = std::map<std::string, SnapshotEntry>;

Snapshot take_snapshot(const std::string& workspace, const std::vector<ProtectedEntry>& entries);

// Differences between two snapshots, one line each ("changed .git/config", "created .envrc").
// An empty file or directory that appears is tolerated: the launcher may leave an empty
// placeholder where a missing protected path was pinned, and an empty name runs no code.
std::vector<std::string> diff_snapshots(const Snapshot& before, const Snapshot& after);

}  // namespace cordon::verify
