// Lexical checks on the paths a policy file names (host paths and workspace-relative paths).
// Pure string work: nothing here touches the filesystem (section_filesystem.cpp checks the
// resolved form of host paths too; the box resolves bind sources by file descriptor).
#pragma once

#include <string>

#include "base/result.h"

namespace cordon::policy {

// Refuses a path with a control byte (0x00-0x1f, 0x7f), naming the byte as \xNN; `hint` says
// what to write instead. A NUL ends the path at the syscall ("/etc\0x" is "/etc" to the kernel
// but not to a lexical check), and a newline or an escape sequence only serves to mislead.
Result<void> refuse_control_bytes(const std::string& path, const char* hint);

// Normalises a host path written as "/abs/path" or "~/rel": collapses "//" and "." components,
// drops a trailing "/". Refuses relative paths, ".." components and control bytes. "~" alone
// stays "~".
Result<std::string> normalize_host_path(const std::string& path);

// Normalises a path relative to the workspace root, keeping a trailing "/" (it marks a
// directory). Refuses absolute and "~" paths, ".." components, control bytes and the workspace
// root itself.
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
