// GitRedirectGuard: a .git/commondir or an embedded repository the box created is renamed before
// git on the host reads it.
#include "cli/git_redirect_guard.h"

#include <sys/stat.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <utility>

#include "box/embedded_repos.h"

namespace cordon::cli {
namespace {

bool present(const std::string& path) {
  struct stat st {};
  return ::lstat(path.c_str(), &st) == 0;
}

}  // namespace

GitRedirectGuard::GitRedirectGuard(std::string workspace)
    : workspace_(std::move(workspace)),
      commondir_(workspace_ + "/.git/commondir"),
      commondir_existed_(present(commondir_)) {
  auto embedded = box::embedded_repositories(workspace_);
  if (embedded.ok()) {
    embedded_before_.insert(embedded->begin(), embedded->end());
  } else {
    embedded_unreadable_ = embedded.error().describe();
  }
}

std::vector<std::string> GitRedirectGuard::embedded_protected_paths() const {
  std::vector<std::string> paths;
  for (const auto& repo : embedded_before_) {
    for (const char* entry : {"/.git/config", "/.git/hooks/", "/.git/info/"}) {
      paths.push_back(repo + entry);
    }
  }
  return paths;
}

std::vector<std::string> GitRedirectGuard::move_aside_new(const std::string& session_id) const {
  auto notices = move_commondir_aside(session_id);
  auto embedded = move_embedded_aside(session_id);
  notices.insert(notices.end(), embedded.begin(), embedded.end());
  return notices;
}

std::vector<std::string> GitRedirectGuard::move_commondir_aside(
    const std::string& session_id) const {
  if (commondir_existed_ || !present(commondir_)) return {};
  const std::string aside = commondir_ + ".cordon-" + session_id;
  if (std::rename(commondir_.c_str(), aside.c_str()) != 0) {
    return {"cordon: the box created " + commondir_ +
            ", which makes git read its config and hooks from another directory, and it could "
            "not be moved aside (" + std::strerror(errno) + "): remove it before running git "
            "here"};
  }
  return {"cordon: the box created " + commondir_ +
          ", which makes git read its config and hooks from another directory; it was moved to " +
          aside + " (review it before using git here)"};
}

std::vector<std::string> GitRedirectGuard::move_embedded_aside(
    const std::string& session_id) const {
  auto embedded = box::embedded_repositories(workspace_);
  const std::string& unreadable =
      embedded.ok() ? embedded_unreadable_ : embedded.error().describe();
  if (!unreadable.empty()) {
    return {"cordon: repositories embedded in " + workspace_ + " were not checked (" +
            unreadable + "): `git status` there runs git inside each one with its own config; "
            "check them before running git here"};
  }
  std::vector<std::string> notices;
  for (const auto& path : *embedded) {
    if (embedded_before_.count(path) != 0) continue;
    const std::string where = workspace_ + "/" + path;
    auto moved = box::move_embedded_git_aside(workspace_, path, session_id);
    if (!moved.ok()) {
      notices.push_back("cordon: the box embedded the repository " + where +
                        " in the workspace's, and its .git could not be moved aside (" +
                        moved.error().describe() + "): remove it before running git here");
      continue;
    }
    notices.push_back("cordon: the box embedded the repository " + where +
                      " in the workspace's (git status would run git there with its config); "
                      "its .git was moved to " + *moved + " (review it before using git there)");
  }
  return notices;
}

}  // namespace cordon::cli
