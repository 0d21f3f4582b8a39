// GitRedirectGuard: a .git/commondir or an embedded repository the box created, in the
// workspace's repository or one the user had embedded, is renamed before git on the host reads it.
#include "cli/git_redirect_guard.h"

#include <sys/stat.h>

#include <algorithm>
#include <functional>
#include <utility>

#include "box/git_hooks_path.h"

namespace cordon::cli {

GitRedirectGuard::GitRedirectGuard(std::string workspace, const box::NestedRepoBounds& bounds)
    : workspace_(std::move(workspace)), bounds_(bounds) {
  // Breadth first from the workspace's repository, through the gitlinks of each (what the host's
  // `git status` in the workspace reaches comes first under the limit), then the nested
  // repositories the search finds and their gitlinks. The reserve keeps `repo` below valid while
  // the loop appends.
  repositories_.reserve(kMaxWatchedRepositories);
  repositories_.push_back(Repository{""});
  known_.insert("");
  bool nested_added = false;
  for (size_t next = 0;; ++next) {
    if (next == repositories_.size()) {
      if (nested_added) break;
      nested_added = true;
      box::NestedRepos nested = box::find_nested_repositories(workspace_, "", bounds_);
      nested_unsearched_ = std::move(nested.first_unsearched);
      for (const std::string& path : nested.repositories) watch(path);
      if (next == repositories_.size()) break;
    }
    Repository& repo = repositories_[next];
    repo.before = box::scan_repository(workspace_, repo.path);
    for (const std::string& path : repo.before.embedded) watch(path);
  }
}

void GitRedirectGuard::watch(const std::string& path) {
  if (!known_.insert(path).second) return;
  if (repositories_.size() < kMaxWatchedRepositories) {
    repositories_.push_back(Repository{path});
  } else {
    unwatched_.push_back(path);
  }
}

std::vector<std::string> GitRedirectGuard::repository_protected_paths() const {
  std::vector<std::string> paths;
  for (size_t i = 1; i < repositories_.size(); ++i) {
    for (const char* entry : {"/.git/config", "/.git/hooks/", "/.git/info/"}) {
      paths.push_back(repositories_[i].path + entry);
    }
  }
  // A hooks directory a repository's config moves into the workspace (core.hooksPath =
  // .githooks): the host's next commit runs its scripts, as it would .git/hooks/.
  for (const Repository& repo : repositories_) {
    if (!repo.before.hooks_path) continue;
    const auto hooks = box::hooks_path_in_workspace(*repo.before.hooks_path, repo.path, workspace_);
    if (!hooks) continue;
    // A link cannot be covered by a read-only mount (the planner refuses the session): a linked
    // hooks directory stays unprotected rather than keep cordon from starting.
    struct stat st {};
    if (::lstat((workspace_ + "/" + *hooks).c_str(), &st) == 0 && S_ISLNK(st.st_mode)) continue;
    const std::string entry = *hooks + "/";
    if (std::find(paths.begin(), paths.end(), entry) == paths.end()) paths.push_back(entry);
  }
  return paths;
}

std::vector<std::string> GitRedirectGuard::move_aside_new(const std::string& session_id) const {
  std::vector<std::string> notices = unwatched_notice();
  for (const Repository& repo : repositories_) {
    const box::RepositoryScan now = box::scan_repository(workspace_, repo.path);
    auto commondir = move_commondir_aside(repo, now, session_id);
    auto embedded = move_embedded_aside(repo, now, session_id);
    notices.insert(notices.end(), commondir.begin(), commondir.end());
    notices.insert(notices.end(), embedded.begin(), embedded.end());
  }
  return notices;
}

std::vector<std::string> GitRedirectGuard::unwatched_notice() const {
  std::vector<std::string> notices;
  if (!unwatched_.empty()) {
    notices.push_back(
        "cordon: " + std::to_string(unwatched_.size()) + " of the repositories embedded in " +
        workspace_ + " were not watched (at most " + std::to_string(kMaxWatchedRepositories) +
        " per workspace, its own included; the first not watched: " + workspace_ + "/" +
        unwatched_.front() +
        "): their config and hooks were writable in the box and what the box added in them "
        "was not checked; review them before running git there");
  }
  if (!nested_unsearched_.empty()) {
    notices.push_back(
        "cordon: the search for repositories nested in " + workspace_ + " stopped after " +
        std::to_string(bounds_.max_directories) + " directories, at " + workspace_ + "/" +
        nested_unsearched_ +
        ": repositories there and in the directories after it (breadth first) were not "
        "protected, their config and hooks were writable in the box; review them before running "
        "git there");
  }
  return notices;
}

std::string GitRedirectGuard::where(const Repository& repo) const {
  return box::repository_path(workspace_, repo.path);
}

std::vector<std::string> GitRedirectGuard::move_commondir_aside(
    const Repository& repo, const box::RepositoryScan& now, const std::string& session_id) const {
  if (repo.before.has_commondir || !now.has_commondir) return {};
  const std::string commondir = where(repo) + "/.git/commondir";
  auto moved = box::move_commondir_aside(workspace_, repo.path, session_id);
  if (!moved.ok()) {
    return {"cordon: the box created " + commondir +
            ", which makes git read its config and hooks from another directory, and it could "
            "not be moved aside (" +
            moved.error().describe() +
            "): remove it before running git "
            "here"};
  }
  return {"cordon: the box created " + commondir +
          ", which makes git read its config and hooks from another directory; it was moved to " +
          *moved + " (review it before using git here)"};
}

std::vector<std::string> GitRedirectGuard::move_embedded_aside(
    const Repository& repo, const box::RepositoryScan& now, const std::string& session_id) const {
  const std::string& unreadable = now.unreadable.empty() ? repo.before.unreadable : now.unreadable;
  if (!unreadable.empty()) return move_unknown_aside(repo, unreadable, now.embedded, session_id);
  return move_new_aside(now.embedded, session_id, [&](const std::string& at) {
    return "the box embedded the repository " + at + " in " + where(repo) +
           " (git status would run git there with its config)";
  });
}

std::vector<std::string> GitRedirectGuard::move_new_aside(
    const std::vector<std::string>& paths, const std::string& session_id,
    const std::function<std::string(const std::string& at)>& what) const {
  std::vector<std::string> notices;
  for (const auto& path : paths) {
    // One the user had, embedded or nested, was watched (or named as not watched) all along.
    if (known_.count(path) != 0) continue;
    const std::string at = workspace_ + "/" + path;
    auto moved = box::move_embedded_git_aside(workspace_, path, session_id);
    if (!moved.ok()) {
      notices.push_back("cordon: " + what(at) + ", and its .git could not be moved aside (" +
                        moved.error().describe() + "): remove it before running git here");
      continue;
    }
    notices.push_back("cordon: " + what(at) + "; its .git was moved to " + *moved +
                      " (review it before using git there)");
  }
  return notices;
}

// The index of `repo` could not be read through at the start or at the end, so cordon cannot name
// the repositories `git status` there runs git in: any beneath it that the session did not begin
// with may be one the box embedded, and is moved aside. What the session began with is left
// alone, so no repository of the user's is touched. The search goes to any depth, into
// node_modules, and counts a linked .git (git follows one); past its directory bound a new one is
// not found, and the notice says where to check.
std::vector<std::string> GitRedirectGuard::move_unknown_aside(
    const Repository& repo, const std::string& why, const std::vector<std::string>& embedded_now,
    const std::string& session_id) const {
  // Every repository git could recurse into: any depth, node_modules, a linked .git.
  box::NestedRepos nested =
      box::find_nested_repositories(workspace_, repo.path, box::every_repository_bounds(bounds_));
  std::set<std::string> candidates(embedded_now.begin(), embedded_now.end());
  candidates.insert(nested.repositories.begin(), nested.repositories.end());
  std::vector<std::string> notices = {
      "cordon: the repositories embedded in " + where(repo) + " could not be told by name (" + why +
      "): `git status` there runs git inside each one with its own config, so every repository "
      "beneath it that the session did not begin with is moved aside" +
      (nested.first_unsearched.empty()
           ? std::string()
           : "; the search stopped at " + workspace_ + "/" + nested.first_unsearched +
                 ", check what lies beyond it before running git here")};
  auto moved = move_new_aside(
      {candidates.begin(), candidates.end()}, session_id, [&](const std::string& at) {
        return "the repository " + at + " appeared in " + where(repo) + " during the session";
      });
  notices.insert(notices.end(), moved.begin(), moved.end());
  return notices;
}

}  // namespace cordon::cli
