// Finding and checking the per-user runtime directory.
#include "review/runtime_dir.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>

namespace cordon::review {
namespace {

std::string octal_mode(mode_t mode) {
  char text[8];
  std::snprintf(text, sizeof text, "%04o", static_cast<unsigned>(mode & 07777));
  return text;
}

bool owned_directory(const std::string& path) {
  struct stat st {};
  return ::lstat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode) && st.st_uid == ::getuid();
}

}  // namespace

Result<void> check_private_dir(const std::string& path, bool create) {
  if (path.empty() || path[0] != '/') {
    return Error(Errc::kInvalidInput, "runtime directory " + path + " is not an absolute path");
  }
  if (create && ::mkdir(path.c_str(), 0700) != 0 && errno != EEXIST) {
    return Error::system("create the runtime directory " + path)
        .with_hint("set CORDON_RUNTIME_DIR or XDG_RUNTIME_DIR to a directory you own");
  }
  struct stat st {};
  if (::lstat(path.c_str(), &st) != 0) {
    return Error::system("runtime directory " + path);
  }
  const std::string fix = "remove it (rm -r " + path + ") and let cordon create it again";
  if (S_ISLNK(st.st_mode)) {
    return Error(Errc::kPolicy, "runtime directory " + path + " is a symbolic link")
        .with_hint("someone may be redirecting cordon's control sockets; " + fix);
  }
  if (!S_ISDIR(st.st_mode)) {
    return Error(Errc::kPolicy, "runtime directory " + path + " is not a directory").with_hint(fix);
  }
  if (st.st_uid != ::getuid()) {
    return Error(Errc::kPolicy, "runtime directory " + path + " belongs to uid " +
                                    std::to_string(st.st_uid) + ", not to you (uid " +
                                    std::to_string(::getuid()) + ")")
        .with_hint("another user could read or replace the control sockets in it; " + fix);
  }
  if ((st.st_mode & 07777) != 0700) {
    return Error(Errc::kPolicy,
                 "runtime directory " + path + " has mode " + octal_mode(st.st_mode) + ", not 0700")
        .with_hint("chmod 0700 " + path);
  }
  return Ok{};
}

Result<std::string> runtime_dir() {
  if (const char* forced = std::getenv("CORDON_RUNTIME_DIR"); forced && *forced) {
    CORDON_TRY(check_private_dir(forced, true));
    return std::string(forced);
  }
  const std::string uid = std::to_string(::getuid());
  std::string dir;
  if (const char* xdg = std::getenv("XDG_RUNTIME_DIR");
      xdg && *xdg == '/' && owned_directory(xdg)) {
    dir = std::string(xdg) + "/cordon";
  } else if (struct stat st{};
             ::stat(("/run/user/" + uid).c_str(), &st) == 0 && S_ISDIR(st.st_mode)) {
    dir = "/run/user/" + uid + "/cordon";
  } else {
    dir = "/tmp/cordon-" + uid;
  }
  CORDON_TRY(check_private_dir(dir, true));
  return dir;
}

}  // namespace cordon::review
