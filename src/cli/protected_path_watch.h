// What a session can change around the protected paths that the read-only binds do not cover:
// - a protected file the host replaced: a protected file is a read-only bind over that file in
//   the box; when something on the host renames a new file over it (the host's `git config`,
//   `git remote add` and `git push -u` rewrite .git/config that way), the bind stays with the
//   old file and the box can write the new one. cordon cannot tell the host's change from a
//   later one by the box, so the session's end names each replaced file for the user to review;
// - the mode of the directories that hold protected paths (the workspace, `.git`): they stay
//   writable so that git can commit, and a box that made one writable by other users (chmod 777
//   .git) let any local user replace `.git/hooks` for the owner's next commit. Write bits for the
//   group or others that the session added are taken back at its end, with a notice.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

namespace cordon::cli {

class ProtectedPathWatch {
 public:
  // Notes the identity of each entry of `protected_paths` (workspace-relative; a trailing '/'
  // marks a directory, which is skipped: a rename over a mount point fails) that is a file now.
  ProtectedPathWatch(std::string workspace, const std::vector<std::string>& protected_paths);

  // One line for each file that is now another file (or gone): what to review, and why.
  std::vector<std::string> replaced_notices() const;
  // Takes back the group and other write bits the session added to the workspace and the
  // directories on the way to each protected path; one line for each directory changed back.
  std::vector<std::string> restore_directory_modes() const;

 private:
  struct Watched {
    std::string path;  // relative to the workspace
    dev_t device;
    ino_t inode;
  };
  struct Directory {
    std::string path;  // absolute
    mode_t mode;
  };
  std::string workspace_;
  std::vector<Watched> files_;
  std::vector<Directory> directories_;
};

}  // namespace cordon::cli
