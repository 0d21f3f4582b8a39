// Error formatting.
#include "base/result.h"

#include <cstring>

namespace cordon {

std::string Error::describe() const {
  std::string out = message_;
  if (sys_errno_ != 0) {
    out += ": ";
    out += std::strerror(sys_errno_);
  }
  return out;
}

}  // namespace cordon
