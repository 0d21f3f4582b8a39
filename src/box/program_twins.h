// ProgramTwins: recognises a copy of a system program by its content, so that renaming a copy
// (`cp /usr/bin/git /tmp/g; /tmp/g push --force`) does not get past rules written for `git`.
#pragma once

#include <sys/types.h>

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "box/environment.h"

namespace cordon::box {

class ProgramTwins {
 public:
  // `system_dirs`: where the box's programs come from (its default PATH; read-only in every box).
  explicit ProgramTwins(std::vector<std::string> system_dirs = default_path_dirs());

  // The system program whose content equals the file tracee `pid` is executing, if that file
  // lives outside the read-only system tree; nothing otherwise. Opens the file through
  // /proc/PID/exe, so it reads exactly what runs. Not thread-safe: the tracer's own.
  std::optional<std::string> twin_of(pid_t pid, const std::string& executable);

  // Below the read-only system directories (mount_plan.h kSystemDirs): not a planted copy.
  static bool in_read_only_system(const std::string& path);

 private:
  void index();
  struct FileKey {
    dev_t dev;
    ino_t ino;
    off_t size;
    long mtime_ns;
    long ctime_ns;  // mtime can be set back; a write always moves ctime
    bool operator<(const FileKey& o) const;
  };
  std::vector<std::string> dirs_;
  bool indexed_ = false;
  std::multimap<off_t, std::string> by_size_;
  std::map<FileKey, std::optional<std::string>> seen_;
};

}  // namespace cordon::box
