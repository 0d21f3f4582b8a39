// Diagnostics to stderr.
#include "base/log.h"

#include <unistd.h>

#include <string>

#include "base/terminal_text.h"

namespace cordon::log {
namespace {
int g_verbosity = 0;
}

void set_verbosity(int verbosity) { g_verbosity = verbosity; }

bool enabled(Level level) {
  if (level == Level::kError) return true;
  if (level == Level::kWarn) return g_verbosity >= 1;
  return static_cast<int>(level) <= g_verbosity + 1;
}

std::string format_line(Level level, std::string_view message, std::source_location where) {
  static constexpr const char* kNames[] = {"error", "warn", "info", "debug"};
  std::string file = where.file_name();
  if (auto slash = file.rfind("src/"); slash != std::string::npos) file = file.substr(slash + 4);
  std::string line = "cordon[" + std::string(kNames[static_cast<int>(level)]) + "] " + file + ":" +
                     std::to_string(where.line()) + ": ";
  for (const unsigned char c : message) append_terminal_safe(line, c);
  line += '\n';
  return line;
}

void write(Level level, std::string_view message, std::source_location where) {
  const std::string line = format_line(level, message, where);
  // One write(2) so concurrent lines do not interleave.
  (void)!::write(STDERR_FILENO, line.data(), line.size());
}

}  // namespace cordon::log
