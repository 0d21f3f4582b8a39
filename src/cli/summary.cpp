// The session summary.
#include "cli/summary.h"

#include <cstdio>

namespace cordon::cli {
namespace {

std::string mib(uint64_t bytes) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f MiB", static_cast<double>(bytes) / (1 << 20));
  return buf;
}

std::string seconds(std::chrono::milliseconds d) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1fs", static_cast<double>(d.count()) / 1000.0);
  return buf;
}

}  // namespace

void SessionSummary::emit(const events::Event& event) {
  if (const auto* start = std::get_if<events::SessionStarted>(&event)) {
    start_ = *start;
  } else if (const auto* end = std::get_if<events::SessionEnded>(&event)) {
    end_ = *end;
  }
}

std::string SessionSummary::render() const {
  if (!start_ || !end_) return "";
  const events::SessionStarted& start = *start_;
  const events::SessionEnded& end = *end_;
  std::string out = "cordon: session " + start.session_id + " (" + start.profile + ") ended: ";
  if (end.timed_out) {
    out += "timed out";
  } else if (end.signal) {
    out += "killed by signal " + std::to_string(*end.signal);
  } else {
    out += "exit " + std::to_string(end.exit_code.value_or(-1));
  }
  out += " after " + seconds(end.duration);
  std::string peaks;
  if (end.peaks.memory_bytes) peaks += "memory " + mib(*end.peaks.memory_bytes);
  if (end.peaks.pids)
    peaks += (peaks.empty() ? "" : ", ") + std::to_string(*end.peaks.pids) + " pids";
  if (!peaks.empty()) out += "; peak " + peaks;
  out += "\n";
  for (const auto& wall : start.walls) {
    out +=
        "  " + std::string(wall.active ? "[on]  " : "[off] ") + wall.wall + ": " + wall.mechanism;
    if (!wall.note.empty()) out += " (" + wall.note + ")";
    out += "\n";
  }
  return out;
}

}  // namespace cordon::cli
