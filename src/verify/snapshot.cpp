// Snapshots of the protected part of a workspace (host side, after planting and after the box).
#include "verify/snapshot.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>

#include "base/unique_fd.h"

namespace cordon::verify {
namespace {

uint64_t fnv1a(const char* data, size_t n, uint64_t h = 1469598103934665603ULL) {
  for (size_t i = 0; i < n; ++i) {
    h ^= static_cast<unsigned char>(data[i]);
    h *= 1099511628211ULL;
  }
  return h;
}

uint64_t hash_file(int dirfd, const char* name) {
  UniqueFd fd(::openat(dirfd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK));
  if (!fd) return 0;
  uint64_t h = fnv1a(nullptr, 0);
  char buf[8192];
  ssize_t n;
  while ((n = ::read(fd.get(), buf, sizeof buf)) > 0) h = fnv1a(buf, static_cast<size_t>(n), h);
  return h;
}

bool relevant(const std::vector<ProtectedEntry>& entries, const std::string& rel) {
  if (is_protected(entries, rel)) return true;
  return std::any_of(entries.begin(), entries.end(), [&](const ProtectedEntry& e) {
    return e.path.rfind(rel + "/", 0) == 0;  // an ancestor of a protected path
  });
}

void walk(int dirfd, const std::string& prefix, const std::vector<ProtectedEntry>& entries,
          Snapshot& out, int depth) {
  if (depth > 32) return;
  int dup = ::fcntl(dirfd, F_DUPFD_CLOEXEC, 0);
  if (dup < 0) return;
  DIR* dir = ::fdopendir(dup);
  if (!dir) {
    ::close(dup);
    return;
  }
  while (dirent* d = ::readdir(dir)) {
    std::string name = d->d_name;
    if (name == "." || name == "..") continue;
    std::string rel = prefix.empty() ? name : prefix + "/" + name;
    struct stat st;
    if (::fstatat(dirfd, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) continue;
    bool keep = relevant(entries, rel);
    if (keep) {
      SnapshotEntry e;
      e.mode = st.st_mode & 07777;
      if (S_ISREG(st.st_mode)) {
        e.type = 'f';
        e.size = static_cast<uint64_t>(st.st_size);
        e.hash = hash_file(dirfd, name.c_str());
      } else if (S_ISDIR(st.st_mode)) {
        e.type = 'd';
      } else if (S_ISLNK(st.st_mode)) {
        e.type = 'l';
        char target[4096];
        ssize_t n = ::readlinkat(dirfd, name.c_str(), target, sizeof target);
        e.hash = n > 0 ? fnv1a(target, static_cast<size_t>(n)) : 0;
      }
      out[rel] = e;
    }
    if (S_ISDIR(st.st_mode)) {
      UniqueFd sub(::openat(dirfd, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
      if (sub) walk(sub.get(), rel, entries, out, depth + 1);
    }
  }
  ::closedir(dir);
}

bool empty_placeholder(const SnapshotEntry& e) {
  return (e.type == 'f' && e.size == 0) || e.type == 'd';
}

}  // namespace

Snapshot take_snapshot(const std::string& workspace, const std::vector<ProtectedEntry>& entries) {
  Snapshot out;
  UniqueFd root(::open(workspace.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (root) walk(root.get(), "", entries, out, 0);
  return out;
}

std::vector<std::string> diff_snapshots(const Snapshot& before, const Snapshot& after) {
  std::vector<std::string> out;
  for (const auto& [rel, old] : before) {
    auto it = after.find(rel);
    if (it == after.end()) {
      out.push_back("removed " + rel);
    } else if (it->second != old) {
      out.push_back("changed " + rel);
    }
  }
  for (const auto& [rel, now] : after) {
    if (before.count(rel)) continue;
    // Anything created inside a new directory is reported on its own line.
    if (empty_placeholder(now)) continue;
    out.push_back("created " + rel);
  }
  return out;
}

}  // namespace cordon::verify
