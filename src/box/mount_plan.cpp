// Planning the box's filesystem view (design.md section 3).
#include "box/mount_plan.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <climits>
#include <cstdlib>
#include <set>
#include <string_view>

#include "base/files.h"
#include "box/landlock.h"
#include "policy/loader.h"

namespace cordon::box {
namespace {

// Device nodes bound from the host into the box's /dev.
constexpr std::array<std::string_view, 6> kDevices = {"null",   "zero",    "full",
                                                      "random", "urandom", "tty"};
// Directories a workspace may not be, or live under: the box could not show them safely.
constexpr std::array<std::string_view, 7> kForbiddenWorkspaceRoots = {
    "/proc", "/sys", "/dev", "/run", "/boot", "/usr", "/etc"};

bool is_system_dir(const std::string& path) {
  return std::find(kSystemDirs.begin(), kSystemDirs.end(), path) != kSystemDirs.end();
}

std::optional<std::string> canonical(const std::string& path) {
  char buf[PATH_MAX];
  if (::realpath(path.c_str(), buf) == nullptr) return std::nullopt;
  return std::string(buf);
}

// realpath of the longest existing prefix, the rest appended: where a directory that may not
// exist yet (cordon's config before its first use) would be.
std::string canonical_as_far_as_it_exists(const std::string& path) {
  std::string head = path;
  std::string tail;
  while (head.size() > 1) {
    if (auto real = canonical(head)) return (*real == "/" ? "" : *real) + tail;
    const size_t slash = head.rfind('/');
    if (slash == std::string::npos) break;
    tail = head.substr(slash) + tail;
    head = slash == 0 ? "/" : head.substr(0, slash);
  }
  return path;
}

Result<struct stat> lstat_path(const std::string& path) {
  struct stat st {};
  if (::lstat(path.c_str(), &st) != 0) return Error::system("stat " + path);
  return st;
}

MountOp bind(Step step, const std::string& source, const std::string& target, bool read_only,
             const struct stat& st) {
  MountOp op;
  op.kind = MountKind::kBind;
  op.step = step;
  op.source = source;
  op.target = target;
  op.read_only = read_only;
  op.target_is_dir = S_ISDIR(st.st_mode);
  op.source_dev = st.st_dev;
  op.source_ino = st.st_ino;
  return op;
}

MountOp fresh(MountKind kind, Step step, const std::string& target, std::string options,
              uint64_t landlock_access, bool read_only = false) {
  MountOp op;
  op.kind = kind;
  op.step = step;
  op.target = target;
  op.options = std::move(options);
  op.landlock_access = landlock_access;
  op.read_only = read_only;
  return op;
}

class Planner {
 public:
  explicit Planner(const MountPlanInput& in) : in_(in), fs_(*in.filesystem) {}

  Result<MountPlan> run() {
    if (!in_.state_dir.empty() && !in_.check_only) {
      CORDON_ASSIGN_OR_RETURN(WorkspaceLease lease,
                              WorkspaceLease::acquire(in_.state_dir, in_.workspace));
      plan_.placeholders = std::make_unique<Placeholders>(std::move(lease));
    }
    add_root_dirs();
    CORDON_TRY(add_system_dirs());
    CORDON_TRY(add_home());
    add_tmp();
    CORDON_TRY(add_workspace());
    CORDON_TRY(add_extra_paths());
    add_dev();
    add_proc_and_run();
    CORDON_TRY(add_extra_files());
    CORDON_TRY(add_hidden_masks());
    CORDON_TRY(check_cordon_dirs());
    // Parents before children; equal depth keeps planning order.
    std::stable_sort(plan_.ops.begin(), plan_.ops.end(), [](const MountOp& a, const MountOp& b) {
      return depth(a.target) < depth(b.target);
    });
    return std::move(plan_);
  }

 private:
  static size_t depth(const std::string& p) {
    return p == "/" ? 0 : static_cast<size_t>(std::count(p.begin(), p.end(), '/'));
  }
  uint64_t access(PathAccess a) const { return landlock_path_access(a, in_.landlock_abi); }

  void add_root_dirs() {
    // The root itself: listing directories only, so Landlock does not grant reads beneath it.
    plan_.ops.push_back(fresh(MountKind::kSymlink, Step::kMountNewRoot, "/var/run", "", 0));
    plan_.ops.back().source = "/run";
    plan_.ops.push_back(fresh(MountKind::kSymlink, Step::kMountNewRoot, "/var/tmp", "", 0));
    plan_.ops.back().source = "/tmp";
  }

