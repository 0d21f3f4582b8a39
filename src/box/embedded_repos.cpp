// embedded_repositories / move_embedded_git_aside: gitlinks read from the index, their .git
// found and renamed beneath the workspace only.
#include "box/embedded_repos.h"

#include <fcntl.h>
#include <linux/fs.h>
#include <stdio.h>
#include <sys/stat.h>

#include <cctype>
#include <cerrno>

#include "base/files.h"
#include "base/syscalls.h"
#include "base/unique_fd.h"
#include "box/git_hooks_path.h"
#include "box/git_index.h"

namespace cordon::box {
namespace {

// Larger than any index git writes for a real tree (about 100 bytes an entry).
constexpr off_t kMaxIndexBytes = off_t{1} << 30;

// `path` beneath `root`, no symbolic link on the way, or an invalid fd.
UniqueFd open_beneath(int root, const std::string& path, uint64_t flags) {
  open_how how{};
  how.flags = flags | O_CLOEXEC;
  how.resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS;
  return UniqueFd(sys::openat2(root, path.c_str(), &how));
}

// The file `name` in the .git directory (the index, a shared index, the config), read whole; ""
// when it does not exist. It is opened without blocking (a FIFO would hang cordon) and without
// following a symbolic link (git writes these by renaming a new file over them; a link the box
// made to /proc/self/pagemap, a "regular file" of size 0 that reads for hundreds of GiB, would
// hold cordon at the session's end), and must be a regular file of sane size.
Result<std::string> read_git_file(int git_dir, const std::string& name) {
  UniqueFd fd(
      ::openat(git_dir, name.c_str(), O_RDONLY | O_NONBLOCK | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY));
  if (!fd && errno == ENOENT) return std::string();
  if (!fd) return Error::system("open .git/" + name);
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) return Error::system("stat .git/" + name);
  if (!S_ISREG(st.st_mode) || st.st_size > kMaxIndexBytes) {
    return Error(Errc::kInvalidInput, ".git/" + name + " is not a regular file of sane size");
  }
  auto bytes = read_all(fd.get());
  if (!bytes.ok()) return std::move(bytes.error()).context("read .git/" + name);
  return bytes;
}

Result<std::vector<std::string>> gitlinks(int git_dir) {
  auto bytes = read_git_file(git_dir, "index");
  if (!bytes.ok()) return bytes.error();
  if (bytes->empty()) return std::vector<std::string>{};
  // A split index keeps most entries in .git/sharedindex.<name>; git reads both.
  auto links = gitlinks_in_index(*bytes, [git_dir](const std::string& name) -> Result<std::string> {
    const std::string file = "sharedindex." + name;
    auto shared = read_git_file(git_dir, file);
    if (!shared.ok()) return shared.error();
    if (shared->empty()) return Error(Errc::kInvalidInput, ".git/" + file + " is missing");
    return shared;
  });
  if (!links.ok()) return std::move(links.error()).context(".git/index");
  return links;
}

// What git's own path check accepts in an index: relative, no empty, ".", ".." or ".git"
// component. Anything else is not a path git would recurse into, whatever it resolves to.
bool plausible_gitlink(const std::string& path) {
  if (path.empty() || path.front() == '/') return false;
  size_t start = 0;
  while (start <= path.size()) {
    size_t end = path.find('/', start);
    if (end == std::string::npos) end = path.size();
    std::string component = path.substr(start, end - start);
    for (auto& c : component) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (component.empty() || component == "." || component == ".." || component == ".git") {
      return false;
    }
    start = end + 1;
  }
  return true;
}

// `a`/`b`, where an empty `a` is the workspace itself.
std::string join_path(const std::string& a, const std::string& b) {
  return a.empty() ? b : a + "/" + b;
}

// The .git directory of `repo` (relative to the workspace; "" for the workspace's own).
std::string git_dir_of(const std::string& repo) {
  return join_path(repo, ".git");
}

}  // namespace

std::string repository_path(const std::string& workspace, const std::string& repo) {
  return repo.empty() ? workspace : workspace + "/" + repo;
}

RepositoryScan scan_repository(const std::string& workspace, const std::string& repo) {
  RepositoryScan scan;
  UniqueFd root(::open(workspace.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
  if (!root) {
    scan.unreadable = Error::system("open " + workspace).describe();
    return scan;
  }
  UniqueFd git_dir = open_beneath(root.get(), git_dir_of(repo), O_PATH | O_DIRECTORY);
  if (!git_dir) return scan;  // no repository here, or a linked one
  struct stat st {};
  scan.has_commondir = ::fstatat(git_dir.get(), "commondir", &st, AT_SYMLINK_NOFOLLOW) == 0;
  if (auto config = read_git_file(git_dir.get(), "config"); config.ok()) {
    scan.hooks_path = hooks_path_setting(*config);
  }
  auto links = gitlinks(git_dir.get());
  if (!links.ok()) {
    scan.unreadable = std::move(links.error()).context(repository_path(workspace, repo)).describe();
    return scan;
  }
  for (const auto& link : *links) {
    if (!plausible_gitlink(link)) continue;
    const std::string path = join_path(repo, link);
    UniqueFd dir = open_beneath(root.get(), path, O_PATH | O_DIRECTORY);
    if (dir && ::fstatat(dir.get(), ".git", &st, AT_SYMLINK_NOFOLLOW) == 0) {
      scan.embedded.push_back(path);
    }
  }
  return scan;
}

Result<std::string> move_commondir_aside(const std::string& workspace, const std::string& repo,
                                         const std::string& session_id) {
  UniqueFd root(::open(workspace.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
  if (!root) return Error::system("open " + workspace);
  const std::string git = git_dir_of(repo);
  UniqueFd git_dir = open_beneath(root.get(), git, O_PATH | O_DIRECTORY);
  if (!git_dir) return Error::system("open " + git + " beneath the workspace");
  const std::string aside = "commondir.cordon-" + session_id;
  if (::renameat2(git_dir.get(), "commondir", git_dir.get(), aside.c_str(), RENAME_NOREPLACE) !=
      0) {
    return Error::system("rename " + git + "/commondir");
  }
  return workspace + "/" + git + "/" + aside;
}

Result<std::string> move_embedded_git_aside(const std::string& workspace, const std::string& path,
                                            const std::string& session_id) {
  UniqueFd root(::open(workspace.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
  if (!root) return Error::system("open " + workspace);
  UniqueFd dir = open_beneath(root.get(), path, O_PATH | O_DIRECTORY);
  if (!dir) return Error::system("open " + path + " beneath the workspace");
  const std::string aside = ".git.cordon-" + session_id;
  if (::renameat2(dir.get(), ".git", dir.get(), aside.c_str(), RENAME_NOREPLACE) != 0) {
    return Error::system("rename " + path + "/.git");
  }
  return workspace + "/" + path + "/" + aside;
}

}  // namespace cordon::box
