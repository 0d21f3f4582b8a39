// readlink(/proc/PID/ns/pid).
#include "base/pid_namespace.h"

#include <unistd.h>

namespace cordon {

Result<std::string> pid_namespace_of(pid_t pid) {
  const std::string path = "/proc/" + std::to_string(pid) + "/ns/pid";
  char target[128];
  const ssize_t n = ::readlink(path.c_str(), target, sizeof target - 1);
  if (n < 0) return Error::system("readlink " + path);
  return std::string(target, static_cast<size_t>(n));
}

}  // namespace cordon