  Result<void> add_system_dirs() {
    for (auto dir_view : kSystemDirs) {
      std::string dir(dir_view);
      struct stat st {};
      if (::lstat(dir.c_str(), &st) != 0) continue;  // absent on this system
      if (S_ISLNK(st.st_mode)) {
        char link[PATH_MAX];
        ssize_t n = ::readlink(dir.c_str(), link, sizeof link - 1);
        if (n < 0) return Error::system("readlink " + dir);
        MountOp op = fresh(MountKind::kSymlink, Step::kMountSystemDirs, dir, "", 0);
        op.source.assign(link, static_cast<size_t>(n));
        plan_.ops.push_back(op);
        continue;
      }
      if (!S_ISDIR(st.st_mode)) continue;
      plan_.ops.push_back(bind(Step::kMountSystemDirs, dir, dir, true, st));
      plan_.landlock_host_paths.push_back({dir, HostPathAccess::Kind::kReadExecute});
      binds_.push_back({dir, dir});  // a hidden path beneath it is masked
    }
    return Ok{};
  }

  Result<void> add_home() {
    if (fs_.home.value == policy::HomeMode::kPersist) {
      // The kept home must be there: an empty tmpfs instead would silently lose the user's data.
      auto real = canonical(in_.persist_home_dir);
      if (in_.check_only && !real && !in_.persist_home_dir.empty()) return Ok{};  // made at run
      if (in_.persist_home_dir.empty() || !real) {
        return Error(Errc::kSystem,
                     "the kept home (home = \"persist\") " + in_.persist_home_dir + " is missing",
                     errno);
      }
      CORDON_ASSIGN_OR_RETURN(struct stat st, lstat_path(*real));
      plan_.ops.push_back(bind(Step::kMountHome, *real, in_.home, false, st));
      plan_.landlock_host_paths.push_back({*real, HostPathAccess::Kind::kReadWrite});
      return Ok{};
    }
    plan_.ops.push_back(fresh(MountKind::kTmpfs, Step::kMountHome, in_.home,
                              "size=" + std::to_string(fs_.tmp_size_bytes.value) + ",mode=0700",
                              access(PathAccess::kReadWrite)));
    return Ok{};
  }

  void add_tmp() {
    plan_.ops.push_back(fresh(MountKind::kTmpfs, Step::kMountTmp, "/tmp",
                              "size=" + std::to_string(fs_.tmp_size_bytes.value) + ",mode=1777",
                              access(PathAccess::kReadWrite)));
  }

  Result<void> add_workspace() {
    CORDON_ASSIGN_OR_RETURN(struct stat st, lstat_path(in_.workspace));
    const bool writable = fs_.workspace.value == policy::WorkspaceAccess::kReadWrite;
    plan_.ops.push_back(bind(Step::kMountWorkspace, in_.workspace, in_.workspace, !writable, st));
    plan_.landlock_host_paths.push_back({in_.workspace, writable
                                                            ? HostPathAccess::Kind::kReadWrite
                                                            : HostPathAccess::Kind::kReadExecute});
    binds_.push_back({in_.workspace, in_.workspace});
    if (!writable) return Ok{};
    for (const auto& entry : fs_.protected_paths.value) CORDON_TRY(add_protected(entry));
    for (const auto& entry : in_.extra_protected_paths) CORDON_TRY(add_protected(entry));
    return Ok{};
  }

