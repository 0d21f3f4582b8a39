// Typed session events: what the box and the other walls report, for the audit trail to persist.
//
// The box emits these through an EventSink; the CLI wires a sink (today: the session summary;
// with the audit issue: the hash-chained store). Events never carry secret values.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace cordon::events {

// One wall as built for this session, with the mechanism that enforces it.
struct WallStatus {
  std::string wall;       // "isolation", "filesystem", "egress", "resources", ...
  std::string mechanism;  // "user+mount+pid+net+ipc+uts+cgroup namespaces", "landlock abi 6", ...
  bool active = true;     // false only where the policy explicitly allowed a degrade
  std::string note;       // why a wall is degraded, or what is not enforced yet
};

struct SessionStarted {
  std::string session_id;
  std::string cordon_version;
  std::string profile;
  std::string policy_text;  // the effective policy as rendered by `policy show`
  std::string user;
  std::string workspace;
  std::vector<std::string> command;
  std::vector<WallStatus> walls;
};

struct SetupFailed {
  std::string session_id;
  std::string step;  // a box launch step name, e.g. "mount-system-dirs"
  int sys_errno = 0;
  std::string message;
};

struct ResourcePeaks {
  std::optional<uint64_t> memory_bytes;
  std::optional<uint64_t> pids;
};

struct SessionEnded {
  std::string session_id;
  std::optional<int> exit_code;  // set when the program exited
  std::optional<int> signal;     // set when it was killed by a signal
  bool timed_out = false;
  std::chrono::milliseconds duration{0};
  ResourcePeaks peaks;
};

using Event = std::variant<SessionStarted, SetupFailed, SessionEnded>;

// Receives events in order. Implementations must not block the caller for long.
class EventSink {
 public:
  virtual ~EventSink() = default;
  virtual void emit(const Event& event) = 0;
};

// A sink that keeps events in memory (tests, and the summary until the audit store exists).
class RecordingSink : public EventSink {
 public:
  void emit(const Event& event) override { events_.push_back(event); }
  const std::vector<Event>& events() const { return events_; }

 private:
  std::vector<Event> events_;
};

}  // namespace cordon::events
