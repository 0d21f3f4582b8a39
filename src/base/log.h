// Diagnostics: levelled logs to stderr with file and line; off unless -v. Never the audit trail.
#pragma once

#include <source_location>
#include <string>
#include <string_view>

namespace cordon::log {

enum class Level { kError = 0, kWarn = 1, kInfo = 2, kDebug = 3 };

// 0 = errors only (default), 1 = -v (info), 2 = -vv (debug).
void set_verbosity(int verbosity);
bool enabled(Level level);

void write(Level level, std::string_view message,
           std::source_location where = std::source_location::current());
// The line write() prints. A message can quote what the box chose (a path, an argv), and the
// line goes to the user's terminal: it is shown terminal-safe (base/terminal_text.h).
std::string format_line(Level level, std::string_view message, std::source_location where);

inline void info(std::string_view m, std::source_location w = std::source_location::current()) {
  if (enabled(Level::kInfo)) write(Level::kInfo, m, w);
}
inline void debug(std::string_view m, std::source_location w = std::source_location::current()) {
  if (enabled(Level::kDebug)) write(Level::kDebug, m, w);
}
inline void warn(std::string_view m, std::source_location w = std::source_location::current()) {
  if (enabled(Level::kWarn)) write(Level::kWarn, m, w);
}

}  // namespace cordon::log
