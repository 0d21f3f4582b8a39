// find_nested_repositories: a breadth-first listing of directories with getdents64 (no stat unless
// the filesystem leaves an entry's type unknown), and one stat for each at the last level.
#include "box/nested_repos.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>

#include <cstdint>
#include <deque>
#include <string_view>

#include "base/syscalls.h"
#include "base/unique_fd.h"

namespace cordon::box {
namespace {

// Directories not searched (see the header for why).
bool skipped(std::string_view name, const NestedRepoBounds& bounds) {
  return name == ".git" || (name == "node_modules" && !bounds.every_repository);
}

// Whether a `.git` of this type makes its directory a repository for the search.
bool is_git_entry(unsigned char type, const NestedRepoBounds& bounds) {
  return type == DT_DIR || type == DT_REG || (type == DT_LNK && bounds.every_repository);
}

std::string join_path(const std::string& a, std::string_view b) {
  return a.empty() ? std::string(b) : a + "/" + std::string(b);
}

// The type of `name` in `dir`, from the listing when the filesystem gives it.
unsigned char entry_type(int dir, const char* name, unsigned char listed) {
  if (listed != DT_UNKNOWN) return listed;
  struct stat st {};
  if (::fstatat(dir, name, &st, AT_SYMLINK_NOFOLLOW) != 0) return DT_UNKNOWN;
  if (S_ISDIR(st.st_mode)) return DT_DIR;
  if (S_ISREG(st.st_mode)) return DT_REG;
  if (S_ISLNK(st.st_mode)) return DT_LNK;
  return DT_UNKNOWN;  // a device, a FIFO: not a repository's `.git`, not searched
}

struct Pending {
  std::string path;  // relative to the workspace
  size_t depth;      // below the search's start
};

}  // namespace

NestedRepoBounds every_repository_bounds(const NestedRepoBounds& start) {
  NestedRepoBounds bounds = start;
  bounds.max_depth = SIZE_MAX;
  bounds.max_directories = start.max_directories * 32;
  bounds.every_repository = true;
  return bounds;
}

NestedRepos find_nested_repositories(const std::string& workspace, const std::string& under,
                                     const NestedRepoBounds& bounds) {
  NestedRepos out;
  if (bounds.max_depth == 0) return out;
  UniqueFd root(::open(workspace.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
  if (!root) return out;
  std::deque<Pending> queue{{under, 0}};
  alignas(dirent64) char buffer[32 * 1024];
  while (!queue.empty()) {
    if (out.directories_visited == bounds.max_directories) {
      out.first_unsearched = queue.front().path;
      break;
    }
    const Pending dir = std::move(queue.front());
    queue.pop_front();
    ++out.directories_visited;
    if (dir.depth == bounds.max_depth) {
      // Nothing beneath is searched, so one stat answers instead of listing it: most of the
      // directories a search visits are at its last level, and a listing costs four syscalls.
      // The components on the way were directories, not links, when their parents were listed.
      struct stat st {};
      if (::fstatat(root.get(), (dir.path + "/.git").c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0 &&
          is_git_entry(IFTODT(st.st_mode), bounds)) {
        out.repositories.push_back(dir.path);
      }
      continue;
    }
    open_how how{};
    how.flags = O_RDONLY | O_DIRECTORY | O_CLOEXEC;
    how.resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS;
    UniqueFd fd(sys::openat2(root.get(), dir.path.empty() ? "." : dir.path.c_str(), &how));
    if (!fd) continue;
    bool is_repository = false;
    for (;;) {
      const ssize_t n = ::getdents64(fd.get(), buffer, sizeof buffer);
      if (n <= 0) break;
      for (ssize_t at = 0; at < n;) {
        const auto* entry = reinterpret_cast<const dirent64*>(buffer + at);
        at += entry->d_reclen;
        const std::string_view name = entry->d_name;
        if (name == "." || name == "..") continue;
        const unsigned char type = entry_type(fd.get(), entry->d_name, entry->d_type);
        if (name == ".git") is_repository = is_git_entry(type, bounds);
        if (type != DT_DIR || skipped(name, bounds)) continue;
        queue.push_back({join_path(dir.path, name), dir.depth + 1});
      }
    }
    if (is_repository && dir.depth > 0) out.repositories.push_back(dir.path);
  }
  return out;
}

}  // namespace cordon::box