  // Makes workspace/<entry> read-only. Every existing directory on the way is pinned (bound onto
  // itself) so that renaming a parent fails with EBUSY instead of moving the protection away;
  // a missing component gets an empty placeholder so that creating the path fails too.
  Result<void> add_protected(const std::string& entry) {
    const bool want_dir = !entry.empty() && entry.back() == '/';
    std::string rel = want_dir ? entry.substr(0, entry.size() - 1) : entry;
    std::string path = in_.workspace;
    size_t start = 0;
    while (start <= rel.size()) {
      size_t slash = rel.find('/', start);
      const bool last = slash == std::string::npos;
      path += "/" + rel.substr(start, last ? std::string::npos : slash - start);
      // Already inside a read-only protected path (say, a `.git` placeholder made for an
      // earlier entry): covered, and pinning it read-write now would undo that.
      if (covered_read_only(path)) return Ok{};
      struct stat st {};
      if (::lstat(path.c_str(), &st) != 0) {
        if (errno != ENOENT) return Error::system("stat protected path " + path);
        // Every placeholder costs a create, a bind and a remove on each start: only where needed.
        if (policy::protected_only_if_present(rel)) return Ok{};
        // An empty file: nothing can be created at it or beneath it (ENOTDIR), and a file costs
        // the host far less to create and remove than a directory on every start. The one
        // directory: a missing `.git` in a workspace inside another repository, where an empty
        // `.git` file would make the host's git report an invalid gitfile for the parent repo.
        if (in_.check_only) return Ok{};  // a run would create a placeholder here
        const bool is_dir =
            !last && rel.rfind(".git/", 0) == 0 && start == 0 && inside_enclosing_repository();
        CORDON_TRY(plan_.placeholders->create(path, is_dir));
        if (::lstat(path.c_str(), &st) != 0) return Error::system("stat placeholder " + path);
        if (S_ISLNK(st.st_mode)) return symlink_error(path);
        add_protected_bind(path, st);
        return Ok{};
      }
      if (S_ISLNK(st.st_mode)) return symlink_error(path);
      if (last || !S_ISDIR(st.st_mode)) {  // a file where a directory was expected: protect it
        add_protected_bind(path, st);
        return Ok{};
      }
      if (pinned_.insert(path).second) {
        plan_.ops.push_back(bind(Step::kMountProtectedPaths, path, path, false, st));
      }
      start = slash + 1;
    }
    return Ok{};
  }

  static Error symlink_error(const std::string& path) {
    return Error(Errc::kPolicy, "protected path " + path + " is a symbolic link")
        .with_hint(
            "cordon keeps protected paths read-only with a mount, which cannot cover "
            "a symlink; replace the link with the real file or directory");
  }

  // True when a directory above the workspace holds a `.git` (a monorepo subdirectory).
  bool inside_enclosing_repository() const {
    std::string dir = in_.workspace;
    while (dir.size() > 1) {
      dir.resize(dir.rfind('/') == 0 ? 1 : dir.rfind('/'));
      struct stat st {};
      if (::lstat((dir == "/" ? std::string("/.git") : dir + "/.git").c_str(), &st) == 0) {
        return true;
      }
    }
    return false;
  }

  bool covered_read_only(const std::string& path) const {
    for (const auto& op : plan_.ops) {
      if (op.step == Step::kMountProtectedPaths && op.read_only &&
          is_same_or_beneath(path, op.target)) {
        return true;
      }
    }
    return false;
  }

  void add_protected_bind(const std::string& path, const struct stat& st) {
    if (covered_read_only(path)) return;
    plan_.ops.push_back(bind(Step::kMountProtectedPaths, path, path, true, st));
  }

  Result<void> add_extra_paths() {
    auto add = [&](const std::vector<std::string>& paths, bool writable) -> Result<void> {
      for (const auto& raw : paths) {
        const std::string expanded = expand_home(raw, in_.home);
        auto real = canonical(expanded);
        if (!real) {
          return Error::system("extra path " + raw + " (" + expanded + ")")
              .with_hint("remove it from [filesystem] " + std::string(writable ? "write" : "read") +
                         " or create it");
        }
        // Checked again as it resolves now: the policy's own check ran when it was loaded, and
        // a link swapped since then must not make /etc writable.
        if (writable) {
          CORDON_TRY(check_writable_location(*real, in_.home,
                                             "write path " + raw + " (resolving to " + *real + ")"));
        }
        CORDON_ASSIGN_OR_RETURN(struct stat st, lstat_path(*real));
        plan_.ops.push_back(bind(Step::kMountExtraPaths, *real, *real, !writable, st));
        plan_.landlock_host_paths.push_back({*real, writable ? HostPathAccess::Kind::kReadWrite
                                                             : HostPathAccess::Kind::kReadExecute});
        binds_.push_back({*real, *real});
      }
      return Ok{};
    };
    CORDON_TRY(add(fs_.read_paths.value, false));
    CORDON_TRY(add(fs_.write_paths.value, true));
    return Ok{};
  }

