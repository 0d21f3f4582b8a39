// ProgramTwins: recognises a copy of a system program by its content, so that renaming a copy
// (`cp /usr/bin/git /tmp/g; /tmp/g push --force`) does not get past rules written for `git`.
#pragma once

#include <sys/types.h>

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "base/result.h"
#include "box/environment.h"

namespace cordon::box {

class ProgramTwins {
 public:
  // `system_dirs`: where the box's programs come from (its default PATH; read-only in every box).
  // `writable_paths`: the box's writable binds (its workspace, `write` paths); one beneath a
  // system directory (a workspace under /opt) is not system for this check.
  explicit ProgramTwins(std::vector<std::string> system_dirs = default_path_dirs(),
                        std::vector<std::string> writable_paths = {});

  // The system program whose content equals the file tracee `pid` is executing, if that file
  // lives outside the read-only system tree; nothing otherwise. Opens the file through
  // /proc/PID/exe, so it reads exactly what runs. A file outside the system tree that cannot
  // be read (an execute-only copy, for a supervisor that is not root) is an error: whether it
  // is a copy cannot be told, and the caller refuses the start. Not thread-safe: the tracer's.
  Result<std::optional<std::string>> twin_of(pid_t pid, const std::string& executable);
  // The same for a file already open for reading (a program the dynamic loader is asked to run).
  std::optional<std::string> twin_of_file(int fd, const std::string& path);

  // Below the read-only system directories (mount_plan.h kSystemDirs) and not beneath one of
  // the box's writable paths: not a planted copy.
  bool in_read_only_system(const std::string& path) const;

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
  std::vector<std::string> writable_;
  bool indexed_ = false;
  std::multimap<off_t, std::string> by_size_;
  std::map<FileKey, std::optional<std::string>> seen_;
};

}  // namespace cordon::box
