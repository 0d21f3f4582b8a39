// filesystem: the workspace's protected paths. Writing them, creating the missing ones, and
// renaming a parent directory (then recreating the path) must all fail, while a normal
// workspace file stays writable (or, in a read-only workspace, readable).
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <string>
#include <vector>

#include "base/unique_fd.h"
#include "verify/probe_util.h"
#include "verify/probe_walls.h"

namespace cordon::verify::probe {
namespace {

constexpr const char* kWall = "filesystem";
constexpr const char* kRefused = "EROFS (or EACCES/EPERM/EBUSY)";

bool refused(int err) {
  // EBUSY: the name is a mount point (a read-only placeholder) and cannot be removed.
  return one_of(err, {EROFS, EACCES, EPERM, EBUSY});
}

// Creates the missing parents of `rel`: the ones it created (innermost last) and the first
// refusal (0 if none), which explains a later ENOENT.
struct Parents {
  std::vector<std::string> made;
  int err = 0;
};
Parents make_parents(const std::string& ws, const std::string& rel) {
  Parents out;
  for (size_t slash = rel.find('/'); slash != std::string::npos; slash = rel.find('/', slash + 1)) {
    std::string dir = ws + "/" + rel.substr(0, slash);
    if (::mkdir(dir.c_str(), 0755) == 0) {
      out.made.push_back(dir);
    } else if (errno != EEXIST && out.err == 0) {
      out.err = errno;
    }
  }
  return out;
}

void undo(const std::string& file, std::vector<std::string> dirs) {
  ::unlink(file.c_str());
  for (auto it = dirs.rbegin(); it != dirs.rend(); ++it) ::rmdir(it->c_str());
}

void control(const Context& ctx, Reporter& r) {
  const std::string& file = ctx.spec.control_file;
  UniqueFd fd(::open(file.c_str(), O_WRONLY | O_APPEND | O_CLOEXEC));
  int err = errno;
  if (ctx.spec.workspace_writable) {
    r.add(kWall, "append to a normal workspace file (positive control)", "writable",
          fd ? "writable" : errno_name(err), fd.valid());
    return;
  }
  r.add(kWall, "append to a workspace file (read-only workspace)", "EROFS",
        fd ? "writable" : errno_name(err), !fd && err == EROFS);
  fd.reset(::open(file.c_str(), O_RDONLY | O_CLOEXEC));
  r.add(kWall, "read a workspace file (positive control)", "readable",
        fd ? "readable" : errno_name(errno), fd.valid());
}

void writes(const Context& ctx, Reporter& r) {
  for (const auto& rel : ctx.spec.protected_attacks.writes) {
    std::string path = ctx.spec.workspace + "/" + rel;
    UniqueFd fd(::open(path.c_str(), O_WRONLY | O_APPEND | O_NOFOLLOW | O_CLOEXEC));
    int err = errno;
    if (fd) {
      static const char kLine[] = "# written by cordon-probe\n";
      (void)!::write(fd.get(), kLine, sizeof kLine - 1);  // the host check sees the change
    }
    r.add(kWall, "write protected " + rel, kRefused, fd ? "written" : errno_name(err),
          !fd && refused(err));
  }
}

// Creates `path`, or writes it if something (the launcher's read-only placeholder) is already
// there: 0 when the name got content, else -errno.
int create_or_write(const std::string& path) {
  int rc = try_create(path);
  if (rc != -EEXIST) return rc;
  UniqueFd fd(::open(path.c_str(), O_WRONLY | O_APPEND | O_NOFOLLOW | O_CLOEXEC));
  if (!fd) return -errno;
  static const char kLine[] = "written by cordon-probe\n";
  (void)!::write(fd.get(), kLine, sizeof kLine - 1);
  return 0;
}

// The first component of `rel` that exists as something other than a directory ("" if none).
std::string blocking_file(const std::string& ws, const std::string& rel) {
  for (size_t slash = rel.find('/'); slash != std::string::npos; slash = rel.find('/', slash + 1)) {
    std::string dir = ws + "/" + rel.substr(0, slash);
    struct stat st {};
    if (::lstat(dir.c_str(), &st) == 0 && !S_ISDIR(st.st_mode)) return dir;
  }
  return "";
}

// Attempts to give the protected name `rel` content; 0 on success, else the refusal (-errno).
int create_protected(const std::string& ws, const std::string& rel, Parents* parents) {
  *parents = make_parents(ws, rel);
  int rc = create_or_write(ws + "/" + rel);
  if (rc == -ENOENT && parents->err != 0) rc = -parents->err;  // the mkdir was refused
  if (rc == -ENOTDIR) {
    // A file stands where a parent directory would be (the launcher's placeholder for a missing
    // protected directory). It is a refusal only if the file cannot be removed to make way.
    const std::string blocker = blocking_file(ws, rel);
    if (blocker.empty() || ::unlink(blocker.c_str()) == 0) {
      *parents = make_parents(ws, rel);
      return create_or_write(ws + "/" + rel);
    }
    return -errno;
  }
  return rc;
}

void creates(const Context& ctx, Reporter& r) {
  for (const auto& rel : ctx.spec.protected_attacks.creates) {
    Parents parents;
    int rc = create_protected(ctx.spec.workspace, rel, &parents);
    r.add(kWall, "create missing protected " + rel, kRefused, rc == 0 ? "written" : errno_name(-rc),
          rc != 0 && refused(-rc));
  }
}

// The protected path the recreate attack aims at after renaming `dir`: one that lies beneath.
std::string recreate_target(const ProtectedAttacks& attacks, const std::string& dir) {
  for (const auto* list : {&attacks.creates, &attacks.writes}) {
    for (const auto& rel : *list) {
      if (rel.rfind(dir + "/", 0) == 0) return rel;
    }
  }
  return dir + "/cordon-verify-recreate";
}

void renames(const Context& ctx, Reporter& r) {
  const std::string& ws = ctx.spec.workspace;
  for (const auto& rel : ctx.spec.protected_attacks.renames) {
    std::string from = ws + "/" + rel, to = from + ".cordon-verify-moved";
    int rc = ::rename(from.c_str(), to.c_str());
    int err = errno;
    r.add(kWall, "rename " + rel + " (holds protected paths)", "EBUSY or EROFS (any failure)",
          rc == 0 ? "renamed" : errno_name(err), rc != 0);

    // With the parent out of the way (if the rename went through), the path is free to make.
    std::string target = recreate_target(ctx.spec.protected_attacks, rel);
    Parents parents;
    int created = create_protected(ws, target, &parents);
    r.add(kWall, "then recreate " + target, kRefused,
          created == 0 ? "written" : errno_name(-created), created != 0 && refused(-created));
    if (rc == 0) {  // put the workspace back the way it was (only ever on a broken box)
      if (created == 0) undo(ws + "/" + target, parents.made);
      ::rename(to.c_str(), from.c_str());
    }
  }
}

}  // namespace

void probe_protected(const Context& ctx, Reporter& r) {
  control(ctx, r);
  writes(ctx, r);
  creates(ctx, r);
  renames(ctx, r);
}

}  // namespace cordon::verify::probe
