// Times on the command line (`cordon audit query --since ...`).
#pragma once

#include <cstdint>
#include <string>

#include "base/result.h"

namespace cordon::cli {

// Microseconds since the epoch for "2026-11-22", "2026-11-22 15:04[:05]", "2026-11-22T15:04:05"
// (local time; a trailing "Z" means UTC), "@1763823845" (Unix seconds), or a duration ago
// ("90s", "30m", "2h", "1h30m"). `now_us` anchors the durations.
Result<int64_t> parse_time_arg(const std::string& text, int64_t now_us);

}  // namespace cordon::cli
