// Lexical checks on the paths a policy file names (host paths and workspace-relative paths).
// Pure string work: nothing here touches the filesystem, so symlinks are the box's concern
// (it resolves bind sources by file descriptor).
#pragma once

#include <string>

#include "base/result.h"

namespace cordon::policy {

// Normalises a host path written as "/abs/path" or "~/rel": collapses "//" and "." components,
// drops a trailing "/". Refuses relative paths and ".." components. "~" alone stays "~".
Result<std::string> normalize_host_path(const std::string& path);

// Normalises a path relative to the workspace root, keeping a trailing "/" (it marks a
// directory). Refuses absolute and "~" paths, ".." components and the workspace root itself.
Result<std::string> normalize_workspace_path(const std::string& path);

// True when `path` equals `root` or lies beneath it, comparing whole components
// ("/run/user/1" is beneath "/run/user", "/run/username" is not). Both are normalised host paths;
// when `home` is non-empty a leading "~" is expanded first so "~/x" and "/home/u/x" compare equal.
bool is_same_or_beneath(const std::string& path, const std::string& root, const std::string& home);

// "/" or "~": a bind of either would show the whole host or the whole home.
bool is_root_or_home(const std::string& normalized);

// The system directory `normalized` lies in or beneath ("/usr", "/lib64"...), or "" if none.
// These are shown read-only in every box; a writable bind would let the agent change what the
// host runs.
std::string system_dir_of(const std::string& normalized);

}  // namespace cordon::policy
