// filesystem: writes to the system dirs and the real home, the planted canaries by every route,
// symlink and hardlink escapes from the workspace, and the policy's hidden paths.
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include <cstdlib>
#include <string>

#include "base/unique_fd.h"
#include "verify/probe_util.h"
#include "verify/probe_walls.h"

namespace cordon::verify::probe {
namespace {

constexpr const char* kWall = "filesystem";

std::string dirname_of(const std::string& path) {
  size_t slash = path.rfind('/');
  return slash == 0 || slash == std::string::npos ? "/" : path.substr(0, slash);
}

std::string basename_of(const std::string& path) {
  return path.substr(path.rfind('/') + 1);
}

// open(O_RDONLY) and read one byte: 0 on success, else -errno.
int try_read(const std::string& path) {
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK));
  if (!fd) return -errno;
  char c;
  return ::read(fd.get(), &c, 1) < 0 ? -errno : 0;
}

std::string read_outcome(int rc) {
  return rc == 0 ? "readable" : errno_name(-rc);
}

void system_dirs(const Context& ctx, Reporter& r) {
  for (const char* dir : {"/", "/etc/", "/usr/bin/"}) {
    std::string path = dir + ctx.spec.system_write_name;
    int rc = try_create(path);  // a file that lands is left for the host check, then cleanup
    r.add(kWall, std::string("create a file in ") + dir, "EROFS or EACCES",
          rc == 0 ? "created" : errno_name(-rc), rc == -EROFS || rc == -EACCES || rc == -EPERM);
  }
  std::string control = "/tmp/.cordon-verify-control-" + std::to_string(::getpid());
  int rc = try_create(control);
  ::unlink(control.c_str());
  r.add(kWall, "create a file in /tmp (positive control)", "created",
        rc == 0 ? "created" : errno_name(-rc), rc == 0);
}

void home(const Context& ctx, Reporter& r) {
  const char* env = std::getenv("HOME");
  std::string home = env ? env : "";
  r.add(kWall, "HOME is the user's home path", ctx.spec.host_home, home.empty() ? "unset" : home,
        home == ctx.spec.host_home);
  // Writable, but the host check confirms the file never reaches the real home.
  int rc = try_create(ctx.spec.host_home + "/" + ctx.spec.home_write_name);
  r.add(kWall, "write a file in $HOME (the host checks it stays in the box)",
        "created in the box's home", rc == 0 ? "created" : errno_name(-rc), rc == 0);
}

// "/proc/self/cwd" followed by enough ".." to reach "/".
std::string cwd_to_root() {
  char cwd[4096];
  std::string out = "/proc/self/cwd";
  if (!::getcwd(cwd, sizeof cwd)) return out + "/../../../../../../../..";
  for (const char* p = cwd; *p; ++p) {
    if (*p == '/' && p[1] != '\0') out += "/..";
  }
  return out;
}

void canaries(const Context& ctx, Reporter& r) {
  const std::string up = cwd_to_root();
  // Positive controls: the routes do reach a file that is visible (the spec).
  for (const auto& [route, path] : std::vector<std::pair<std::string, std::string>>{
           {"directly", ctx.spec_path},
           {"via /proc/self/root", "/proc/self/root" + ctx.spec_path},
           {"via /proc/self/cwd/../..", up + ctx.spec_path}}) {
    int rc = try_read(path);
    r.add(kWall, "read the spec " + route + " (positive control)", "readable", read_outcome(rc),
          rc == 0);
  }
  for (const auto& canary : ctx.spec.canaries) {
    const std::string dir = dirname_of(canary);
    // "~/.ssh canary": the random file name would only make the rows longer.
    const std::string home_dir = "~" + dir.substr(ctx.spec.host_home.size());
    const std::string name = home_dir + " canary";
    for (const auto& [route, path] : std::vector<std::pair<std::string, std::string>>{
             {"", canary},
             {" via /proc/1/root", "/proc/1/root" + canary},
             {" via /proc/self/root", "/proc/self/root" + canary},
             {" via /proc/self/cwd/../..", up + canary}}) {
      int rc = try_read(path);
      r.add(kWall, "read " + name + route, "ENOENT or EACCES", read_outcome(rc), rc != 0);
    }
    // Listing the directory must not reveal it either.
    bool listed = false;
    std::string got;
    if (DIR* d = ::opendir(dir.c_str())) {
      while (dirent* e = ::readdir(d)) listed = listed || basename_of(canary) == e->d_name;
      ::closedir(d);
      got = listed ? "canary listed" : "directory visible, canary not listed";
    } else {
      got = errno_name(errno);
    }
    r.add(kWall, "list " + home_dir, "ENOENT (canary not listed)", got, !listed);
  }
}