  void add_dev() {
    plan_.ops.push_back(fresh(MountKind::kTmpfs, Step::kMountDev, "/dev", "size=64k,mode=0755",
                              access(PathAccess::kDevices)));
    for (auto name : kDevices) {
      const std::string path = "/dev/" + std::string(name);
      struct stat st {};
      if (::stat(path.c_str(), &st) != 0) continue;
      MountOp op = bind(Step::kMountDev, path, path, false, st);
      op.allow_devices = true;
      op.target_is_dir = false;
      plan_.ops.push_back(op);
    }
    plan_.ops.push_back(fresh(MountKind::kDevpts, Step::kMountDev, "/dev/pts",
                              "newinstance,ptmxmode=0666,mode=0620", access(PathAccess::kDevices)));
    plan_.ops.push_back(fresh(MountKind::kTmpfs, Step::kMountDev, "/dev/shm",
                              "size=" + std::to_string(fs_.tmp_size_bytes.value) + ",mode=1777",
                              access(PathAccess::kReadWrite)));
    const std::pair<const char*, const char*> links[] = {{"/dev/ptmx", "pts/ptmx"},
                                                         {"/dev/fd", "/proc/self/fd"},
                                                         {"/dev/stdin", "/proc/self/fd/0"},
                                                         {"/dev/stdout", "/proc/self/fd/1"},
                                                         {"/dev/stderr", "/proc/self/fd/2"}};
    for (const auto& [target, text] : links) {
      MountOp op = fresh(MountKind::kSymlink, Step::kMountDev, target, "", 0);
      op.source = text;
      plan_.ops.push_back(op);
    }
  }

  void add_proc_and_run() {
    // Read-only as a whole: a box process that could open another's /proc/PID/mem for writing
    // (same uid, no ptrace needed) could rewrite a program's argv after the gate decided it, or
    // after a reviewer approved it. It also keeps /proc/sys, /proc/sysrq-trigger, /proc/bus and
    // /proc/irq, guarded by file permissions only, out of reach of a box run by root.
    plan_.ops.push_back(fresh(MountKind::kProc, Step::kMountProc, "/proc", "",
                              access(PathAccess::kReadOnly), /*read_only=*/true));
    plan_.ops.push_back(fresh(MountKind::kTmpfs, Step::kMountRun, "/run", "size=64k,mode=0755",
                              access(PathAccess::kReadOnly)));
  }

  Result<void> add_extra_files() {
    for (const auto& [host, box_path] : in_.extra_files) {
      auto real = canonical(host);
      if (!real) return Error::system("file to show in the box: " + host);
      CORDON_ASSIGN_OR_RETURN(struct stat st, lstat_path(*real));
      plan_.ops.push_back(bind(Step::kMountRun, *real, box_path, true, st));
      plan_.landlock_host_paths.push_back({*real, HostPathAccess::Kind::kReadExecute});
    }
    return Ok{};
  }

  // Hidden paths stay invisible even beneath a broader bind (a system dir, the workspace, an
  // extra path): each one found beneath a bind source is masked at the matching box path.
  Result<void> add_hidden_masks() {
    std::vector<std::string> all = fs_.hidden_paths.value;
    all.insert(all.end(), in_.private_paths.begin(), in_.private_paths.end());
    for (const auto& raw : all) {
      const std::string literal = expand_home(raw, in_.home);
      struct stat exists {};
      if (::lstat(literal.c_str(), &exists) != 0) continue;  // nothing to hide (most of them)
      std::vector<std::string> forms = {literal};
      if (auto real = canonical(literal); real && *real != literal) forms.push_back(*real);
      for (const auto& hidden : forms) {
        for (const auto& [source, target] : binds_) {
          if (hidden == source || is_same_or_beneath(source, hidden)) {
            Error shown(Errc::kPolicy,
                        "the box would show " + source + ", which is a hidden path (" + raw + ")");
            if (is_system_dir(source)) {
              return shown.with_hint(
                  "a system directory cannot be hidden as a whole; hide the "
                  "files or directories beneath it that hold secrets");
            }
            return shown.with_hint(
                "choose a workspace or extra path that does not contain secrets");
          }
          if (!is_same_or_beneath(hidden, source)) continue;
          struct stat st {};
          if (::lstat(hidden.c_str(), &st) != 0) continue;  // nothing to hide
          MountOp op = fresh(S_ISDIR(st.st_mode) ? MountKind::kMaskDir : MountKind::kMaskFile,
                             Step::kMountExtraPaths, target + hidden.substr(source.size()),
                             "size=4k,nr_inodes=2,mode=0500", 0, true);
          op.target_is_dir = S_ISDIR(st.st_mode);
          if (!op.target_is_dir) {
            struct stat null_st {};
            if (::stat("/dev/null", &null_st) != 0) return Error::system("stat /dev/null");
            op.source = "/dev/null";
            op.source_dev = null_st.st_dev;
            op.source_ino = null_st.st_ino;
            op.allow_devices = true;
          }
          plan_.ops.push_back(op);
        }
      }
    }
    return Ok{};
  }

