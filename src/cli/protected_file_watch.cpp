// ProtectedFileWatch: a protected file's identity at the start and at the end of a session.
#include "cli/protected_file_watch.h"

#include <sys/stat.h>

namespace cordon::cli {

ProtectedFileWatch::ProtectedFileWatch(std::string workspace,
                                       const std::vector<std::string>& protected_paths)
    : workspace_(std::move(workspace)) {
  for (const std::string& entry : protected_paths) {
    if (entry.empty() || entry.back() == '/') continue;
    struct stat st {};
    if (::lstat((workspace_ + "/" + entry).c_str(), &st) != 0 || !S_ISREG(st.st_mode)) continue;
    files_.push_back({entry, st.st_dev, st.st_ino});
  }
}

std::vector<std::string> ProtectedFileWatch::replaced_notices() const {
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

}  // namespace cordon::cli
