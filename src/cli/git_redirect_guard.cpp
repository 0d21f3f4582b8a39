// GitRedirectGuard: a .git/commondir or an embedded repository the box created, in the
// workspace's repository or one the user had embedded, is renamed before git on the host reads it.
#include "cli/git_redirect_guard.h"

#include <utility>

#include "box/embedded_repos.h"

namespace cordon::cli {

GitRedirectGuard::GitRedirectGuard(std::string workspace) : workspace_(std::move(workspace)) {
  // Breadth first from the workspace's repository, through the gitlinks of each. The reserve
  // keeps `repo` below valid while the loop appends.
  repositories_.reserve(kMaxWatchedRepositories);
  repositories_.push_back(Repository{""});
  for (size_t next = 0; next < repositories_.size(); ++next) {
    Repository& repo = repositories_[next];
    repo.had_commondir = box::has_commondir(workspace_, repo.path);
    auto embedded = box::embedded_repositories(workspace_, repo.path);
    if (!embedded.ok()) {
      repo.embedded_unreadable = embedded.error().describe();
      continue;
    }
    repo.embedded_before.insert(embedded->begin(), embedded->end());
    for (const std::string& path : *embedded) {
      if (repositories_.size() == kMaxWatchedRepositories) break;
      repositories_.push_back(Repository{path});
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
  std::vector<std::string> notices;
  for (const Repository& repo : repositories_) {
    auto commondir = move_commondir_aside(repo, session_id);
    auto embedded = move_embedded_aside(repo, session_id);
    notices.insert(notices.end(), commondir.begin(), commondir.end());
    notices.insert(notices.end(), embedded.begin(), embedded.end());
  }
  return notices;
}

std::string GitRedirectGuard::where(const Repository& repo) const {
  return repo.path.empty() ? workspace_ : workspace_ + "/" + repo.path;
}

std::vector<std::string> GitRedirectGuard::move_commondir_aside(
    const Repository& repo, const std::string& session_id) const {
  if (repo.had_commondir || !box::has_commondir(workspace_, repo.path)) return {};
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
    const Repository& repo, const std::string& session_id) const {
  auto embedded = box::embedded_repositories(workspace_, repo.path);
  const std::string& unreadable =
      embedded.ok() ? repo.embedded_unreadable : embedded.error().describe();
  if (!unreadable.empty()) {
    return {"cordon: repositories embedded in " + where(repo) + " were not checked (" + unreadable +
            "): `git status` there runs git inside each one with its own config; "
            "check them before running git here"};
  }
  std::vector<std::string> notices;
  for (const auto& path : *embedded) {
    if (repo.embedded_before.count(path) != 0) continue;
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
