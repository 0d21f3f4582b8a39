// Building the box's root from a MountPlan (runs in the box init, between clone and exec).
#include "box/mounts.h"

#include <fcntl.h>
#include <linux/mount.h>
#include <linux/openat2.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstring>

#include "base/syscalls.h"
#include "box/landlock.h"

namespace cordon::box {
namespace {

// The new root is assembled on a tmpfs mounted here (in the box's private mount namespace only;
// the host's /tmp is untouched) and then pivoted into.
constexpr const char kStaging[] = "/tmp";

int fail(StepFailure* failure, Step step, int err, int detail) {
  failure->step = step;
  failure->sys_errno = err;
  failure->detail = detail;
  return -1;
}

// staging + target into `out`; false if too long.
bool staged_path(const char* target, char (&out)[PATH_MAX]) {
  const size_t a = sizeof(kStaging) - 1;
  const size_t b = std::strlen(target);
  if (a + b + 1 > sizeof out) return false;
  std::memcpy(out, kStaging, a);
  std::memcpy(out + a, target, b + 1);
  return true;
}

// mkdir -p of every parent of `path` (an absolute staged path).
int make_parents(char* path) {
  for (char* p = path + 1; *p; ++p) {
    if (*p != '/') continue;
    *p = '\0';
    int rc = ::mkdir(path, 0755);
    *p = '/';
    if (rc != 0 && errno != EEXIST) return -errno;
  }
  return 0;
}

// Creates the mount point itself: a directory or an empty file. -ENOENT when a parent is missing.
int make_node(const char* path, bool is_dir) {
  if (is_dir) return (::mkdir(path, 0755) == 0 || errno == EEXIST) ? 0 : -errno;
  struct stat st {};
  if (::lstat(path, &st) == 0) return 0;
  int fd = ::open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd < 0) return -errno;
  ::close(fd);
  return 0;
}

// Creates the mount point, and its parents only when they are missing (most exist already).
int make_mount_point(char* path, bool is_dir) {
  int rc = make_node(path, is_dir);
  if (rc != -ENOENT) return rc;
  if (int parents = make_parents(path); parents != 0) return parents;
  return make_node(path, is_dir);
}

// Opens every bind source by path with no symlink anywhere, checks it is the file the parent
// planned (device and inode), and clones it as a detached mount tree.
int open_sources(const ChildMounts& m, StepFailure* failure) {
  for (size_t i = 0; i < m.count; ++i) {
    const MountOp& op = m.ops[i];
    m.source_fds[i] = -1;
    if (op.kind != MountKind::kBind && op.kind != MountKind::kMaskFile) continue;
    open_how how{};
    how.flags = O_PATH | O_CLOEXEC | O_NOFOLLOW;
    how.resolve = RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS;
    int path_fd = sys::openat2(AT_FDCWD, op.source.c_str(), &how);
    if (path_fd < 0) return fail(failure, Step::kOpenMountSources, errno, static_cast<int>(i));
    struct stat st {};
    if (::fstat(path_fd, &st) != 0 || st.st_dev != op.source_dev || st.st_ino != op.source_ino) {
      ::close(path_fd);
      return fail(failure, Step::kOpenMountSources, ESTALE, static_cast<int>(i));
    }
    int tree = sys::open_tree(path_fd, "",
                              OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_RECURSIVE | AT_EMPTY_PATH);
    ::close(path_fd);
    if (tree < 0) return fail(failure, Step::kOpenMountSources, errno, static_cast<int>(i));
    m.source_fds[i] = tree;
  }
  return 0;
}

int mount_bind(const MountOp& op, int tree, char* staged) {
  mount_attr attr{};
  attr.attr_set = MOUNT_ATTR_NOSUID | (op.allow_devices ? 0 : MOUNT_ATTR_NODEV) |
                  (op.read_only ? MOUNT_ATTR_RDONLY : 0);
  attr.propagation = MS_PRIVATE;
  if (sys::mount_setattr(tree, "", AT_EMPTY_PATH | AT_RECURSIVE, &attr) != 0) return -errno;
  if (int rc = make_mount_point(staged, op.target_is_dir); rc != 0) return rc;
  if (sys::move_mount(tree, "", AT_FDCWD, staged, MOVE_MOUNT_F_EMPTY_PATH) != 0) return -errno;
  return 0;
}

int mount_fresh(const MountOp& op, char* staged) {
  if (int rc = make_mount_point(staged, true); rc != 0) return rc;
  unsigned long flags = MS_NOSUID | MS_NODEV | (op.read_only ? MS_RDONLY : 0);
  const char* type = "tmpfs";
  if (op.kind == MountKind::kProc) {
    type = "proc";
    flags |= MS_NOEXEC;
  } else if (op.kind == MountKind::kDevpts) {
    type = "devpts";
    flags = MS_NOSUID | MS_NOEXEC;
  } else if (op.kind == MountKind::kMaskDir) {
    flags |= MS_NOEXEC | MS_RDONLY;
  }
  const char* data = op.options.empty() ? nullptr : op.options.c_str();
  if (::mount(type, staged, type, flags, data) != 0) return -errno;
  return 0;
}

int add_landlock_rule(int ruleset, const char* staged, uint64_t access) {
  if (ruleset < 0 || access == 0) return 0;
  int fd = ::open(staged, O_PATH | O_CLOEXEC);
  if (fd < 0) return -errno;
  int rc = landlock_add_path_raw(ruleset, fd, access);
  ::close(fd);
  return rc;
}

int run_op(const ChildMounts& m, size_t i, char* staged) {
  const MountOp& op = m.ops[i];
  switch (op.kind) {
    case MountKind::kBind:
    case MountKind::kMaskFile:
      return mount_bind(op, m.source_fds[i], staged);
    case MountKind::kSymlink:
      if (::symlink(op.source.c_str(), staged) == 0) return 0;
      if (errno != ENOENT) return -errno;
      if (int rc = make_parents(staged); rc != 0) return rc;
      if (::symlink(op.source.c_str(), staged) != 0) return -errno;
      return 0;
    case MountKind::kTmpfs:
    case MountKind::kProc:
    case MountKind::kDevpts:
    case MountKind::kMaskDir:
      if (int rc = mount_fresh(op, staged); rc != 0) return rc;
      return add_landlock_rule(m.landlock_fd, staged, op.landlock_access);
  }
  return -EINVAL;
}

int pivot_into_staging(StepFailure* failure) {
  // The root tmpfs itself becomes read-only: nothing can be created next to /usr.
  if (::mount(nullptr, kStaging, nullptr, MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | MS_NODEV,
              nullptr) != 0) {
    return fail(failure, Step::kPivotRoot, errno, -1);
  }
  if (::chdir(kStaging) != 0) return fail(failure, Step::kPivotRoot, errno, -1);
  // pivot_root(".", ".") stacks the old root on top of the new one; detaching it leaves only
  // the box's tree (no path back to the host's root remains).
  if (sys::pivot_root(".", ".") != 0) return fail(failure, Step::kPivotRoot, errno, -1);
  if (::umount2(".", MNT_DETACH) != 0) return fail(failure, Step::kPivotRoot, errno, -1);
  if (::chdir("/") != 0) return fail(failure, Step::kPivotRoot, errno, -1);
  return 0;
}

}  // namespace

