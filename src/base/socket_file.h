// AF_UNIX sockets bound to a path in a private directory: the address, a 0600 socket file, and
// removing it only while it is still the one bound (another process may have replaced it).
#pragma once

#include <sys/stat.h>
#include <sys/un.h>

#include <optional>
#include <string>

#include "base/result.h"

namespace cordon {

// The address of `path`; nullopt when it does not fit in sun_path.
std::optional<sockaddr_un> unix_address(const std::string& path);

class BoundSocketFile {
 public:
  // Binds `fd` to `path` (which must not exist) as a socket file of mode 0600.
  static Result<BoundSocketFile> bind(int fd, const std::string& path);
  // Removes the socket file if it is still the one bound here.
  ~BoundSocketFile();
  BoundSocketFile(BoundSocketFile&& other) noexcept;
  BoundSocketFile& operator=(BoundSocketFile&&) = delete;
  BoundSocketFile(const BoundSocketFile&) = delete;

 private:
  BoundSocketFile(std::string path, dev_t dev, ino_t ino)
      : path_(std::move(path)), dev_(dev), ino_(ino) {}
  std::string path_;  // empty once moved from
  dev_t dev_;
  ino_t ino_;
};

}  // namespace cordon
