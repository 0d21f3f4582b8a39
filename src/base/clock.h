// Wall-clock time as the audit trail stores it.
#pragma once

#include <chrono>
#include <cstdint>

namespace cordon {

// Microseconds since the Unix epoch.
inline int64_t unix_time_us() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace cordon