int build_box_root(const ChildMounts& m, StepFailure* failure) {
  // No mount event crosses between the box and the host in either direction.
  if (::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0) {
    return fail(failure, Step::kMountPrivate, errno, -1);
  }
  if (open_sources(m, failure) != 0) return -1;
  if (::mount("tmpfs", kStaging, "tmpfs", MS_NOSUID | MS_NODEV, "size=1m,mode=0755") != 0) {
    return fail(failure, Step::kMountNewRoot, errno, -1);
  }
  if (int rc = add_landlock_rule(m.landlock_fd, kStaging, m.root_landlock_access); rc != 0) {
    return fail(failure, Step::kMountNewRoot, -rc, -1);
  }
  char staged[PATH_MAX];
  for (size_t i = 0; i < m.count; ++i) {
    if (!staged_path(m.ops[i].target.c_str(), staged)) {
      return fail(failure, m.ops[i].step, ENAMETOOLONG, static_cast<int>(i));
    }
    if (int rc = run_op(m, i, staged); rc != 0) {
      return fail(failure, m.ops[i].step, -rc, static_cast<int>(i));
    }
    if (m.source_fds[i] >= 0) {
      ::close(m.source_fds[i]);
      m.source_fds[i] = -1;
    }
  }
  return pivot_into_staging(failure);
}

}  // namespace cordon::box