  Result<void> check_cordon_dirs() const {
    for (const MountOp& op : plan_.ops) {
      // The kept home (home = "persist") lives in cordon's state by design: it is the box's own.
      if (op.kind != MountKind::kBind || op.read_only || op.step == Step::kMountHome) continue;
      for (const auto& raw : in_.cordon_dirs) {
        const std::string dir = canonical_as_far_as_it_exists(raw);
        if (is_same_or_beneath(dir, op.source) || is_same_or_beneath(op.source, dir)) {
          return Error(Errc::kPolicy, "the box would be able to write " + op.source +
                                          ", which holds or lies within cordon's own " + dir)
              .with_hint("cordon's configuration and state decide every later session; choose "
                         "a workspace (or write path) that neither contains nor lies within " +
                         dir);
        }
      }
    }
    return Ok{};
  }

  const MountPlanInput& in_;
  const policy::FilesystemPolicy& fs_;
  MountPlan plan_;
  std::vector<std::pair<std::string, std::string>> binds_;  // host source -> box target
  std::set<std::string> pinned_;
};

}  // namespace

std::string MountOp::describe() const {
  switch (kind) {
    case MountKind::kBind:
      return "bind " + source + " -> " + target + (read_only ? " (read-only)" : " (read-write)");
    case MountKind::kTmpfs:
      return "tmpfs on " + target;
    case MountKind::kProc:
      return "proc on " + target;
    case MountKind::kDevpts:
      return "devpts on " + target;
    case MountKind::kMaskDir:
      return "hide directory " + target;
    case MountKind::kMaskFile:
      return "hide file " + target;
    case MountKind::kSymlink:
      return "symlink " + target + " -> " + source;
  }
  return target;
}

Result<MountPlan> plan_mounts(const MountPlanInput& input) {
  return Planner(input).run();
}

Placeholders::~Placeholders() {
  remove_all();
}

Result<void> Placeholders::create(std::string path, bool is_dir) {
  if (lease_) CORDON_TRY(lease_->record(path, is_dir));  // recorded before it exists
  created_.push_back({path, is_dir});
  int err = 0;
  if (is_dir) {
    err = ::mkdir(path.c_str(), 0755) == 0 ? 0 : errno;
  } else {
    err = lease_ ? lease_->create_file_placeholder(path) : create_empty_file(path);
  }
  if (err != 0 && err != EEXIST) return Error::system("create placeholder " + path, err);
  return Ok{};
}

void Placeholders::remove_all() {
  if (lease_) {
    lease_->release();  // the last session on the workspace removes them
    created_.clear();
    return;
  }
  // Deepest first; only what is still empty (a host program may have written into it since).
  for (auto it = created_.rbegin(); it != created_.rend(); ++it) {
    const auto& [path, is_dir] = *it;
    if (is_dir) {
      ::rmdir(path.c_str());
    } else {
      struct stat st {};
      if (::lstat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode) && st.st_size == 0) {
        ::unlink(path.c_str());
      }
    }
  }
  created_.clear();
}

Result<void> check_writable_location(const std::string& path, const std::string& home,
                                     const std::string& what) {
  if (path == "/" || (!home.empty() && is_same_or_beneath(home, path))) {
    return Error(Errc::kInvalidInput, what + " is your home directory or one of its parents")
        .with_hint(
            "a writable workspace this large would expose your secrets and dotfiles; run "
            "cordon from a project directory, or pass --workspace ~/src/project");
  }
  for (auto root : kForbiddenWorkspaceRoots) {
    if (is_same_or_beneath(path, std::string(root))) {
      return Error(Errc::kInvalidInput, what + " is inside " + std::string(root))
          .with_hint("the box shows " + std::string(root) +
                     " its own way; use a project directory under your home or /srv");
    }
  }
  return Ok{};
}

Result<void> check_workspace(const std::string& workspace, const std::string& home) {
  struct stat st {};
  if (::stat(workspace.c_str(), &st) != 0) {
    return Error::system("workspace " + workspace)
        .with_hint("pass an existing project directory with --workspace DIR, or cd into it");
  }
  if (!S_ISDIR(st.st_mode)) {
    return Error(Errc::kInvalidInput, "workspace " + workspace + " is not a directory")
        .with_hint("pass a project directory with --workspace DIR");
  }
  return check_writable_location(workspace, home, "workspace " + workspace);
  return Ok{};
}

}  // namespace cordon::box
