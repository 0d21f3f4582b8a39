// Finding cordon's companion programs.
#include "cli/programs.h"

#include <unistd.h>

#include <climits>
#include <filesystem>

namespace cordon::cli {

std::string companion_program(const char* name) {
  char self[PATH_MAX];
  const ssize_t n = ::readlink("/proc/self/exe", self, sizeof self - 1);
  if (n <= 0) return name;
  self[n] = '\0';
  const std::filesystem::path dir = std::filesystem::path(self).parent_path();
  for (const auto& candidate : {dir / name, dir / "../libexec/cordon" / name}) {
    if (::access(candidate.c_str(), X_OK) == 0) return candidate.lexically_normal().string();
  }
  return (dir / name).string();
}

}  // namespace cordon::cli
