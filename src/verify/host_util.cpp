// Small host-side helpers for `cordon verify`.
#include "verify/host_util.h"

#include <dirent.h>
#include <fcntl.h>
#include <ftw.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cctype>
#include <cstdlib>
#include <ctime>

#include "base/files.h"
#include "base/unique_fd.h"

namespace cordon::verify {


int64_t now_ms() {
  timespec ts{};
  ::clock_gettime(CLOCK_REALTIME, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1000 + ts.tv_nsec / 1000000;
}

std::vector<pid_t> processes_named(const std::string& comm) {
  std::vector<pid_t> out;
  DIR* proc = ::opendir("/proc");
  if (!proc) return out;
  while (dirent* d = ::readdir(proc)) {
    if (!std::isdigit(static_cast<unsigned char>(d->d_name[0]))) continue;
    std::string dir = std::string("/proc/") + d->d_name;
    struct stat st;
    if (::stat(dir.c_str(), &st) != 0 || st.st_uid != ::getuid()) continue;
    auto name = read_file(dir + "/comm");
    if (!name) continue;
    std::string n = *name;
    while (!n.empty() && n.back() == '\n') n.pop_back();
    if (n == comm) out.push_back(static_cast<pid_t>(std::strtol(d->d_name, nullptr, 10)));
  }
  ::closedir(proc);
  return out;
}

namespace {

int make_writable(const char* path, const struct stat* st, int type, FTW*) {
  if (type == FTW_D) ::chmod(path, (st->st_mode & 07777) | S_IRWXU);
  return 0;
}

int remove_one(const char* path, const struct stat*, int type, FTW*) {
  if (type == FTW_DP || type == FTW_D || type == FTW_DNR) {
    ::rmdir(path);
  } else {
    ::unlink(path);
  }
  return 0;
}

}  // namespace

void remove_tree(const std::string& path) {
  if (path.empty() || path == "/") return;
  ::nftw(path.c_str(), make_writable, 16, FTW_PHYS | FTW_MOUNT);
  ::nftw(path.c_str(), remove_one, 16, FTW_PHYS | FTW_MOUNT | FTW_DEPTH);
}

Result<void> make_parents(const std::string& base, const std::string& rel) {
  for (size_t slash = rel.find('/'); slash != std::string::npos; slash = rel.find('/', slash + 1)) {
    std::string dir = base + "/" + rel.substr(0, slash);
    if (::mkdir(dir.c_str(), 0755) != 0 && errno != EEXIST) return Error::system("mkdir " + dir);
  }
  return Ok{};
}

Result<void> write_new_file(const std::string& path, const std::string& content, mode_t mode) {
  UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode));
  if (!fd) return Error::system("create " + path);
  if (::write(fd.get(), content.data(), content.size()) != static_cast<ssize_t>(content.size())) {
    return Error::system("write " + path);
  }
  if (::fchmod(fd.get(), mode) != 0) return Error::system("chmod " + path);
  return Ok{};
}

}  // namespace cordon::verify
