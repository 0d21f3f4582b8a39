// Coordinating placeholders of protected paths between sessions (see workspace_lease.h).
#include "box/workspace_lease.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "base/files.h"

namespace cordon::box {
namespace {

bool is_empty_placeholder(const std::string& path, bool is_dir) {
  struct stat st {};
  if (::lstat(path.c_str(), &st) != 0) return false;
  if (is_dir) return S_ISDIR(st.st_mode);  // rmdir refuses a directory that is not empty
  return S_ISREG(st.st_mode) && st.st_size == 0;
}

// A placeholder's path below the workspace as one file name: '%' and '/' percent-encoded.
std::string template_name(const std::string& relative) {
  std::string name;
  for (char c : relative) {
    if (c == '%') {
      name += "%25";
    } else if (c == '/') {
      name += "%2F";
    } else {
      name += c;
    }
  }
  return name;
}

}  // namespace

int create_empty_file(const std::string& path) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0644);
  if (fd < 0) return errno;
  ::close(fd);
  return 0;
}

std::string workspace_key(const std::string& workspace) {
  uint64_t h = 1469598103934665603ULL;
  for (unsigned char c : workspace) {
    h ^= c;
    h *= 1099511628211ULL;
  }
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(h));
  return buf;
}

Result<WorkspaceLease> WorkspaceLease::acquire(const std::string& state_dir,
                                               const std::string& workspace) {
  const std::string dir = state_dir + "/workspaces";
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return Error(Errc::kSystem, "create " + dir + ": " + ec.message());
  ::chmod(state_dir.c_str(), 0700);
  const std::string base = dir + "/" + workspace_key(workspace);
  UniqueFd lock(::open((base + ".lock").c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600));
  if (!lock) return Error::system("open " + base + ".lock");
  WorkspaceLease lease(std::move(lock), base + ".placeholders", workspace, base + ".empty");
  if (::flock(lease.lock_.get(), LOCK_EX | LOCK_NB) == 0) {
    lease.remove_listed_placeholders();  // alone: whatever is listed was left by a dead session
    if (::flock(lease.lock_.get(), LOCK_SH) != 0) return Error::system("flock " + base + ".lock");
  } else if (::flock(lease.lock_.get(), LOCK_SH) != 0) {
    return Error::system("flock " + base + ".lock");
  }
  return lease;
}

WorkspaceLease::~WorkspaceLease() { release(); }

Result<void> WorkspaceLease::record(const std::string& path, bool is_dir) {
  if (!registry_fd_) {
    registry_fd_ = UniqueFd(::open(registry_.c_str(),
                                   O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600));
    if (!registry_fd_) return Error::system("open " + registry_);
  }
  // One write(2) per line with O_APPEND: lines from concurrent sessions never interleave.
  const std::string line = std::string(is_dir ? "d " : "f ") + path + "\n";
  if (::write(registry_fd_.get(), line.data(), line.size()) !=
      static_cast<ssize_t>(line.size())) {
    return Error::system("write " + registry_);
  }
  return Ok{};
}

int WorkspaceLease::create_file_placeholder(const std::string& path) {
  if (links_work_) {
    const int err = link_from_template(path);
    if (err == 0 || err == EEXIST) return err;
    links_work_ = false;  // EXDEV (the state directory is on another filesystem), or the like
  }
  return create_empty_file(path);
}

int WorkspaceLease::link_from_template(const std::string& path) {
  if (path.size() <= workspace_.size() + 1 || path.compare(0, workspace_.size(), workspace_) != 0 ||
      path[workspace_.size()] != '/') {
    return EINVAL;
  }
  const std::string name = template_name(path.substr(workspace_.size() + 1));
  if (!fresh_template(name)) return EAGAIN;  // no template to link: the caller makes a file
  if (::link((templates_ + "/" + name).c_str(), path.c_str()) != 0) return errno;
  return 0;
}

// Whether templates_/name is an empty file of ours with no other link, made anew if it was not.
bool WorkspaceLease::fresh_template(const std::string& name) {
  const std::string path = templates_ + "/" + name;
  struct stat st {};
  if (::lstat(path.c_str(), &st) == 0) {
    if (S_ISREG(st.st_mode) && st.st_size == 0 && st.st_nlink == 1 && st.st_uid == ::geteuid()) {
      return true;
    }
    // Written into or linked from elsewhere (a placeholder the user kept or moved): that file is
    // the user's now, and the next placeholder gets a template of its own.
    if (::unlink(path.c_str()) != 0) return false;
  } else if (errno != ENOENT) {
    return false;
  }
  if (::mkdir(templates_.c_str(), 0700) != 0 && errno != EEXIST) return false;
  // EEXIST here: a session starting at the same moment made it; this one makes a new file.
  return create_empty_file(path) == 0;
}

void WorkspaceLease::release() {
  registry_fd_.reset();
  if (!lock_) return;
  // Only the last session out may remove placeholders: another box may have them mounted.
  if (::flock(lock_.get(), LOCK_EX | LOCK_NB) == 0) remove_listed_placeholders();
  lock_.reset();  // closing drops the lock
}

void WorkspaceLease::remove_listed_placeholders() {
  auto text = read_file(registry_);
  if (!text.ok() || text->empty()) return;
  std::vector<std::pair<std::string, bool>> entries;
  std::istringstream lines(*text);
  std::string line;
  while (std::getline(lines, line)) {
    if (line.size() > 2) entries.emplace_back(line.substr(2), line[0] == 'd');
  }
  // Deepest first; a placeholder a host program has written into since is the user's now.
  for (auto it = entries.rbegin(); it != entries.rend(); ++it) {
    if (!is_empty_placeholder(it->first, it->second)) continue;
    if (it->second) {
      ::rmdir(it->first.c_str());
    } else {
      ::unlink(it->first.c_str());
    }
  }
  // Emptied rather than removed: the next session appends to it without creating a file.
  if (::truncate(registry_.c_str(), 0) != 0) ::unlink(registry_.c_str());
}

}  // namespace cordon::box
