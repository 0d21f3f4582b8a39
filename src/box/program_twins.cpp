// ProgramTwins: an index of system programs by size, and a byte comparison for same-size ones.
#include "box/program_twins.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstring>
#include <tuple>

#include "base/files.h"
#include "base/unique_fd.h"
#include "box/mount_plan.h"
#include "gate/loader_command.h"

namespace cordon::box {
namespace {

bool same_content(int a, int b, off_t size) {
  char x[65536];
  char y[65536];
  off_t offset = 0;
  while (offset < size) {
    const ssize_t n = ::pread(a, x, sizeof x, offset);
    if (n <= 0) return false;
    const ssize_t m = ::pread(b, y, static_cast<size_t>(n), offset);
    if (m != n || std::memcmp(x, y, static_cast<size_t>(n)) != 0) return false;
    offset += n;
  }
  return true;
}

}  // namespace

bool ProgramTwins::FileKey::operator<(const FileKey& o) const {
  return std::tie(dev, ino, size, mtime_ns, ctime_ns) <
         std::tie(o.dev, o.ino, o.size, o.mtime_ns, o.ctime_ns);
}

ProgramTwins::ProgramTwins(std::vector<std::string> system_dirs,
                           std::vector<std::string> writable_paths)
    : dirs_(std::move(system_dirs)), writable_(std::move(writable_paths)) {}

bool ProgramTwins::in_read_only_system(const std::string& path) const {
  for (const auto& writable : writable_) {
    if (path == writable || is_same_or_beneath(path, writable)) return false;
  }
  for (std::string_view dir : kSystemDirs) {
    if (path.size() > dir.size() && path.starts_with(dir) && path[dir.size()] == '/') return true;
  }
  return false;
}

void ProgramTwins::index() {
  indexed_ = true;
  std::vector<std::string> dirs = dirs_;
  // The dynamic loaders too: a renamed copy of one starts any program it is given.
  for (const char* dir : {"/lib64", "/lib", "/usr/lib64", "/usr/lib"}) {
    dirs.push_back(dir);
    DIR* d = ::opendir(dir);
    if (d == nullptr) continue;
    while (dirent* e = ::readdir(d)) {
      if (std::strstr(e->d_name, "-linux-") != nullptr)
        dirs.push_back(std::string(dir) + "/" + e->d_name);
    }
    ::closedir(d);
  }
  for (size_t i = 0; i < dirs.size(); ++i) {
    const std::string& dir = dirs[i];
    const bool only_loaders = i >= dirs_.size();
    DIR* d = ::opendir(dir.c_str());
    if (d == nullptr) continue;
    while (dirent* e = ::readdir(d)) {
      if (e->d_name[0] == '.') continue;
      if (only_loaders && !gate::is_dynamic_loader(e->d_name)) continue;
      const std::string path = dir + "/" + e->d_name;
      struct stat st;
      if (::stat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode) || (st.st_mode & 0111) == 0) {
        continue;
      }
      by_size_.emplace(st.st_size, path);
    }
    ::closedir(d);
  }
}

Result<std::optional<std::string>> ProgramTwins::twin_of(pid_t pid, const std::string& executable) {
  if (in_read_only_system(executable)) return std::optional<std::string>();
  const std::string exe = "/proc/" + std::to_string(pid) + "/exe";
  UniqueFd file(::open(exe.c_str(), O_RDONLY | O_CLOEXEC));
  if (!file) {
    // Whether it is a renamed copy of a system program cannot be told: it does not run.
    return Error::system(executable +
                         " cannot be compared with the system's programs (a gated box runs a "
                         "program outside the system directories only if it can read it)");
  }
  return twin_of_file(file.get(), executable);
}

std::optional<std::string> ProgramTwins::twin_of_file(int fd, const std::string& path) {
  if (in_read_only_system(path)) return std::nullopt;
  struct stat st;
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) return std::nullopt;
  const FileKey key{st.st_dev, st.st_ino, st.st_size,
                    static_cast<long>(st.st_mtim.tv_sec) * 1000000000L + st.st_mtim.tv_nsec,
                    static_cast<long>(st.st_ctim.tv_sec) * 1000000000L + st.st_ctim.tv_nsec};
  if (auto it = seen_.find(key); it != seen_.end()) return it->second;
  if (!indexed_) index();
  std::optional<std::string> twin;
  auto [first, last] = by_size_.equal_range(st.st_size);
  for (auto it = first; it != last && !twin; ++it) {
    UniqueFd candidate(::open(it->second.c_str(), O_RDONLY | O_CLOEXEC));
    if (candidate && same_content(fd, candidate.get(), st.st_size)) twin = it->second;
  }
  seen_.emplace(key, twin);
  return twin;
}

}  // namespace cordon::box
