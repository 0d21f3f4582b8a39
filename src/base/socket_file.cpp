// Binding a 0600 socket file and removing only our own.
#include "base/socket_file.h"

#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace cordon {

std::optional<sockaddr_un> unix_address(const std::string& path) {
  sockaddr_un a{};
  a.sun_family = AF_UNIX;
  if (path.empty() || path.size() >= sizeof a.sun_path) return std::nullopt;
  std::memcpy(a.sun_path, path.c_str(), path.size() + 1);
  return a;
}

Result<BoundSocketFile> BoundSocketFile::bind(int fd, const std::string& path) {
  const auto address = unix_address(path);
  if (!address) return Error(Errc::kInvalidInput, "socket path " + path + " is too long");
  // The umask is process-wide, but bind is the only way to set a socket file's mode before
  // anyone can connect; 0177 leaves 0600.
  const mode_t old_mask = ::umask(0177);
  const int bound = ::bind(fd, reinterpret_cast<const sockaddr*>(&*address), sizeof *address);
  const int bind_errno = errno;
  ::umask(old_mask);
  if (bound != 0) return Error::system("bind " + path, bind_errno);
  struct stat st {};
  if (::lstat(path.c_str(), &st) != 0) return Error::system("stat " + path);
  BoundSocketFile file(path, st.st_dev, st.st_ino);
  if ((st.st_mode & 0777) != 0600) {
    return Error(Errc::kInternal, path + " was created with a mode other than 0600");
  }
  return file;
}

BoundSocketFile::BoundSocketFile(BoundSocketFile&& other) noexcept
    : path_(std::move(other.path_)), dev_(other.dev_), ino_(other.ino_) {
  other.path_.clear();
}

BoundSocketFile::~BoundSocketFile() {
  struct stat st {};
  if (!path_.empty() && ::lstat(path_.c_str(), &st) == 0 && st.st_dev == dev_ &&
      st.st_ino == ino_) {
    ::unlink(path_.c_str());
  }
}

}  // namespace cordon
