// GitRedirectGuard: a .git/commondir the box created is renamed before git on the host reads it.
#include "cli/git_redirect_guard.h"

#include <sys/stat.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <utility>

namespace cordon::cli {
namespace {

bool present(const std::string& path) {
  struct stat st {};
  return ::lstat(path.c_str(), &st) == 0;
}

}  // namespace

GitRedirectGuard::GitRedirectGuard(std::string workspace)
    : path_(std::move(workspace) + "/.git/commondir"), existed_(present(path_)) {}

std::vector<std::string> GitRedirectGuard::move_aside_new(const std::string& session_id) const {
  if (existed_ || !present(path_)) return {};
  const std::string aside = path_ + ".cordon-" + session_id;
  if (std::rename(path_.c_str(), aside.c_str()) != 0) {
    return {"cordon: the box created " + path_ +
            ", which makes git read its config and hooks from another directory, and it could "
            "not be moved aside (" + std::strerror(errno) + "): remove it before running git "
            "here"};
  }
  return {"cordon: the box created " + path_ +
          ", which makes git read its config and hooks from another directory; it was moved to " +
          aside + " (review it before using git here)"};
}

}  // namespace cordon::cli
