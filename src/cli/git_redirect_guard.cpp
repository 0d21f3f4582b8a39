// GitRedirectGuard: a .git/commondir or an embedded repository the box created, in the
// workspace's repository or one the user had embedded, is renamed before git on the host reads it.
#include "cli/git_redirect_guard.h"

#include <algorithm>
#include <utility>

namespace cordon::cli {

GitRedirectGuard::GitRedirectGuard(std::string workspace) : workspace_(std::move(workspace)) {
  // Breadth first from the workspace's repository, through the gitlinks of each. The reserve
  // keeps `repo` below valid while the loop appends.
  repositories_.reserve(kMaxWatchedRepositories);
  repositories_.push_back(Repository{""});
  for (size_t next = 0; next < repositories_.size(); ++next) {
    Repository& repo = repositories_[next];
    repo.before = box::scan_repository(workspace_, repo.path);
    for (const std::string& path : repo.before.embedded) {
      if (repositories_.size() < kMaxWatchedRepositories) {
        repositories_.push_back(Repository{path});
      } else {
        unwatched_.push_back(path);
      }
    }
  }
}

std::vector<std::string> GitRedirectGuard::embedded_protected_paths() const {
  std::vector<std::string> paths;
  for (size_t i = 1; i < repositories_.size(); ++i) {
    for (const char* entry : {"/.git/config", "/.git/hooks/", "/.git/info/"}) {
      paths.push_back(repositories_[i].path + entry);
    }
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
  if (unwatched_.empty()) return {};
  return {"cordon: " + std::to_string(unwatched_.size()) + " of the repositories embedded in " +
          workspace_ + " were not watched (at most " + std::to_string(kMaxWatchedRepositories) +
          " per workspace, its own included; the first not watched: " + workspace_ + "/" +
          unwatched_.front() +
          "): their config and hooks were writable in the box and what the box added in them "
          "was not checked; review them before running git there"};
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
  if (!unreadable.empty()) {
    return {"cordon: repositories embedded in " + where(repo) + " were not checked (" + unreadable +
            "): `git status` there runs git inside each one with its own config; "
            "check them before running git here"};
  }
  std::vector<std::string> notices;
  const std::vector<std::string>& before = repo.before.embedded;
  for (const auto& path : now.embedded) {
    if (std::find(before.begin(), before.end(), path) != before.end()) continue;
    const std::string at = workspace_ + "/" + path;
    auto moved = box::move_embedded_git_aside(workspace_, path, session_id);
    if (!moved.ok()) {
      notices.push_back("cordon: the box embedded the repository " + at + " in " + where(repo) +
                        ", and its .git could not be moved aside (" + moved.error().describe() +
                        "): remove it before running git here");
      continue;
    }
    notices.push_back("cordon: the box embedded the repository " + at + " in " + where(repo) +
                      " (git status would run git there with its config); its .git was moved to " +
                      *moved + " (review it before using git there)");
  }
  return notices;
}

}  // namespace cordon::cli
