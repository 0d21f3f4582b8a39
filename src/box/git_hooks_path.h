// Where a repository's hooks live when its config moves them (`core.hooksPath = .githooks`, as
// husky and many projects set it): a directory the box could write, whose scripts the host's
// next `git commit` runs. The guard protects it like `.git/hooks/` when it lies in the
// workspace (cli/git_redirect_guard.h).
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace cordon::box {

// The value of core.hooksPath in a git config file's text, the last one winning as in git;
// nullopt when the file does not set it. Section and key names are case-insensitive; a value
// may be quoted, and a comment (`#`, `;`) outside quotes ends it.
std::optional<std::string> hooks_path_setting(std::string_view config);

// `setting` as a path relative to the workspace, for the repository at `repo` (relative to the
// workspace, "" for its own): a relative setting is taken from the repository's top directory,
// where git runs hooks. nullopt when it leaves the workspace (an absolute path elsewhere, `..`
// above it, `~`) or is empty.
std::optional<std::string> hooks_path_in_workspace(const std::string& setting,
                                                   const std::string& repo,
                                                   const std::string& workspace);

}  // namespace cordon::box
