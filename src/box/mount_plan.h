// The box's filesystem view as a list of mount operations, planned on the host side.
//
// The parent resolves every host path (canonical, no symlinks, identity recorded) and orders the
// operations so that each target's parent exists; the box init executes the list (mounts.h)
// without allocating. design.md section 3 describes the view.
#pragma once

#include <sys/types.h>

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "box/step.h"
#include "box/workspace_lease.h"
#include "policy/policy.h"

namespace cordon::box {

enum class MountKind : uint8_t {
  kBind,      // host path (dir or file) bound at target, recursively, read-only or read-write
  kTmpfs,     // fresh tmpfs
  kProc,      // proc for the box's pid namespace
  kDevpts,    // a new devpts instance
  kMaskDir,   // an empty read-only tmpfs hiding a directory
  kMaskFile,  // /dev/null bound read-only over a file
  kSymlink,   // a symlink (source = link text)
};

struct MountOp {
  MountKind kind = MountKind::kBind;
  Step step = Step::kMountSystemDirs;
  std::string source;  // host path (binds), link text (symlinks)
  std::string target;  // absolute path inside the box
  bool read_only = true;
  bool target_is_dir = true;
  bool allow_devices = false;  // binds of device nodes (/dev/null...)
  std::string options;         // tmpfs/devpts mount data
  // Landlock access for mounts the box creates itself (tmpfs, proc, dev); the init adds the rule
  // after mounting. 0 = no rule (host binds get theirs from the parent).
  uint64_t landlock_access = 0;
  // Identity of a bind source, checked by the init after opening it by fd: a path swapped for
  // something else between planning and mounting is refused.
  dev_t source_dev = 0;
  ino_t source_ino = 0;
  std::string describe() const;  // "bind /src -> /dst (read-only)"
};

// Protected workspace paths that did not exist: cordon creates an empty placeholder for the
// session (so there is something to mount read-only over) and removes it afterwards if it is
// still empty. With a WorkspaceLease the removal is coordinated with other sessions on the same
// workspace and survives a crash (see workspace_lease.h); without one (tests), this session
// removes what it created. Destruction removes them.
class Placeholders {
 public:
  Placeholders() = default;
  explicit Placeholders(std::optional<WorkspaceLease> lease) : lease_(std::move(lease)) {}
  Placeholders(const Placeholders&) = delete;
  Placeholders& operator=(const Placeholders&) = delete;
  ~Placeholders();
  // Records `path` (with a lease, before it exists) and creates it: an empty directory, or an
  // empty file (with a lease, a link to the workspace's template for it; workspace_lease.h).
  // EEXIST is not an error: sessions starting together on one workspace plan under a shared
  // lease, and another may have created the same placeholder an instant ago. The planner then
  // protects whatever is there, as for any existing path (the registry removes only what is
  // still an empty placeholder).
  Result<void> create(std::string path, bool is_dir);
  const std::vector<std::pair<std::string, bool>>& created() const { return created_; }
  void remove_all();

 private:
  std::optional<WorkspaceLease> lease_;
  std::vector<std::pair<std::string, bool>> created_;
};

struct HostPathAccess {
  std::string path;  // canonical host path
  enum class Kind { kReadExecute, kReadWrite } kind;
};

struct MountPlan {
  std::vector<MountOp> ops;
  // Host paths the Landlock ruleset must allow (parent side).
  std::vector<HostPathAccess> landlock_host_paths;
  std::unique_ptr<Placeholders> placeholders = std::make_unique<Placeholders>();
};

struct MountPlanInput {
  const policy::FilesystemPolicy* filesystem = nullptr;
  std::string workspace;  // canonical
  std::string home;       // the user's home path (shown as a tmpfs at the same path)
  std::string persist_home_dir;  // host directory for home = "persist" (created by the caller)
  // cordon's state directory, for the placeholder registry; empty: no coordination (tests).
  std::string state_dir;
  std::vector<std::pair<std::string, std::string>> extra_files;  // host file -> box path
  // Absolute host paths hidden like the policy's hidden paths (cordon's audit store and key).
  std::vector<std::string> private_paths;
  // Workspace-relative paths protected like the policy's protected paths for this session only
  // (the config, hooks and info of the repositories embedded or nested in the workspace;
  // cli/git_redirect_guard.h).
  std::vector<std::string> extra_protected_paths;
  // cordon's own directories (its user config, its state): a writable bind that holds one, or
  // lies within one, is refused: the box could rewrite the policy of every later session.
  std::vector<std::string> cordon_dirs;
  int landlock_abi = 0;
  // Plans without changing anything on the host (`cordon policy check`): no placeholder is
  // created and no workspace lease taken, and a kept home that does not exist yet counts as made.
  bool check_only = false;
};

// System directories shown read-only (executable) when present. On merged-/usr systems /bin,
// /sbin and /lib* are symlinks; they are recreated as symlinks. Nothing in the box can write
// beneath them.
inline constexpr std::array<std::string_view, 9> kSystemDirs = {
    "/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32", "/etc", "/opt"};

// Plans the view. Errors: missing or unusable paths, symlinked protected paths, a workspace
// that would expose the home or the whole system.
Result<MountPlan> plan_mounts(const MountPlanInput& input);

// Checks that `workspace` (canonical) is a directory cordon can use as the writable workspace.
Result<void> check_workspace(const std::string& workspace, const std::string& home);
// Checks that `path` (canonical) may be writable in a box: not the whole host, not the home or
// one of its parents, not a directory the box shows its own way (/usr, /etc, /proc, ...).
// `what` names it in the error ("workspace /x", "write path ...").
Result<void> check_writable_location(const std::string& path, const std::string& home,
                                     const std::string& what);

}  // namespace cordon::box
