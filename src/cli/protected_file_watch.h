// The protected files the host replaced during a session. A protected file is a read-only bind
// over that file in the box; when something on the host renames a new file over it (the host's
// `git config`, `git remote add` and `git push -u` rewrite .git/config that way), the bind stays
// with the old file and the box can write the new one. cordon cannot tell the host's change from
// a later one by the box, so the session's end names each replaced file for the user to review.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

namespace cordon::cli {

class ProtectedFileWatch {
 public:
  // Notes the identity of each entry of `protected_paths` (workspace-relative; a trailing '/'
  // marks a directory, which is skipped: a rename over a mount point fails) that is a file now.
  ProtectedFileWatch(std::string workspace, const std::vector<std::string>& protected_paths);

  // One line for each file that is now another file (or gone): what to review, and why.
  std::vector<std::string> replaced_notices() const;

 private:
  struct Watched {
    std::string path;  // relative to the workspace
    dev_t device;
    ino_t inode;
  };
  std::string workspace_;
  std::vector<Watched> files_;
};

}  // namespace cordon::cli
