// What the box can leave in the workspace that sends the host's git to config and hooks of the
// box's choosing, though `.git/config` and `.git/hooks` are read-only in the box:
// - `.git/commondir` ("../evil" makes git read ../evil/config and run ../evil/hooks). `.git`
//   stays writable in the box so that git can commit there, and git refuses an empty commondir,
//   so no placeholder can hold its place;
// - a repository embedded in the workspace's (box/embedded_repos.h): `git status` recurses into
//   it and runs git there with its own config.
// Both hold for each repository the user had embedded too (git status recurses through them), and
// for each repository nested in the workspace without a gitlink (box/nested_repos.h: the host's
// git runs there when the user works there), so the guard watches the workspace's repository and
// all of those it finds when the session starts (up to kMaxWatchedRepositories; those beyond it
// are named in a notice at the end, since nothing protected them). The things the session created
// are moved aside when it ends, before the user's next git command on the host reads them; the
// repositories the user had before are left alone.
//
// Fail closed: when a watched repository's index cannot be read through (a split index whose
// shared part is missing or does not match, a format cordon does not know), cordon cannot name
// its gitlinks, so every repository beneath it that the session did not begin with is moved
// aside, with a notice that says why.
#pragma once

#include <cstddef>
#include <functional>
#include <set>
#include <string>
#include <vector>

#include "box/embedded_repos.h"
#include "box/nested_repos.h"

namespace cordon::cli {

class GitRedirectGuard {
 public:
  static constexpr size_t kMaxWatchedRepositories = 64;

  // Notes what the workspace holds now (a linked layout, embedded or nested repositories the
  // user made). `bounds` limit the search for nested ones.
  explicit GitRedirectGuard(std::string workspace, const box::NestedRepoBounds& bounds = {});

  // The config, hooks and info of each repository watched (embedded in the workspace's or nested
  // in the workspace when the session began), relative to the workspace: the box's git cannot
  // change what the host's git runs there (the workspace's own are in every profile's protected
  // paths). With them, the hooks directory a watched repository's config names with
  // core.hooksPath when it lies in the workspace (box/git_hooks_path.h), unless it is a link.
  std::vector<std::string> repository_protected_paths() const;

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
  // Moves aside the .git of each of `paths` the session did not begin with; `what` names how one
  // came, for its notice.
  std::vector<std::string> move_new_aside(
      const std::vector<std::string>& paths, const std::string& session_id,
      const std::function<std::string(const std::string& at)>& what) const;
  std::vector<std::string> move_unknown_aside(const Repository& repo, const std::string& why,
                                              const std::vector<std::string>& embedded_now,
                                              const std::string& session_id) const;
  std::vector<std::string> unwatched_notice() const;
  std::string where(const Repository& repo) const;
  void watch(const std::string& path);

  std::string workspace_;
  box::NestedRepoBounds bounds_;
  std::vector<Repository> repositories_;  // the workspace's first
  std::vector<std::string> unwatched_;    // repositories beyond the limit, unprotected
  std::set<std::string> known_;           // every repository found when the session began
  std::string nested_unsearched_;         // where the search for nested ones stopped, if it did
};

}  // namespace cordon::cli
