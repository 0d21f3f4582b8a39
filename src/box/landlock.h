// Landlock: the second, independent filesystem wall (and TCP connect / scoping on newer kernels).
//
// The parent creates the ruleset and adds rules for host paths it opens (the rules attach to
// inodes, so they hold for the same files bind-mounted into the box). Box init adds rules for the
// box's own mounts (/tmp, /dev, /proc, home) after it creates them. The agent enforces it.
#pragma once

#include <cstdint>
#include <string>

#include "base/result.h"
#include "base/unique_fd.h"

namespace cordon::box {

// 0 when the kernel has no Landlock (or it is disabled), else the ABI version (1..n).
int landlock_abi();

// What a path in the box may be used for.
enum class PathAccess {
  kReadOnly,     // read files, list directories
  kReadExecute,  // kReadOnly + execute (system dirs)
  kReadWrite,    // everything (workspace, /tmp, home)
  kDevices,      // read/write existing files + device ioctls, no create (the /dev nodes, ptys)
  kListOnly,     // READ_DIR only: the box's root, so `ls /` works without granting reads beneath
};

// Access bits for `access` under `abi` (only bits the ABI knows; pure, unit-tested).
uint64_t landlock_path_access(PathAccess access, int abi);
// Every filesystem access bit `abi` can restrict.
uint64_t landlock_handled_fs(int abi);

class LandlockRuleset {
 public:
  // Creates a ruleset handling every fs right of `abi`; from ABI 4 also TCP connect (only the
  // ports later allowed); from ABI 6 signal and abstract-unix-socket scoping.
  static Result<LandlockRuleset> create(int abi);

  // Parent side: allows `access` beneath `path` (opened O_PATH, following no symlink at the end).
  Result<void> allow_path(const std::string& path, PathAccess access);
  // Allows TCP connect to `port` (ABI 4+; a no-op before).
  Result<void> allow_tcp_connect(uint16_t port);

  int abi() const { return abi_; }
  int fd() const { return fd_.get(); }

 private:
  LandlockRuleset(UniqueFd fd, int abi) : fd_(std::move(fd)), abi_(abi) {}
  UniqueFd fd_;
  int abi_;
};

// Child side, async-signal-safe: adds a rule for the already-open `path_fd`. Returns 0 or -errno.
int landlock_add_path_raw(int ruleset_fd, int path_fd, uint64_t access);
// Child side: enforces the ruleset on the calling thread. Needs no_new_privs. 0 or -errno.
int landlock_restrict_raw(int ruleset_fd);

}  // namespace cordon::box
