// What the box can leave in the workspace that sends the host's git to config and hooks of the
// box's choosing, though `.git/config` and `.git/hooks` are read-only in the box:
// - `.git/commondir` ("../evil" makes git read ../evil/config and run ../evil/hooks). `.git`
//   stays writable in the box so that git can commit there, and git refuses an empty commondir,
//   so no placeholder can hold its place;
// - a repository embedded in the workspace's (box/embedded_repos.h): `git status` recurses into
//   it and runs git there with its own config.
// Both hold for each repository the user had embedded too (git status recurses through them), so
// the guard watches the workspace's repository and those, nested ones included (up to
// kMaxWatchedRepositories; those beyond it are named in a notice at the end, since nothing
// protected them). The things the session created are moved aside when it ends, before the
// user's next git command on the host reads them; the ones the user had before are left alone.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "box/embedded_repos.h"

namespace cordon::cli {

class GitRedirectGuard {
 public:
  static constexpr size_t kMaxWatchedRepositories = 64;

  // Notes what the workspace holds now (a linked layout or embedded repositories the user made).
  explicit GitRedirectGuard(std::string workspace);

  // The config, hooks and info of each repository embedded in the workspace's when the session
  // began, relative to the workspace: the box's git cannot change what the host's git runs there
  // (the workspace's own are in every profile's protected paths).
  std::vector<std::string> embedded_protected_paths() const;

  // Renames what the session created to NAME.cordon-SESSION and returns one line per change (or
  // per thing that could not be checked or moved) for the user; nothing otherwise.
  std::vector<std::string> move_aside_new(const std::string& session_id) const;

 private:
  // A repository as the session found it: the workspace's own (path "") or an embedded one.
  struct Repository {
    std::string path;  // relative to the workspace
    box::RepositoryScan before;
  };

  std::vector<std::string> move_commondir_aside(const Repository& repo,
                                                const box::RepositoryScan& now,
                                                const std::string& session_id) const;
  std::vector<std::string> move_embedded_aside(const Repository& repo,
                                               const box::RepositoryScan& now,
                                               const std::string& session_id) const;
  std::vector<std::string> unwatched_notice() const;
  std::string where(const Repository& repo) const;

  std::string workspace_;
  std::vector<Repository> repositories_;  // the workspace's first
  std::vector<std::string> unwatched_;    // embedded repositories beyond the limit, unprotected
};

}  // namespace cordon::cli
