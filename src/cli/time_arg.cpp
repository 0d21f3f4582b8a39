// Parsing of command-line times.
#include "cli/time_arg.h"

#include <ctime>

#include "policy/loader.h"

namespace cordon::cli {

Result<int64_t> parse_time_arg(const std::string& text, int64_t now_us) {
  auto invalid = [&] {
    return Error(Errc::kInvalidInput, "\"" + text + "\" is not a time")
        .with_hint(
            "write a date (2026-11-22), a date and time (\"2026-11-22 15:04\", "
            "2026-11-22T15:04:05Z for UTC), @UNIX-SECONDS, or a duration ago (30m, 2h)");
  };
  if (text.empty()) return invalid();
  if (text[0] == '@') {
    char* end = nullptr;
    const long long secs = std::strtoll(text.c_str() + 1, &end, 10);
    if (end == text.c_str() + 1 || *end != '\0') return invalid();
    return static_cast<int64_t>(secs) * 1000000;
  }
  if (text.size() >= 10 && text[4] == '-' && text[7] == '-') {
    std::string rest = text;
    const bool utc = rest.back() == 'Z';
    if (utc) rest.pop_back();
    tm parts{};
    parts.tm_isdst = -1;
    const char* end = nullptr;
    for (const char* format : {"%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M",
                               "%Y-%m-%d %H:%M", "%Y-%m-%d"}) {
      parts = tm{};
      parts.tm_isdst = -1;
      end = ::strptime(rest.c_str(), format, &parts);
      if (end != nullptr && *end == '\0') break;
      end = nullptr;
    }
    if (end == nullptr) return invalid();
    const time_t secs = utc ? ::timegm(&parts) : ::mktime(&parts);
    if (secs == static_cast<time_t>(-1)) return invalid();
    return static_cast<int64_t>(secs) * 1000000;
  }
  auto ago = policy::parse_duration(text);
  if (!ago.ok()) return invalid();
  return now_us - static_cast<int64_t>(*ago) * 1000000;
}

}  // namespace cordon::cli
