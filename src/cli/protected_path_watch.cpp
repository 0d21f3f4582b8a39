// ProtectedPathWatch: protected files' identities and their directories' modes, at a session's
// start and end.
#include "cli/protected_path_watch.h"

#include <fcntl.h>
#include <sys/stat.h>

#include <cstdio>

#include "base/unique_fd.h"

namespace cordon::cli {

ProtectedPathWatch::ProtectedPathWatch(std::string workspace,
                                       const std::vector<std::string>& protected_paths)
    : workspace_(std::move(workspace)) {
  auto note_directory = [&](const std::string& path) {
    for (const Directory& known : directories_) {
      if (known.path == path) return;
    }
    struct stat st {};
    if (::lstat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode)) {
      directories_.push_back({path, st.st_mode & 07777});
    }
  };
  note_directory(workspace_);
  for (const std::string& entry : protected_paths) {
    for (size_t slash = entry.find('/'); slash != std::string::npos && slash + 1 < entry.size();
         slash = entry.find('/', slash + 1)) {
      note_directory(workspace_ + "/" + entry.substr(0, slash));
    }
  }
  for (const std::string& entry : protected_paths) {
    if (entry.empty() || entry.back() == '/') continue;
    struct stat st {};
    if (::lstat((workspace_ + "/" + entry).c_str(), &st) != 0 || !S_ISREG(st.st_mode)) continue;
    files_.push_back({entry, st.st_dev, st.st_ino});
  }
}

std::vector<std::string> ProtectedPathWatch::replaced_notices() const {
  std::vector<std::string> notices;
  for (const Watched& file : files_) {
    struct stat st {};
    const std::string path = workspace_ + "/" + file.path;
    if (::lstat(path.c_str(), &st) == 0 && st.st_dev == file.device && st.st_ino == file.inode) {
      continue;
    }
    notices.push_back("cordon: " + path +
                      " was replaced on the host during the session (a rename over it, as git "
                      "config does); the box could write the new file: review it before your "
                      "next git command there");
  }
  return notices;
}

std::vector<std::string> ProtectedPathWatch::restore_directory_modes() const {
  std::vector<std::string> notices;
  for (const Directory& dir : directories_) {
    // Changed through the directory itself, never a link the box may have left at its path
    // (cordon may be root here); the directories above it were pinned in the box.
    const UniqueFd fd(::open(dir.path.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    struct stat st {};
    if (!fd || ::fstat(fd.get(), &st) != 0) continue;
    const mode_t added = st.st_mode & (S_IWGRP | S_IWOTH) & ~dir.mode;
    if (added == 0) continue;
    const mode_t restored = (st.st_mode & 07777) & ~added;
    char octal[8];
    std::snprintf(octal, sizeof octal, "%04o", static_cast<unsigned>(restored));
    if (::fchmod(fd.get(), restored) != 0) {
      notices.push_back("cordon: the box made " + dir.path +
                        " writable by other users, and its mode could not be restored: chmod " +
                        octal + " it before your next git command there");
      continue;
    }
    notices.push_back("cordon: the box made " + dir.path +
                      " writable by other users; its mode is back to " + octal);
  }
  return notices;
}

}  // namespace cordon::cli
