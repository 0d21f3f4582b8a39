// Repositories nested in the workspace without a gitlink: a workspace that is a plain directory of
// clones, or a clone the workspace's repository ignores (third_party/lib, build/_deps/x-src). The
// host's git runs in each when the user works there (`git status` in proj runs proj's
// core.fsmonitor and hooks), so the ones present when the session starts get their config, hooks
// and info protected like the workspace's own (cli/git_redirect_guard.h).
//
// The search runs before every session, so it is bounded: breadth first, to a depth and a number
// of directories, never into a `.git` (a repository's internals) or `node_modules` (package
// trees: npm and its peers install git dependencies without their `.git`, and it is where most of
// a JavaScript workspace's directories are). Symbolic links are not followed.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

namespace cordon::box {

struct NestedRepoBounds {
  // A repository is found when its directory is at most this many levels below the search's
  // start (ws/a/b/c at 3: a workspace of organisations of clones, build/_deps/x-src, venv/src/pkg).
  // Deeper ones are not looked for, and no notice says so: most workspaces have directories deeper
  // than this.
  size_t max_depth = 3;
  // Directories visited (listed, or at the last level looked into) at most; the search stops there
  // and says where (first_unsearched).
  size_t max_directories = 2048;
  // For the guard's fail-closed path (an index it cannot read through, cli/git_redirect_guard.h),
  // where every repository git could recurse into must be found, not only those worth protecting:
  // `node_modules` is searched too, and a `.git` symbolic link counts (git follows one).
  bool every_repository = false;
};

struct NestedRepos {
  // Relative to the workspace, shallowest first: directories below the start holding a `.git`
  // directory or file (a worktree's or submodule's gitfile). A `.git` symlink is not one (unless
  // every_repository): cordon cannot cover a link with a read-only mount, and refusing to start
  // over it would be worse.
  std::vector<std::string> repositories;
  // The first directory the search did not list because it had reached max_directories ("" when
  // it did not); it and what lies beneath it, and everything after it in breadth-first order,
  // were not searched.
  std::string first_unsearched;
  size_t directories_visited = 0;
};

// Bounds for that path: no depth bound, and 32 times the start's directory bound.
NestedRepoBounds every_repository_bounds(const NestedRepoBounds& start);

// Searches `under` (relative to the workspace, "" for the workspace itself), beneath the
// workspace without following a link; a directory that cannot be opened or read is passed over.
NestedRepos find_nested_repositories(const std::string& workspace, const std::string& under,
                                     const NestedRepoBounds& bounds = {});

}  // namespace cordon::box