void links(const Context& ctx, Reporter& r) {
  struct stat st;
  bool planted = ::lstat(ctx.spec.escape_link.c_str(), &st) == 0 && S_ISLNK(st.st_mode);
  r.add(kWall, "planted escape symlink is present (positive control)", "a symlink",
        planted ? "a symlink" : errno_name(errno), planted);
  int rc = try_read(ctx.spec.escape_link);
  r.add(kWall, "read through workspace symlink -> canary", "ENOENT or EACCES", read_outcome(rc),
        rc != 0);
  rc = try_read(ctx.spec.control_link);
  r.add(kWall, "read through workspace symlink -> workspace file (positive control)", "readable",
        read_outcome(rc), rc == 0);

  // Hardlinks: a link to a system file or a protected file would make it writable through the
  // workspace (or read-write where it was read-only).
  struct Source {
    std::string label, path, link_name;
  };
  std::vector<Source> sources = {{"/etc/passwd", "/etc/passwd", "hardlink-etc"}};
  if (!ctx.spec.protected_attacks.writes.empty()) {
    const std::string& rel = ctx.spec.protected_attacks.writes.front();
    sources.push_back({"protected " + rel, ctx.spec.workspace + "/" + rel, "hardlink-protected"});
  }
  for (const auto& source : sources) {
    std::string target = ctx.spec.workspace + "/" + source.link_name;
    int ok = ::link(source.path.c_str(), target.c_str());
    int err = errno;
    if (ok == 0) ::unlink(target.c_str());
    r.add(kWall, "hardlink " + source.label + " into the workspace", "EXDEV, EPERM or EROFS",
          ok == 0 ? "linked" : errno_name(err), ok != 0);
  }
  if (ctx.spec.workspace_writable) {
    std::string target = ctx.spec.workspace + "/hardlink-control";
    int ok = ::link(ctx.spec.control_file.c_str(), target.c_str());
    int err = errno;
    ::unlink(target.c_str());
    r.add(kWall, "hardlink a workspace file in the workspace (positive control)", "linked",
          ok == 0 ? "linked" : errno_name(err), ok == 0);
  }
}

// Hidden: absent, unreadable, or an empty placeholder (an empty directory, /dev/null).
void hidden(const Context& ctx, Reporter& r) {
  for (const auto& path : ctx.spec.hidden_paths) {
    struct stat st;
    std::string got;
    bool pass;
    if (::lstat(path.c_str(), &st) != 0) {
      got = errno_name(errno);
      pass = true;
    } else if (S_ISDIR(st.st_mode)) {
      int entries = 0;
      DIR* d = ::opendir(path.c_str());
      while (dirent* e = d ? ::readdir(d) : nullptr) {
        if (std::string(e->d_name) != "." && std::string(e->d_name) != "..") ++entries;
      }
      if (d) ::closedir(d);
      pass = d == nullptr || entries == 0;
      got = d == nullptr ? "directory, unreadable"
                         : "directory with " + std::to_string(entries) + " entries";
    } else if (S_ISCHR(st.st_mode)) {
      got = "character device (masked)";
      pass = true;
    } else if (S_ISSOCK(st.st_mode) || S_ISFIFO(st.st_mode)) {
      got = S_ISSOCK(st.st_mode) ? "socket visible" : "fifo visible";
      pass = false;
    } else {
      int rc = try_read(path);
      pass = rc != 0 || st.st_size == 0;
      got = rc != 0 ? "present, " + errno_name(-rc)
                    : "present, " + std::to_string(st.st_size) + " bytes readable";
    }
    r.add(kWall, "hidden path " + path, "absent or empty", got, pass);
  }
}

}  // namespace

void probe_filesystem(const Context& ctx, Reporter& r) {
  system_dirs(ctx, r);
  home(ctx, r);
  canaries(ctx, r);
  links(ctx, r);
  hidden(ctx, r);
}

}  // namespace cordon::verify::probe
